//! The health dashboard: every metric chart of one range plus the latest figures and the
//! agent's scale recommendation, redrawn as metrics frames arrive (at most 4 times a second).

use std::time::Duration;

use screener::protocol::{Metrics, ServerFrame};
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::{metrics, Core};
use crate::chart::{self, ChartData, ChartSize};
use crate::error::{Error, Result};
use crate::fly;
use crate::machine::size::MachineSize;
use crate::store::machine::MachineRecord;
use crate::store::metrics::{MetricName, MetricsRange};
use crate::store::Store;

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

/// The size of each dashboard chart (two columns of the dashboard grid).
pub const CHART_SIZE: ChartSize = ChartSize {
    width: 560,
    height: 200,
};

/// A redraw this long after the last one even without frames, so ages and "no data" advance.
pub const SLOW_TICK: Duration = Duration::from_secs(15);

/// The newest metrics frame a stream saw, with when it arrived (ms since the epoch).
pub type SeenFrame = (Metrics, i64);

/// One dashboard redraw for `range` now: the charts from the history, `latest` from `seen`
/// (the newest frame the stream received) or else the newest frame stored.
pub async fn frame(
    core: &Core,
    range: MetricsRange,
    seen: Option<&SeenFrame>,
) -> Result<DashboardFrame> {
    let machine = metrics::machine_key(core.store()).await?;
    let record = core.store().machine().await?;
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    let now_ms = chrono::Utc::now().timestamp_millis();
    render(
        core.store(),
        &machine,
        record.as_ref(),
        range,
        seen,
        now_ms,
        offset,
    )
    .await
}

/// [`frame`] for `machine` at `now_ms`: the histories are read here, the charts drawn on the
/// blocking pool (eleven plotters charts are a few milliseconds of CPU).
pub async fn render(
    store: &Store,
    machine: &str,
    record: Option<&MachineRecord>,
    range: MetricsRange,
    seen: Option<&SeenFrame>,
    now_ms: i64,
    utc_offset_minutes: i32,
) -> Result<DashboardFrame> {
    let mut histories = Vec::with_capacity(MetricName::ALL.len());
    for metric in MetricName::ALL {
        histories.push(metrics::history_at(store, machine, metric, range, now_ms).await?);
    }
    let stored = store.latest_metrics(machine).await?;
    let (latest, latest_at_ms) = match (seen, stored) {
        (Some((m, at)), stored) if stored.as_ref().is_none_or(|s| s.at_ms <= *at) => {
            (Some(m.clone()), Some(*at))
        }
        (_, Some(stored)) => (Some(stored.metrics), Some(stored.at_ms)),
        (_, None) => (None, None),
    };
    let recommendation = match (&latest, record) {
        (Some(m), Some(record)) => {
            scale_advice(&record.size, &record.region, m.scale_recommendation)
        }
        _ => None,
    };
    let shown_latest = latest.clone();
    let charts = tokio::task::spawn_blocking(move || {
        histories
            .into_iter()
            .map(|h| {
                let data = ChartData {
                    end_ms: now_ms,
                    points: &h.points,
                    limit: h.memory_limit_bytes.map(|l| l as f64),
                    utc_offset_minutes,
                };
                let svg = chart::render_chart(h.metric, range, &data, CHART_SIZE)?;
                let shown = chart::display(h.metric);
                let value = shown_latest
                    .as_ref()
                    .and_then(|m| h.metric.value(m))
                    .or(h.latest);
                Ok(ChartView {
                    metric: h.metric,
                    title: h.title,
                    latest: value.map(|v| chart::with_unit(v * shown.scale, shown.unit)),
                    svg,
                })
            })
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|e| Error::Internal(format!("drawing the dashboard: {e}")))??;
    Ok(DashboardFrame {
        range,
        latest,
        latest_at_ms,
        charts,
        recommendation,
    })
}

/// The agent's recommended vCPUs (1–8) against the machine's size `current` in `region`: the
/// smallest size of the same CPU kind with at least that many CPUs (the CPU priorities
/// first). `None` when the current size is unknown.
pub fn scale_advice(current: &str, region: &str, recommended_cpus: u32) -> Option<ScaleAdvice> {
    let now = MachineSize::parse(current).ok()?;
    let wanted = recommended_cpus.clamp(1, 8);
    let recommended = if wanted == now.guest.cpus {
        now.clone()
    } else {
        ["low", "normal", "high"]
            .into_iter()
            .chain(fly::sizes::PRESETS.iter().map(|p| p.name))
            .filter_map(|name| MachineSize::parse(name).ok())
            .filter(|s| s.guest.cpu_kind == now.guest.cpu_kind && s.guest.cpus >= wanted)
            .min_by_key(|s| (s.guest.cpus, s.guest.memory_mb < now.guest.memory_mb))?
    };
    let per_hour = |s: &MachineSize| s.cost(region).map_or(0.0, |c| c.per_hour);
    Some(ScaleAdvice {
        current_size: now.name.clone(),
        current_cpus: now.guest.cpus,
        recommended_cpus: wanted,
        recommended_size: recommended.name.clone(),
        current_cost_per_hour: per_hour(&now),
        recommended_cost_per_hour: per_hour(&recommended),
        differs: recommended.name != now.name,
    })
}

/// Parses the range the window asked for (`15m`, `1h`, `24h`, `7d`).
pub fn parse_range(range: &str) -> Result<MetricsRange> {
    MetricsRange::parse(range)
}

/// Streams the dashboard of `range` to `send` until `cancel` or until `send` says the window
/// is gone: a frame at once, then after metrics frames at most [`MAX_REDRAWS_PER_SECOND`]
/// times a second (the last frame of a burst is always drawn), and every [`SLOW_TICK`]
/// without frames.
pub async fn watch(
    core: &Core,
    range: MetricsRange,
    cancel: CancellationToken,
    send: impl FnMut(DashboardFrame) -> bool,
) {
    let frames = core.cloud().frames();
    run_stream(
        frames,
        cancel,
        SLOW_TICK,
        |seen| async move { frame(core, range, seen.as_ref()).await },
        send,
    )
    .await;
}

/// The stream's schedule, over any frame source and any redraw (tests feed their own), with
/// a redraw every `slow_tick` without frames.
pub async fn run_stream<R, Fut>(
    mut frames: broadcast::Receiver<ServerFrame>,
    cancel: CancellationToken,
    slow_tick: Duration,
    mut redraw: R,
    mut send: impl FnMut(DashboardFrame) -> bool,
) where
    R: FnMut(Option<SeenFrame>) -> Fut,
    Fut: std::future::Future<Output = Result<DashboardFrame>>,
{
    let min_gap = Duration::from_secs(1) / MAX_REDRAWS_PER_SECOND;
    let mut seen: Option<SeenFrame> = None;
    let mut dirty = false;
    let mut last_sent = Instant::now();
    let mut first = true;
    loop {
        if !first {
            let redraw_at = if dirty {
                last_sent + min_gap
            } else {
                last_sent + slow_tick
            };
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                frame = frames.recv() => {
                    match frame {
                        Ok(ServerFrame::Metrics(m)) => {
                            seen = Some((m, chrono::Utc::now().timestamp_millis()));
                            dirty = true;
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => dirty = true,
                        Err(RecvError::Closed) => return,
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(redraw_at) => {}
            }
        }
        first = false;
        last_sent = Instant::now();
        dirty = false;
        match redraw(seen.clone()).await {
            Ok(frame) => {
                if !send(frame) {
                    return;
                }
            }
            Err(e) => tracing::warn!(code = ?e.code(), "a dashboard redraw failed: {e}"),
        }
    }
}
