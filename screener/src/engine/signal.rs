//! A signal: one trader's filter matched one symbol on the close of one candle.

use serde::{Deserialize, Serialize};

use crate::market::Interval;

/// A match that passed the cooldown rule, numbered in emission order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signal {
    /// Monotonically increasing across the engine's life (the agent's journal key).
    pub seq: u64,
    pub trader_id: String,
    pub symbol: String,
    /// The trader's refresh interval: the candle that closed.
    pub interval: Interval,
    pub open_time: i64,
    pub close_time: i64,
    /// Close price of that candle.
    pub price: f64,
    /// What the filter reported as met (may be empty).
    pub conditions: Vec<String>,
}
