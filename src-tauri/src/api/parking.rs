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
    let Some((value, since)) = core.store().watchdog_alert().await? else {
        return Ok(WatchdogView {
            alert: None,
            text: None,
            since: None,
        });
    };
    let alert: Option<DeadManAlert> = serde_json::from_value(value).ok();
    Ok(WatchdogView {
        text: alert.as_ref().map(ToString::to_string),
        alert,
        since: Some(since),
    })
}
