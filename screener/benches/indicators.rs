//! Indicator throughput on 1,000,000 candles built from the recorded BTC/USDT 5m file
//! (`../shared/data`), reported per element so `time / element` reads as ns/element.
//!
//! The input tiles the 10,999 real candles, running every other copy backwards so the
//! copies join without a jump, and multiplies prices by a slow deterministic drift
//! `1 + 0.1 * sin(i / 100000)`. `tools/talib_speed.py` builds the same input for TA-Lib.
//!
//! Three groups: batch into reused output series (the computation itself, comparable to
//! TA-Lib's C functions writing into preallocated arrays), batch returning fresh series
//! (adds allocating and first-touching 16 bytes per value and output), and incremental
//! states. `cargo bench -p screener --bench indicators` takes about a minute.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use screener::indicators::{self as ind, Series};

const CANDLES: usize = 1_000_000;

struct Candles {
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
}

fn candles() -> Candles {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/btcusdt_5m_2023-01-02_2023-02-09.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<[f64; 3]> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            [f[2], f[3], f[4]]
        })
        .collect();
    let n = rows.len();
    let mut out = Candles {
        high: Vec::with_capacity(CANDLES),
        low: Vec::with_capacity(CANDLES),
        close: Vec::with_capacity(CANDLES),
    };
    for i in 0..CANDLES {
        let (copy, offset) = (i / n, i % n);
        let row = rows[if copy % 2 == 0 {
            offset
        } else {
            n - 1 - offset
        }];
        let drift = 1.0 + 0.1 * (i as f64 / 100_000.0).sin();
        out.high.push(row[0] * drift);
        out.low.push(row[1] * drift);
        out.close.push(row[2] * drift);
    }
    out
}

/// Batch indicators into series that are reused across iterations, so the figures measure
/// the computation rather than the page faults of 16 to 48 MB of fresh output.
fn reused_output(c: &mut Criterion, data: &Candles) {
    let (h, l, close) = (&data.high, &data.low, &data.close);
    let mut group = configured(c, "1M candles, reused output");
    let mut s = Series::new();
    group.bench_function("SMA(20)", |b| {
        b.iter(|| ind::sma_into(black_box(close), 20, &mut s).unwrap())
    });
    group.bench_function("EMA(20)", |b| {
        b.iter(|| ind::ema_into(black_box(close), 20, &mut s).unwrap())
    });
    group.bench_function("RSI(14)", |b| {
        b.iter(|| ind::rsi_into(black_box(close), 14, &mut s).unwrap())
    });
    let mut m = ind::Macd::default();
    group.bench_function("MACD(12,26,9)", |b| {
        b.iter(|| ind::macd_into(black_box(close), 12, 26, 9, &mut m).unwrap())
    });
    let mut bands = ind::Bands::default();
    group.bench_function("BBANDS(20,2)", |b| {
        b.iter(|| ind::bollinger_into(black_box(close), 20, 2.0, &mut bands).unwrap())
    });
    group.bench_function("ATR(14)", |b| {
        b.iter(|| ind::atr_into(black_box(h), l, close, 14, &mut s).unwrap())
    });
    let mut a = ind::Adx::default();
    group.bench_function("ADX(14)", |b| {
        b.iter(|| ind::adx_into(black_box(h), l, close, 14, &mut a).unwrap())
    });
    group.finish();
}

/// Batch indicators returning freshly allocated series.
fn fresh_output(c: &mut Criterion, data: &Candles) {
    let (h, l, close) = (&data.high, &data.low, &data.close);
    let mut group = configured(c, "1M candles, fresh output");
    group.bench_function("EMA(20)", |b| {
        b.iter(|| ind::ema(black_box(close), 20).unwrap())
    });
    group.bench_function("RSI(14)", |b| {
        b.iter(|| ind::rsi(black_box(close), 14).unwrap())
    });
    group.bench_function("MACD(12,26,9)", |b| {
        b.iter(|| ind::macd(black_box(close), 12, 26, 9).unwrap())
    });
    group.bench_function("BBANDS(20,2)", |b| {
        b.iter(|| ind::bollinger(black_box(close), 20, 2.0).unwrap())
    });
    group.bench_function("ATR(14)", |b| {
        b.iter(|| ind::atr(black_box(h), l, close, 14).unwrap())
    });
    group.bench_function("ADX(14)", |b| {
        b.iter(|| ind::adx(black_box(h), l, close, 14).unwrap())
    });
    group.finish();
}

/// Incremental states fed one value at a time.
fn incremental(c: &mut Criterion, data: &Candles) {
    let close = &data.close;
    let mut group = configured(c, "1M candles, incremental");
    group.bench_function("EMA(20)", |b| {
        b.iter(|| {
            let mut ema = ind::Ema::new(20).unwrap();
            black_box(close)
                .iter()
                .fold(0.0, |acc, &x| acc + ema.update(x).unwrap_or(0.0))
        })
    });
    group.bench_function("RSI(14)", |b| {
        b.iter(|| {
            let mut rsi = ind::Rsi::new(14).unwrap();
            black_box(close)
                .iter()
                .fold(0.0, |acc, &x| acc + rsi.update(x).unwrap_or(0.0))
        })
    });
    group.finish();
}

fn configured<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(CANDLES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group
}

fn indicators(c: &mut Criterion) {
    let data = candles();
    reused_output(c, &data);
    fresh_output(c, &data);
    incremental(c, &data);
}

criterion_group!(benches, indicators);
criterion_main!(benches);
