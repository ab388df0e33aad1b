//! Tauri commands of auto-stop and the dead-man's switch (thin wrappers over
//! [`crate::api::parking`]), and the start of both background tasks, cancelled at exit.

use tauri::{Manager, State};

use super::Background;
use crate::api::parking::{AutoStopView, WatchdogView};
use crate::api::{self, Actor, Core};
use crate::error::ApiError;
use crate::parking::AutoStopSettings;

type CommandResult<T> = std::result::Result<T, ApiError>;

#[tauri::command]
pub async fn autostop_get(core: State<'_, Core>) -> CommandResult<AutoStopView> {
    Ok(api::parking::get(&core).await?)
}

#[tauri::command]
pub async fn autostop_set(
    core: State<'_, Core>,
    settings: AutoStopSettings,
) -> CommandResult<AutoStopView> {
    Ok(api::parking::set(&core, Actor::Gui, settings).await?)
}

#[tauri::command]
pub async fn watchdog_state(core: State<'_, Core>) -> CommandResult<WatchdogView> {
    Ok(api::parking::watchdog(&core).await?)
}

/// Sets the dead-man thresholds in seconds (both `null`: back to the defaults).
#[tauri::command]
pub async fn watchdog_set(
    core: State<'_, Core>,
    silence_seconds: Option<u64>,
    candle_age_seconds: Option<u64>,
) -> CommandResult<WatchdogView> {
    let thresholds = match (silence_seconds, candle_age_seconds) {
        (Some(silence), Some(age)) => Some((silence, age)),
        (None, None) => None,
        _ => {
            return Err(crate::error::Error::InvalidInput(
                "give both thresholds, or neither for the defaults".into(),
            )
            .into())
        }
    };
    Ok(api::parking::set_watchdog(&core, Actor::Gui, thresholds).await?)
}

/// Starts the auto-stop task and the dead-man's switch; both end when the app exits.
pub fn spawn_tasks(handle: tauri::AppHandle) {
    let cancel = handle.state::<Background>().0.clone();
    let parking = handle.clone();
    let parking_cancel = cancel.clone();
    tauri::async_runtime::spawn(async move {
        let core = parking.state::<Core>();
        if let Err(e) = crate::parking::task::run(&core, chrono::Utc::now, parking_cancel).await {
            tracing::error!(code = ?e.code(), "the auto-stop task ended: {e}");
        }
    });
    let core = handle.state::<Core>();
    let store = core.store().clone();
    let frames = core.cloud().frames();
    let view = core.cloud().view();
    let notifier = handle.clone();
    tauri::async_runtime::spawn(async move {
        let watch = crate::watchdog::run(
            store,
            frames,
            view,
            crate::watchdog::Thresholds::default(),
            move |notice| super::signals::deliver(&notifier, notice),
            cancel,
        );
        if let Err(e) = watch.await {
            tracing::error!(code = ?e.code(), "the dead-man's switch ended: {e}");
        }
    });
}
