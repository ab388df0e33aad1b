//! The [`Analyst`]: AI analysis as a queue apart from screening.
//!
//! - [`Analyst::submit`] never blocks and never fails the caller: a job takes a place in a
//!   bounded queue (`queue_capacity` jobs waiting or running) or is refused at once with
//!   `queue_full`; either way its outcome arrives on the outcome channel.
//! - A dispatcher task starts each job as its own task. A job waits for its trader's turn
//!   (at most `strategy.maxConcurrentAnalysis` of a trader's jobs run at once, one semaphore
//!   per trader id), then for the global [rate limit](super::limiter) before each HTTP attempt.
//! - [`Analyst::shutdown`] stops accepting, lets pending jobs finish until a deadline, then
//!   cancels the rest (outcome `cancelled`) and closes the outcome channel: every accepted
//!   job gets exactly one outcome.
//!
//! The outcome channel is unbounded so that a job never waits for the consumer; it holds at
//! most one small outcome per signal and the agent drains it continuously into the journal.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::client::{ClientError, GeminiClient};
use super::config::AnalysisConfig;
use super::failure::{AnalysisFailure, FailureCode};
use super::job::AnalysisJob;
use super::limiter::RateLimiter;
use super::outcome::{AnalysisOutcome, AnalystMetrics, ShutdownReport, Submission};
use super::task::{self, Admitted, Counters, Gauge};
use crate::trader::Trader;

/// The receiving end of the outcomes.
pub type Outcomes = mpsc::UnboundedReceiver<AnalysisOutcome>;

/// Why the analyst did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// No API key: analysis is off (not an error for the agent, which simply skips it).
    #[error("AI analysis is disabled: no API key is configured (SCREENER_LLM_API_KEY)")]
    Disabled,
    #[error(transparent)]
    Client(ClientError),
    #[error("the analyst must be started inside a tokio runtime")]
    NoRuntime,
}

/// State shared by the handle, the dispatcher and every job.
pub(super) struct Shared {
    pub config: AnalysisConfig,
    pub client: GeminiClient,
    pub limiter: RateLimiter,
    pub counters: Counters,
    slots: Arc<Semaphore>,
    outcomes: mpsc::UnboundedSender<AnalysisOutcome>,
    /// Per trader id: its concurrency limit and the semaphore enforcing it.
    turns: Mutex<HashMap<String, (u32, Arc<Semaphore>)>>,
}

impl Shared {
    /// The semaphore of `trader`, made (or remade, when its limit changed) on demand. Jobs
    /// already running under an old limit finish under it.
    pub fn trader_turn(&self, trader: &Trader) -> Arc<Semaphore> {
        let limit = trader.strategy.max_concurrent_analysis.max(1);
        let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = turns
            .entry(trader.id.clone())
            .or_insert_with(|| (limit, Arc::new(Semaphore::new(limit as usize))));
        if entry.0 != limit {
            *entry = (limit, Arc::new(Semaphore::new(limit as usize)));
        }
        Arc::clone(&entry.1)
    }

    /// Counts and sends an outcome (dropped silently if nobody listens any more).
    pub fn deliver(&self, outcome: AnalysisOutcome) {
        match &outcome.result {
            Ok(_) => self.counters.succeeded.fetch_add(1, Ordering::Relaxed),
            Err(f) if f.code == FailureCode::QueueFull => {
                self.counters.rejected.fetch_add(1, Ordering::Relaxed)
            }
            Err(_) => self.counters.failed.fetch_add(1, Ordering::Relaxed),
        };
        match &outcome.result {
            Ok(a) => tracing::info!(
                seq = outcome.seq,
                trader = %outcome.trader_id,
                decision = a.decision.as_str(),
                confidence = a.confidence,
                "signal analysed"
            ),
            Err(f) => tracing::warn!(
                seq = outcome.seq,
                trader = %outcome.trader_id,
                code = f.code.as_str(),
                reason = %f.message,
                "signal analysis failed"
            ),
        }
        let _ = self.outcomes.send(outcome);
    }
}

/// How the dispatcher should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Running,
    Drain { deadline: Instant },
}

/// The analysis queue. Dropping it without [`shutdown`](Analyst::shutdown) cancels pending
/// jobs at once.
pub struct Analyst {
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Admitted>,
    stop: watch::Sender<Stop>,
    dispatcher: Option<JoinHandle<ShutdownReport>>,
}

impl std::fmt::Debug for Analyst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyst")
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl Analyst {
    /// Starts the analyst on the current tokio runtime.
    pub fn start(config: AnalysisConfig) -> Result<(Analyst, Outcomes), StartError> {
        let client = GeminiClient::new(&config).map_err(|e| match e {
            ClientError::NoApiKey => StartError::Disabled,
            other => StartError::Client(other),
        })?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StartError::NoRuntime)?;
        let (outcomes, outcome_rx) = mpsc::unbounded_channel();
        let (jobs, job_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(Stop::Running);
        let shared = Arc::new(Shared {
            limiter: RateLimiter::new(config.rate_limit),
            slots: Arc::new(Semaphore::new(config.queue_capacity.max(1))),
            config,
            client,
            counters: Counters::default(),
            outcomes,
            turns: Mutex::new(HashMap::new()),
        });
        let dispatcher = runtime.spawn(dispatch(Arc::clone(&shared), job_rx, stop_rx));
        let analyst = Analyst {
            shared,
            jobs,
            stop,
            dispatcher: Some(dispatcher),
        };
        Ok((analyst, outcome_rx))
    }

    /// Queues `job` without waiting; see [`Submission`].
    pub fn submit(&self, job: AnalysisJob) -> Submission {
        let capacity = self.shared.config.queue_capacity.max(1);
        let Ok(slot) = Arc::clone(&self.shared.slots).try_acquire_owned() else {
            let failure = AnalysisFailure::new(
                FailureCode::QueueFull,
                format!("{capacity} analyses already pending; this signal is not analysed"),
            );
            self.refuse(job, failure.clone());
            return Submission::Rejected(failure);
        };
        let admitted = Admitted {
            job,
            submitted: Instant::now(),
            slot,
            queued: Gauge::hold(&self.shared.counters.queued),
        };
        match self.jobs.send(admitted) {
            Ok(()) => Submission::Queued,
            Err(mpsc::error::SendError(admitted)) => {
                let failure =
                    AnalysisFailure::new(FailureCode::Cancelled, "the analyst is shutting down");
                self.refuse(admitted.job, failure.clone());
                Submission::Rejected(failure)
            }
        }
    }

    /// Live counters.
    pub fn metrics(&self) -> AnalystMetrics {
        metrics_of(&self.shared)
    }

    /// A cheap handle on the live counters, for a metrics task that does not own the queue.
    pub fn metrics_source(&self) -> impl Fn() -> AnalystMetrics + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move || metrics_of(&shared)
    }

    /// Stops accepting jobs, lets pending ones finish for up to `grace`, cancels the rest,
    /// and returns once every outcome is delivered (the outcome channel then ends).
    pub async fn shutdown(mut self, grace: Duration) -> ShutdownReport {
        let deadline = Instant::now() + grace;
        self.stop.send_replace(Stop::Drain { deadline });
        match self.dispatcher.take() {
            Some(dispatcher) => dispatcher.await.unwrap_or_default(),
            None => ShutdownReport::default(),
        }
    }

    fn refuse(&self, job: AnalysisJob, failure: AnalysisFailure) {
        let model = self
            .shared
            .config
            .models
            .for_tier(job.trader.strategy.model_tier)
            .to_owned();
        self.shared.deliver(AnalysisOutcome {
            seq: job.signal.seq,
            trader_id: job.signal.trader_id,
            symbol: job.signal.symbol,
            model,
            result: Err(failure),
            elapsed: Duration::ZERO,
        });
    }
}

fn metrics_of(shared: &Shared) -> AnalystMetrics {
    let c = &shared.counters;
    AnalystMetrics {
        queued: c.queued.load(Ordering::Relaxed),
        in_flight: c.in_flight.load(Ordering::Relaxed),
        succeeded: c.succeeded.load(Ordering::Relaxed),
        failed: c.failed.load(Ordering::Relaxed),
        rejected: c.rejected.load(Ordering::Relaxed),
    }
}

impl Drop for Analyst {
    fn drop(&mut self) {
        if self.dispatcher.is_some() {
            self.stop.send_replace(Stop::Drain {
                deadline: Instant::now(),
            });
        }
    }
}

/// Starts every job as it arrives; on stop, drains until the deadline and cancels the rest.
async fn dispatch(
    shared: Arc<Shared>,
    mut jobs: mpsc::UnboundedReceiver<Admitted>,
    mut stop: watch::Receiver<Stop>,
) -> ShutdownReport {
    let (cancel, cancelled) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let start = |tasks: &mut JoinSet<()>, admitted: Admitted| {
        tasks.spawn(task::run(Arc::clone(&shared), admitted, cancelled.clone()));
    };
    let deadline = loop {
        tokio::select! {
            admitted = jobs.recv() => match admitted {
                Some(admitted) => start(&mut tasks, admitted),
                None => break drain_deadline(&stop),
            },
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = joined {
                    tracing::error!(error = %e, "an analysis task failed");
                }
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() != Stop::Running {
                    break drain_deadline(&stop);
                }
            }
        }
    };
    jobs.close();
    while let Some(admitted) = jobs.recv().await {
        start(&mut tasks, admitted);
    }
    let pending = tasks.len() as u64;
    let before = shared.counters.cancelled.load(Ordering::Relaxed);
    let all_done = tokio::time::timeout_at(deadline, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if all_done.is_err() {
        let _ = cancel.send(true);
        while tasks.join_next().await.is_some() {}
    }
    let cancelled_now = shared.counters.cancelled.load(Ordering::Relaxed) - before;
    ShutdownReport {
        drained: pending - cancelled_now,
        cancelled: cancelled_now,
    }
}

fn drain_deadline(stop: &watch::Receiver<Stop>) -> Instant {
    match *stop.borrow() {
        Stop::Drain { deadline } => deadline,
        Stop::Running => Instant::now(),
    }
}
