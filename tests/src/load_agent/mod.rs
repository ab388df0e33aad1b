//! A load generator that speaks protocol v1 exactly as the real agent (`screener serve`,
//! `docs/protocol.md`) does, without a market behind it: `GET /health` answers 200 `ready`,
//! `GET /ws` takes the owner's bearer token, greets with `hello`/`status`/`metrics`, replays
//! its journal after `resume_from` and then sends live frames, answers `ping` with `pong`.
//! It emits `metrics` and `signal` frames at fixed rates (10/s and 100/s by default) so the
//! desktop bench can measure the app under a sustained load.
//!
//! - [`frames`]: the synthetic signals and metrics.
//! - `session`: one `/ws` connection.

mod frames;
mod session;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use screener::protocol::{ServerFrame, SignalFrame};
use serde_json::json;
use tokio::sync::broadcast;

pub use frames::Market;

/// Frames buffered per connection before it counts as slow and catches up from the journal
/// (the agent's figure).
const CONNECTION_BUFFER: usize = 8192;

/// Rates and identity of a generator.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub metrics_per_sec: u32,
    pub signals_per_sec: u32,
    /// `hello.journalId`.
    pub journal_id: String,
    /// The accepted owner token; also settable later with [`LoadAgent::set_owner_token`].
    pub owner_token: Option<String>,
}

impl Default for LoadConfig {
    /// The load: 10 metrics frames and 100 signals per second.
    fn default() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Self {
            metrics_per_sec: 10,
            signals_per_sec: 100,
            journal_id: format!("jload{nanos:x}"),
            owner_token: None,
        }
    }
}

/// What the bench and the tests read about the generator.
pub(crate) struct Shared {
    config: LoadConfig,
    owner_token: Mutex<Option<String>>,
    machine_id: Mutex<Option<String>>,
    journal: Mutex<Vec<SignalFrame>>,
    live: broadcast::Sender<ServerFrame>,
    latest_metrics: Mutex<ServerFrame>,
    emitting: AtomicBool,
    started: Instant,
    hellos: AtomicU64,
    resumes: Mutex<Vec<u64>>,
    rejected: AtomicU64,
    metrics_sent: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Journaled signals with `seq > after`.
    pub(crate) fn after(&self, after: u64) -> Vec<SignalFrame> {
        let journal = lock(&self.journal);
        // seqs are 1-based and contiguous: seq n is at index n - 1.
        let from = (after as usize).min(journal.len());
        journal[from..].to_vec()
    }

    pub(crate) fn last_seq(&self) -> u64 {
        lock(&self.journal).len() as u64
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let expected = lock(&self.owner_token).clone();
        matches!((presented, expected), (Some(p), Some(e)) if !p.is_empty() && p == e)
    }
}

/// A running generator; dropping it stops the server and the emitter.
pub struct LoadAgent {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LoadAgent {
    /// Serves on `127.0.0.1:<free port>` in its own thread and runtime; emits nothing until
    /// [`LoadAgent::start_emitting`].
    pub fn start(config: LoadConfig) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the load agent");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let (live, _) = broadcast::channel(CONNECTION_BUFFER);
        let market = Market::new();
        let shared = Arc::new(Shared {
            owner_token: Mutex::new(config.owner_token.clone()),
            machine_id: Mutex::new(None),
            journal: Mutex::new(Vec::new()),
            live,
            latest_metrics: Mutex::new(ServerFrame::Metrics(market.metrics(0))),
            emitting: AtomicBool::new(false),
            started: Instant::now(),
            hellos: AtomicU64::new(0),
            resumes: Mutex::new(Vec::new()),
            rejected: AtomicU64::new(0),
            metrics_sent: AtomicU64::new(0),
            config,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("load-agent".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("load agent runtime");
                runtime.block_on(serve(listener, state, market, stopped));
            })
            .expect("spawn the load agent thread");
        Self {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: what `TRADEMIND_AGENT_URL` points at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Accepts `token` as the owner's from now on (provisioning makes it after the server
    /// is up).
    pub fn set_owner_token(&self, token: &str) {
        *lock(&self.shared.owner_token) = Some(token.to_owned());
    }

    /// Reports `machineId` in `/health` (the app checks it names its machine).
    pub fn set_machine_id(&self, id: &str) {
        *lock(&self.shared.machine_id) = Some(id.to_owned());
    }

    /// Starts (or resumes) emitting at the configured rates.
    pub fn start_emitting(&self) {
        self.shared.emitting.store(true, Ordering::SeqCst);
    }

    pub fn stop_emitting(&self) {
        self.shared.emitting.store(false, Ordering::SeqCst);
    }

    /// The newest journaled seq.
    pub fn last_seq(&self) -> u64 {
        self.shared.last_seq()
    }

    /// Authenticated connections greeted so far.
    pub fn hellos(&self) -> u64 {
        self.shared.hellos.load(Ordering::SeqCst)
    }

    /// Every `resume_from` received, its `afterSeq`, in order.
    pub fn resumes(&self) -> Vec<u64> {
        lock(&self.shared.resumes).clone()
    }

    /// Upgrades refused for a missing or wrong token.
    pub fn rejected(&self) -> u64 {
        self.shared.rejected.load(Ordering::SeqCst)
    }

    /// Metrics frames emitted.
    pub fn metrics_emitted(&self) -> u64 {
        self.shared.metrics_sent.load(Ordering::SeqCst)
    }

    /// Waits until a client has sent `resume_from` (it follows the signals), up to `timeout`.
    pub fn wait_following(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.resumes().is_empty() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    }
}

impl Drop for LoadAgent {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    market: Market,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let emitter = tokio::spawn(emit(Arc::clone(&shared), market, cancelled));
    let app = axum::Router::new()
        .route("/health", get(health))
        .route("/ws", get(upgrade))
        .with_state(Arc::clone(&shared));
    tokio::select! {
        served = axum::serve(listener, app).into_future() => {
            if let Err(e) = served {
                eprintln!("load agent server stopped: {e}");
            }
        }
        _ = stopped => {}
    }
    let _ = cancel.send(true);
    let _ = emitter.await;
}

/// The agent's `/health` once ready.
async fn health(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let uptime = shared.started.elapsed().as_secs();
    let mut body = json!({
        "status": "ready",
        "version": screener::build::VERSION,
        "uptimeSeconds": uptime,
        "symbols": 412,
        "lastCandleAgeSeconds": 3.2,
        "activeTraders": 5,
        "agentVersion": screener::build::VERSION,
    });
    if let Some(id) = lock(&shared.machine_id).clone() {
        body["machineId"] = json!(id);
    }
    Json(body)
}

/// `/ws`: 401 without the owner's token, else one session.
async fn upgrade(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !shared.authorized(&headers) {
        shared.rejected.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "unauthorized", "message": "a valid bearer token is required"})),
        )
            .into_response();
    }
    ws.on_upgrade(move |socket| session::run(socket, shared))
}

/// Emits signals and metrics at the configured rates while emitting is on; counts due frames
/// from the time emitting started, so a late tick catches up instead of lowering the rate.
async fn emit(
    shared: Arc<Shared>,
    mut market: Market,
    mut cancel: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Time spent emitting, excluding pauses, and frames emitted in it.
    let mut active = Duration::ZERO;
    let mut last = Instant::now();
    let (mut signals, mut metrics) = (0u64, 0u64);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = cancel.changed() => return,
        }
        let now = Instant::now();
        if !shared.emitting.load(Ordering::SeqCst) {
            last = now;
            continue;
        }
        active += now - last;
        last = now;
        let secs = active.as_secs_f64();
        let due_signals = (secs * f64::from(shared.config.signals_per_sec)) as u64;
        while signals < due_signals {
            let frame = {
                let mut journal = lock(&shared.journal);
                let signal = market.signal(journal.len() as u64 + 1);
                journal.push(signal.clone());
                signal
            };
            // Written before sent, as the agent does; nobody listening is fine.
            let _ = shared.live.send(ServerFrame::Signal(frame));
            signals += 1;
        }
        let due_metrics = (secs * f64::from(shared.config.metrics_per_sec)) as u64;
        while metrics < due_metrics {
            let frame = ServerFrame::Metrics(market.metrics(shared.last_seq()));
            *lock(&shared.latest_metrics) = frame.clone();
            let _ = shared.live.send(frame);
            shared.metrics_sent.fetch_add(1, Ordering::SeqCst);
            metrics += 1;
        }
    }
}
