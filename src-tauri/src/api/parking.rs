//! Auto-stop settings and the parked reason ([`crate::parking`]), and the dead-man alert in
//! force ([`crate::watchdog`]), for the window and the CLI.

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use super::{Actor, Core};
use crate::error::Result;
use crate::parking::record::event;
use crate::parking::{AutoStopSettings, ParkReason};
use crate::watchdog::DeadManAlert;

/// Why and since when the app parked the machine.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ParkedView {
    pub reason: ParkReason,
    /// The reason in words, e.g. "no cloud trader for 30 min".
    pub text: String,
    /// RFC 3339.
    pub at: String,
}

/// The auto-stop settings and whether the machine is parked now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AutoStopView {
    pub settings: AutoStopSettings,
    /// The schedule as text (`mon-fri 08:00-22:00`), if set.
    pub schedule_text: Option<String>,
    pub parked: Option<ParkedView>,
}

/// The dead-man alert in force, if any.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WatchdogView {
    pub alert: Option<DeadManAlert>,
    /// The alert in words.
    pub text: Option<String>,
    /// RFC 3339.
    pub since: Option<String>,
    /// No frame from the agent for this long raises the alert.
    pub silence_seconds: u64,
    /// A newest candle older than this raises the alert.
    pub candle_age_seconds: u64,
    /// Whether the user set the thresholds (else the defaults).
    pub custom: bool,
}

/// The settings and the parked state.
pub async fn get(core: &Core) -> Result<AutoStopView> {
    let store = core.store();
    let settings = store.autostop_settings().await?;
    let parked = store.parked().await?.map(|(reason, at)| ParkedView {
        text: reason.to_string(),
        reason,
        at,
    });
    Ok(AutoStopView {
        schedule_text: settings.schedule.as_ref().map(ToString::to_string),
        settings,
        parked,
    })
}

/// Validates and saves the settings (audited as `autostop.set`).
pub async fn set(core: &Core, actor: Actor, settings: AutoStopSettings) -> Result<AutoStopView> {
    core.require_owner("autostop set").await?;
    settings.validate()?;
    let store = core.store();
    store.set_autostop_settings(&settings).await?;
    store
        .record_named_event(
            actor,
            event::AUTOSTOP_SET,
            None,
            json!({
                "idleMinutes": settings.idle_minutes,
                "schedule": settings.schedule.as_ref().map(ToString::to_string),
            }),
        )
        .await?;
    get(core).await
}

/// The dead-man alert in force.
pub async fn watchdog(core: &Core) -> Result<WatchdogView> {
    let store = core.store();
    let custom = store.watchdog_thresholds().await?;
    let defaults = crate::watchdog::Thresholds::default();
    let (silence_seconds, candle_age_seconds) =
        custom.unwrap_or((defaults.silence.as_secs(), defaults.candle_age.as_secs()));
    let (alert, text, since) = match store.watchdog_alert().await? {
        Some((value, since)) => {
            let alert: Option<DeadManAlert> = serde_json::from_value(value).ok();
            (
                alert.clone(),
                alert.as_ref().map(ToString::to_string),
                Some(since),
            )
        }
        None => (None, None, None),
    };
    Ok(WatchdogView {
        alert,
        text,
        since,
        silence_seconds,
        candle_age_seconds,
        custom: custom.is_some(),
    })
}

/// Sets the dead-man thresholds in seconds (`None`: back to the defaults), audited as
/// `watchdog.set`; the running switch applies them within seconds.
pub async fn set_watchdog(
    core: &Core,
    actor: Actor,
    thresholds: Option<(u64, u64)>,
) -> Result<WatchdogView> {
    core.require_owner("deadman set").await?;
    if let Some((silence, age)) = thresholds {
        crate::watchdog::Thresholds::from_seconds(silence, age)?;
    }
    let store = core.store();
    store.set_watchdog_thresholds(thresholds).await?;
    let details = match thresholds {
        Some((silence, age)) => json!({ "silenceSeconds": silence, "candleAgeSeconds": age }),
        None => json!({ "defaults": true }),
    };
    store
        .record_named_event(actor, event::DEAD_MAN_SET, None, details)
        .await?;
    watchdog(core).await
}

#[cfg(test)]
mod watchdog_tests {
    use super::*;
    use crate::paths::Paths;

    #[tokio::test]
    async fn thresholds_are_set_checked_audited_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(Paths::for_data_dir(dir.path().to_path_buf()).unwrap())
            .await
            .unwrap();
        let view = watchdog(&core).await.unwrap();
        assert_eq!(
            (view.silence_seconds, view.candle_age_seconds, view.custom),
            (120, 600, false)
        );
        let view = set_watchdog(&core, Actor::Cli, Some((300, 1800)))
            .await
            .unwrap();
        assert_eq!(
            (view.silence_seconds, view.candle_age_seconds, view.custom),
            (300, 1800, true)
        );
        // Bad values: refused, nothing changed.
        for bad in [(10, 600), (300, 30), (300, 100_000)] {
            let error = set_watchdog(&core, Actor::Cli, Some(bad))
                .await
                .unwrap_err();
            assert_eq!(error.code(), crate::error::ErrorCode::InvalidInput);
        }
        assert_eq!(watchdog(&core).await.unwrap().silence_seconds, 300);
        let view = set_watchdog(&core, Actor::Cli, None).await.unwrap();
        assert_eq!((view.silence_seconds, view.custom), (120, false));
        let audited = core
            .store()
            .events_of_kind(event::DEAD_MAN_SET, 10)
            .await
            .unwrap();
        assert_eq!(audited.len(), 2);
        assert_eq!(audited[1].details["silenceSeconds"], 300);
        core.close().await;
    }
}
