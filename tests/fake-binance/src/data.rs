//! Candles to load into the fake: the recorded files of `shared/data` (read with the
//! screener's own readers), moved in time so that every series shares one timeline, and
//! deterministic synthetic series for any number of symbols.

use std::path::{Path, PathBuf};

use screener::market::{Candle, CandleFile, Interval, ReadError};

/// The `shared/data` directory: `$TRADEMIND_SHARED_DATA` if set, else the first `shared/data`
/// found walking up from this crate's directory (the repository lives next to `shared/`).
pub fn shared_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TRADEMIND_SHARED_DATA") {
        return Some(PathBuf::from(dir));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("data"))
        .find(|dir| dir.is_dir())
}

/// Why recorded candles could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("the shared/data directory was not found (set TRADEMIND_SHARED_DATA)")]
    NoSharedData,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file} holds no candles")]
    Empty { file: String },
}

/// Reads `file` (a name inside `shared/data`) as candles of `interval`.
pub fn recorded(file: &str, interval: Interval) -> Result<Vec<Candle>, DataError> {
    let dir = shared_data_dir().ok_or(DataError::NoSharedData)?;
    let loaded = CandleFile::load(&dir.join(file), Some("X"), Some(interval))?;
    if loaded.candles.is_empty() {
        return Err(DataError::Empty {
            file: file.to_owned(),
        });
    }
    Ok(loaded.candles)
}

/// `candles` moved in time so that the first opens at `first_open` (gaps are kept).
/// `first_open` should lie on the interval's grid.
pub fn rebased(candles: &[Candle], first_open: i64) -> Vec<Candle> {
    let Some(first) = candles.first() else {
        return Vec::new();
    };
    let shift = first_open - first.open_time;
    candles
        .iter()
        .map(|c| Candle {
            open_time: c.open_time + shift,
            close_time: c.close_time + shift,
            ..*c
        })
        .collect()
}

/// `count` contiguous candles of `interval` from `first_open`: a deterministic random walk
/// around `price` (the same `seed` gives the same series), with quote volumes and trade
/// counts like an exchange's.
pub fn synthetic(
    interval: Interval,
    first_open: i64,
    count: usize,
    price: f64,
    seed: u64,
) -> Vec<Candle> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let round = |v: f64| (v * 1e4).round() / 1e4;
    let mut last = price;
    (0..count)
        .map(|i| {
            let open = last;
            let close = round(open * (1.0 + (next() - 0.5) * 0.004));
            let high = round(open.max(close) * (1.0 + next() * 0.001));
            let low = round(open.min(close) * (1.0 - next() * 0.001));
            let volume = round(1.0 + next() * 100.0);
            last = close;
            Candle {
                quote_volume: Some(round(volume * (high + low + close) / 3.0)),
                trades: Some(1 + (next() * 500.0) as u64),
                taker_buy_base_volume: Some(round(volume / 2.0)),
                taker_buy_quote_volume: Some(round(volume / 2.0 * close)),
                ..Candle::new(
                    first_open + i as i64 * interval.duration_ms(),
                    interval,
                    open,
                    high,
                    low,
                    close,
                    volume,
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_files_load_and_rebase_keeps_gaps() {
        let candles = recorded("xrpeth_1m_2019-10-11_2019-10-13.csv", Interval::M1);
        let candles = candles.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(candles.len(), 2469);
        let moved = rebased(&candles, crate::DEFAULT_NOW);
        assert_eq!(moved.len(), candles.len());
        for (a, b) in candles.windows(2).zip(moved.windows(2)) {
            assert_eq!(
                a[1].open_time - a[0].open_time,
                b[1].open_time - b[0].open_time
            );
        }
        assert_eq!(moved[10].close, candles[10].close);
    }

    #[test]
    fn synthetic_is_deterministic_and_consistent() {
        let a = synthetic(Interval::M1, 0, 50, 100.0, 7);
        assert_eq!(a, synthetic(Interval::M1, 0, 50, 100.0, 7));
        assert_ne!(a, synthetic(Interval::M1, 0, 50, 100.0, 8));
        for c in &a {
            assert!(c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close));
        }
        assert_eq!(a[49].open_time, 49 * 60_000);
    }
}
