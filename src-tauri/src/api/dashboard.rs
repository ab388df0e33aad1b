//! The health dashboard: every metric chart of one range plus the latest figures and the
//! agent's scale recommendation, redrawn as metrics frames arrive (at most 4 times a second).

use serde::Serialize;
use ts_rs::TS;

use screener::protocol::Metrics;

use crate::store::metrics::{MetricName, MetricsRange};

/// The most redraws per second a dashboard subscription sends.
pub const MAX_REDRAWS_PER_SECOND: u32 = 4;

/// One redraw of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardFrame {
    pub range: MetricsRange,
    /// The newest metrics frame kept, if any, and when it arrived (ms since the epoch).
    pub latest: Option<Metrics>,
    pub latest_at_ms: Option<i64>,
    /// One SVG chart per metric, in [`MetricName`] order.
    pub charts: Vec<ChartView>,
    pub recommendation: Option<ScaleAdvice>,
}

/// One metric's chart.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartView {
    pub metric: MetricName,
    pub title: String,
    /// The latest value as shown, with its unit (e.g. `42.1 %`).
    pub latest: Option<String>,
    /// A plotters SVG document.
    pub svg: String,
}

/// The agent's recommended size against the machine's, with the cost of applying it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScaleAdvice {
    pub current_size: String,
    pub current_cpus: u32,
    pub recommended_cpus: u32,
    /// The size name "apply" resizes to (`machine_resize`).
    pub recommended_size: String,
    /// Estimated USD per hour, now and after.
    pub current_cost_per_hour: f64,
    pub recommended_cost_per_hour: f64,
    /// Recommended differs from current.
    pub differs: bool,
}
