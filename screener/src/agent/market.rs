//! The live feed into the engine: start the Binance feed (retrying while Binance cannot be
//! reached), hand the backfilled history to the engine, mark the agent ready, then turn the
//! closed candles into engine rounds — candles that close together (a minute boundary brings
//! one per symbol) are gathered for a few milliseconds into one round.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::screening::Job;
use super::state::{lock, Shared};
use crate::binance::{Backoff, Feed, FeedConfig, FeedError, FeedEvent};
use crate::engine::ClosedCandle;
use crate::market::Interval;
use crate::protocol::AgentState;

/// A round waits this long for more closes after the last one…
const GATHER_QUIET: Duration = Duration::from_millis(10);
/// …but no longer than this after the first.
const GATHER_MAX: Duration = Duration::from_millis(60);

/// Runs the feed until `cancel`; a configuration error (unknown symbols, empty universe)
/// ends it with the error.
pub async fn run(
    shared: Arc<Shared>,
    config: FeedConfig,
    jobs: mpsc::UnboundedSender<Job>,
    paused: bool,
    cancel: CancellationToken,
) -> Result<(), FeedError> {
    let shortest = config
        .intervals
        .iter()
        .map(|i| i.duration_ms() / 1000)
        .min()
        .unwrap_or(60) as u64;
    let Some(mut feed) = start(&shared, &config, &cancel).await? else {
        return Ok(());
    };
    let history = feed.take_history();
    if jobs.send(Job::Backfill(history)).is_err() {
        return Ok(());
    }
    {
        let mut market = lock(&shared.market);
        market.ready = true;
        market.symbols = feed.universe().len() as u32;
        market.shortest_interval_secs = shortest;
    }
    // The journal, not the flag read at start-up: a pause or resume may have come meanwhile
    // (it is written there before the command sets the status, so either order ends right).
    if shared.journal.paused().await.unwrap_or(paused) {
        shared.set_status(AgentState::Paused, Some("paused by the owner".into()));
    } else {
        shared.set_status(AgentState::Running, None);
    }
    let mut refresh = tokio::time::interval(Duration::from_secs(1));
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => break,
            _ = refresh.tick() => { update_view(&shared, &feed); continue; }
            event = feed.next_event() => event,
        };
        let Some(event) = event else { break };
        let FeedEvent::Closed { candle, .. } = event else {
            note(&shared, event);
            continue;
        };
        let first_seen = Instant::now();
        let closes = gather(&mut feed, candle, |event| note(&shared, event)).await;
        shared
            .counters
            .queued_candles
            .fetch_add(closes.len() as i64, Ordering::Relaxed);
        lock(&shared.market).last_candle = Some(Instant::now());
        update_view(&shared, &feed);
        let sent = split_rounds(closes)
            .into_iter()
            .all(|closes| jobs.send(Job::Round { closes, first_seen }).is_ok());
        if !sent {
            break;
        }
    }
    let ended = feed.shutdown().await;
    tracing::info!(tasks = ended, "market feed stopped");
    Ok(())
}

/// Starts the feed, retrying with backoff while Binance is unreachable (each failure in the
/// history); `None` if cancelled.
async fn start(
    shared: &Shared,
    config: &FeedConfig,
    cancel: &CancellationToken,
) -> Result<Option<Feed>, FeedError> {
    start_retrying(config, cancel, |e, attempt, pause| {
        tracing::warn!(error = %e, attempt, retry_in_ms = pause.as_millis() as u64, "the market feed could not start");
        shared.record_error(
            "market",
            &format!(
                "the market feed could not start (attempt {attempt}, retrying in {} s): {e}",
                pause.as_secs()
            ),
        );
    })
    .await
}

/// Starts the feed, retrying with backoff (1 s doubling to 60 s) while Binance is unreachable
/// or refuses (429, 5xx); each failed attempt is told to `failed` with its number and the
/// pause before the next. A configuration error (unknown symbols, empty universe, no
/// interval, a bad stream URL) is returned at once; `None` if cancelled.
pub async fn start_retrying(
    config: &FeedConfig,
    cancel: &CancellationToken,
    mut failed: impl FnMut(&FeedError, u32, Duration),
) -> Result<Option<Feed>, FeedError> {
    let backoff = Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(60),
    };
    let mut attempt = 0u32;
    loop {
        match Feed::start(config.clone(), cancel.clone()).await {
            Ok(feed) => return Ok(Some(feed)),
            Err(FeedError::Cancelled) => return Ok(None),
            Err(
                e @ (FeedError::UnknownSymbols(_)
                | FeedError::EmptyUniverse { .. }
                | FeedError::NoIntervals
                | FeedError::StreamUrl(_)),
            ) => return Err(e),
            Err(e) => {
                attempt += 1;
                let pause = backoff.delay(attempt);
                failed(&e, attempt, pause);
                tokio::select! {
                    _ = cancel.cancelled() => return Ok(None),
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// The closes that come with `first`: the feed's next events until it has been quiet for
/// [`GATHER_QUIET`] or [`GATHER_MAX`] has passed since `first` (a minute boundary brings one
/// close per symbol within milliseconds). Events other than closes go to `other`.
pub async fn gather(
    feed: &mut Feed,
    first: ClosedCandle,
    mut other: impl FnMut(FeedEvent),
) -> Vec<ClosedCandle> {
    let mut closes = vec![first];
    let deadline = Instant::now() + GATHER_MAX;
    while Instant::now() < deadline {
        match tokio::time::timeout(GATHER_QUIET, feed.next_event()).await {
            Ok(Some(FeedEvent::Closed { candle, .. })) => closes.push(candle),
            Ok(Some(event)) => other(event),
            Ok(None) | Err(_) => break,
        }
    }
    closes
}

/// Handles an event other than a close: counts gaps, logs connection changes.
fn note(shared: &Shared, event: FeedEvent) {
    match event {
        FeedEvent::Gap {
            symbol,
            interval,
            reason,
            ..
        } => {
            shared.counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%symbol, %interval, %reason, "candles could not be repaired");
            shared.record_error(
                "market",
                &format!("{symbol} {interval}: candles could not be repaired: {reason}"),
            );
        }
        FeedEvent::Connection { shard, state } => {
            tracing::info!(shard, ?state, "market stream");
        }
        FeedEvent::Closed { .. } | FeedEvent::Live { .. } => {}
    }
}

/// Splits gathered closes into rounds in which each series closes once, oldest first: the
/// engine evaluates a symbol once per round, so candles repaired after a reconnect (several
/// closes of one series at once) are each screened, in order, as they would have been live.
pub fn split_rounds(mut closes: Vec<ClosedCandle>) -> Vec<Vec<ClosedCandle>> {
    closes.sort_by_key(|c| c.candle.close_time);
    let mut rounds: Vec<Vec<ClosedCandle>> = Vec::new();
    // The series already in the last round (a set: an hourly round holds 1 200 closes).
    let mut in_last: HashSet<(String, Interval)> = HashSet::new();
    for close in closes {
        let fresh = in_last.insert((close.symbol.clone(), close.interval));
        match rounds.last_mut() {
            Some(round) if fresh => round.push(close),
            _ => {
                in_last.clear();
                in_last.insert((close.symbol.clone(), close.interval));
                rounds.push(vec![close]);
            }
        }
    }
    rounds
}

fn update_view(shared: &Shared, feed: &Feed) {
    let stats = feed.stats();
    let mut market = lock(&shared.market);
    market.streams_connected = stats.streams_connected as u32;
    market.weight_used = stats.rest.budget.used;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Candle;

    fn close(symbol: &str, interval: Interval, minute: i64) -> ClosedCandle {
        ClosedCandle {
            symbol: symbol.into(),
            interval,
            candle: Candle::new(minute * 60_000, interval, 1.0, 1.0, 1.0, 1.0, 1.0),
        }
    }

    #[test]
    fn a_series_closes_once_per_round_oldest_first() {
        let closes = vec![
            close("B", Interval::M1, 2),
            close("A", Interval::M1, 1),
            close("A", Interval::M1, 2),
            close("A", Interval::M5, 0),
            close("B", Interval::M1, 1),
            close("A", Interval::M1, 3),
        ];
        let rounds: Vec<Vec<(String, i64)>> = split_rounds(closes)
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| {
                        (
                            format!("{}{}", c.symbol, c.interval),
                            c.candle.open_time / 60_000,
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(rounds.len(), 3, "{rounds:?}");
        assert_eq!(rounds[0], vec![("A1m".into(), 1), ("B1m".into(), 1)]);
        assert_eq!(rounds[1], vec![("B1m".into(), 2), ("A1m".into(), 2)]);
        // The 5m candle closes after the 1m candle of minute 3.
        assert_eq!(rounds[2], vec![("A1m".into(), 3), ("A5m".into(), 0)]);
    }

    #[test]
    fn one_close_per_series_is_one_round() {
        let closes = vec![close("A", Interval::M1, 1), close("B", Interval::M1, 1)];
        assert_eq!(split_rounds(closes).len(), 1);
        assert!(split_rounds(Vec::new()).is_empty());
    }
}
