//! Replay of recorded candles through the engine, as `trader-filters.md` defines it:
//! evaluation starts at the first candle of the file; intervals larger than the file's are
//! aggregated from it (closed, UTC-aligned buckets only) and close in the same round as the
//! candle that closed them; the ticker is derived from the candles (rolling 24 h).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::core::{ClosedCandle, Engine};
use super::signal::Signal;
use crate::filter::FilterError;
use crate::market::{Aggregator, Candle, Interval, LeadingPartial};

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplaySummary {
    /// Source candles replayed.
    pub candles: usize,
    /// Larger-interval candles built from them.
    pub aggregated: usize,
    pub evaluations: usize,
    pub signals: usize,
    pub errors: usize,
    pub wall_time: Duration,
}

/// Replays one symbol's candles of one interval. `on_signal` and `on_error` see every signal
/// and error as it happens.
pub fn replay(
    engine: &mut Engine,
    symbol: &str,
    interval: Interval,
    candles: &[Candle],
    mut on_signal: impl FnMut(&Signal),
    mut on_error: impl FnMut(&FilterError),
) -> ReplaySummary {
    let started = Instant::now();
    let mut series = SeriesReplay::new(engine, symbol, interval);
    let mut summary = ReplaySummary::default();
    for candle in candles {
        let closes = series.closes(candle);
        summary.aggregated += closes.len() - 1;
        summary.candles += 1;
        let report = engine.close_candles(&closes);
        summary.evaluations += report.evaluations;
        summary.signals += report.signals.len();
        summary.errors += report.errors.len();
        report.signals.iter().for_each(&mut on_signal);
        report.errors.iter().for_each(&mut on_error);
    }
    summary.wall_time = started.elapsed();
    summary
}

/// One series replayed a candle at a time, for callers that act between candles (stop, drop
/// a trader): each source candle becomes one engine round with the larger-interval candles it
/// completes, exactly as [`replay`] does.
pub struct SeriesReplay {
    symbol: String,
    interval: Interval,
    aggregators: Vec<Aggregator>,
}

impl SeriesReplay {
    /// Aggregates into every larger interval the engine's traders use now.
    pub fn new(engine: &Engine, symbol: &str, interval: Interval) -> Self {
        let aggregators = larger_intervals(engine, interval)
            .into_iter()
            .filter_map(|larger| Aggregator::new(interval, larger, LeadingPartial::Skip).ok())
            .collect();
        Self {
            symbol: symbol.to_owned(),
            interval,
            aggregators,
        }
    }

    /// The round of `candle`: the candle itself first, then the larger candles it closed.
    pub fn closes(&mut self, candle: &Candle) -> Vec<ClosedCandle> {
        let mut closes = vec![ClosedCandle {
            symbol: self.symbol.clone(),
            interval: self.interval,
            candle: *candle,
        }];
        for aggregator in &mut self.aggregators {
            // Out-of-order input was rejected by the reader; an error here closes nothing.
            if let Ok(closed) = aggregator.push(candle) {
                for larger in closed {
                    closes.push(ClosedCandle {
                        symbol: self.symbol.clone(),
                        interval: aggregator.larger(),
                        candle: larger,
                    });
                }
            }
        }
        closes
    }
}

/// The intervals the loaded traders use that can be built from `source`.
fn larger_intervals(engine: &Engine, source: Interval) -> BTreeSet<Interval> {
    engine
        .traders()
        .flat_map(|t| {
            let mut all = t.timeframes();
            all.push(t.filter.refresh_interval);
            all
        })
        .filter(|i| *i != source && i.is_multiple_of(source))
        .collect()
}
