//! Moving the simulated clock: which kline updates Binance would have pushed between two
//! instants. For every candle whose span overlaps the step, its provisional updates fall at
//! evenly spaced times inside the span, and a candle that closes within the step gets its
//! final `"x": true` update one millisecond after its close time. Updates come out in time
//! order (ties in series order), so each stream sees its candles in order.

use screener::market::Interval;

use crate::frames;
use crate::market::{partial, Market};

/// One update to push.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Update {
    pub event_time: i64,
    pub stream: String,
    pub closed: bool,
    /// The combined-stream frame.
    pub text: String,
}

/// The updates of the step from `market.now` to `to` (nothing if `to` is not later).
pub(crate) fn updates(market: &Market, to: i64, per_candle: u32) -> Vec<Update> {
    let from = market.now;
    let mut out = Vec::new();
    if to <= from {
        return out;
    }
    for ((symbol, interval), candles) in &market.series {
        let first = candles.partition_point(|c| c.close_time < from);
        let stream = frames::stream_name(symbol, *interval);
        for candle in candles[first..].iter().take_while(|c| c.open_time < to) {
            for step in 1..=per_candle {
                let fraction = f64::from(step) / f64::from(per_candle + 1);
                let at = candle.open_time + (interval.duration_ms() as f64 * fraction) as i64;
                if (from..to).contains(&at) {
                    out.push(update(
                        symbol,
                        *interval,
                        &stream,
                        &partial(candle, fraction),
                        false,
                        at,
                    ));
                }
            }
            if candle.close_time < to {
                let at = candle.close_time + 1;
                out.push(update(symbol, *interval, &stream, candle, true, at));
            }
        }
    }
    out.sort_by_key(|u| u.event_time);
    out
}

fn update(
    symbol: &str,
    interval: Interval,
    stream: &str,
    candle: &screener::market::Candle,
    closed: bool,
    event_time: i64,
) -> Update {
    Update {
        event_time,
        stream: stream.to_owned(),
        closed,
        text: frames::kline(symbol, interval, candle, closed, event_time),
    }
}

/// The final updates of the newest `count` closed candles of every stream in `streams`, as
/// replayed to a new connection.
pub(crate) fn replay(market: &Market, streams: &[String], count: usize) -> Vec<String> {
    let mut out = Vec::new();
    if count == 0 {
        return out;
    }
    for (symbol, interval) in market.series.keys() {
        let stream = frames::stream_name(symbol, *interval);
        if !streams.contains(&stream) {
            continue;
        }
        let closed = market.closed(symbol, *interval);
        for candle in &closed[closed.len().saturating_sub(count)..] {
            out.push(frames::kline(
                symbol,
                *interval,
                candle,
                true,
                candle.close_time + 1,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::default_symbols;
    use screener::market::Candle;

    const T0: i64 = 1_699_999_980_000; // on the minute grid

    #[test]
    fn a_step_over_two_candles_sends_their_updates_in_order() {
        let mut m = Market::new(default_symbols(), T0);
        let candles = (0..4)
            .map(|i| Candle::new(T0 + i * 60_000, Interval::M1, 1.0, 2.0, 0.5, 1.5, 3.0))
            .collect();
        m.series.insert(("BTCUSDT".into(), Interval::M1), candles);
        let ups = updates(&m, T0 + 2 * 60_000 + 1, 2);
        let kinds: Vec<(i64, bool)> = ups
            .iter()
            .map(|u| ((u.event_time - T0) / 1000, u.closed))
            .collect();
        // Candle 0: updates at 20 s and 40 s, close at 60 s; candle 1 likewise; candle 2 has
        // only begun (its first update is at 140 s, after the step).
        assert_eq!(
            kinds,
            [
                (20, false),
                (40, false),
                (60, true),
                (80, false),
                (100, false),
                (120, true)
            ]
        );
        assert!(ups.iter().all(|u| u.stream == "btcusdt@kline_1m"));
        assert!(updates(&m, T0, 2).is_empty());
        m.now = T0 + 2 * 60_000 + 1;
        let replayed = replay(&m, &["btcusdt@kline_1m".to_owned()], 5);
        assert_eq!(replayed.len(), 2);
    }
}
