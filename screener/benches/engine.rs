//! Engine benchmark: 400 symbols × 20 traders (the 8 built-ins and 12 filters that loop over
//! their klines in JavaScript), 500 candles of history per interval, rounds of candle closes.
//! Reports the time from a round's closes to all its signals (p50/p99/max) for the hourly
//! rounds, where every trader runs on every symbol, and the process's resident memory.
//!
//! `cargo bench -p screener --bench engine` (add `-- --quick` for a short run).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use screener::engine::{ClosedCandle, Engine, EngineConfig};
use screener::market::{Aggregator, Candle, CandleFile, Interval, LeadingPartial};
use screener::trader::builtins::builtins;
use screener::trader::Trader;

const SYMBOLS: usize = 400;
const HISTORY: usize = 500;

/// Twelve filters in the style traders write: loops over klines with `parseFloat`.
fn js_traders() -> Vec<Trader> {
    let templates = [
        ("sma-above", "let s = 0; for (let i = k.length - L; i < k.length; i++) s += parseFloat(k[i][4]);\nreturn parseFloat(k[k.length - 1][4]) > s / L;"),
        ("green-count", "let g = 0; for (let i = k.length - L; i < k.length; i++) if (parseFloat(k[i][4]) > parseFloat(k[i][1])) g++;\nreturn g > L * 0.6;"),
        ("range-break", "let hi = -Infinity; for (let i = k.length - L; i < k.length - 1; i++) hi = Math.max(hi, parseFloat(k[i][2]));\nreturn parseFloat(k[k.length - 1][4]) > hi;"),
        ("volume-trend", "let a = 0, b = 0; const h = L / 2;\nfor (let i = k.length - L; i < k.length - h; i++) a += parseFloat(k[i][5]);\nfor (let i = k.length - h; i < k.length; i++) b += parseFloat(k[i][5]);\nreturn b > 1.5 * a;"),
    ];
    let lookbacks = [100, 200, 480];
    let mut traders = Vec::new();
    for (name, body) in templates {
        for l in lookbacks {
            let code = format!("const k = timeframes['1h'];\nconst L = {l};\nif (k.length < L) return false;\n{body}");
            traders.push(hourly_trader(&format!("{name}-{l}"), &code));
        }
    }
    traders
}

/// Twenty filters that only return `false`: the fixed cost of an evaluation.
fn trivial_traders() -> Vec<Trader> {
    (0..20)
        .map(|i| hourly_trader(&format!("trivial-{i}"), "return false;"))
        .collect()
}

/// A trader running `code` on every 1h close.
fn hourly_trader(id: &str, code: &str) -> Trader {
    let json = serde_json::json!({"id": id, "name": id,
        "filter": {"code": code, "refreshInterval": "1h", "requiredTimeframes": ["1h"], "cooldownBars": 1}});
    Trader::from_json(&json.to_string()).expect("bench trader")
}

/// Symbol `s`'s 5m candle at `step`: the real BTC/USDT series, shifted in time and scaled in
/// price (made on the fly so the benchmark's input does not weigh on the measured memory).
fn candle(base: &[Candle], s: usize, step: usize) -> Candle {
    let src = base[((s * 37) % 500 + step) % base.len()];
    let scale = 1.0 + s as f64 * 0.013;
    let open_time = base[0].open_time + step as i64 * 300_000;
    Candle {
        open_time,
        close_time: open_time + 299_999,
        open: src.open * scale,
        high: src.high * scale,
        low: src.low * scale,
        close: src.close * scale,
        volume: src.volume,
        ..src
    }
}

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let measured_hours = if quick { 6 } else { 30 };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/btcusdt_5m_2023-01-02_2023-02-09.csv");
    let base = CandleFile::load(&path, None, None)
        .expect("recorded data")
        .candles;
    // Enough 5m steps for 500 hours of history, then the measured hours.
    let warm_hours = HISTORY + 2;
    let steps = (warm_hours + measured_hours) * 12;
    let names: Vec<String> = (0..SYMBOLS).map(|s| format!("SYM{s:03}USDT")).collect();

    let mut engine = Engine::new(EngineConfig {
        history: HISTORY,
        ..EngineConfig::default()
    })
    .expect("engine");
    // SCREENER_BENCH_TRADERS=builtins|js runs one kind only (for a cost breakdown).
    let kind = std::env::var("SCREENER_BENCH_TRADERS").unwrap_or_default();
    let mut traders = if kind == "js" || kind == "trivial" {
        Vec::new()
    } else {
        builtins()
    };
    if kind == "trivial" {
        traders.extend(trivial_traders());
    } else if kind != "builtins" {
        traders.extend(js_traders());
    }
    for t in traders {
        engine.upsert_trader(t).expect("trader");
    }
    let mut aggregators: Vec<[Aggregator; 2]> = (0..SYMBOLS)
        .map(|_| {
            [
                Aggregator::new(Interval::M5, Interval::M15, LeadingPartial::Skip).expect("15m"),
                Aggregator::new(Interval::M5, Interval::H1, LeadingPartial::Skip).expect("1h"),
            ]
        })
        .collect();

    engine.pause();
    let mut hourly = Vec::new();
    let mut other = Vec::new();
    let (mut evaluations, mut signals, mut errors) = (0usize, 0usize, 0usize);
    let mut hourly_evaluations = 0;
    let started = Instant::now();
    for step in 0..steps {
        if step == (warm_hours - 2) * 12 {
            engine.resume(); // two warm-up hours fill the workers' resident arrays
        }
        let mut closes = Vec::with_capacity(SYMBOLS * 3);
        for s in 0..SYMBOLS {
            let candle = candle(&base, s, step);
            closes.push(ClosedCandle {
                symbol: names[s].clone(),
                interval: Interval::M5,
                candle,
            });
            for aggregator in &mut aggregators[s] {
                for larger in aggregator.push(&candle).expect("in order") {
                    closes.push(ClosedCandle {
                        symbol: names[s].clone(),
                        interval: aggregator.larger(),
                        candle: larger,
                    });
                }
            }
        }
        let is_hour = closes.iter().any(|c| c.interval == Interval::H1);
        let round = Instant::now();
        let report = engine.close_candles(&closes);
        let took = round.elapsed();
        if step >= warm_hours * 12 {
            evaluations += report.evaluations;
            signals += report.signals.len();
            errors += report.errors.len();
            if let Some(first) = report
                .errors
                .first()
                .filter(|_| errors == report.errors.len())
            {
                eprintln!("first error: {first}");
            }
            if is_hour {
                hourly.push(took);
                hourly_evaluations = report.evaluations;
            } else {
                other.push(took);
            }
        }
    }
    hourly.sort();
    other.sort();
    let (rss, peak) = rss_mb();
    let workers = EngineConfig::default().workers;
    let count = engine.traders().count();
    println!("engine benchmark: {SYMBOLS} symbols × {count} traders, history {HISTORY}, {workers} worker threads");
    println!(
        "hourly rounds (every trader runs): n={} evaluations/round={hourly_evaluations}",
        hourly.len()
    );
    println!(
        "  close → all signals: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms  ({:.1} µs/evaluation at p50, per core {:.1} µs)",
        ms(percentile(&hourly, 0.5)),
        ms(percentile(&hourly, 0.99)),
        ms(*hourly.last().unwrap_or(&Duration::ZERO)),
        ms(percentile(&hourly, 0.5)) * 1000.0 / hourly_evaluations.max(1) as f64,
        ms(percentile(&hourly, 0.5)) * 1000.0 * workers as f64 / hourly_evaluations.max(1) as f64,
    );
    println!(
        "other rounds (5m/15m traders only): n={} p50 {:.1} ms, p99 {:.1} ms",
        other.len(),
        ms(percentile(&other, 0.5)),
        ms(percentile(&other, 0.99))
    );
    println!("measured: {evaluations} evaluations, {signals} signals, {errors} errors; total wall {:.1} s", started.elapsed().as_secs_f64());
    println!("resident memory: {rss:.1} MB now, {peak:.1} MB peak (VmRSS / VmHWM)");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
