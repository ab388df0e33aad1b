//! The agent test fixture shared by the screener's agent tests (`screener/tests/agent_*.rs`)
//! and the desktop's live-link and end-to-end tests (`tests/tests/link*.rs`, `cloud_agent.rs`):
//! a fake Binance with synthetic minutes ([`market`]), `screener serve` flags against it
//! ([`args`], [`serve_flags`]), the test tokens, the agent in process ([`Agent`]) or as the
//! real `screener serve` process ([`AgentProcess`]), a protocol client ([`Client`]) and
//! traders ([`always`]).
//!
//! ```no_run
//! # async fn demo() {
//! use fake_binance::agent::{always, args, market, Agent, Client};
//! let fake = market(&["BTCUSDT"]);
//! let dir = std::env::temp_dir().join("agent-demo");
//! let agent = Agent::start(args(&fake, &["BTCUSDT"], &dir)).await;
//! agent.ready().await;
//! let mut owner = Client::owner(agent.addr).await;
//! owner.deploy_and_follow(always("t1", 1)).await;
//! # }
//! ```

mod client;
mod in_process;
mod process;

pub use client::{seqs, Client};
pub use in_process::{no_analysis, Agent};
pub use process::AgentProcess;

use std::path::Path;
use std::time::Duration;

use crate::{data, FakeBinance, FakeConfig};
use screener::agent::args::Tokens;
use screener::agent::ServeArgs;
use screener::binance::FeedArgs;
use screener::market::Interval;

/// The fake market's start: [`crate::DEFAULT_NOW`].
pub const T0: i64 = crate::DEFAULT_NOW;
pub const MIN: i64 = 60_000;
/// The owner's and the viewer's bearer tokens (`SCREENER_OWNER_TOKEN`, `SCREENER_VIEWER_TOKEN`).
pub const OWNER: &str = "tmo_owner-token-for-the-agent-tests-0001";
pub const VIEWER: &str = "tmv_viewer-token-for-the-agent-tests-001";
/// How long a fixture waits for anything.
pub const WAIT: Duration = Duration::from_secs(15);

/// A fake Binance with `symbols` × 600 synthetic 1m candles, the clock 30 s into candle 400.
pub fn market(symbols: &[&str]) -> FakeBinance {
    let fake = FakeBinance::start(FakeConfig::fast());
    for (i, symbol) in symbols.iter().enumerate() {
        let candles = data::synthetic(Interval::M1, T0, 600, 100.0 + i as f64, i as u64 + 7);
        fake.load(symbol, Interval::M1, candles);
    }
    fake.set_now(T0 + 400 * MIN + 30_000);
    fake
}

/// `serve` flags against `fake`, journal in `dir`, listening on port 0.
pub fn args(fake: &FakeBinance, symbols: &[&str], dir: &Path) -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().expect("loopback"),
        data_dir: dir.to_path_buf(),
        feed: FeedArgs {
            quote: "USDT".into(),
            symbols: Some(symbols.iter().map(|s| s.to_string()).collect()),
            intervals: vec![Interval::M1],
            history: 100,
            binance_rest_url: fake.rest_url(),
            binance_ws_url: fake.ws_url(),
        },
        insecure_local: false,
        metrics_interval: 1,
        workers: Some(1),
        heartbeat_secs: 15,
        history_every_secs: 60,
        stale_after_secs: None,
    }
}

/// The default extra `screener serve` flags of [`AgentProcess::spawn`], as quick as [`args`]:
/// one 1m interval, 100 candles of history, one worker.
pub const QUICK_FLAGS: [&str; 6] = ["--intervals", "1m", "--history", "100", "--workers", "1"];

/// The `screener serve` flags after `--listen` and `--data-dir` against `fake`: `--symbols`,
/// metrics every second, `extra`, then the fake's REST and WebSocket URLs.
pub fn serve_flags(fake: &FakeBinance, symbols: &[&str], extra: &[&str]) -> Vec<String> {
    let mut flags = vec![
        "--symbols".to_owned(),
        symbols.join(","),
        "--metrics-interval".to_owned(),
        "1".to_owned(),
    ];
    flags.extend(extra.iter().map(|s| (*s).to_owned()));
    flags.extend([
        "--binance-rest-url".to_owned(),
        fake.rest_url(),
        "--binance-ws-url".to_owned(),
        fake.ws_url(),
    ]);
    flags
}

/// [`OWNER`] and [`VIEWER`], as the in-process agent takes them.
pub fn tokens() -> Tokens {
    Tokens::new(
        Some(OWNER.into()),
        Some(VIEWER.into()),
        "127.0.0.1:0".parse().expect("loopback"),
        false,
    )
    .expect("valid test tokens")
}

/// A trader whose filter matches every 1m candle close (cooldown 1 bar).
pub fn always(id: &str, version: u64) -> screener::trader::Trader {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "name": format!("Always {id}"),
        "version": version,
        "filter": {"code": "return true;", "refreshInterval": "1m", "cooldownBars": 1}
    }))
    .expect("a valid trader")
}

/// Polls `/health` at `url` until it says `ready`; false after `wait`.
pub async fn health_ready(url: &str, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Ok(r) = reqwest::get(url).await {
            let ok = r.status() == 200;
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            if ok && body["status"] == "ready" {
                return true;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
