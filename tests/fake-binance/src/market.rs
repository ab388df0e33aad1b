//! The fake's market: the listed symbols (with the status and quote asset exchangeInfo
//! reports), the candles of each (symbol, interval) and the simulated clock.
//!
//! A candle is *closed* once the clock has passed its close time (`close_time < now`), as on
//! Binance. The candle whose span contains `now` is *forming*: REST serves it last with the
//! part of its path walked so far (see [`partial`]), the stream sends it with `"x": false`.

use std::collections::BTreeMap;

use screener::market::{Candle, Interval};

/// One listed symbol as exchangeInfo describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSpec {
    pub symbol: String,
    pub base_asset: String,
    pub quote_asset: String,
    /// `TRADING`, `BREAK`, `HALT`, `END_OF_DAY` or `CANCEL_ONLY`.
    pub status: String,
    /// `isSpotTradingAllowed`.
    pub spot: bool,
}

impl SymbolSpec {
    /// A spot pair in `TRADING`.
    pub fn trading(base: &str, quote: &str) -> Self {
        Self {
            symbol: format!("{base}{quote}"),
            base_asset: base.to_owned(),
            quote_asset: quote.to_owned(),
            status: "TRADING".to_owned(),
            spot: true,
        }
    }

    /// The same pair with another status.
    pub fn with_status(mut self, status: &str) -> Self {
        self.status = status.to_owned();
        self
    }

    /// The same pair, not tradable on spot (margin only).
    pub fn margin_only(mut self) -> Self {
        self.spot = false;
        self
    }
}

/// The symbols listed by default: TRADING spot pairs of USDT, BTC and ETH, plus pairs that a
/// universe must leave out (`BREAK`, `HALT`, margin only).
pub fn default_symbols() -> Vec<SymbolSpec> {
    vec![
        SymbolSpec::trading("BTC", "USDT"),
        SymbolSpec::trading("ETH", "USDT"),
        SymbolSpec::trading("BNB", "USDT"),
        SymbolSpec::trading("SOL", "USDT"),
        SymbolSpec::trading("XRP", "USDT"),
        SymbolSpec::trading("ADA", "USDT"),
        SymbolSpec::trading("DOGE", "USDT"),
        SymbolSpec::trading("LUNA", "USDT").with_status("BREAK"),
        SymbolSpec::trading("HALTED", "USDT").with_status("HALT"),
        SymbolSpec::trading("MRGN", "USDT").margin_only(),
        SymbolSpec::trading("BTC", "BUSD").with_status("BREAK"),
        SymbolSpec::trading("ETH", "BTC"),
        SymbolSpec::trading("ADA", "BTC"),
        SymbolSpec::trading("XRP", "ETH"),
    ]
}

/// Symbols, candles and the clock.
#[derive(Debug, Default)]
pub(crate) struct Market {
    pub symbols: BTreeMap<String, SymbolSpec>,
    /// Candles per (symbol, interval), strictly increasing open times.
    pub series: BTreeMap<(String, Interval), Vec<Candle>>,
    /// The simulated time, epoch ms.
    pub now: i64,
}

impl Market {
    pub fn new(symbols: Vec<SymbolSpec>, now: i64) -> Self {
        Self {
            symbols: symbols.into_iter().map(|s| (s.symbol.clone(), s)).collect(),
            series: BTreeMap::new(),
            now,
        }
    }

    /// The candles of a series, empty if none are loaded.
    pub fn candles(&self, symbol: &str, interval: Interval) -> &[Candle] {
        self.series
            .get(&(symbol.to_owned(), interval))
            .map_or(&[], Vec::as_slice)
    }

    /// The candles closed at `now`.
    pub fn closed(&self, symbol: &str, interval: Interval) -> &[Candle] {
        let all = self.candles(symbol, interval);
        let end = all.partition_point(|c| c.close_time < self.now);
        &all[..end]
    }

    /// What REST serves at `now`: the closed candles and, last, the forming one as far as it
    /// has come.
    pub fn visible(&self, symbol: &str, interval: Interval) -> Vec<Candle> {
        let all = self.candles(symbol, interval);
        let closed = self.closed(symbol, interval);
        let mut out = closed.to_vec();
        if let Some(forming) = all.get(closed.len()).filter(|c| c.open_time <= self.now) {
            out.push(partial(forming, fraction(forming, interval, self.now)));
        }
        out
    }
}

/// How far through its span `candle` is at `at`, in (0, 1].
pub(crate) fn fraction(candle: &Candle, interval: Interval, at: i64) -> f64 {
    let done = (at - candle.open_time + 1).clamp(1, interval.duration_ms());
    done as f64 / interval.duration_ms() as f64
}

/// The candle as it stood `fraction` of the way through its span: the close walks in a
/// straight line from the open to the final close, high and low follow it, volumes and trades
/// grow in proportion. Always inside the final candle's range, and equal to it at 1.
pub(crate) fn partial(candle: &Candle, fraction: f64) -> Candle {
    if fraction >= 1.0 {
        return *candle;
    }
    let close = candle.open + (candle.close - candle.open) * fraction;
    let scale = |v: Option<f64>| v.map(|v| v * fraction);
    Candle {
        close,
        high: candle.open.max(close),
        low: candle.open.min(close),
        volume: candle.volume * fraction,
        quote_volume: scale(candle.quote_volume),
        trades: candle.trades.map(|n| (n as f64 * fraction).floor() as u64),
        taker_buy_base_volume: scale(candle.taker_buy_base_volume),
        taker_buy_quote_volume: scale(candle.taker_buy_quote_volume),
        ..*candle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_699_999_980_000; // on the minute grid

    fn market() -> Market {
        let mut m = Market::new(default_symbols(), T0 + 3 * 60_000 + 30_000);
        let candles = (0..5)
            .map(|i| Candle::new(T0 + i * 60_000, Interval::M1, 10.0, 14.0, 8.0, 12.0, 4.0))
            .collect();
        m.series
            .insert(("BTCUSDT".to_owned(), Interval::M1), candles);
        m
    }

    #[test]
    fn closed_and_forming_follow_the_clock() {
        let m = market();
        assert_eq!(m.closed("BTCUSDT", Interval::M1).len(), 3);
        let visible = m.visible("BTCUSDT", Interval::M1);
        assert_eq!(visible.len(), 4);
        let forming = visible[3];
        assert_eq!(forming.open_time, T0 + 3 * 60_000);
        assert!((forming.volume - 2.0).abs() < 0.01, "{forming:?}");
        assert!(forming.low >= 8.0 && forming.high <= 14.0);
        assert!(m.closed("ETHUSDT", Interval::M1).is_empty());
    }

    #[test]
    fn partial_ends_at_the_final_candle() {
        let c = Candle::new(T0, Interval::M1, 10.0, 14.0, 8.0, 12.0, 4.0);
        assert_eq!(partial(&c, 1.0), c);
        let half = partial(&c, 0.5);
        assert_eq!(
            (half.open, half.close, half.high, half.low),
            (10.0, 11.0, 11.0, 10.0)
        );
        assert_eq!(fraction(&c, Interval::M1, T0 + 59_999), 1.0);
    }
}
