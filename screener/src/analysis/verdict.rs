//! [`Analysis`]: the model's validated verdict on one signal — what the desktop shows and
//! what the `analysis` frame carries (`decision, direction, confidence, reasoning, keyLevels,
//! tradePlan`, camelCase on the wire).
//!
//! The shape follows the original's cloud analysis (`docs/original-system.md` §1.8, §2.6):
//! decision `enter_trade | bad_setup | wait`, confidence 0–100, entry / stop / take-profit
//! levels with support and resistance, and a short trade plan. Unlike the original, the levels
//! come from the model (which sees the real candles) and are checked against the signal's
//! price and the direction instead of being recomputed from a fallback ATR. Parsing and
//! checking live in [`validate`](super::validate).

use serde::{Deserialize, Serialize};

/// Longest `reasoning` kept, in characters (longer text is cut, marked with `…`).
pub const MAX_REASONING_CHARS: usize = 2_000;
/// Longest text of a trade-plan field, in characters (cut likewise).
pub const MAX_PLAN_CHARS: usize = 500;
/// Most prices in each level list (take profit, support, resistance).
pub const MAX_LEVELS: usize = 5;
/// Every level must lie within this factor of the signal's price (e.g. price / 3 … price × 3):
/// anything further is not a level of this chart but a hallucination or a unit mistake.
pub const LEVEL_BAND: f64 = 3.0;
/// Largest plausible risk:reward ratio.
pub const MAX_RISK_REWARD: f64 = 100.0;

/// The verdict of the model, every field checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub decision: Decision,
    pub direction: Direction,
    /// 0–100.
    pub confidence: u8,
    /// At most [`MAX_REASONING_CHARS`] characters, never empty.
    pub reasoning: String,
    pub key_levels: KeyLevels,
    pub trade_plan: TradePlan,
}

/// What to do with the signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// A clear setup with acceptable risk: entry, stop and targets are given.
    EnterTrade,
    /// Promising but needs confirmation.
    Wait,
    /// Not worth trading.
    BadSetup,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::EnterTrade, Decision::Wait, Decision::BadSetup];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::EnterTrade => "enter_trade",
            Decision::Wait => "wait",
            Decision::BadSetup => "bad_setup",
        }
    }
}

/// The side of the trade the model sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Long,
    Short,
    /// No side (only with `wait` or `bad_setup`).
    #[serde(rename = "none")]
    Neither,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Long, Direction::Short, Direction::Neither];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Long => "long",
            Direction::Short => "short",
            Direction::Neither => "none",
        }
    }
}

/// Prices that matter for the trade; every one finite, positive and near the signal's price.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyLevels {
    pub entry: Option<f64>,
    pub stop_loss: Option<f64>,
    /// Targets, nearest first; beyond the entry in the trade's direction.
    pub take_profit: Vec<f64>,
    pub support: Vec<f64>,
    pub resistance: Vec<f64>,
}

/// How the trade would be run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradePlan {
    /// The pattern or situation being traded.
    pub setup: String,
    /// What must happen to enter.
    pub entry_trigger: String,
    /// What proves the idea wrong.
    pub invalidation: String,
    /// How long the trade is expected to take, e.g. "4–12 hours".
    pub time_horizon: String,
    /// Reward over risk from entry, stop and first target, when the model states it.
    pub risk_reward: Option<f64>,
}
