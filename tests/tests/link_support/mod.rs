//! Setup for the live-link tests: the REAL agent (`screener::agent::serve_on`) in process
//! against the fake Binance (the pattern of `screener/tests/agent_support`), a desktop store
//! in a temporary directory, fast link timings, and waits on conditions instead of sleeps.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fake_binance::{data, FakeBinance, FakeConfig};
use screener::agent::args::Tokens;
use screener::agent::ServeArgs;
use screener::binance::FeedArgs;
use screener::market::Interval;
use tokio_util::sync::CancellationToken;
use trademind::link::{Link, LinkConfig, LinkState, LinkTimings};
use trademind::sensitive::Sensitive;
use trademind::store::Store;

pub const T0: i64 = fake_binance::DEFAULT_NOW;
pub const MIN: i64 = 60_000;
pub const OWNER: &str = "tmo_owner-token-for-the-link-tests-00001";
pub const VIEWER: &str = "tmv_viewer-token-for-the-link-tests-0001";
pub const WAIT: Duration = Duration::from_secs(15);
pub const SYMBOLS: &[&str] = &["BTCUSDT", "ETHUSDT"];

/// A fake Binance with synthetic 1m candles, the clock 30 s into candle 400.
pub fn market() -> FakeBinance {
    let fake = FakeBinance::start(FakeConfig::fast());
    for (i, symbol) in SYMBOLS.iter().enumerate() {
        let candles = data::synthetic(Interval::M1, T0, 600, 100.0 + i as f64, i as u64 + 7);
        fake.load(symbol, Interval::M1, candles);
    }
    fake.set_now(T0 + 400 * MIN + 30_000);
    fake
}

fn args(fake: &FakeBinance, dir: &Path) -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        feed: FeedArgs {
            quote: "USDT".into(),
            symbols: Some(SYMBOLS.iter().map(|s| s.to_string()).collect()),
            intervals: vec![Interval::M1],
            history: 100,
            binance_rest_url: fake.rest_url(),
            binance_ws_url: fake.ws_url(),
        },
        insecure_local: false,
        metrics_interval: 1,
        workers: Some(1),
        heartbeat_secs: 15,
    }
}

fn tokens() -> Tokens {
    Tokens::new(
        Some(OWNER.into()),
        Some(VIEWER.into()),
        "127.0.0.1:0".parse().unwrap(),
        false,
    )
    .unwrap()
}

/// The agent running in this process.
pub struct Agent {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), screener::agent::AgentError>>,
}

impl Agent {
    /// Starts on `addr` (port 0 for any), journal in `dir`, and waits for `/health` ready.
    pub async fn start(fake: &FakeBinance, dir: &Path, addr: &str) -> Agent {
        let agent = Agent::spawn(fake, dir, addr).await;
        agent.ready().await;
        agent
    }

    /// Starts on `addr` without waiting for ready (its backfill may still run).
    pub async fn spawn(fake: &FakeBinance, dir: &Path, addr: &str) -> Agent {
        let deadline = tokio::time::Instant::now() + WAIT;
        let listener = loop {
            // The previous agent on this address may still be letting go of it.
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => break listener,
                Err(e) => assert!(tokio::time::Instant::now() < deadline, "bind {addr}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let analysis = screener::analysis::AnalysisConfig::from_vars(|_| None).unwrap();
        let task = tokio::spawn(screener::agent::serve_on(
            listener,
            args(fake, dir),
            tokens(),
            analysis,
            stop.clone(),
        ));
        Agent { addr, stop, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn ready(&self) {
        let url = format!("http://{}/health", self.addr);
        wait_until("agent ready", || async {
            match reqwest::get(&url).await {
                Ok(r) => r
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|b| b["status"] == "ready"),
                Err(_) => false,
            }
        })
        .await;
    }

    /// Cancels its stop token and waits for the drain.
    pub async fn stop(self) {
        self.stop.cancel();
        let ended = tokio::time::timeout(WAIT, self.task).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "clean drain: {ended:?}");
    }
}

/// A trader whose filter matches every 1m close (cooldown 1 bar).
pub fn always(id: &str, version: u64) -> screener::trader::Trader {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "name": format!("Always {id}"),
        "version": version,
        "filter": {"code": "return true;", "refreshInterval": "1m", "cooldownBars": 1}
    }))
    .unwrap()
}

/// Short timings so a test sees several reconnects in well under a second.
pub fn fast() -> LinkTimings {
    LinkTimings {
        connect_timeout: Duration::from_secs(5),
        ping_every: Duration::from_secs(1),
        silence_limit: Duration::from_secs(5),
        backoff_initial: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(400),
        failures_to_open: 1000,
        cool_down: Duration::from_secs(1),
    }
}

pub fn config(url: &str, token: &str, timings: LinkTimings) -> LinkConfig {
    LinkConfig {
        agent_url: url.to_owned(),
        token: Sensitive::new(token.to_owned()),
        timings,
    }
}

pub async fn open_store(dir: &Path) -> Store {
    Store::open(&dir.join("trademind.sqlite")).await.unwrap()
}

pub async fn start_link(store: &Store, url: &str, token: &str) -> Link {
    Link::start(store.clone(), config(url, token, fast()))
        .await
        .unwrap()
}

/// Polls `check` every 20 ms until true, failing after [`WAIT`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for a state matching `pick` and returns it.
pub async fn wait_state(link: &Link, what: &str, pick: impl Fn(&LinkState) -> bool) -> LinkState {
    let mut states = link.state();
    let found = tokio::time::timeout(WAIT, states.wait_for(|s| pick(s))).await;
    match found {
        Ok(Ok(state)) => state.clone(),
        _ => panic!(
            "timed out waiting for {what}; state {:?}",
            *link.state().borrow()
        ),
    }
}

/// Every state the link goes through from now on (a watch keeps the latest, so the
/// recorder runs on its own task).
pub fn record_states(link: &Link) -> Arc<std::sync::Mutex<Vec<LinkState>>> {
    let seen = Arc::new(std::sync::Mutex::new(vec![link.state().borrow().clone()]));
    let mut states = link.state();
    let out = Arc::clone(&seen);
    tokio::spawn(async move {
        while states.changed().await.is_ok() {
            let state = states.borrow_and_update().clone();
            out.lock().unwrap().push(state);
        }
    });
    seen
}

/// A TCP relay in front of the agent that counts the connections made through it.
pub struct CountingRelay {
    pub addr: SocketAddr,
    accepted: Arc<AtomicU64>,
}

impl CountingRelay {
    pub async fn start(target: SocketAddr) -> CountingRelay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        CountingRelay { addr, accepted }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}
