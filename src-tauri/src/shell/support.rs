//! Tauri commands of the support window (`trademind --support`): support's credentials,
//! finding and inspecting a user's app, its logs (page and live tail), the agent's live view
//! and the diagnostics report. The window's capability (`capabilities/support.json`) grants
//! these and read-only app commands only; the core refuses every change in support mode
//! anyway ([`crate::api::Core::require_owner`]).

use std::path::PathBuf;

use tauri::ipc::Channel;
use tauri::State;

use super::watch::Watches;
use crate::api::{self, Core};
use crate::error::ApiError;
use crate::inspect::{
    InspectTarget, Inspection, LogQuery, LogsView, ReportSummary, SupportAccess, SupportCredential,
    SupportFrame, ViewerLinkState, WatchParts,
};
use crate::sensitive::Sensitive;

type CommandResult<T> = std::result::Result<T, ApiError>;

/// Support's mode and credentials (described, never shown).
#[tauri::command]
pub async fn support_access(core: State<'_, Core>) -> CommandResult<SupportAccess> {
    Ok(api::inspect::access(&core).await?)
}

/// Stores a pasted support credential in the OS keyring.
#[tauri::command]
pub async fn support_login(
    core: State<'_, Core>,
    credential: SupportCredential,
    token: String,
) -> CommandResult<SupportAccess> {
    Ok(api::inspect::login(&core, credential, Sensitive::new(token)).await?)
}

/// Removes support's stored credentials (`null`: both).
#[tauri::command]
pub async fn support_logout(
    core: State<'_, Core>,
    credential: Option<SupportCredential>,
) -> CommandResult<SupportAccess> {
    Ok(api::inspect::logout(&core, credential).await?)
}

/// Apps and machines matching an app name, machine id or user id.
#[tauri::command]
pub async fn support_find(
    core: State<'_, Core>,
    query: String,
) -> CommandResult<Vec<InspectTarget>> {
    Ok(api::inspect::find(&core, &query).await?)
}

/// Everything about a user's app now, with the diagnosis.
#[tauri::command]
pub async fn support_inspect(
    core: State<'_, Core>,
    app: String,
    machine_id: Option<String>,
) -> CommandResult<Inspection> {
    Ok(api::inspect::inspect(&core, &app, machine_id.as_deref()).await?)
}

/// One page of the machine's logs.
#[tauri::command]
pub async fn support_logs(
    core: State<'_, Core>,
    app: String,
    machine_id: Option<String>,
    query: LogQuery,
) -> CommandResult<LogsView> {
    Ok(api::inspect::logs(&core, &app, machine_id.as_deref(), &query).await?)
}

/// Streams the agent's live view and/or new log lines (after `parts.tail.after`) until
/// `watch_stop`.
#[tauri::command]
pub async fn support_watch(
    app_handle: tauri::AppHandle,
    watches: State<'_, Watches>,
    app: String,
    machine_id: Option<String>,
    parts: WatchParts,
    channel: Channel<SupportFrame>,
) -> CommandResult<u32> {
    if let Some(query) = &parts.tail {
        crate::inspect::logs::check(query)?;
    }
    let tail_only = !parts.live;
    Ok(watches.spawn(move |cancel| async move {
        use tauri::Manager;
        let core = app_handle.state::<Core>();
        let send = |frame: SupportFrame| match channel.send(frame) {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(error = %e, "the support window stopped listening");
                false
            }
        };
        let watched =
            api::inspect::watch_parts(&core, &app, machine_id.as_deref(), parts, cancel, &send)
                .await;
        if let Err(e) = watched {
            let detail = ApiError::from(e).message;
            send(if tail_only {
                SupportFrame::TailEnded { detail }
            } else {
                SupportFrame::Link {
                    state: ViewerLinkState::Ended,
                    detail: Some(detail),
                }
            });
        }
    }))
}

/// Writes the diagnostics report into `dir` (a new or empty folder, or a previous report).
#[tauri::command]
pub async fn support_report(
    core: State<'_, Core>,
    app: String,
    machine_id: Option<String>,
    dir: String,
) -> CommandResult<ReportSummary> {
    let dir = PathBuf::from(dir.trim());
    Ok(api::report::report(&core, &app, machine_id.as_deref(), &dir).await?)
}
