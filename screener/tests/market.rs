//! Market data against the recorded files in `shared/data` (row counts, gaps, the two
//! aggregation oracles of its README, the incomplete last 30m candle) and synthetic fixtures in
//! `tests/data/market` (µs timestamps, REST JSON, bad rows).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use screener::market::{aggregate, Aggregator, Candle, CandleFile, Interval, LeadingPartial};

const MINUTE: i64 = 60_000;

fn shared_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/market")
        .join(name)
}

fn load(path: &Path) -> CandleFile {
    CandleFile::load(path, None, None).unwrap_or_else(|e| panic!("{e}"))
}

fn load_shared(name: &str) -> CandleFile {
    load(&shared_data(name))
}

/// Epoch ms of a UTC date and time (days-from-civil), so the table below reads like the README.
fn utc(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + hour) * 60 + minute) * MINUTE
}

fn diffs_in_intervals(candles: &[Candle], interval: Interval) -> BTreeMap<i64, usize> {
    let mut histogram = BTreeMap::new();
    for pair in candles.windows(2) {
        let steps = (pair[1].open_time - pair[0].open_time) / interval.duration_ms();
        *histogram.entry(steps).or_insert(0) += 1;
    }
    histogram
}

fn same_ohlc(a: &Candle, b: &Candle) -> bool {
    (a.open_time, a.close_time, a.open, a.high, a.low, a.close)
        == (b.open_time, b.close_time, b.open, b.high, b.low, b.close)
}

/// Volumes of aggregated buckets are sums of f64s, so they may differ from the recorded
/// 8-decimal value in the last bits.
fn same_volume(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn incremental(candles: &[Candle], smaller: Interval, larger: Interval) -> Vec<Candle> {
    let mut aggregator =
        Aggregator::new(smaller, larger, LeadingPartial::Skip).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for candle in candles {
        out.extend(aggregator.push(candle).unwrap_or_else(|e| panic!("{e}")));
    }
    out
}

fn batch(candles: &[Candle], smaller: Interval, larger: Interval) -> Vec<Candle> {
    aggregate(candles, smaller, larger, LeadingPartial::Skip).unwrap_or_else(|e| panic!("{e}"))
}

#[path = "market/aggregation.rs"]
mod aggregation;
#[path = "market/formats.rs"]
mod formats;
#[path = "market/recorded.rs"]
mod recorded;
#[path = "market/series.rs"]
mod series;
