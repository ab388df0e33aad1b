//! `GET /api/v3/klines` semantics (docs/binance-data.md §1.1–1.2): the time-window rule, the
//! limit (default 500, at most 1000), chronological order, and the 12-element kline array with
//! decimals as Binance writes them (8 places, zero-padded).

use screener::market::decimal;
use screener::market::Candle;
use serde_json::{json, Value};

/// The default and maximum `limit`.
pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 1000;

/// A parsed klines time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub limit: usize,
}

/// The candles a window selects from `visible` (chronological, as served at the current
/// time), by open time:
/// - neither bound: the newest `limit`;
/// - `startTime` only: the oldest `limit` from `startTime` on;
/// - `endTime` only: the newest `limit` up to `endTime`;
/// - both: like `startTime`, never past `endTime`.
pub fn select(visible: &[Candle], window: Window) -> &[Candle] {
    let from = window
        .start
        .map_or(0, |s| visible.partition_point(|c| c.open_time < s));
    let to = window.end.map_or(visible.len(), |e| {
        visible.partition_point(|c| c.open_time <= e)
    });
    let range = visible.get(from..to.max(from)).unwrap_or(&[]);
    if window.start.is_some() {
        &range[..range.len().min(window.limit)]
    } else {
        &range[range.len().saturating_sub(window.limit)..]
    }
}

/// A decimal as Binance writes prices and volumes: 8 places, zero-padded.
pub fn binance_decimal(value: f64) -> String {
    decimal::fixed(value, 8)
}

/// Synthetic trade ids for a candle: `(first, last)`, `(-1, -1)` without trades.
pub fn trade_ids(candle: &Candle) -> (i64, i64) {
    match candle.trades.unwrap_or(0) {
        0 => (-1, -1),
        n => {
            let first = candle.open_time / 1000;
            (first, first + n as i64 - 1)
        }
    }
}

/// The 12-element REST kline array.
pub fn kline_array(candle: &Candle) -> Value {
    let d = |v: f64| Value::String(binance_decimal(v));
    json!([
        candle.open_time,
        d(candle.open),
        d(candle.high),
        d(candle.low),
        d(candle.close),
        d(candle.volume),
        candle.close_time,
        d(candle.quote_volume_or_estimate()),
        candle.trades.unwrap_or(0),
        d(candle.taker_buy_base_volume.unwrap_or(0.0)),
        d(candle.taker_buy_quote_volume.unwrap_or(0.0)),
        "0"
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use screener::market::Interval;

    fn candles(opens: &[i64]) -> Vec<Candle> {
        opens
            .iter()
            .map(|&t| Candle::new(t * 60_000, Interval::M1, 1.0, 1.0, 1.0, 1.0, 1.0))
            .collect()
    }

    fn opens(selected: &[Candle]) -> Vec<i64> {
        selected.iter().map(|c| c.open_time / 60_000).collect()
    }

    #[test]
    fn window_rules_match_the_docs() {
        let all = candles(&[1, 2, 3, 5, 6, 7, 8]);
        let w = |start: Option<i64>, end: Option<i64>, limit| Window {
            start: start.map(|s| s * 60_000),
            end: end.map(|e| e * 60_000),
            limit,
        };
        assert_eq!(opens(select(&all, w(None, None, 3))), [6, 7, 8]);
        assert_eq!(opens(select(&all, w(Some(4), None, 3))), [5, 6, 7]);
        assert_eq!(opens(select(&all, w(None, Some(5), 2))), [3, 5]);
        assert_eq!(opens(select(&all, w(Some(2), Some(6), 10))), [2, 3, 5, 6]);
        assert_eq!(opens(select(&all, w(Some(2), Some(6), 2))), [2, 3]);
        assert!(select(&all, w(Some(9), None, 10)).is_empty());
        assert!(select(&all, w(None, Some(0), 10)).is_empty());
    }

    #[test]
    fn arrays_use_binance_decimals() {
        let c = Candle {
            trades: Some(3),
            ..Candle::new(
                60_000,
                Interval::M1,
                0.00002853,
                16726.1,
                0.00001,
                2.0,
                36304.2,
            )
        };
        let a = kline_array(&c);
        assert_eq!(a[1], json!("0.00002853"));
        assert_eq!(a[2], json!("16726.10000000"));
        assert_eq!(a[5], json!("36304.20000000"));
        assert_eq!(a[6], json!(119_999));
        assert_eq!(a[8], json!(3));
        assert_eq!(a[11], json!("0"));
        assert_eq!(trade_ids(&c), (60, 62));
    }
}
