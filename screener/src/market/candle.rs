//! One candle (kline) keyed by its open time, and its form as the 12-element Binance kline
//! array that JavaScript trader filters receive.
//!
//! Times are UTC epoch milliseconds. Prices and volumes are `f64` parsed straight from the
//! source's decimal strings. Fields that some sources lack (the shared CSV layout has only
//! OHLCV) are `Option`s: `None` means "unknown", never zero. In the kline array an unknown
//! quote volume is estimated (see [`Candle::quote_volume_or_estimate`]) and unknown trade counts
//! and taker volumes are written as `0` / `"0"`, so `parseFloat` still works in filters.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::decimal;
use super::interval::Interval;

/// A single OHLCV candle.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candle {
    /// Open time, epoch ms: the candle's key.
    pub open_time: i64,
    /// Close time, epoch ms: the candle's last millisecond (`open_time + interval − 1`).
    pub close_time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Base-asset volume.
    pub volume: f64,
    /// Quote-asset volume, when the source has it.
    pub quote_volume: Option<f64>,
    /// Number of trades, when the source has it.
    pub trades: Option<u64>,
    /// Taker buy base-asset volume, when the source has it.
    pub taker_buy_base_volume: Option<f64>,
    /// Taker buy quote-asset volume, when the source has it.
    pub taker_buy_quote_volume: Option<f64>,
}

impl Candle {
    /// An OHLCV candle whose close time is `open_time + interval − 1` and whose other fields
    /// are unknown.
    pub fn new(
        open_time: i64,
        interval: Interval,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> Candle {
        Candle {
            open_time,
            close_time: open_time.saturating_add(interval.duration_ms() - 1),
            open,
            high,
            low,
            close,
            volume,
            quote_volume: None,
            trades: None,
            taker_buy_base_volume: None,
            taker_buy_quote_volume: None,
        }
    }

    /// Whether the candle had closed at `now_ms`: its last millisecond lies before `now_ms`.
    /// Binance's REST API returns the still-forming candle last; it fails this test.
    pub fn is_closed_at(&self, now_ms: i64) -> bool {
        self.close_time < now_ms
    }

    /// The typical price `(high + low + close) / 3`.
    pub fn typical_price(&self) -> f64 {
        (self.high + self.low + self.close) / 3.0
    }

    /// The quote volume if known, otherwise the estimate `volume × typical price`.
    ///
    /// Recorded OHLCV files have no quote volume, yet filters screen on it (the ticker's `q`);
    /// the estimate keeps such filters meaningful in replay. Exact whenever the source has it.
    pub fn quote_volume_or_estimate(&self) -> f64 {
        self.quote_volume
            .unwrap_or_else(|| self.volume * self.typical_price())
    }

    /// The 12-element Binance kline array `[openTime, open, high, low, close, volume,
    /// closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, "0"]`: times and trades as
    /// JSON numbers, prices and volumes as shortest round-trip decimal strings.
    pub fn to_kline_json(&self) -> Value {
        let text = |v: f64| Value::String(decimal::shortest(v));
        Value::Array(vec![
            Value::from(self.open_time),
            text(self.open),
            text(self.high),
            text(self.low),
            text(self.close),
            text(self.volume),
            Value::from(self.close_time),
            text(self.quote_volume_or_estimate()),
            Value::from(self.trades.unwrap_or(0)),
            text(self.taker_buy_base_volume.unwrap_or(0.0)),
            text(self.taker_buy_quote_volume.unwrap_or(0.0)),
            Value::String("0".to_owned()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_derives_close_time_from_interval() {
        let c = Candle::new(1_672_677_900_000, Interval::M5, 1.0, 2.0, 0.5, 1.5, 3.0);
        assert_eq!(c.close_time, 1_672_678_199_999);
        assert!(!c.is_closed_at(1_672_678_199_999));
        assert!(c.is_closed_at(1_672_678_200_000));
        assert_eq!(c.quote_volume, None);
    }

    #[test]
    fn kline_array_matches_binance_shape() {
        let c = Candle {
            open_time: 1_637_971_200_000,
            close_time: 1_637_971_259_999,
            open: 0.00002853,
            high: 0.00002854,
            low: 0.00002851,
            close: 0.00002854,
            volume: 36304.2,
            quote_volume: Some(1.03547608),
            trades: Some(79),
            taker_buy_base_volume: Some(19523.0),
            taker_buy_quote_volume: Some(0.55694227),
        };
        assert_eq!(
            c.to_kline_json(),
            json!([
                1_637_971_200_000_i64,
                "0.00002853",
                "0.00002854",
                "0.00002851",
                "0.00002854",
                "36304.2",
                1_637_971_259_999_i64,
                "1.03547608",
                79,
                "19523",
                "0.55694227",
                "0"
            ])
        );
    }

    #[test]
    fn kline_array_fills_unknown_fields() {
        let c = Candle::new(
            1_672_677_900_000,
            Interval::M5,
            16727.3,
            16728.8,
            16726.0,
            16726.1,
            2.0,
        );
        let k = c.to_kline_json();
        assert_eq!(k[3], json!("16726"));
        let q: f64 = k[7]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        assert!((q - 2.0 * (16728.8 + 16726.0 + 16726.1) / 3.0).abs() < 1e-6);
        assert_eq!(k[8], json!(0));
        assert_eq!(k[9], json!("0"));
        assert_eq!(k[10], json!("0"));
    }

    #[test]
    fn serde_round_trip() {
        let c = Candle::new(1_000_000_000_000, Interval::M1, 1.0, 1.0, 1.0, 1.0, 0.0);
        let text = serde_json::to_string(&c).unwrap_or_default();
        assert!(text.contains("\"openTime\":1000000000000"), "{text}");
        let back: Option<Candle> = serde_json::from_str(&text).ok();
        assert_eq!(back, Some(c));
    }
}
