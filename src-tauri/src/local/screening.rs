//! The local screening slot: at most one run, the engine on its own thread fed by recorded
//! files ([`super::replay`]) or the live Binance feed ([`super::live`]), its signals stored in
//! `local_signals` and published on the [`SignalBus`] by an async sink task. Stopping drains
//! the thread and the sink.

use std::collections::HashSet;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};

use screener::agent::screening::backfill;
use screener::binance::FeedConfig;
use screener::engine::{ClosedCandle, Engine, EngineConfig, Signal};
use screener::market::{aggregate, Candle, CandleFile, CandleStore, Interval, LeadingPartial};
use screener::trader::Trader;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::live::pump;
use super::replay::{replay_files, ReplayControl, StopFlag};
use super::view::{LocalMode, LocalStatus};
use crate::error::{ApiError, Error, Result};
use crate::signals::feed::{now_ms, trader_names, view};
use crate::signals::SignalBus;
use crate::store::local_signals::StoredSignal;
use crate::store::Store;

/// What feeds the engine.
pub enum Source {
    Recorded {
        label: String,
        files: Vec<CandleFile>,
    },
    Live {
        label: String,
        config: Box<FeedConfig>,
    },
}

/// The app's local screening (one at a time).
#[derive(Default)]
pub struct LocalScreening {
    run: tokio::sync::Mutex<Option<Run>>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LocalScreening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalScreening").finish_non_exhaustive()
    }
}

#[derive(Default)]
pub(super) struct Shared {
    status: Mutex<Option<LocalStatus>>,
    /// Traders to drop from the running engine (moved to the cloud).
    removals: Mutex<Vec<String>>,
    /// The files of the last recorded run, for signal details.
    files: Mutex<Option<Arc<Vec<CandleFile>>>>,
}

struct Run {
    stop: Arc<StopFlag>,
    cancel: CancellationToken,
    thread: std::thread::JoinHandle<()>,
    sink: JoinHandle<()>,
    feed: Option<JoinHandle<()>>,
}

impl Shared {
    pub(super) fn update(&self, f: impl FnOnce(&mut LocalStatus)) {
        if let Some(status) = self
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            f(status);
        }
    }
}

impl LocalScreening {
    /// Local screening now.
    pub fn status(&self) -> LocalStatus {
        self.shared
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(off)
    }

    /// Whether a run is under way (finished replays included until stopped).
    pub async fn is_running(&self) -> bool {
        self.run.lock().await.is_some()
    }

    /// Drops trader `id` from the running engine before its next round (it moved to the
    /// cloud: a trader never runs in both places).
    pub fn exclude(&self, id: &str) {
        self.shared
            .removals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id.to_owned());
        self.shared.update(|s| s.traders.retain(|t| t != id));
    }

    /// The candles of (`symbol`, `interval`) in the last recorded run's files (aggregated
    /// from a smaller interval when needed), if it had that symbol.
    pub fn recorded_candles(&self, symbol: &str, interval: Interval) -> Option<Vec<Candle>> {
        let files = self
            .shared
            .files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        let file = files
            .iter()
            .filter(|f| f.symbol.eq_ignore_ascii_case(symbol))
            .find(|f| f.interval == interval || interval.is_multiple_of(f.interval))?;
        if file.interval == interval {
            return Some(file.candles.clone());
        }
        aggregate(&file.candles, file.interval, interval, LeadingPartial::Skip).ok()
    }

    /// Starts a run of `traders` on `source`; `invalid_input` if one runs already.
    pub async fn start(
        &self,
        store: Store,
        bus: SignalBus,
        traders: Vec<Trader>,
        source: Source,
    ) -> Result<LocalStatus> {
        let mut slot = self.run.lock().await;
        if slot.is_some() {
            return Err(Error::InvalidInput(
                "local screening is already running; stop it first".into(),
            ));
        }
        if traders.is_empty() {
            return Err(Error::InvalidInput(
                "no trader to screen locally (every one is disabled or in the cloud)".into(),
            ));
        }
        let run_id = format!("{}", now_ms());
        let (mode, label) = match &source {
            Source::Recorded { label, .. } => (LocalMode::Recorded, label.clone()),
            Source::Live { label, .. } => (LocalMode::Live, label.clone()),
        };
        *self.shared.status.lock().unwrap_or_else(|e| e.into_inner()) = Some(LocalStatus {
            mode,
            traders: traders.iter().map(|t| t.id.clone()).collect(),
            data: Some(label),
            started_at: Some(crate::store::now()),
            symbols: 0,
            candles: 0,
            signals: 0,
            finished: false,
            error: None,
        });
        self.shared
            .removals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let stop = Arc::new(StopFlag::default());
        let cancel = CancellationToken::new();
        let (signal_tx, signal_rx) = mpsc::unbounded_channel();
        let sink = tokio::spawn(sink(
            store,
            bus,
            run_id,
            signal_rx,
            Arc::clone(&self.shared),
        ));
        let (feed, input) = match source {
            Source::Recorded { files, .. } => {
                let files = Arc::new(files);
                *self.shared.files.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(Arc::clone(&files));
                (None, Input::Files(files))
            }
            Source::Live { config, .. } => {
                let (rounds_tx, rounds_rx) = std_mpsc::sync_channel(64);
                let task = tokio::spawn(pump(
                    *config,
                    rounds_tx,
                    cancel.clone(),
                    Arc::clone(&self.shared),
                ));
                (Some(task), Input::Rounds(rounds_rx))
            }
        };
        let shared = Arc::clone(&self.shared);
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("local-screening".into())
            .spawn(move || engine_thread(traders, input, thread_stop, shared, signal_tx))
            .map_err(|e| Error::Internal(format!("starting local screening: {e}")))?;
        *slot = Some(Run {
            stop,
            cancel,
            thread,
            sink,
            feed,
        });
        drop(slot);
        Ok(self.status())
    }

    /// Stops the run and waits for its thread and sink to drain; the last status stays, with
    /// mode `off`.
    pub async fn stop(&self) -> LocalStatus {
        let run = self.run.lock().await.take();
        if let Some(run) = run {
            run.stop.stop();
            run.cancel.cancel();
            if let Some(feed) = run.feed {
                let _ = feed.await;
            }
            let thread = run.thread;
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            let _ = run.sink.await;
        }
        self.shared.update(|s| s.mode = LocalMode::Off);
        self.status()
    }
}

fn off() -> LocalStatus {
    LocalStatus {
        mode: LocalMode::Off,
        traders: Vec::new(),
        data: None,
        started_at: None,
        symbols: 0,
        candles: 0,
        signals: 0,
        finished: false,
        error: None,
    }
}

enum Input {
    Files(Arc<Vec<CandleFile>>),
    Rounds(std_mpsc::Receiver<Round>),
}

/// Work for the engine thread in live mode.
pub(super) enum Round {
    /// The backfilled candles, stored without evaluating (the agent's backfill).
    Backfill(CandleStore),
    /// Closes of one round: each series once.
    Closes(Vec<ClosedCandle>),
}

/// Counts, stops and removals for the engine thread.
struct Control {
    stop: Arc<StopFlag>,
    shared: Arc<Shared>,
    symbols: HashSet<String>,
    signals: mpsc::UnboundedSender<Signal>,
}

impl ReplayControl for Control {
    fn stopped(&self) -> bool {
        self.stop.is_stopped()
    }
    fn removals(&mut self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .shared
                .removals
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }
    fn candle(&mut self, symbol: &str) {
        let new = !self.symbols.contains(symbol) && self.symbols.insert(symbol.to_owned());
        let count = self.symbols.len() as u32;
        self.shared.update(|s| {
            s.candles += 1;
            if new {
                // Live mode sets the universe at start; symbols seen never lower it.
                s.symbols = s.symbols.max(count);
            }
        });
    }
    fn signal(&mut self, signal: &Signal) {
        let _ = self.signals.send(signal.clone());
    }
}

fn engine_thread(
    traders: Vec<Trader>,
    input: Input,
    stop: Arc<StopFlag>,
    shared: Arc<Shared>,
    signals: mpsc::UnboundedSender<Signal>,
) {
    let mut engine = match Engine::new(EngineConfig::default()) {
        Ok(engine) => engine,
        Err(e) => {
            let error = ApiError::from(Error::Internal(format!("the engine: {e}")));
            shared.update(|s| s.error = Some(error));
            return;
        }
    };
    for trader in traders {
        let id = trader.id.clone();
        if let Err(e) = engine.upsert_trader(trader) {
            tracing::warn!(trader = %id, error = %e, "local screening skips a trader");
        }
    }
    let mut control = Control {
        stop,
        shared: Arc::clone(&shared),
        symbols: HashSet::new(),
        signals,
    };
    match input {
        Input::Files(files) => {
            if replay_files(&mut engine, &files, &mut control) {
                shared.update(|s| s.finished = true);
            }
        }
        Input::Rounds(rounds) => {
            while let Ok(round) = rounds.recv() {
                if control.stopped() {
                    break;
                }
                for id in control.removals() {
                    let _ = engine.remove_trader(&id);
                }
                match round {
                    Round::Backfill(history) => backfill(&mut engine, &history),
                    Round::Closes(closes) => {
                        let report = engine.close_candles(&closes);
                        for close in &closes {
                            control.candle(&close.symbol);
                        }
                        for signal in &report.signals {
                            control.signal(signal);
                        }
                    }
                }
            }
        }
    }
}

/// Stores each local signal, then publishes it; ends when the engine thread is gone.
async fn sink(
    store: Store,
    bus: SignalBus,
    run_id: String,
    mut signals: mpsc::UnboundedReceiver<Signal>,
    shared: Arc<Shared>,
) {
    let mut names = trader_names(&store).await.unwrap_or_default();
    // Seqs continue after the previous runs' (the engine numbers each run from 1).
    let base = match store.local_signal_seq_max().await {
        Ok(base) => base,
        Err(e) => {
            tracing::warn!(error = %e, "local signal seqs restart at 1");
            0
        }
    };
    while let Some(mut signal) = signals.recv().await {
        signal.seq += base;
        let received_at = now_ms();
        match store.save_local_signal(&run_id, &signal, received_at).await {
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "a local signal was not stored");
                continue;
            }
        }
        shared.update(|s| s.signals += 1);
        if !names.contains_key(&signal.trader_id) {
            names = trader_names(&store).await.unwrap_or_default();
        }
        let stored = StoredSignal {
            source: crate::signals::SignalSource::Local,
            stream: run_id.clone(),
            seq: signal.seq,
            trader_id: signal.trader_id,
            symbol: signal.symbol,
            interval: signal.interval,
            open_time: signal.open_time,
            close_time: signal.close_time,
            price: signal.price,
            conditions: signal.conditions,
            received_at,
            analysis: None,
        };
        bus.publish(view(&stored, &names));
    }
}
