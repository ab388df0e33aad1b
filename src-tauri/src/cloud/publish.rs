//! The link's view publisher: turns the link's state, its attempt count and the outbox's
//! unanswered commands into one [`LinkView`], published only when it changed, and records the
//! link's transitions (not every retry) in the audit log as the app's own events.

use std::sync::Arc;
use std::time::Duration;

use screener::protocol::ServerFrame;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cloud::LinkView;
use crate::error::ErrorCode;
use crate::link::{Link, LinkState};
use crate::store::events::{Actor, EventKind};
use crate::store::outbox::CommandState;
use crate::store::Store;

/// How often the outbox is counted again without an `ack` (commands written by others).
const RECOUNT_EVERY: Duration = Duration::from_secs(2);

/// Publishes until `cancel` or until the link's state channel closes.
pub async fn run(
    link: Arc<Link>,
    store: Store,
    agent_url: String,
    view: Arc<watch::Sender<LinkView>>,
    cancel: CancellationToken,
) {
    let mut states = link.state();
    let mut frames = link.frames();
    let mut recount = tokio::time::interval(RECOUNT_EVERY);
    recount.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut previous: Option<LinkState> = None;
    let mut pending = pending_commands(&store).await;
    loop {
        let state = states.borrow_and_update().clone();
        if previous.as_ref() != Some(&state) {
            if let Some((kind, details)) = transition(previous.as_ref(), &state, &agent_url) {
                if let Err(e) = store.record_event(Actor::App, kind, details).await {
                    tracing::warn!(error = %e, "recording a link event failed");
                }
            }
            previous = Some(state.clone());
        }
        let next = LinkView {
            state,
            agent_url: Some(agent_url.clone()),
            attempts: link.attempts(),
            pending_commands: pending,
        };
        view.send_if_modified(|current| {
            let changed = *current != next;
            if changed {
                *current = next;
            }
            changed
        });
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            changed = states.changed() => {
                if changed.is_err() {
                    return;
                }
                pending = pending_commands(&store).await;
            }
            frame = frames.recv() => match frame {
                Ok(ServerFrame::Ack(_) | ServerFrame::Error(_)) | Err(RecvError::Lagged(_)) => {
                    pending = pending_commands(&store).await;
                }
                Ok(_) => {}
                Err(RecvError::Closed) => return,
            },
            _ = recount.tick() => pending = pending_commands(&store).await,
        }
    }
}

/// Unanswered outbox commands (0 when the outbox cannot be read).
async fn pending_commands(store: &Store) -> u32 {
    match store.outbox().await {
        Ok(entries) => entries
            .iter()
            .filter(|e| e.state == CommandState::Pending)
            .count() as u32,
        Err(e) => {
            tracing::warn!(error = %e, "counting the outbox failed");
            0
        }
    }
}

/// The audit event for a change from `before` to `now`, if it is a transition worth one.
pub fn transition(
    before: Option<&LinkState>,
    now: &LinkState,
    agent_url: &str,
) -> Option<(EventKind, serde_json::Value)> {
    let was_live = before.is_some_and(LinkState::is_live);
    match now {
        LinkState::Live { role, since } if !was_live => Some((
            EventKind::LinkConnected,
            json!({"agentUrl": agent_url, "role": role, "since": since}),
        )),
        LinkState::Reconnecting { last_error, .. } if was_live => Some((
            EventKind::LinkLost,
            json!({"agentUrl": agent_url, "reason": last_error.message, "code": last_error.code}),
        )),
        LinkState::Offline { error: Some(e) }
            if e.code == ErrorCode::Unauthorized
                && !matches!(before, Some(LinkState::Offline { error: Some(_) })) =>
        {
            Some((
                EventKind::LinkUnauthorized,
                json!({"agentUrl": agent_url, "reason": e.message}),
            ))
        }
        LinkState::CircuitOpen { until, reason }
            if !matches!(before, Some(LinkState::CircuitOpen { .. })) =>
        {
            Some((
                EventKind::LinkCircuitOpen,
                json!({"agentUrl": agent_url, "until": until, "reason": reason.message,
                       "wasLive": was_live}),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, Error};
    use crate::link::LinkError;
    use screener::protocol::Role;

    fn error(e: LinkError) -> ApiError {
        ApiError::from_ref(&Error::Link(e))
    }

    #[test]
    fn only_transitions_are_events() {
        let url = "https://a.fly.dev";
        let live = LinkState::Live {
            role: Role::Owner,
            since: "2026-11-24T12:00:00.000Z".into(),
        };
        let retry = |attempt| LinkState::Reconnecting {
            attempt,
            next_in_ms: 100,
            last_error: error(LinkError::Dropped {
                detail: "closed".into(),
            }),
        };
        let kind = |b: Option<&LinkState>, n: &LinkState| transition(b, n, url).map(|t| t.0);
        assert_eq!(
            kind(Some(&LinkState::Connecting), &live),
            Some(EventKind::LinkConnected)
        );
        assert_eq!(kind(Some(&live), &live), None);
        let (k, details) = transition(Some(&live), &retry(1), url).unwrap();
        assert_eq!(k, EventKind::LinkLost);
        assert!(details["reason"].as_str().unwrap().contains("closed"));
        // Retries after the loss are not events.
        assert_eq!(kind(Some(&retry(1)), &retry(2)), None);
        assert_eq!(kind(Some(&LinkState::Connecting), &retry(1)), None);
        let open = LinkState::CircuitOpen {
            until: "2026-11-24T12:01:00.000Z".into(),
            reason: error(LinkError::Timeout { seconds: 10 }),
        };
        assert_eq!(
            kind(Some(&retry(4)), &open),
            Some(EventKind::LinkCircuitOpen)
        );
        assert_eq!(kind(Some(&open), &open), None);
        let refused = LinkState::Offline {
            error: Some(error(LinkError::Unauthorized)),
        };
        assert_eq!(
            kind(Some(&LinkState::Connecting), &refused),
            Some(EventKind::LinkUnauthorized)
        );
        assert_eq!(kind(Some(&refused), &refused), None);
        // A clean shutdown is not a loss.
        assert_eq!(kind(Some(&live), &LinkState::Offline { error: None }), None);
    }
}
