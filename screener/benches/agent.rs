//! Agent benchmark: the real `screener serve` (release build) against the fake Binance with
//! 400 symbols × 3 intervals (5m, 15m, 1h) × 500 candles of history, then 20 traders (the 8
//! built-ins, 11 JavaScript filters that loop over their candles, and one probe that fires
//! on every 5m close). Reports
//!
//! - resident memory idle (backfilled, no trader) and loaded (after the rounds), and the peak;
//! - the latency from a candle close leaving the fake exchange to the probe's `signal` frame
//!   on an owner's WebSocket, p50 / p99 / max over every symbol of every round (hourly
//!   rounds, where all 1 200 series close at once, included).
//!
//! `cargo bench -p screener --bench agent` (`-- --quick` for 6 rounds instead of 36). The
//! report is printed and written to `target/agent-bench.json`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fake_binance::agent::{AgentProcess, Client, T0};
use fake_binance::{data, FakeBinance, FakeConfig};
use screener::market::Interval;
use screener::protocol::ServerFrame;
use screener::trader::builtins::builtins;
use screener::trader::Trader;

const SYMBOLS: usize = 400;
const HISTORY: usize = 500;
const HOUR: i64 = 3_600_000;

fn symbols() -> Vec<String> {
    (0..SYMBOLS).map(|i| format!("S{i:03}USDT")).collect()
}

/// 400 symbols with 600 candles per interval, the clock at the end of hour 520.
fn market() -> FakeBinance {
    let fake = FakeBinance::start(FakeConfig::fast());
    let now = T0 + 520 * HOUR;
    for (i, symbol) in symbols().iter().enumerate() {
        for interval in [Interval::M5, Interval::M15, Interval::H1] {
            let span = interval.duration_ms();
            let first = now - (HISTORY as i64 + 20) * span;
            let price = 10.0 + i as f64 * 0.37;
            fake.load(
                symbol,
                interval,
                data::synthetic(interval, first, 600, price, i as u64 * 3 + 1),
            );
        }
    }
    fake.set_now(now + 1_000);
    fake
}

fn trader(id: &str, code: &str) -> Trader {
    let json = serde_json::json!({"id": id, "name": id, "version": 1,
        "filter": {"code": code, "refreshInterval": "5m", "requiredTimeframes": ["5m"], "cooldownBars": 1}});
    Trader::from_json(&json.to_string()).expect("bench trader")
}

/// The built-ins, eleven looping filters and the probe.
fn traders() -> Vec<Trader> {
    let templates = [
        ("sma-above", "let s = 0; for (let i = k.length - L; i < k.length; i++) s += parseFloat(k[i][4]);\nreturn parseFloat(k[k.length - 1][4]) > s / L;"),
        ("green-count", "let g = 0; for (let i = k.length - L; i < k.length; i++) if (parseFloat(k[i][4]) > parseFloat(k[i][1])) g++;\nreturn g > L * 0.6;"),
        ("range-break", "let hi = -Infinity; for (let i = k.length - L; i < k.length - 1; i++) hi = Math.max(hi, parseFloat(k[i][2]));\nreturn parseFloat(k[k.length - 1][4]) > hi;"),
        ("volume-trend", "let a = 0, b = 0; const h = L / 2;\nfor (let i = k.length - L; i < k.length - h; i++) a += parseFloat(k[i][5]);\nfor (let i = k.length - h; i < k.length; i++) b += parseFloat(k[i][5]);\nreturn b > 1.5 * a;"),
    ];
    let mut all = builtins();
    'outer: for (name, body) in templates {
        for l in [100, 200, 480] {
            if all.len() == 19 {
                break 'outer;
            }
            let code = format!("const k = timeframes['5m'];\nconst L = {l};\nif (k.length < L) return false;\n{body}");
            all.push(trader(&format!("{name}-{l}"), &code));
        }
    }
    all.push(trader("probe", "return true;"));
    all
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn settle_rss(agent: &AgentProcess) -> u64 {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut samples = Vec::new();
    for _ in 0..5 {
        samples.push(agent.rss_bytes());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn peak_rss(agent: &AgentProcess) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", agent.pid())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

const MB: f64 = 1024.0 * 1024.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 6 } else { 36 };
    let fake = market();
    let dir = tempfile::tempdir().unwrap();
    let names = symbols();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let started = Instant::now();
    let agent = AgentProcess::spawn_with(
        env!("CARGO_BIN_EXE_screener").as_ref(),
        &fake,
        &names,
        dir.path(),
        &["--intervals", "5m,15m,1h", "--history", "500"],
    )
    .await;
    agent.ready_within(Duration::from_secs(300)).await;
    let backfill = started.elapsed();
    let idle = settle_rss(&agent).await;
    println!(
        "ready after {:.1} s; idle RSS {:.1} MB",
        backfill.as_secs_f64(),
        idle as f64 / MB
    );

    let mut owner = Client::owner(agent.addr).await;
    for (n, trader) in traders().into_iter().enumerate() {
        if let Err((code, message)) = owner.deploy(&format!("deploy-{n}"), trader).await {
            panic!("deploy refused: {code}: {message}");
        }
    }
    owner.resume_from(0).await;

    let mut latencies_ms = Vec::new();
    let mut hourly_ms = Vec::new();
    let mut signals = 0usize;
    for round in 0..rounds {
        let closes_at = fake.now() - fake.now().rem_euclid(300_000) + 300_000;
        let hourly = closes_at % HOUR == 0;
        let sent = Instant::now();
        fake.advance(Interval::M5, 1);
        let mut probe: HashMap<String, f64> = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while probe.len() < SYMBOLS && Instant::now() < deadline {
            let Some(frame) = owner.next(Duration::from_secs(30)).await else {
                panic!("the agent closed the connection in round {round}");
            };
            if let ServerFrame::Signal(s) = frame {
                signals += 1;
                if s.trader_id == "probe" && s.close_time + 1 == closes_at {
                    probe.insert(s.symbol, sent.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        assert_eq!(
            probe.len(),
            SYMBOLS,
            "round {round}: every symbol signalled"
        );
        let worst = probe.values().cloned().fold(0.0, f64::max);
        println!(
            "round {round:2}{}: last probe signal after {worst:.1} ms",
            if hourly { " (hourly)" } else { "" }
        );
        if hourly {
            hourly_ms.extend(probe.values());
        }
        latencies_ms.extend(probe.into_values());
        // Drain the other traders' signals of this round before the next close.
        let _ = owner.collect(Duration::from_millis(300)).await;
    }
    let loaded = settle_rss(&agent).await;
    let peak = peak_rss(&agent);
    latencies_ms.sort_by(f64::total_cmp);
    hourly_ms.sort_by(f64::total_cmp);
    let p50 = percentile(&latencies_ms, 50.0);
    let p99 = percentile(&latencies_ms, 99.0);
    let max = latencies_ms.last().copied().unwrap_or(f64::NAN);
    let report = serde_json::json!({
        "symbols": SYMBOLS, "intervals": ["5m", "15m", "1h"], "history": HISTORY, "traders": 20,
        "rounds": rounds, "probeSignals": latencies_ms.len(), "signalsReceived": signals,
        "readyAfterSeconds": backfill.as_secs_f64(),
        "rssIdleMB": idle as f64 / MB, "rssLoadedMB": loaded as f64 / MB, "rssPeakMB": peak as f64 / MB,
        "closeToSignalMs": {"p50": p50, "p99": p99, "max": max,
            "hourlyP99": percentile(&hourly_ms, 99.0)},
        "targets": {"rssMB": 60, "p99Ms": 150},
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/agent-bench.json");
    let _ = std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap());
    println!(
        "RSS idle {:.1} MB, loaded {:.1} MB, peak {:.1} MB (target ≤ 60); close → signal p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms (target p99 ≤ 150)",
        idle as f64 / MB,
        loaded as f64 / MB,
        peak as f64 / MB
    );
}
