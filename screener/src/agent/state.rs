//! What the agent's tasks share: the journal, the tokens, the broadcast of frames to every
//! connection, the current status and metrics, the market view for `/health`, counters, the
//! deployed traders' states, the history, and the shutdown signal.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::args::Tokens;
use super::commands::CommandRequest;
use super::history::Recorder;
use super::journal::Journal;
use crate::protocol::{AgentState, Metrics, ServerFrame, Status, TraderState};

/// Frames buffered per connection before a slow one is told it lagged.
pub const BROADCAST_CAPACITY: usize = 8192;

/// The market as `/health` and `metrics` see it.
#[derive(Debug, Clone, Default)]
pub struct MarketView {
    /// The first backfill is done.
    pub ready: bool,
    pub symbols: u32,
    pub streams_connected: u32,
    pub last_candle: Option<Instant>,
    pub weight_used: u32,
    /// The smallest interval followed, in seconds (for "stale").
    pub shortest_interval_secs: u64,
}

/// Totals since start.
#[derive(Debug, Default)]
pub struct Counters {
    pub evaluations: AtomicU64,
    pub signals: AtomicU64,
    pub errors: AtomicU64,
    /// Closed candles received and not yet evaluated.
    pub queued_candles: Arc<AtomicI64>,
    pub active_traders: AtomicU64,
}

impl Counters {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Identity for `hello`.
#[derive(Debug, Clone)]
pub struct Identity {
    pub agent_version: String,
    pub machine_id: String,
    /// RFC 3339.
    pub started_at: String,
    pub capabilities: Vec<String>,
    /// See `Hello::journal_id`.
    pub journal_id: String,
}

/// The shared state.
pub struct Shared {
    pub journal: Journal,
    pub tokens: Tokens,
    pub identity: Identity,
    pub started: Instant,
    pub frames: broadcast::Sender<Arc<ServerFrame>>,
    status: watch::Sender<Status>,
    pub metrics: Mutex<Metrics>,
    pub market: Mutex<MarketView>,
    pub counters: Counters,
    pub traders: Mutex<BTreeMap<String, TraderState>>,
    pub commands: mpsc::Sender<CommandRequest>,
    /// The last 24 h of samples, boots and errors (`GET /history`).
    pub history: Recorder,
    /// Cancelled when the agent begins to drain: no new connections, no new rounds.
    pub shutdown: CancellationToken,
    /// Cancelled once the last round is journaled: connections close with a reason.
    pub closing: CancellationToken,
}

impl Shared {
    pub fn new(
        journal: Journal,
        tokens: Tokens,
        identity: Identity,
        commands: mpsc::Sender<CommandRequest>,
        history: Recorder,
    ) -> Self {
        let (frames, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (status, _) = watch::channel(Status {
            state: AgentState::Starting,
            reason: Some("backfilling market data".into()),
        });
        Self {
            journal,
            tokens,
            identity,
            started: Instant::now(),
            frames,
            status,
            metrics: Mutex::new(Metrics::default()),
            market: Mutex::new(MarketView::default()),
            counters: Counters::default(),
            traders: Mutex::new(BTreeMap::new()),
            commands,
            history,
            shutdown: CancellationToken::new(),
            closing: CancellationToken::new(),
        }
    }

    /// Sends a frame to every connection (none listening is fine).
    pub fn broadcast(&self, frame: ServerFrame) {
        let _ = self.frames.send(Arc::new(frame));
    }

    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Changes the status and tells every connection.
    pub fn set_status(&self, state: AgentState, reason: Option<String>) {
        let status = Status { state, reason };
        self.status.send_replace(status.clone());
        self.broadcast(ServerFrame::Status(status));
    }

    pub fn market(&self) -> MarketView {
        lock(&self.market).clone()
    }

    pub fn uptime_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Records an error in the history (`source`: `market`, `publish`, `analysis`,
    /// `command`, `session`), with the agent's tokens redacted should one ever slip in.
    pub fn record_error(&self, source: &str, message: &str) {
        self.history.error(source, &self.tokens.redact(message));
    }

    /// Records a trader's state and tells every connection.
    pub fn set_trader_state(&self, state: TraderState) {
        lock(&self.traders).insert(state.trader_id.clone(), state.clone());
        self.broadcast(ServerFrame::TraderState(state));
    }
}

/// Locks a mutex, recovering it if a panicking holder poisoned it.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
