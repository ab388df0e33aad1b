//! Setup for the live-link tests: the REAL agent (`screener::agent::serve_on`) in process
//! against the fake Binance — the shared fixture `fake_binance::agent`, also used by the
//! screener's agent tests — a desktop store in a temporary directory, fast link timings, and
//! waits on conditions instead of sleeps.

#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fake_binance::agent::{self as fixture, no_analysis};
pub use fake_binance::agent::{always, Agent, OWNER, VIEWER, WAIT};
use fake_binance::FakeBinance;
use trademind::link::{Link, LinkConfig, LinkState, LinkTimings};
use trademind::sensitive::Sensitive;
use trademind::store::Store;

pub const SYMBOLS: &[&str] = &["BTCUSDT", "ETHUSDT"];

/// A fake Binance with synthetic 1m candles of [`SYMBOLS`], the clock 30 s into candle 400.
pub fn market() -> FakeBinance {
    fixture::market(SYMBOLS)
}

/// The agent in process on `addr` (port 0 for any), journal in `dir`, `/health` ready.
pub async fn start_agent(fake: &FakeBinance, dir: &Path, addr: &str) -> Agent {
    let agent = Agent::start_on(addr, fixture::args(fake, SYMBOLS, dir), no_analysis()).await;
    agent.ready().await;
    agent
}

/// The agent in process on `addr` without waiting for ready (its backfill may still run).
pub async fn spawn_agent(fake: &FakeBinance, dir: &Path, addr: &str) -> Agent {
    Agent::start_on(addr, fixture::args(fake, SYMBOLS, dir), no_analysis()).await
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
