//! What the analyst hands back: an [`AnalysisOutcome`] per accepted or refused job, what
//! `submit` says at once ([`Submission`]), the live counters ([`AnalystMetrics`]) and the
//! shutdown summary ([`ShutdownReport`]).

use std::time::Duration;

use super::failure::AnalysisFailure;
use super::verdict::Analysis;

/// The result of one signal's analysis, keyed by the signal's journal sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOutcome {
    /// The signal's `seq`.
    pub seq: u64,
    pub trader_id: String,
    pub symbol: String,
    /// The model asked (or that would have been asked).
    pub model: String,
    pub result: Result<Analysis, AnalysisFailure>,
    /// From submission to outcome.
    pub elapsed: Duration,
}

/// What `submit` did with a job. Either way the job's outcome also arrives on the outcome
/// channel, so one consumer records every signal's analysis state in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Accepted; the outcome follows later.
    Queued,
    /// Refused at once (`queue_full`, or `cancelled` while shutting down).
    Rejected(AnalysisFailure),
}

/// Live counters, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalystMetrics {
    /// Accepted jobs not started yet (waiting for their trader's turn).
    pub queued: usize,
    /// Jobs started and not finished (waiting for the rate limit or the API).
    pub in_flight: usize,
    /// Outcomes with a verdict.
    pub succeeded: u64,
    /// Outcomes with a failure, refusals at submission excluded.
    pub failed: u64,
    /// Jobs refused by `submit` because the queue was full.
    pub rejected: u64,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Jobs pending at shutdown that still finished (with a verdict or a failure of their own).
    pub drained: u64,
    /// Jobs cancelled at the deadline (their outcome is `cancelled`).
    pub cancelled: u64,
}
