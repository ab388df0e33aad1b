//! The dead-man's switch: the timing half with a fake frame source and paused tokio time, and
//! the whole switch against a real database (one audit entry per episode, the alert row, the
//! notification).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use screener::protocol::{Metrics, ServerFrame};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::link::LinkState;

fn metrics(candle_age: Option<f64>) -> ServerFrame {
    ServerFrame::Metrics(Metrics {
        last_candle_age_seconds: candle_age,
        ..Metrics::default()
    })
}

fn live() -> LinkView {
    LinkView {
        state: LinkState::Live {
            role: screener::protocol::Role::Owner,
            since: "2026-11-23T10:00:00Z".into(),
        },
        ..LinkView::offline()
    }
}

/// Sends a frame every 10 s of (paused) time for `seconds`.
async fn feed(tx: &broadcast::Sender<ServerFrame>, seconds: u64, candle_age: Option<f64>) {
    for _ in 0..seconds / 10 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let _ = tx.send(metrics(candle_age));
    }
}

fn drain(rx: &mut mpsc::Receiver<Change>) -> Vec<Change> {
    let mut out = Vec::new();
    while let Ok(change) = rx.try_recv() {
        out.push(change);
    }
    out
}

#[tokio::test(start_paused = true)]
async fn silence_and_stale_candles_alert_once_and_clear_on_recovery() {
    let (frames, frames_rx) = broadcast::channel(64);
    let (view_tx, view) = watch::channel(LinkView::offline());
    let (started_tx, started) = watch::channel(true);
    let (changes_tx, mut changes) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let (_thresholds_tx, thresholds) = watch::channel(Thresholds::default());
    let task = tokio::spawn(detect(
        frames_rx,
        view,
        started,
        thresholds,
        changes_tx,
        cancel.clone(),
    ));

    // Never live: no alert however long the silence (the link was never up).
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(drain(&mut changes).is_empty());

    // Live, frames flowing every 10 s for 10 min: no alert.
    view_tx.send_replace(live());
    feed(&frames, 600, Some(3.0)).await;
    assert!(drain(&mut changes).is_empty());

    // Silence: nothing at 110 s, an alert past 120 s, and only one however long it lasts.
    tokio::time::sleep(Duration::from_secs(110)).await;
    assert!(drain(&mut changes).is_empty(), "not before the threshold");
    tokio::time::sleep(Duration::from_secs(20)).await;
    let raised = drain(&mut changes);
    assert!(
        matches!(raised.as_slice(), [Change::Raised(DeadManAlert::Silent { silent_seconds })] if *silent_seconds > 120 && *silent_seconds <= 130),
        "{raised:?}"
    );
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(drain(&mut changes).is_empty(), "one alert per episode");

    // Frames again: cleared.
    feed(&frames, 20, Some(3.0)).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(drain(&mut changes), vec![Change::Cleared]);

    // Frames flow but the newest candle is old and getting older: a stale-candle alert.
    feed(&frames, 30, Some(590.0)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(drain(&mut changes).is_empty(), "596 s old: not yet");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let stale = drain(&mut changes);
    assert!(
        matches!(stale.as_slice(), [Change::Raised(DeadManAlert::StaleCandles { age_seconds })] if *age_seconds > 600),
        "{stale:?}"
    );
    // A fresh candle clears it.
    let _ = frames.send(metrics(Some(1.0)));
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(drain(&mut changes), vec![Change::Cleared]);

    // The user stops the machine: silence is no alert.
    started_tx.send_replace(false);
    view_tx.send_replace(LinkView::offline());
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert!(drain(&mut changes).is_empty());

    cancel.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn the_switch_records_one_audit_entry_per_episode_and_notifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
    store
        .save_machine(&crate::store::machine::MachineRecord {
            app: "trademind-wd".into(),
            org_slug: "personal".into(),
            machine_id: Some("m1".into()),
            instance_id: None,
            region: "fra".into(),
            size: "normal".into(),
            image: "img:1".into(),
            state: Some("started".into()),
            seen_at: None,
            secrets_version: None,
            secrets_fingerprint: None,
        })
        .await
        .unwrap();
    let (frames, frames_rx) = broadcast::channel(64);
    let (_view_tx, view) = watch::channel(live());
    let notices = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&notices);
    let cancel = CancellationToken::new();
    // Real time (the store is real): frames 100 ms apart against a 1 s silence threshold,
    // so a loaded machine's late wake-up is no false alert.
    let thresholds = Thresholds {
        silence: Duration::from_millis(1000),
        candle_age: Duration::from_secs(600),
    };
    let task = tokio::spawn(run(
        store.clone(),
        frames_rx,
        view,
        thresholds,
        move |n: Notice| seen.lock().unwrap().push(n),
        cancel.clone(),
    ));
    let count = |kind: &'static str| {
        let store = store.clone();
        async move { store.events_of_kind(kind, 50).await.unwrap().len() }
    };
    // Frames every 100 ms for 1 s: nothing.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        frames.send(metrics(Some(1.0))).unwrap();
    }
    assert_eq!(count(record_kind::ALERT).await, 0);
    // Silent for 2.5 s: one alert, in the row and the log, and one notification.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(count(record_kind::ALERT).await, 1);
    let (alert, _since) = store.watchdog_alert().await.unwrap().expect("alert row");
    assert_eq!(alert["kind"], "silent");
    assert_eq!(notices.lock().unwrap().len(), 1);
    assert!(notices.lock().unwrap()[0]
        .body
        .starts_with("The agent has sent nothing"));
    // Recovery: cleared in the row and the log.
    for _ in 0..5 {
        frames.send(metrics(Some(1.0))).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(record_kind::CLEARED).await, 1);
    assert!(store.watchdog_alert().await.unwrap().is_none());
    assert_eq!(count(record_kind::ALERT).await, 1);
    cancel.cancel();
    task.await.unwrap().unwrap();
}

mod record_kind {
    pub const ALERT: &str = crate::parking::record::event::DEAD_MAN_ALERT;
    pub const CLEARED: &str = crate::parking::record::event::DEAD_MAN_CLEARED;
}

#[test]
fn alerts_are_camel_case_on_the_wire_and_read_back_from_older_rows() {
    let alert = DeadManAlert::Silent {
        silent_seconds: 130,
    };
    let json = serde_json::to_value(&alert).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "silent", "silentSeconds": 130})
    );
    // Rows stored before the rename used snake_case fields.
    let old: DeadManAlert =
        serde_json::from_str(r#"{"kind":"stale_candles","age_seconds":700}"#).unwrap();
    assert_eq!(old, DeadManAlert::StaleCandles { age_seconds: 700 });
    let refused = serde_json::from_str::<DeadManAlert>(r#"{"kind":"silent"}"#);
    assert!(refused.is_err(), "a missing duration is refused");
}

#[tokio::test(start_paused = true)]
async fn new_thresholds_apply_to_the_running_switch() {
    let (frames, frames_rx) = broadcast::channel(64);
    let (_view_tx, view) = watch::channel(live());
    let (_started_tx, started) = watch::channel(true);
    let (thresholds_tx, thresholds) = watch::channel(Thresholds::default());
    let (changes_tx, mut changes) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(detect(
        frames_rx,
        view,
        started,
        thresholds,
        changes_tx,
        cancel.clone(),
    ));
    frames.send(metrics(Some(1.0))).unwrap();
    // 60 s of silence: nothing under the default 120 s.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(drain(&mut changes).is_empty());
    // The user tightens the silence to 30 s: the next check alerts.
    thresholds_tx.send_replace(Thresholds::from_seconds(30, 600).unwrap());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let raised = drain(&mut changes);
    assert!(
        matches!(raised.as_slice(), [Change::Raised(DeadManAlert::Silent { silent_seconds })] if *silent_seconds >= 60),
        "{raised:?}"
    );
    cancel.cancel();
    task.await.unwrap();
}

#[test]
fn thresholds_outside_their_ranges_are_refused() {
    assert!(Thresholds::from_seconds(30, 60).is_ok());
    assert!(Thresholds::from_seconds(86_400, 86_400).is_ok());
    for (silence, age) in [(29, 600), (120, 59), (86_401, 600), (120, 86_401), (0, 0)] {
        let error = Thresholds::from_seconds(silence, age).unwrap_err();
        assert_eq!(
            error.code(),
            crate::error::ErrorCode::InvalidInput,
            "{silence} {age}"
        );
    }
}
