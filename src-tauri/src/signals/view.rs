//! A signal as the feed, the detail view and `trademind signals` show it, and the bus that
//! carries new ones to subscribers.

use screener::market::Interval;
use screener::protocol::AnalysisFrame;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use ts_rs::TS;

/// Where a signal was screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignalSource {
    /// On the user's Fly machine (the agent).
    Cloud,
    /// On this computer (local screening).
    Local,
}

/// One signal in the feed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignalView {
    /// Stable and unique across sources: `cloud:<journal>:<seq>` or `local:<run>:<seq>`.
    pub key: String,
    /// The agent's journal seq (cloud) or the local run's seq (local).
    pub seq: u64,
    pub source: SignalSource,
    pub trader_id: String,
    /// The trader's name now (its id when unknown).
    pub trader_name: String,
    pub symbol: String,
    pub interval: Interval,
    pub price: f64,
    pub open_time: i64,
    pub close_time: i64,
    /// When this computer stored it, ms since the epoch.
    pub received_at: i64,
    pub conditions: Vec<String>,
    /// The AI analyst's decision (`good`, `bad`, `failed`, …) when there is one.
    pub decision: Option<String>,
    pub direction: Option<String>,
    /// 0–1.
    pub confidence: Option<f64>,
}

/// Which signals to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SignalFilter {
    pub trader_id: Option<String>,
    /// Exact symbol, case-insensitive (`btcusdt` = `BTCUSDT`).
    pub symbol: Option<String>,
    pub source: Option<SignalSource>,
    /// 1–1000; 0 means 200.
    pub limit: u32,
    /// Only signals received before this time (ms), for paging.
    pub before_ms: Option<i64>,
}

/// The detail view: the candles and indicator values that triggered it, drawn.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignalDetail {
    pub signal: SignalView,
    /// Up to the signal's candle, oldest first.
    pub candles: Vec<CandleView>,
    /// Indicator values at the signal's candle.
    pub indicators: Vec<IndicatorValue>,
    /// A plotters SVG of the candles with the signal marked.
    pub chart_svg: String,
    pub analysis: Option<AnalysisFrame>,
    /// Why candles are missing or partial (e.g. Binance unreachable), if they are.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CandleView {
    pub open_time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorValue {
    /// E.g. `RSI(14)`.
    pub name: String,
    pub value: Option<f64>,
}

/// New signals (both sources) for live subscribers, after they were stored.
#[derive(Debug, Clone)]
pub struct SignalBus(broadcast::Sender<SignalView>);

/// Signals kept for a slow subscriber before it starts missing some.
pub const SIGNAL_BUFFER: usize = 4096;

impl Default for SignalBus {
    fn default() -> Self {
        Self(broadcast::channel(SIGNAL_BUFFER).0)
    }
}

impl SignalBus {
    pub fn publish(&self, signal: SignalView) {
        let _ = self.0.send(signal);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SignalView> {
        self.0.subscribe()
    }
}
