//! The trader record of `trader-filters.md`: name, description, filter, strategy, cloud
//! settings and version, as JSON (camelCase). Reading is lenient where the original's exported
//! rows differ (`interval` for `refreshInterval`, `cloud_config` for `cloud`, extra fields
//! ignored) and strict about values: every problem names the field.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::market::Interval;

/// Intervals a filter may run on (`refreshInterval`).
pub const REFRESH_INTERVALS: [&str; 12] = [
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d",
];
/// Longest trader name.
pub const MAX_NAME_CHARS: usize = 60;
/// Default and largest history per interval a filter sees.
pub const DEFAULT_HISTORY: usize = 500;
pub const MAX_HISTORY: usize = 1500;

/// A trader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Trader {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub filter: TraderFilter,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default, alias = "cloud_config", alias = "cloudConfig")]
    pub cloud: CloudSettings,
    /// Incremented on every change (optimistic locking).
    #[serde(default = "one")]
    pub version: u64,
}

/// What the trader screens for and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderFilter {
    /// The body of an async function `(ticker, timeframes, helpers, hvnNodes)`.
    pub code: String,
    #[serde(default)]
    pub description: Vec<String>,
    /// The filter runs on the close of every candle of this interval.
    #[serde(alias = "interval")]
    pub refresh_interval: Interval,
    /// The intervals the code reads.
    #[serde(default)]
    pub required_timeframes: Vec<Interval>,
    /// Candles after a signal during which the same (trader, symbol, interval) stays quiet.
    #[serde(default = "default_cooldown")]
    pub cooldown_bars: u32,
    /// The universe; `None` means every symbol the engine streams.
    #[serde(default)]
    pub symbols: Option<Vec<String>>,
}

/// How signals are analysed and traded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Strategy {
    pub instructions: String,
    pub risk_management: RiskManagement,
    /// Candles sent to the AI analyst (1–1000).
    pub ai_analysis_limit: u32,
    pub model_tier: ModelTier,
    /// Analyses of this trader's signals running at once (1–10).
    pub max_concurrent_analysis: u32,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            instructions: String::new(),
            risk_management: RiskManagement::default(),
            ai_analysis_limit: 100,
            model_tier: ModelTier::Standard,
            max_concurrent_analysis: 3,
        }
    }
}

/// Risk limits, as fractions (0.02 = 2 %).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RiskManagement {
    pub stop_loss: f64,
    pub take_profit: f64,
    pub max_positions: u32,
    pub position_size_percent: f64,
    pub max_drawdown: Option<f64>,
}

/// Which AI model analyses the trader's signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ModelTier {
    Lite,
    #[default]
    Standard,
    Pro,
}

/// Cloud execution settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct CloudSettings {
    pub enabled_in_cloud: bool,
    pub notify_on_signal: bool,
    pub notify_on_analysis: bool,
}

/// A trader record that cannot be used, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct TraderError {
    /// Dotted path, e.g. `filter.refreshInterval`.
    pub field: String,
    pub problem: String,
}

fn yes() -> bool {
    true
}
fn one() -> u64 {
    1
}
fn default_cooldown() -> u32 {
    50
}

impl Trader {
    /// Parses and validates a trader record.
    pub fn from_json(text: &str) -> Result<Self, TraderError> {
        let trader: Trader = serde_json::from_str(text).map_err(|e| TraderError {
            field: field_of(&e),
            problem: e.to_string(),
        })?;
        trader.validate()?;
        Ok(trader)
    }

    /// Checks every value against the contract.
    pub fn validate(&self) -> Result<(), TraderError> {
        let fail = |field: &str, problem: String| {
            Err(TraderError {
                field: field.to_owned(),
                problem,
            })
        };
        let id_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.id.is_empty() || self.id.len() > 64 || !self.id.chars().all(id_ok) {
            return fail("id", "must be 1–64 letters, digits, `-`, `_` or `.`".into());
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return fail("name", format!("must be 1–{MAX_NAME_CHARS} characters"));
        }
        if self.filter.code.trim().is_empty() {
            return fail("filter.code", "is empty".into());
        }
        if !REFRESH_INTERVALS.contains(&self.filter.refresh_interval.as_str()) {
            return fail(
                "filter.refreshInterval",
                format!("must be one of {}", REFRESH_INTERVALS.join(" ")),
            );
        }
        if self.filter.cooldown_bars == 0 {
            return fail("filter.cooldownBars", "must be at least 1".into());
        }
        if let Some(symbols) = &self.filter.symbols {
            let bad = symbols.iter().find(|s| {
                s.is_empty()
                    || !s
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            });
            if let Some(bad) = bad {
                return fail(
                    "filter.symbols",
                    format!("`{bad}` is not a symbol like BTCUSDT"),
                );
            }
        }
        let s = &self.strategy;
        if !(1..=1000).contains(&s.ai_analysis_limit) {
            return fail("strategy.aiAnalysisLimit", "must be 1–1000".into());
        }
        if !(1..=10).contains(&s.max_concurrent_analysis) {
            return fail("strategy.maxConcurrentAnalysis", "must be 1–10".into());
        }
        if self.version == 0 {
            return fail("version", "must be at least 1".into());
        }
        Ok(())
    }

    /// Every interval the filter reads: the required timeframes, or the refresh interval when
    /// none are declared.
    pub fn timeframes(&self) -> Vec<Interval> {
        if self.filter.required_timeframes.is_empty() {
            vec![self.filter.refresh_interval]
        } else {
            self.filter.required_timeframes.clone()
        }
    }
}

/// Best-effort field name from a serde error (`missing field `code``, `unknown variant …`).
fn field_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.split('`').nth(1) {
        Some(field) if text.starts_with("missing field") => field.to_owned(),
        _ => format!("line {} column {}", error.line(), error.column()),
    }
}
