//! One admitted job, from the queue to its outcome: prompt (or `no_candles` at once), the
//! trader's concurrency permit, the model call under the global rate limit, validation, and
//! delivery. A shutdown past its deadline cancels it wherever it waits; it then reports
//! `cancelled`. Counters follow the job by guards, so a cancelled job never leaves one stale.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio::time::Instant;

use super::failure::{AnalysisFailure, FailureCode};
use super::job::AnalysisJob;
use super::outcome::AnalysisOutcome;
use super::prompt::build_request;
use super::queue::Shared;
use super::validate::parse_verdict;
use super::verdict::Analysis;

/// A job the queue accepted, with what it holds while pending.
pub(super) struct Admitted {
    pub job: AnalysisJob,
    pub submitted: Instant,
    /// Its place in the bounded queue, released when the job ends.
    pub slot: OwnedSemaphorePermit,
    /// Counts it as queued until it starts.
    pub queued: Gauge,
}

/// +1 on a shared gauge for as long as it lives.
pub(super) struct Gauge(Arc<AtomicUsize>);

impl Gauge {
    pub fn hold(gauge: &Arc<AtomicUsize>) -> Gauge {
        gauge.fetch_add(1, Ordering::Relaxed);
        Gauge(Arc::clone(gauge))
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `admitted` to its outcome, unless `cancel` turns true first.
pub(super) async fn run(
    shared: Arc<Shared>,
    admitted: Admitted,
    mut cancel: watch::Receiver<bool>,
) {
    let Admitted {
        job,
        submitted,
        slot,
        queued,
    } = admitted;
    let model = shared
        .config
        .models
        .for_tier(job.trader.strategy.model_tier)
        .to_owned();
    let result = tokio::select! {
        biased;
        _ = cancel.wait_for(|stop| *stop) => {
            shared.counters.cancelled.fetch_add(1, Ordering::Relaxed);
            Err(AnalysisFailure::new(
                FailureCode::Cancelled,
                "the analyst shut down before the analysis finished",
            ))
        }
        result = analyse(&shared, &job, &model, queued) => result,
    };
    drop(slot);
    let outcome = AnalysisOutcome {
        seq: job.signal.seq,
        trader_id: job.signal.trader_id.clone(),
        symbol: job.signal.symbol.clone(),
        model,
        result,
        elapsed: submitted.elapsed(),
    };
    shared.deliver(outcome);
}

async fn analyse(
    shared: &Shared,
    job: &AnalysisJob,
    model: &str,
    queued: Gauge,
) -> Result<Analysis, AnalysisFailure> {
    let request = build_request(job, &shared.config)?;
    let turn = shared.trader_turn(&job.trader);
    let _permit = turn.acquire_owned().await.map_err(|_| {
        AnalysisFailure::new(FailureCode::Cancelled, "the trader's analysis slots closed")
    })?;
    drop(queued);
    let _running = Gauge::hold(&shared.counters.in_flight);
    tracing::debug!(
        seq = job.signal.seq,
        trader = %job.trader.id,
        symbol = %job.signal.symbol,
        model,
        "analysing signal"
    );
    let reply = shared
        .client
        .generate(model, &request, &shared.limiter)
        .await?;
    parse_verdict(&reply.text, job.signal.price).map_err(|invalid| {
        AnalysisFailure::new(
            FailureCode::InvalidOutput,
            format!("the model's verdict is invalid: {invalid}"),
        )
    })
}

/// Counters shared by the handle, the dispatcher and the jobs.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub queued: Arc<AtomicUsize>,
    pub in_flight: Arc<AtomicUsize>,
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
    pub rejected: AtomicU64,
    pub cancelled: AtomicU64,
}
