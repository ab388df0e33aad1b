//! A faithful fake of the Fly.io Machines API (`/v1/…`), for integration tests of our Fly
//! client and provisioning code. It follows `docs/fly-machines-api.md` (§1 auth, §2
//! endpoints, §3 states and `/wait`, §4 errors and limits, §9 "What a faithful fake server
//! needs"): tokens of several scopes, apps, machines with timed state transitions and
//! visibility lags, leases, secrets, volumes, regions, rate limits, injectable faults, a
//! request log, the TradeMind agent's `/health`, and Fly's log API (§7,
//! `GET /api/v1/apps/{app}/logs` on the same base URL: the agents' output in process mode,
//! [`FakeFly::push_log`] lines in simulated mode).
//!
//! Two agent modes ([`AgentMode`]): simulated (the fake answers `/agents/{app}/health`
//! itself), or process mode ([`FakeConfig::with_agent`]), where every started machine runs
//! the real `screener serve` with the app's secrets and its volume as `/data`, is stopped with
//! its stop signal and grace, and is restarted after a crash per its restart policy
//! (`agent_spec`, `agent_process`, `supervisor`, `agent_api`).
//!
//! ```no_run
//! use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, Fault, TokenKind};
//! let fly = FakeFly::start(FakeConfig::fast());
//! let token = fly.add_token(TokenKind::Org); // send as `Authorization: FlyV1 <token>`
//! fly.inject(Fault::BadGateway, Action::CreateMachine, 1);
//! let url = format!("{}/v1/apps", fly.base_url());
//! # let _ = (token, url);
//! ```
//!
//! The server runs on `127.0.0.1:<random port>` in its own thread and tokio runtime, so it
//! works from plain `#[test]`s and from `#[tokio::test]`s alike; it stops when dropped.

mod agent;
mod agent_api;
mod agent_process;
mod agent_spec;
mod clock;
mod config;
mod faults;
mod http;
mod ids;
mod inspect;
mod log;
mod logs;
mod ratelimit;
mod regions;
mod router;
mod routes;
mod server;
mod state;
mod supervisor;
mod tokens;

pub use agent_process::AgentExit;
pub use agent_spec::{free_listen_addr, screener_binary, AgentSpec, DATA_PATH};
pub use config::{AgentMode, BucketSpec, FakeConfig, RateLimits, Timings};
pub use faults::{Fault, Match};
pub use http::LEASE_NONCE_HEADER;
pub use inspect::{AppSnapshot, MachineSnapshot};
pub use log::RecordedRequest;
pub use logs::{LogLevel, LogLine, LogProvider};
pub use router::Action;
pub use tokens::TokenKind;

use server::{lock, Shared};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running fake. Dropping it stops the server and kills (and reaps) every agent process.
pub struct FakeFly {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeFly {
    /// Binds `127.0.0.1:0` and serves in a background thread.
    pub fn start(config: FakeConfig) -> FakeFly {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake Fly API");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Shared::new(config));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fake-fly".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake Fly runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    // Process mode: the agents' supervisor (kills them all when told to stop).
                    let (stop_agents, agents_stopped) = tokio::sync::oneshot::channel::<()>();
                    let supervisor =
                        tokio::spawn(supervisor::run(Arc::clone(&state), agents_stopped));
                    let app = axum::Router::new()
                        .fallback(server::dispatch)
                        .with_state(state);
                    tokio::select! {
                        served = axum::serve(listener, app).into_future() => {
                            if let Err(e) = served {
                                eprintln!("fake Fly server stopped: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                    let _ = stop_agents.send(());
                    let _ = supervisor.await;
                });
            })
            .expect("spawn the fake Fly thread");
        FakeFly {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` — the client appends `/v1/…`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `<base>/agents/<app>` — the client calls `<agent_url>/health`.
    pub fn agent_url(&self, app: &str) -> String {
        format!("{}/agents/{app}", self.base_url())
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// Registers a new token of `kind` and returns it without scheme: macaroon kinds look
    /// like `fm2_…,fm2_…` (send `FlyV1 <token>`), [`TokenKind::User`] like `fo1_…` (send
    /// `Bearer <token>`).
    pub fn add_token(&self, kind: TokenKind) -> String {
        lock(&self.shared.tokens).generate(kind)
    }

    /// Registers a token the test made itself (a `FlyV1 `/`Bearer ` prefix is ignored).
    pub fn register_token(&self, kind: TokenKind, token: &str) {
        lock(&self.shared.tokens).register(kind, token);
    }

    /// Arms `fault` for the next `times` requests matching `on`.
    pub fn inject(&self, fault: Fault, on: impl Into<Match>, times: u32) {
        lock(&self.shared.faults).arm(fault, on.into(), Some(times));
    }

    /// Arms `fault` for every request matching `on` until [`FakeFly::clear_faults`].
    pub fn inject_always(&self, fault: Fault, on: impl Into<Match>) {
        lock(&self.shared.faults).arm(fault, on.into(), None);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).snapshot()
    }

    /// Requests that hit `action`.
    pub fn requests_for(&self, action: Action) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.action == Some(action))
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Adds a line to `app`'s logs as machine `machine_id` wrote it now (its region if the
    /// machine exists, else the config's nearest region), as the agent's own output.
    pub fn push_log(&self, app: &str, machine_id: &str, level: LogLevel, message: &str) -> LogLine {
        let region = self
            .shared
            .world()
            .apps
            .get(app)
            .and_then(|a| a.machines.iter().find(|m| m.id == machine_id))
            .map_or_else(
                || self.shared.config.nearest_region.clone(),
                |m| m.region.clone(),
            );
        lock(&self.shared.logs).push(app, machine_id, &region, level, message, LogProvider::App)
    }

    /// Every line of `app`'s logs so far, oldest first.
    pub fn logs(&self, app: &str) -> Vec<LogLine> {
        lock(&self.shared.logs).lines(app).to_vec()
    }
}

impl Drop for FakeFly {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
