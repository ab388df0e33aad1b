//! Rounds from the engine to the world: counters updated, signals journaled (one
//! transaction per round) and only then broadcast, each signal handed to the AI analyst.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::analyse;
use super::screening::RoundDone;
use super::state::Shared;
use crate::analysis::Analyst;
use crate::filter::FilterError;
use crate::protocol::{ServerFrame, SignalFrame};

/// Journal attempts for one round before its signals are given up (and logged).
const JOURNAL_ATTEMPTS: u32 = 5;
/// Traders whose filter errors one round records in the history.
const MAX_TRADERS_RECORDED: usize = 5;

/// Publishes rounds until the engine thread ends, handing journaled signals to `analyst`
/// (when analysis is on), which it returns for the drain.
pub async fn run(
    shared: Arc<Shared>,
    mut rounds: mpsc::UnboundedReceiver<RoundDone>,
    analyst: Option<Analyst>,
) -> Option<Analyst> {
    while let Some(round) = rounds.recv().await {
        let counters = &shared.counters;
        counters
            .evaluations
            .fetch_add(round.report.evaluations as u64, Ordering::Relaxed);
        counters
            .errors
            .fetch_add(round.report.errors.len() as u64, Ordering::Relaxed);
        counters
            .active_traders
            .store(u64::from(round.active_traders), Ordering::Relaxed);
        for error in round.report.errors.iter().take(5) {
            tracing::debug!(trader = %error.trader_id, "filter error: {}", error.message);
        }
        record_filter_errors(&shared, &round.report.errors);
        if round.report.signals.is_empty() {
            continue;
        }
        let Some(frames) = journal(&shared, &round).await else {
            continue;
        };
        counters
            .signals
            .fetch_add(frames.len() as u64, Ordering::Relaxed);
        for frame in &frames {
            shared.broadcast(ServerFrame::Signal(frame.clone()));
        }
        if let Some(analyst) = &analyst {
            analyse::submit(analyst, round.analyses, &frames);
        }
        tracing::debug!(
            latency_ms = round.first_seen.elapsed().as_millis() as u64,
            "round published"
        );
    }
    tracing::info!("publisher stopped: every round is journaled");
    analyst
}

async fn journal(shared: &Shared, round: &RoundDone) -> Option<Vec<SignalFrame>> {
    for attempt in 1..=JOURNAL_ATTEMPTS {
        match shared.journal.append(&round.report.signals).await {
            Ok(frames) => return Some(frames),
            Err(e) => {
                tracing::error!(error = %e, attempt, "journaling signals failed");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
        }
    }
    shared.counters.errors.fetch_add(1, Ordering::Relaxed);
    tracing::error!(
        signals = round.report.signals.len(),
        "signals dropped: the journal could not be written"
    );
    shared.record_error(
        "publish",
        &format!(
            "{} signal(s) dropped: the journal could not be written after {JOURNAL_ATTEMPTS} \
             attempts",
            round.report.signals.len()
        ),
    );
    None
}

/// One history error per trader whose filter failed in a round (a broken filter fails on
/// every symbol: one line, with the count and the first message, not one per symbol), for
/// at most [`MAX_TRADERS_RECORDED`] traders.
fn record_filter_errors(shared: &Shared, errors: &[FilterError]) {
    let mut by_trader: BTreeMap<&str, (usize, &FilterError)> = BTreeMap::new();
    for error in errors {
        by_trader
            .entry(error.trader_id.as_str())
            .or_insert((0, error))
            .0 += 1;
    }
    for (trader, (count, first)) in by_trader.into_iter().take(MAX_TRADERS_RECORDED) {
        let symbol = first.symbol.as_deref().unwrap_or("-");
        shared.record_error(
            "publish",
            &format!(
                "trader {trader}: {count} filter error(s) this round; {symbol}: {}",
                first.message
            ),
        );
    }
}
