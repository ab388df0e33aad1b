//! Tauri commands of the Signals area, and the desktop notifications of new signals.

use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::broadcast;

use super::watch::Watches;
use crate::api::{self, Core};
use crate::error::ApiError;
use crate::signals::notify::Notice;
use crate::signals::{SignalDetail, SignalFilter, SignalView};

type CommandResult<T> = std::result::Result<T, ApiError>;

#[tauri::command]
pub async fn signals_list(
    core: State<'_, Core>,
    filter: SignalFilter,
) -> CommandResult<Vec<SignalView>> {
    Ok(api::signals::list(&core, &filter).await?)
}

/// New signals of both sources (and signals again when their analysis arrives) into
/// `channel` until `watch_stop`.
#[tauri::command]
pub async fn signals_watch(
    core: State<'_, Core>,
    watches: State<'_, Watches>,
    channel: Channel<SignalView>,
) -> CommandResult<u32> {
    let mut signals = core.signals().subscribe();
    Ok(watches.spawn(move |cancel| async move {
        loop {
            let signal = tokio::select! {
                _ = cancel.cancelled() => return,
                signal = signals.recv() => signal,
            };
            match signal {
                Ok(signal) => {
                    if channel.send(signal).is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a signals subscriber lagged");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }))
}

#[tauri::command]
pub async fn signal_detail(core: State<'_, Core>, key: String) -> CommandResult<SignalDetail> {
    Ok(api::signals::detail(&core, &key).await?)
}

/// Shows a notice as a desktop notification; logs when the system refuses it.
pub fn deliver(handle: &tauri::AppHandle, notice: Notice) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = handle
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!(error = %e, "a signal notification was not shown");
    }
}
