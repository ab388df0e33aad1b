//! The dead-man's switch: a notifier inside the machine dies with it, so the desktop watches
//! the agent's frames itself. While Fly says the machine is started and the link has been
//! live, no frame for longer than [`detector::SILENCE`] or a newest candle older than
//! [`detector::CANDLE_AGE`] raises an alert: recorded once per episode in the audit log
//! (`watchdog.alert`, then `watchdog.cleared`), kept in the database for the window
//! (`watchdog_state`), and shown as an OS notification through the caller's delivery hook.

pub mod detector;

use std::time::Duration;

use screener::protocol::ServerFrame;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cloud::LinkView;
use crate::error::Result;
use crate::parking::record::event;
use crate::signals::notify::Notice;
use crate::store::events::Actor;
use crate::store::Store;

pub use detector::{Change, DeadManAlert, Detector, Thresholds};

/// How often the detector looks when no frame comes (at most; a quarter of the silence
/// threshold when that is shorter).
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Runs the switch until cancelled: `frames` and `view` are the cloud slot's
/// ([`crate::cloud::Cloud::frames`], [`crate::cloud::Cloud::view`]); whether Fly says started
/// is read from the machine record, and the thresholds the user set (else `defaults`) from
/// the database — both re-read every few seconds, so a change applies at once; `deliver`
/// shows a notification.
pub async fn run(
    store: Store,
    frames: broadcast::Receiver<ServerFrame>,
    view: watch::Receiver<LinkView>,
    defaults: Thresholds,
    deliver: impl Fn(Notice),
    cancel: CancellationToken,
) -> Result<()> {
    // A restart of the app starts a new watch: an alert left from before is not in force.
    store.set_watchdog_alert(None).await?;
    let (thresholds_tx, thresholds) = watch::channel(stored(&store, defaults).await?);
    let every = check_every(&defaults);
    let (started_tx, started) = watch::channel(machine_started(&store).await?);
    let (changes_tx, mut changes) = mpsc::channel(16);
    let detect = detect(
        frames,
        view,
        started,
        thresholds,
        changes_tx,
        cancel.clone(),
    );
    let record = async {
        let mut poll = tokio::time::interval(every);
        loop {
            tokio::select! {
                change = changes.recv() => match change {
                    Some(change) => apply(&store, &change, &deliver).await?,
                    None => return Ok(()),
                },
                _ = poll.tick() => {
                    started_tx.send_replace(machine_started(&store).await?);
                    let now = stored(&store, defaults).await?;
                    thresholds_tx.send_if_modified(|current| {
                        let changed = *current != now;
                        *current = now;
                        changed
                    });
                }
            }
        }
    };
    let (_, recorded): ((), Result<()>) = tokio::join!(detect, record);
    recorded
}

fn check_every(thresholds: &Thresholds) -> Duration {
    CHECK_EVERY
        .min(thresholds.silence / 4)
        .max(Duration::from_millis(10))
}

/// The thresholds the user set, else `defaults`.
async fn stored(store: &Store, defaults: Thresholds) -> Result<Thresholds> {
    Ok(match store.watchdog_thresholds().await? {
        Some((silence, age)) => Thresholds {
            silence: Duration::from_secs(silence),
            candle_age: Duration::from_secs(age),
        },
        None => defaults,
    })
}

async fn machine_started(store: &Store) -> Result<bool> {
    Ok(store
        .machine()
        .await?
        .is_some_and(|m| m.state.as_deref() == Some("started")))
}

/// The timing half, without I/O: feeds the detector the frames, looks every few seconds with
/// the link's liveness and `started` against the current `thresholds`, and sends each change
/// to `changes`. Ends when cancelled or the frames end (dropping `changes`).
pub async fn detect(
    mut frames: broadcast::Receiver<ServerFrame>,
    view: watch::Receiver<LinkView>,
    started: watch::Receiver<bool>,
    mut thresholds: watch::Receiver<Thresholds>,
    changes: mpsc::Sender<Change>,
    cancel: CancellationToken,
) {
    let current = *thresholds.borrow_and_update();
    let mut detector = Detector::new(current);
    let mut every = ticks(&current);
    let mut listening = true;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            changed = thresholds.changed(), if listening => match changed {
                Ok(()) => {
                    let current = *thresholds.borrow_and_update();
                    detector.set_thresholds(current);
                    every = ticks(&current);
                }
                Err(_) => listening = false,
            },
            frame = frames.recv() => match frame {
                Ok(frame) => detector.frame(&frame, Instant::now()),
                // Frames were lost, but they came: the agent is alive.
                Err(RecvError::Lagged(_)) => detector.frame(&ServerFrame::Pong, Instant::now()),
                Err(RecvError::Closed) => return,
            },
            _ = every.tick() => {
                let live = view.borrow().state.is_live();
                let up = *started.borrow();
                if let Some(change) = detector.check(Instant::now(), up, live) {
                    if changes.send(change).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

fn ticks(thresholds: &Thresholds) -> tokio::time::Interval {
    let mut every = tokio::time::interval(check_every(thresholds));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every
}

/// Records a change: the alert row, the audit entry, and (when raised) the notification.
async fn apply(store: &Store, change: &Change, deliver: &impl Fn(Notice)) -> Result<()> {
    let machine_id = store.machine().await?.and_then(|m| m.machine_id);
    match change {
        Change::Raised(alert) => {
            let value = serde_json::to_value(alert).unwrap_or_default();
            store.set_watchdog_alert(Some(&value)).await?;
            store
                .record_named_event(
                    Actor::App,
                    event::DEAD_MAN_ALERT,
                    machine_id.as_deref(),
                    json!({"alert": value, "text": alert.to_string()}),
                )
                .await?;
            tracing::warn!(%alert, "dead-man alert");
            deliver(Notice {
                title: "TradeMind: your machine is not answering".into(),
                body: capitalized(&alert.to_string()),
            });
        }
        Change::Cleared => {
            store.set_watchdog_alert(None).await?;
            store
                .record_named_event(
                    Actor::App,
                    event::DEAD_MAN_CLEARED,
                    machine_id.as_deref(),
                    json!({}),
                )
                .await?;
            tracing::info!("dead-man alert cleared");
        }
    }
    Ok(())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
