//! [`AnalysisJob`]: one signal to analyse, with its trader and the real candles behind it.
//!
//! The candles are copied out of the engine's store when the signal is submitted — the
//! closed candles of the signal's (symbol, interval) ending with the very candle that fired —
//! so the analysis never races later closes and the screening thread never waits for it.
//! Enough history is taken for the indicators (SMA 200) even when the trader sends fewer
//! candles to the model (`strategy.aiAnalysisLimit`).

use std::sync::Arc;

use crate::engine::Signal;
use crate::market::{Candle, CandleStore};
use crate::trader::Trader;

/// Candles taken for indicator values, whatever the trader's `aiAnalysisLimit`.
pub const INDICATOR_HISTORY: usize = 250;

/// A signal waiting for its analysis.
#[derive(Debug, Clone)]
pub struct AnalysisJob {
    pub signal: Signal,
    pub trader: Arc<Trader>,
    /// Closed candles of the signal's symbol and interval, oldest first, the last one being
    /// the signal's candle. Empty when none was stored: the job then fails with `no_candles`
    /// without calling the model.
    pub candles: Vec<Candle>,
}

impl AnalysisJob {
    pub fn new(signal: Signal, trader: Arc<Trader>, candles: Vec<Candle>) -> AnalysisJob {
        AnalysisJob {
            signal,
            trader,
            candles,
        }
    }

    /// A job whose candles are the store's window ending at the signal's candle: the larger
    /// of the trader's `aiAnalysisLimit` and [`INDICATOR_HISTORY`].
    pub fn from_store(signal: Signal, trader: Arc<Trader>, store: &CandleStore) -> AnalysisJob {
        let wanted = history_for(&trader);
        let candles = store
            .series(&signal.symbol, signal.interval)
            .and_then(|series| series.window(signal.open_time, wanted))
            .map(|window| window.to_vec())
            .unwrap_or_default();
        AnalysisJob::new(signal, trader, candles)
    }

    /// The candles sent to the model: the last `aiAnalysisLimit` of those at or before the
    /// signal's candle.
    pub fn prompt_candles(&self) -> &[Candle] {
        let usable = self.usable_candles();
        let limit = self.trader.strategy.ai_analysis_limit.max(1) as usize;
        &usable[usable.len().saturating_sub(limit)..]
    }

    /// Every candle at or before the signal's candle (a caller-built job could hold later
    /// ones; they are never shown to the model).
    pub fn usable_candles(&self) -> &[Candle] {
        let end = self
            .candles
            .partition_point(|c| c.open_time <= self.signal.open_time);
        &self.candles[..end]
    }
}

/// Candles to copy for `trader`'s analyses.
pub fn history_for(trader: &Trader) -> usize {
    (trader.strategy.ai_analysis_limit as usize).max(INDICATOR_HISTORY)
}
