//! [`CandleStore`]: every [`CandleSeries`] the engine holds, keyed by (symbol, interval), each
//! bounded to the same capacity.
//!
//! Symbols are normalised to upper case (`btcusdt` and `BTCUSDT` are one series), matching
//! Binance's REST spelling; stream names use lower case and are normalised on the way in.

use std::collections::HashMap;

use super::candle::Candle;
use super::interval::Interval;
use super::series::{CandleSeries, Upsert, UpsertCounts};

/// The key of one series.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Upper-case symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    pub interval: Interval,
}

impl SeriesKey {
    /// A key with `symbol` upper-cased.
    pub fn new(symbol: &str, interval: Interval) -> SeriesKey {
        SeriesKey {
            symbol: symbol.to_ascii_uppercase(),
            interval,
        }
    }
}

/// Many candle series with one per-series capacity.
#[derive(Debug, Clone)]
pub struct CandleStore {
    capacity: usize,
    series: HashMap<SeriesKey, CandleSeries>,
}

impl CandleStore {
    /// An empty store whose series keep at most `capacity_per_series` candles each.
    pub fn new(capacity_per_series: usize) -> CandleStore {
        CandleStore {
            capacity: capacity_per_series.max(1),
            series: HashMap::new(),
        }
    }

    /// The per-series capacity.
    pub fn capacity_per_series(&self) -> usize {
        self.capacity
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the store holds no series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// The series of (`symbol`, `interval`), if it exists.
    pub fn series(&self, symbol: &str, interval: Interval) -> Option<&CandleSeries> {
        self.series.get(&SeriesKey::new(symbol, interval))
    }

    /// The series of (`symbol`, `interval`), created empty if missing.
    pub fn series_mut(&mut self, symbol: &str, interval: Interval) -> &mut CandleSeries {
        let capacity = self.capacity;
        self.series
            .entry(SeriesKey::new(symbol, interval))
            .or_insert_with(|| CandleSeries::new(interval, capacity))
    }

    /// The series of (symbol, interval), created with `capacity` (instead of the store's
    /// default) if it does not exist yet.
    pub fn series_with_capacity(
        &mut self,
        symbol: &str,
        interval: Interval,
        capacity: usize,
    ) -> &mut CandleSeries {
        self.series
            .entry(SeriesKey::new(symbol, interval))
            .or_insert_with(|| CandleSeries::new(interval, capacity))
    }

    /// Merges one candle into its series (see [`CandleSeries::upsert`]).
    pub fn upsert(&mut self, symbol: &str, interval: Interval, candle: Candle) -> Upsert {
        self.series_mut(symbol, interval).upsert(candle)
    }

    /// Merges many candles into one series, in order.
    pub fn extend<I: IntoIterator<Item = Candle>>(
        &mut self,
        symbol: &str,
        interval: Interval,
        candles: I,
    ) -> UpsertCounts {
        self.series_mut(symbol, interval).extend(candles)
    }

    /// Removes a series and returns it.
    pub fn remove(&mut self, symbol: &str, interval: Interval) -> Option<CandleSeries> {
        self.series.remove(&SeriesKey::new(symbol, interval))
    }

    /// The keys of every series, sorted by symbol then interval.
    pub fn keys(&self) -> Vec<SeriesKey> {
        let mut keys: Vec<SeriesKey> = self.series.keys().cloned().collect();
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_separate_bounded_and_case_insensitive() {
        let mut store = CandleStore::new(2);
        let t0 = 1_672_677_900_000;
        for i in 0..5 {
            let c = Candle::new(t0 + i * 300_000, Interval::M5, 1.0, 1.0, 1.0, 1.0, 1.0);
            assert_eq!(store.upsert("btcusdt", Interval::M5, c), Upsert::Appended);
        }
        let h = Candle::new(t0, Interval::H1, 1.0, 1.0, 1.0, 1.0, 1.0);
        store.upsert("BTCUSDT", Interval::H1, h);
        store.upsert("ETHBTC", Interval::M5, h);
        assert_eq!(store.len(), 3);
        assert_eq!(
            store.series("BTCUSDT", Interval::M5).map(|s| s.len()),
            Some(2)
        );
        assert_eq!(
            store.series("BtcUsdt", Interval::H1).map(|s| s.len()),
            Some(1)
        );
        assert!(store.series("BTCUSDT", Interval::M1).is_none());
        let keys = store.keys();
        assert_eq!(keys[0], SeriesKey::new("btcusdt", Interval::M5));
        assert_eq!(keys[2].symbol, "ETHBTC");
        assert!(store.remove("BTCUSDT", Interval::H1).is_some());
        assert_eq!(store.len(), 2);
    }
}
