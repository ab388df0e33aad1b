//! The engine on its own thread: the [`Engine`] is synchronous (its workers are threads with
//! QuickJS realms), so it runs on a dedicated OS thread that takes jobs from a channel — the
//! backfilled history, rounds of closed candles, trader changes, pause — and sends each
//! round's report to the publisher. A round in progress always finishes; `Stop` ends the
//! thread after the jobs before it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::analysis::AnalysisJob;
use crate::engine::{Change, ClosedCandle, Engine, EngineConfig, EngineError, RoundReport};
use crate::market::CandleStore;
use crate::trader::Trader;

/// Work for the engine thread.
pub enum Job {
    /// The backfilled candles: stored without evaluating anything.
    Backfill(CandleStore),
    /// Candles that closed; `first_seen` is when the first of them reached the agent.
    Round {
        closes: Vec<ClosedCandle>,
        first_seen: Instant,
    },
    Deploy(Box<Trader>, oneshot::Sender<Result<Change, EngineError>>),
    Undeploy(String, oneshot::Sender<Result<(), EngineError>>),
    SetPaused(bool),
    /// Finish the jobs before this one, then end.
    Stop,
}

/// A round's outcome, for the publisher.
pub struct RoundDone {
    pub report: RoundReport,
    /// One analysis job per signal when AI analysis is on (candles as of this close).
    pub analyses: Vec<AnalysisJob>,
    pub first_seen: Instant,
    pub active_traders: u32,
}

/// The engine thread, its round reports, and the traders it refused (with why).
pub type Started = (
    Screening,
    mpsc::UnboundedReceiver<RoundDone>,
    Vec<(Trader, String)>,
);

/// The running engine thread.
pub struct Screening {
    jobs: mpsc::UnboundedSender<Job>,
    thread: Option<JoinHandle<()>>,
}

impl Screening {
    /// Starts the engine with `traders` (the deployed ones; a trader that no longer compiles
    /// is reported and left out) and returns the thread and its reports. With `analyse`,
    /// each round's signals come with their analysis jobs.
    pub fn start(
        config: EngineConfig,
        traders: Vec<Trader>,
        paused: bool,
        analyse: bool,
        queued: Arc<AtomicI64>,
    ) -> Result<Started, String> {
        let (jobs, mut inbox) = mpsc::unbounded_channel::<Job>();
        let (done_tx, done) = mpsc::unbounded_channel();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        // The engine holds QuickJS runtimes, which never leave the thread that made them.
        let thread = std::thread::Builder::new()
            .name("screening".into())
            .spawn(move || {
                let mut engine = match Engine::new(config) {
                    Ok(engine) => engine,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let mut refused = Vec::new();
                for trader in traders {
                    if let Err(e) = engine.upsert_trader(trader.clone()) {
                        refused.push((trader, e.to_string()));
                    }
                }
                if paused {
                    engine.pause();
                }
                let _ = ready_tx.send(Ok(refused));
                while let Some(job) = inbox.blocking_recv() {
                    match job {
                        Job::Backfill(history) => backfill(&mut engine, &history),
                        Job::Round { closes, first_seen } => {
                            let report = engine.close_candles(&closes);
                            queued.fetch_sub(closes.len() as i64, Ordering::Relaxed);
                            let active = engine.traders().filter(|t| t.enabled).count() as u32;
                            let analyses = if analyse {
                                analysis_jobs(&engine, &report)
                            } else {
                                Vec::new()
                            };
                            let _ = done_tx.send(RoundDone {
                                report,
                                analyses,
                                first_seen,
                                active_traders: active,
                            });
                        }
                        Job::Deploy(trader, reply) => {
                            let _ = reply.send(engine.upsert_trader(*trader));
                        }
                        Job::Undeploy(id, reply) => {
                            let _ = reply.send(engine.remove_trader(&id));
                        }
                        Job::SetPaused(true) => engine.pause(),
                        Job::SetPaused(false) => engine.resume(),
                        Job::Stop => break,
                    }
                }
                tracing::info!("engine thread stopped");
            })
            .map_err(|e| format!("starting the engine thread: {e}"))?;
        let refused = ready
            .recv()
            .map_err(|_| "the engine thread ended while starting".to_owned())??;
        Ok((
            Self {
                jobs,
                thread: Some(thread),
            },
            done,
            refused,
        ))
    }

    /// A handle for queueing jobs from other tasks.
    pub fn jobs(&self) -> mpsc::UnboundedSender<Job> {
        self.jobs.clone()
    }

    /// Queues a job; `false` if the thread has ended.
    pub fn send(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }

    /// Asks the thread to finish its queue and waits for it (on a blocking thread).
    pub async fn stop(mut self) {
        let _ = self.jobs.send(Job::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The signals' analysis jobs, with the candles stored at this close.
fn analysis_jobs(engine: &Engine, report: &RoundReport) -> Vec<AnalysisJob> {
    report
        .signals
        .iter()
        .filter_map(|signal| {
            let trader = engine.traders().find(|t| t.id == signal.trader_id)?;
            Some(AnalysisJob::from_store(
                signal.clone(),
                Arc::clone(trader),
                engine.store(),
            ))
        })
        .collect()
}

/// Loads the backfilled candles into the engine without evaluating (paused meanwhile).
pub fn backfill(engine: &mut Engine, history: &CandleStore) {
    let was_paused = engine.is_paused();
    engine.pause();
    let started = Instant::now();
    let mut candles = 0usize;
    for key in history.keys() {
        let Some(series) = history.series(&key.symbol, key.interval) else {
            continue;
        };
        let closes: Vec<ClosedCandle> = series
            .all()
            .iter()
            .map(|candle| ClosedCandle {
                symbol: key.symbol.clone(),
                interval: key.interval,
                candle,
            })
            .collect();
        candles += closes.len();
        engine.close_candles(&closes);
    }
    if !was_paused {
        engine.resume();
    }
    tracing::info!(
        candles,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "history loaded into the engine"
    );
}
