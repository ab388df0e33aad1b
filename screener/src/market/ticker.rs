//! The 24 h [`Ticker`] a trader filter receives, derived from candles the way Binance's
//! `GET /api/v3/ticker/24hr` computes it: a rolling 24 h window (not the UTC day) ending with a
//! given closed candle.
//!
//! The window holds every stored candle whose open time is at or after the as-of candle's end
//! minus 24 h, so 288 candles of 5m data when none is missing (gaps just mean fewer candles).
//! For intervals of a day or longer it is the as-of candle alone. Open is the first candle's
//! open, high/low the extremes, last price the as-of close, volumes the sums. Quote volume
//! uses [`Candle::quote_volume_or_estimate`] per candle and [`Ticker::quote_volume_estimated`]
//! says whether any estimate went in.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::candle::Candle;
use super::decimal;
use super::series::CandleSeries;
use super::window::CandleWindow;

const DAY_MS: i64 = 24 * 60 * 60 * 1_000;
/// Decimals kept for computed values (sums, differences), Binance's spot precision.
const DECIMALS: usize = 8;

/// 24 h statistics of one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticker {
    pub symbol: String,
    /// Open time of the window's first candle.
    pub open_time: i64,
    /// Close time of the window's last candle.
    pub close_time: i64,
    pub open_price: f64,
    pub high_price: f64,
    pub low_price: f64,
    pub last_price: f64,
    /// `last − open`.
    pub price_change: f64,
    /// `(last − open) / open × 100`; 0 when the open is 0.
    pub price_change_percent: f64,
    /// Base-asset volume.
    pub volume: f64,
    /// Quote-asset volume (see `quote_volume_estimated`).
    pub quote_volume: f64,
    /// Whether some candle lacked a quote volume and it was estimated.
    pub quote_volume_estimated: bool,
    /// Number of trades, if every candle knew it.
    pub count: Option<u64>,
}

impl Ticker {
    /// The rolling 24 h ticker of `series` as of the candle opened at `as_of_open_time`;
    /// `None` if that candle is not stored.
    pub fn rolling_24h(
        symbol: &str,
        series: &CandleSeries,
        as_of_open_time: i64,
    ) -> Option<Ticker> {
        let upto = series.window(as_of_open_time, usize::MAX)?;
        let as_of = upto.last()?;
        let window_start = as_of.close_time.saturating_add(1).saturating_sub(DAY_MS);
        let from = upto.open_times().partition_point(|&t| t < window_start);
        let count = (upto.len() - from).max(1);
        Ticker::from_window(symbol, &series.window(as_of_open_time, count)?)
    }

    /// The ticker over exactly the candles of `window`; `None` if it is empty.
    pub fn from_window(symbol: &str, window: &CandleWindow<'_>) -> Option<Ticker> {
        Ticker::from_candles(symbol, window.iter())
    }

    /// The ticker over `candles` (oldest first); `None` if there are none.
    pub fn from_candles<I: IntoIterator<Item = Candle>>(
        symbol: &str,
        candles: I,
    ) -> Option<Ticker> {
        let mut candles = candles.into_iter();
        let first = candles.next()?;
        let mut ticker = Ticker {
            symbol: symbol.to_owned(),
            open_time: first.open_time,
            close_time: first.close_time,
            open_price: first.open,
            high_price: first.high,
            low_price: first.low,
            last_price: first.close,
            price_change: 0.0,
            price_change_percent: 0.0,
            volume: first.volume,
            quote_volume: first.quote_volume_or_estimate(),
            quote_volume_estimated: first.quote_volume.is_none(),
            count: first.trades,
        };
        for c in candles {
            ticker.close_time = c.close_time;
            ticker.high_price = ticker.high_price.max(c.high);
            ticker.low_price = ticker.low_price.min(c.low);
            ticker.last_price = c.close;
            ticker.volume += c.volume;
            ticker.quote_volume += c.quote_volume_or_estimate();
            ticker.quote_volume_estimated |= c.quote_volume.is_none();
            ticker.count = ticker.count.zip(c.trades).map(|(a, b)| a.saturating_add(b));
        }
        ticker.price_change = ticker.last_price - ticker.open_price;
        ticker.price_change_percent = if ticker.open_price == 0.0 {
            0.0
        } else {
            ticker.price_change / ticker.open_price * 100.0
        };
        Some(ticker)
    }

    /// The ticker as the JSON object filters receive: Binance's short stream names (`s c P p o
    /// h l v q`) and long REST names, decimals as strings, times and `count` as numbers
    /// (`count` is 0 when some candle's trade count is unknown).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in self.fields() {
            map.insert(key.to_owned(), value);
        }
        Value::Object(map)
    }

    fn fields(&self) -> Vec<(&'static str, Value)> {
        let price = |v: f64| Value::String(decimal::shortest(v));
        let computed = |v: f64| Value::String(decimal::rounded(v, DECIMALS));
        let percent = Value::String(decimal::fixed(self.price_change_percent, 3));
        vec![
            ("s", Value::String(self.symbol.clone())),
            ("c", price(self.last_price)),
            ("P", percent.clone()),
            ("p", computed(self.price_change)),
            ("o", price(self.open_price)),
            ("h", price(self.high_price)),
            ("l", price(self.low_price)),
            ("v", computed(self.volume)),
            ("q", computed(self.quote_volume)),
            ("symbol", Value::String(self.symbol.clone())),
            ("lastPrice", price(self.last_price)),
            ("priceChange", computed(self.price_change)),
            ("priceChangePercent", percent),
            ("openPrice", price(self.open_price)),
            ("highPrice", price(self.high_price)),
            ("lowPrice", price(self.low_price)),
            ("volume", computed(self.volume)),
            ("quoteVolume", computed(self.quote_volume)),
            ("openTime", Value::from(self.open_time)),
            ("closeTime", Value::from(self.close_time)),
            ("count", Value::from(self.count.unwrap_or(0))),
        ]
    }
}

impl Serialize for Ticker {
    /// Serialises as [`Ticker::to_json`] does.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = self.fields();
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (key, value) in &fields {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::interval::Interval;
    use serde_json::json;

    const T0: i64 = 1_672_617_600_000; // 2023-01-02 00:00 UTC

    fn hourly(hour: i64, open: f64, close: f64, volume: f64) -> Candle {
        let high = open.max(close) + 1.0;
        let low = open.min(close) - 1.0;
        Candle {
            quote_volume: Some(volume * 10.0),
            trades: Some(3),
            ..Candle::new(
                T0 + hour * 3_600_000,
                Interval::H1,
                open,
                high,
                low,
                close,
                volume,
            )
        }
    }

    #[test]
    fn rolling_window_covers_exactly_24_hours() {
        let mut s = CandleSeries::new(Interval::H1, 100);
        s.extend((0..30).map(|h| hourly(h, 100.0 + h as f64, 101.0 + h as f64, 1.0)));
        let as_of = T0 + 29 * 3_600_000;
        let t = Ticker::rolling_24h("BTCUSDT", &s, as_of);
        let t = t.unwrap_or_else(|| panic!("candle is stored"));
        // Hours 6..=29 are the 24 candles ending with hour 29.
        assert_eq!(t.open_time, T0 + 6 * 3_600_000);
        assert_eq!(t.close_time, T0 + 30 * 3_600_000 - 1);
        assert_eq!(t.open_price, 106.0);
        assert_eq!(t.last_price, 130.0);
        assert_eq!((t.high_price, t.low_price), (131.0, 105.0));
        assert_eq!(t.volume, 24.0);
        assert_eq!(t.quote_volume, 240.0);
        assert!(!t.quote_volume_estimated);
        assert_eq!(t.count, Some(72));
        assert_eq!(t.price_change, 24.0);
        assert!((t.price_change_percent - 24.0 / 106.0 * 100.0).abs() < 1e-12);
        assert!(Ticker::rolling_24h("BTCUSDT", &s, as_of + 1).is_none());
    }

    #[test]
    fn gaps_shrink_the_window_and_early_candles_use_what_exists() {
        let mut s = CandleSeries::new(Interval::H1, 100);
        s.extend([
            hourly(0, 10.0, 11.0, 1.0),
            hourly(5, 11.0, 12.0, 2.0),
            hourly(30, 12.0, 8.0, 4.0),
        ]);
        let late = Ticker::rolling_24h("X", &s, T0 + 30 * 3_600_000);
        assert_eq!(late.map(|t| (t.open_price, t.volume)), Some((12.0, 4.0)));
        let early = Ticker::rolling_24h("X", &s, T0 + 5 * 3_600_000);
        assert_eq!(early.map(|t| (t.open_price, t.volume)), Some((10.0, 3.0)));
    }

    #[test]
    fn json_uses_binance_names_and_decimal_strings() {
        let candles = [
            Candle::new(
                T0,
                Interval::H1,
                16727.3,
                16728.8,
                16726.0,
                16726.1,
                691.508,
            ),
            Candle::new(
                T0 + 3_600_000,
                Interval::H1,
                16726.0,
                16726.8,
                16705.0,
                16707.5,
                1301.173,
            ),
        ];
        let t = Ticker::from_candles("BTCUSDT", candles).unwrap_or_else(|| panic!("non-empty"));
        assert!(t.quote_volume_estimated);
        assert_eq!(t.count, None);
        let j = t.to_json();
        assert_eq!(j["s"], json!("BTCUSDT"));
        assert_eq!(j["symbol"], json!("BTCUSDT"));
        assert_eq!(j["c"], json!("16707.5"));
        assert_eq!(j["lastPrice"], json!("16707.5"));
        assert_eq!(j["o"], json!("16727.3"));
        assert_eq!(j["openPrice"], json!("16727.3"));
        assert_eq!(j["h"], json!("16728.8"));
        assert_eq!(j["l"], json!("16705"));
        assert_eq!(j["lowPrice"], json!("16705"));
        assert_eq!(j["v"], json!("1992.681"));
        assert_eq!(j["volume"], json!("1992.681"));
        assert_eq!(j["p"], json!("-19.8"));
        assert_eq!(j["P"], json!("-0.118"));
        assert_eq!(j["priceChangePercent"], json!("-0.118"));
        assert_eq!(j["openTime"], json!(T0));
        let q: f64 = j["q"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        assert_eq!(j["q"], j["quoteVolume"]);
        assert!(
            q > 1992.0 * 16_700.0 && q < 1993.0 * 16_730.0,
            "estimated q = {q}"
        );
        assert_eq!(serde_json::to_value(&t).ok(), Some(j));
        assert!(Ticker::from_candles("X", []).is_none());
    }
}
