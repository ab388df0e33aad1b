//! Live mode's feed task: starts the Binance feed for the traders' universe (retrying while
//! Binance fails, the failure shown in the status), hands the backfill to the engine thread
//! before any round, then turns closed candles into rounds exactly as the agent does
//! ([`gather`] and [`split_rounds`] from `screener::agent::market`): closes that arrive
//! together, split so each series closes once per round, oldest first. Stream drops and
//! unrepaired gaps show in `LocalStatus.error` until the feed has caught up again.

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use screener::agent::market::{gather, split_rounds, start_retrying};
use screener::binance::{ConnectionState, FeedConfig, FeedError, FeedEvent};
use tokio_util::sync::CancellationToken;

use super::screening::{Round, Shared};
use crate::error::{ApiError, Error};

/// The live feed into rounds for the engine thread, until cancelled; the feed's tasks have
/// all ended when it returns.
pub(super) async fn pump(
    config: FeedConfig,
    rounds: std_mpsc::SyncSender<Round>,
    cancel: CancellationToken,
    shared: Arc<Shared>,
) {
    let started = start_retrying(&config, &cancel, |e, attempt, pause| {
        let detail = format!(
            "{e} (attempt {attempt}; retrying in {} s)",
            pause.as_secs().max(1)
        );
        tracing::warn!(%detail, "local screening: the market feed could not start");
        shared.update(|s| s.error = Some(unreachable(detail)));
    })
    .await;
    let mut feed = match started {
        Ok(Some(feed)) => feed,
        Ok(None) => return,
        Err(e) => {
            shared.update(|s| s.error = Some(refused(&e)));
            return;
        }
    };
    let universe = feed.universe().len() as u32;
    shared.update(|s| {
        s.symbols = universe;
        s.error = None;
    });
    let history = feed.take_history();
    let mut open = send(&rounds, Round::Backfill(history)).await;
    while open {
        let event = tokio::select! {
            _ = cancel.cancelled() => break,
            event = feed.next_event() => event,
        };
        let Some(event) = event else { break };
        let FeedEvent::Closed { candle, .. } = event else {
            note(&shared, event);
            continue;
        };
        let closes = gather(&mut feed, candle, |event| note(&shared, event)).await;
        for closes in split_rounds(closes) {
            open = send(&rounds, Round::Closes(closes)).await;
            if !open {
                break;
            }
        }
    }
    let ended = feed.shutdown().await;
    tracing::info!(tasks = ended, "local screening: market feed stopped");
}

/// Shows a stream drop or an unrepaired gap in the status; clears it once caught up.
fn note(shared: &Shared, event: FeedEvent) {
    match event {
        FeedEvent::Connection {
            state:
                ConnectionState::Reconnecting {
                    attempt,
                    next_in,
                    reason,
                },
            ..
        } => {
            let detail = format!(
                "the Binance stream dropped ({reason}); reconnecting (attempt {attempt}, in {} ms)",
                next_in.as_millis()
            );
            tracing::warn!(%detail, "local screening");
            shared.update(|s| s.error = Some(unreachable(detail)));
        }
        FeedEvent::Connection {
            state: ConnectionState::CaughtUp { repaired },
            ..
        } => {
            tracing::info!(repaired, "local screening: market stream caught up");
            shared.update(|s| s.error = None);
        }
        FeedEvent::Gap {
            symbol,
            interval,
            from_open,
            reason,
            ..
        } => {
            let detail = format!(
                "{symbol} {interval} candles from {from_open} could not be fetched ({reason})"
            );
            tracing::warn!(%detail, "local screening");
            shared.update(|s| s.error = Some(unreachable(detail)));
        }
        FeedEvent::Connection { .. } | FeedEvent::Closed { .. } | FeedEvent::Live { .. } => {}
    }
}

fn unreachable(detail: String) -> ApiError {
    ApiError::from(Error::MarketUnreachable { detail })
}

/// A feed that cannot start as configured (symbols Binance does not list, no interval).
fn refused(e: &FeedError) -> ApiError {
    ApiError::from(Error::InvalidInput(format!(
        "local screening cannot follow Binance: {e}"
    )))
}

/// Hands a round to the engine thread (waiting while its queue is full); false once the
/// thread is gone.
async fn send(rounds: &std_mpsc::SyncSender<Round>, round: Round) -> bool {
    let rounds = rounds.clone();
    tokio::task::spawn_blocking(move || rounds.send(round).is_ok())
        .await
        .unwrap_or(false)
}
