//! The agent: `screener serve`, the machine-side service on the user's Fly machine (and on
//! the desktop when asked). It follows Binance live, runs the deployed traders on every
//! candle close, journals their signals and serves them — with health, metrics and the
//! owner's commands — over HTTP and an authenticated WebSocket (`docs/protocol.md`).
//!
//! - [`args`]: flags and tokens; [`journal`]: the durable signal journal (SQLite).
//! - [`state`]: what the tasks share; [`screening`]: the engine thread.
//! - [`market`]: the Binance feed into engine rounds; [`publish`]: rounds → journal → frames.
//! - [`analyse`]: journaled signals → the AI analyst → analyses on the journal and the wire.
//! - [`commands`]: deploy, undeploy, pause, resume, each applied at most once.
//! - [`http`]: `/health`, `/metrics`, `/ws`; [`session`]: one WebSocket connection.
//! - [`metrics`]: the metrics snapshot and Prometheus text; [`scale`]: the vCPU advice.
//! - [`history`]: the last 24 h of samples, boots and errors (`GET /history`), kept on disk
//!   by [`history_file`].
//!
//! Shutdown (SIGTERM/SIGINT): status `draining`, no new connections, the feed stops, the
//! round in progress finishes and is journaled, pending analyses get a grace period, then
//! every connection is closed with a reason and the journal is closed.

pub mod analyse;
pub mod args;
pub mod commands;
pub mod history;
pub mod history_file;
pub mod http;
pub mod journal;
pub mod market;
pub mod metrics;
pub mod publish;
pub mod scale;
pub mod screening;
pub mod session;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use args::ServeArgs;

use crate::analysis::{AnalysisConfig, Analyst, StartError};
use crate::engine::EngineConfig;
use crate::protocol::{AgentState, DeployState, TraderState};
use state::{Identity, Shared};

/// How long connections get to close once the journal is flushed.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How long pending AI analyses get to finish on shutdown before they are cancelled (and
/// recorded as `cancelled`). With the close grace it fits Fly's `kill_timeout`.
const ANALYSIS_GRACE: Duration = Duration::from_secs(10);

/// Why the agent stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Auth(#[from] args::AuthConfigError),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("the engine: {0}")]
    Engine(String),
    #[error("market data: {0}")]
    Feed(#[from] crate::binance::FeedError),
    #[error("the HTTP server: {0}")]
    Server(std::io::Error),
    #[error("AI analysis: {0}")]
    Analysis(#[from] crate::analysis::StartError),
}

/// Binds `--listen` and runs the agent until SIGTERM/SIGINT (or `stop`), then drains.
pub async fn serve(
    args: ServeArgs,
    tokens: args::Tokens,
    analysis: AnalysisConfig,
    stop: CancellationToken,
) -> Result<(), AgentError> {
    let on_signal = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown_signal() => on_signal.cancel(),
            _ = on_signal.cancelled() => {}
        }
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| AgentError::Listen {
            addr: args.listen,
            source,
        })?;
    serve_on(listener, args, tokens, analysis, stop).await
}

/// Runs the agent on a bound listener until `stop` (tests bind port 0 and read the address
/// first; only [`serve`] listens for signals).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    args: ServeArgs,
    tokens: args::Tokens,
    analysis: AnalysisConfig,
    stop: CancellationToken,
) -> Result<(), AgentError> {
    // The boot is recorded first, so even an agent that cannot start leaves a trace.
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (recorder, unwritten, mut history_file) =
        open_history(&args.data_dir, &started_at, crate::build::VERSION).await;
    // A start-up failure is written to the history (tokens redacted) before the agent gives up.
    let redactor = tokens.clone();
    macro_rules! or_fail {
        ($result:expr) => {
            match $result {
                Ok(value) => value,
                Err(e) => {
                    let error = AgentError::from(e);
                    record_fatal(&mut history_file, &redactor, &error).await;
                    return Err(error);
                }
            }
        };
    }
    let (analyst, outcomes) = match Analyst::start(analysis) {
        Ok((analyst, outcomes)) => (Some(analyst), Some(outcomes)),
        Err(StartError::Disabled) => (None, None),
        Err(e) => or_fail!(Err(e)),
    };
    let journal = or_fail!(journal::Journal::open(&args.data_dir).await);
    let paused = or_fail!(journal.paused().await);
    let deployed = or_fail!(journal.traders().await);
    let journal_id = or_fail!(journal.id().await);
    let (commands_tx, commands_rx) = mpsc::channel(64);
    let identity = Identity {
        agent_version: crate::build::VERSION.to_owned(),
        machine_id: std::env::var("FLY_MACHINE_ID").unwrap_or_else(|_| "local".into()),
        started_at,
        capabilities: ["signals", "resume", "traders", "metrics", "history"]
            .into_iter()
            .chain(analyst.is_some().then_some("analysis"))
            .map(str::to_owned)
            .collect(),
        journal_id,
    };
    let shared = Arc::new(Shared::new(
        journal,
        tokens,
        identity,
        commands_tx,
        recorder,
    ));
    let engine = EngineConfig {
        history: args
            .feed
            .history
            .clamp(1, crate::trader::record::MAX_HISTORY),
        workers: args
            .workers
            .unwrap_or_else(|| EngineConfig::default().workers)
            .max(1),
        ..EngineConfig::default()
    };
    let queued = Arc::clone(&shared.counters.queued_candles);
    let traders = deployed.clone();
    let analyse = analyst.is_some();
    let (screening, rounds, refused) = or_fail!(tokio::task::spawn_blocking(move || {
        screening::Screening::start(engine, traders, paused, analyse, queued)
    })
    .await
    .map_err(|e| AgentError::Engine(e.to_string()))
    .and_then(|started| started.map_err(AgentError::Engine)));
    for trader in &deployed {
        let error = refused
            .iter()
            .find(|(t, _)| t.id == trader.id)
            .map(|(_, e)| e.clone());
        shared.set_trader_state(TraderState {
            trader_id: trader.id.clone(),
            version: trader.version,
            state: if error.is_some() {
                DeployState::Error
            } else {
                DeployState::Deployed
            },
            error,
        });
    }
    let address = or_fail!(listener.local_addr().map_err(AgentError::Server));
    tracing::info!(listen = %address, data_dir = %args.data_dir.display(), "agent listening");
    let heartbeat = Duration::from_secs(args.heartbeat_secs);
    let sessions = TaskTracker::new();
    let router = http::router(http::Http {
        shared: Arc::clone(&shared),
        heartbeat,
        stale_after_secs: args.stale_after_secs,
        sessions: sessions.clone(),
    });
    let server = {
        let closing = shared.closing.clone();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { closing.cancelled().await })
                .await
        })
    };
    let commands = tokio::spawn(commands::run(
        Arc::clone(&shared),
        screening.jobs(),
        commands_rx,
    ));
    let analyses = analyst.as_ref().map(Analyst::metrics_source);
    let analyses_waiting = move || {
        analyses.as_ref().map_or(0, |metrics| {
            let m = metrics();
            u32::try_from(m.queued + m.in_flight).unwrap_or(u32::MAX)
        })
    };
    let recorder = outcomes.map(|o| tokio::spawn(analyse::record(Arc::clone(&shared), o)));
    let publisher = tokio::spawn(publish::run(Arc::clone(&shared), rounds, analyst));
    let metrics = tokio::spawn(metrics::run(
        Arc::clone(&shared),
        Duration::from_secs(args.metrics_interval),
        analyses_waiting,
    ));
    let history = tokio::spawn(history::run(
        Arc::clone(&shared),
        history_file,
        unwritten,
        Duration::from_secs(args.history_every_secs),
    ));
    let feed_cancel = shared.shutdown.child_token();
    let mut market = tokio::spawn(market::run(
        Arc::clone(&shared),
        args.feed.to_config(),
        screening.jobs(),
        paused,
        feed_cancel,
    ));

    let failure = tokio::select! {
        _ = stop.cancelled() => None,
        ended = &mut market => match ended {
            Ok(Err(e)) => Some(AgentError::Feed(e)),
            _ => None,
        },
    };
    if let Some(error) = &failure {
        shared.record_error("market", &format!("the agent stops: {error}"));
    }
    tracing::info!("draining");
    shared.set_status(AgentState::Draining, Some("shutting down".into()));
    shared.shutdown.cancel();
    if !market.is_finished() {
        let _ = market.await;
    }
    screening.stop().await;
    if let Ok(Some(analyst)) = publisher.await {
        let report = analyst.shutdown(ANALYSIS_GRACE).await;
        tracing::info!(
            drained = report.drained,
            cancelled = report.cancelled,
            "analyses drained"
        );
    }
    if let Some(recorder) = recorder {
        let _ = recorder.await;
    }
    shared.closing.cancel();
    let _ = history.await;
    sessions.close();
    let _ = tokio::time::timeout(CLOSE_GRACE, sessions.wait()).await;
    drop(commands);
    metrics.abort();
    let served = server.await;
    shared.journal.close().await;
    tracing::info!("agent stopped");
    if let Some(error) = failure {
        return Err(error);
    }
    match served {
        Ok(Err(e)) => Err(AgentError::Server(e)),
        _ => Ok(()),
    }
}

/// Loads the history of `data_dir` and records this boot. A history that cannot be read
/// or written is not fatal: the agent runs with one in memory.
async fn open_history(
    data_dir: &std::path::Path,
    started_at: &str,
    agent_version: &str,
) -> (
    history::Recorder,
    history::Unwritten,
    Option<history_file::HistoryFile>,
) {
    let boot = history::Entry::Boot(history::BootRecord {
        at: started_at.to_owned(),
        agent_version: agent_version.to_owned(),
    });
    let dir = data_dir.to_path_buf();
    let record = boot.clone();
    let opened = tokio::task::spawn_blocking(move || {
        history_file::HistoryFile::open(&dir, record, chrono::Utc::now())
    })
    .await;
    let (log, file) = match opened {
        Ok(Ok(opened)) => {
            if opened.skipped > 0 {
                tracing::warn!(
                    skipped = opened.skipped,
                    "some history lines were unreadable"
                );
            }
            (opened.log, Some(opened.file))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the history file cannot be used; keeping it in memory");
            (history::Log::default(), None)
        }
        Err(e) => {
            tracing::warn!(error = %e, "loading the history failed; keeping it in memory");
            (history::Log::default(), None)
        }
    };
    let (recorder, unwritten) = history::Recorder::new(log);
    if file.is_none() {
        recorder.record(boot);
    }
    (recorder, unwritten, file)
}

/// Writes why the agent could not start to the history file (source `startup`).
async fn record_fatal(
    file: &mut Option<history_file::HistoryFile>,
    tokens: &args::Tokens,
    error: &AgentError,
) {
    let Some(mut taken) = file.take() else {
        return;
    };
    let entry = history::Entry::Error(history::AgentErrorRecord {
        at: history::now_rfc3339(),
        source: "startup".into(),
        message: tokens.redact(&format!("the agent cannot start: {error}")),
    });
    let written = tokio::task::spawn_blocking(move || taken.append(&[entry])).await;
    if let Ok(Err(e)) = written {
        tracing::warn!(error = %e, "writing the start-up failure to the history failed");
    }
}

/// SIGTERM or SIGINT.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
