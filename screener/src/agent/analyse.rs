//! AI analysis inside the agent: signals the publisher has journaled go to the
//! [`Analyst`] with the candles the engine saw at the close; each outcome is written on its
//! signal in the journal and only then broadcast as an `analysis` frame (so a client that
//! resumes later gets it with the replay). Screening never waits for it: submitting never
//! blocks, and a failure is recorded as `decision: "failed"` with its code.

use std::sync::Arc;

use crate::analysis::{AnalysisJob, AnalysisOutcome, Analyst, Outcomes};
use crate::protocol::{AnalysisError, AnalysisFrame, ServerFrame, SignalFrame};

use super::state::Shared;

/// Hands the round's jobs to the analyst, each numbered with its signal's journal seq; jobs
/// whose signal was not journaled now (already journaled before a restart) are dropped.
pub fn submit(analyst: &Analyst, jobs: Vec<AnalysisJob>, journaled: &[SignalFrame]) {
    for mut job in jobs {
        let s = &job.signal;
        let Some(frame) = journaled.iter().find(|f| {
            f.trader_id == s.trader_id
                && f.symbol == s.symbol
                && f.interval == s.interval
                && f.close_time == s.close_time
        }) else {
            continue;
        };
        job.signal.seq = frame.seq;
        analyst.submit(job);
    }
}

/// The frame for an outcome: the verdict, or `failed` with the failure's code and message.
pub fn frame(outcome: &AnalysisOutcome) -> AnalysisFrame {
    match &outcome.result {
        Ok(verdict) => AnalysisFrame {
            seq: outcome.seq,
            decision: verdict.decision.as_str().to_owned(),
            direction: verdict.direction.as_str().to_owned(),
            confidence: f64::from(verdict.confidence),
            reasoning: verdict.reasoning.clone(),
            key_levels: serde_json::to_value(&verdict.key_levels).unwrap_or_default(),
            trade_plan: serde_json::to_value(&verdict.trade_plan).unwrap_or_default(),
            model: outcome.model.clone(),
            error: None,
        },
        Err(failure) => AnalysisFrame {
            seq: outcome.seq,
            decision: "failed".into(),
            direction: "none".into(),
            confidence: 0.0,
            reasoning: String::new(),
            key_levels: serde_json::Value::Null,
            trade_plan: serde_json::Value::Null,
            model: outcome.model.clone(),
            error: Some(AnalysisError {
                code: failure.code.as_str().to_owned(),
                message: failure.message.clone(),
            }),
        },
    }
}

/// Records every outcome until the analyst has shut down (its channel then ends).
pub async fn record(shared: Arc<Shared>, mut outcomes: Outcomes) {
    while let Some(outcome) = outcomes.recv().await {
        let frame = frame(&outcome);
        if let Some(error) = &frame.error {
            shared.record_error(
                "analysis",
                &format!(
                    "signal {} ({}, trader {}): {}: {}",
                    frame.seq, outcome.symbol, outcome.trader_id, error.code, error.message
                ),
            );
        }
        if let Err(e) = shared.journal.set_analysis(&frame).await {
            tracing::error!(seq = frame.seq, error = %e, "recording an analysis failed");
            shared.record_error(
                "analysis",
                &format!("recording the analysis of signal {} failed: {e}", frame.seq),
            );
        }
        shared.broadcast(ServerFrame::Analysis(frame));
    }
    tracing::info!("analysis outcomes recorded");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, AnalysisFailure, Decision, Direction, FailureCode};
    use std::time::Duration;

    fn outcome(result: Result<Analysis, AnalysisFailure>) -> AnalysisOutcome {
        AnalysisOutcome {
            seq: 7,
            trader_id: "t".into(),
            symbol: "BTCUSDT".into(),
            model: "gemini-2.5-flash".into(),
            result,
            elapsed: Duration::from_millis(5),
        }
    }

    #[test]
    fn a_verdict_becomes_an_analysis_frame_in_wire_names() {
        let verdict = Analysis {
            decision: Decision::EnterTrade,
            direction: Direction::Long,
            confidence: 72,
            reasoning: "trend and volume agree".into(),
            key_levels: Default::default(),
            trade_plan: Default::default(),
        };
        let json =
            serde_json::to_value(ServerFrame::Analysis(frame(&outcome(Ok(verdict))))).unwrap();
        assert_eq!(json["type"], "analysis");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["decision"], "enter_trade");
        assert_eq!(json["direction"], "long");
        assert_eq!(json["confidence"], 72.0);
        assert!(json["keyLevels"].get("takeProfit").is_some());
        assert!(json["tradePlan"].get("entryTrigger").is_some());
        assert!(json.get("error").is_none());
    }

    #[test]
    fn a_failure_is_recorded_as_failed_with_its_code() {
        let failure = AnalysisFailure::new(FailureCode::QueueFull, "64 analyses pending");
        let f = frame(&outcome(Err(failure)));
        assert_eq!(f.decision, "failed");
        let error = f.error.unwrap();
        assert_eq!(error.code, "queue_full");
        assert_eq!(error.message, "64 analyses pending");
    }
}
