//! The cost report as the window and `trademind costs --json` show it.

use serde::Serialize;
use ts_rs::TS;

use super::budget::{Budget, BudgetStatus};
use super::ledger::MonthCosts;

/// One UTC day's costs (USD).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub started_hours: f64,
    pub compute_usd: f64,
    pub storage_usd: f64,
    pub total_usd: f64,
}

/// A price override: USD per started hour for a size.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PriceOverride {
    pub size: String,
    pub usd_per_hour: f64,
}

/// A month's costs, day by day, and the budget against them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostReport {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// RFC 3339: the running interval is counted up to this instant.
    pub as_of: String,
    pub days: Vec<CostDay>,
    pub compute_usd: f64,
    pub storage_usd: f64,
    pub total_usd: f64,
    /// `None` without a budget.
    pub budget: Option<BudgetStatus>,
    pub overrides: Vec<PriceOverride>,
    /// Sizes that had no price (counted as $0).
    pub unpriced: Vec<String>,
}

impl CostReport {
    pub fn new(
        costs: &MonthCosts,
        now_ms: i64,
        budget: Option<&Budget>,
        overrides: Vec<PriceOverride>,
    ) -> Self {
        let days = costs
            .days
            .iter()
            .map(|(date, d)| CostDay {
                date: date.format("%Y-%m-%d").to_string(),
                started_hours: d.started_hours,
                compute_usd: d.compute_usd,
                storage_usd: d.storage_usd,
                total_usd: d.compute_usd + d.storage_usd,
            })
            .collect();
        let total = costs.total_usd();
        Self {
            month: costs.month.to_string(),
            as_of: chrono::DateTime::from_timestamp_millis(now_ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            days,
            compute_usd: costs.compute_usd(),
            storage_usd: costs.storage_usd(),
            total_usd: total,
            budget: budget.map(|b| BudgetStatus::of(b, total)),
            overrides,
            unpriced: costs.unpriced.clone(),
        }
    }
}
