//! Tauri commands: one thin async wrapper per [`crate::api`] operation. Each returns the
//! operation's result or `{code, message, hint}`; none returns a secret.

use std::sync::Arc;

use tauri::ipc::Channel;
use tauri::State;

use crate::api::machine::MachineOutcome;
use crate::api::regions::RegionsView;
use crate::api::status::AppStatus;
use crate::api::token::TokenStatus;
use crate::api::{self, Actor, Core};
use crate::error::ApiError;
use crate::machine::lifecycle::FlyEventView;
use crate::machine::operation::{OperationProgress, OperationSink};
use crate::machine::provision::StartOptions;
use crate::machine::status::MachineStatus;
use crate::machine::Progress;
use crate::sensitive::Sensitive;
use crate::store::events::AuditEvent;

type CommandResult<T> = std::result::Result<T, ApiError>;

/// Version, paths, database and keyring health, token state.
#[tauri::command]
pub async fn app_status(core: State<'_, Core>) -> CommandResult<AppStatus> {
    Ok(api::status::report(&core).await)
}

/// The token state (never the token).
#[tauri::command]
pub async fn token_status(core: State<'_, Core>) -> CommandResult<TokenStatus> {
    Ok(api::token::status(&core).await?)
}

/// Validates and stores a pasted token; the answer describes it by kind and last four only.
#[tauri::command]
pub async fn token_store(core: State<'_, Core>, token: String) -> CommandResult<TokenStatus> {
    Ok(api::token::store(&core, Actor::Gui, Sensitive::new(token)).await?)
}

/// Removes the stored token.
#[tauri::command]
pub async fn token_remove(core: State<'_, Core>) -> CommandResult<TokenStatus> {
    Ok(api::token::remove(&core, Actor::Gui).await?)
}

/// The latest audit events, newest first.
#[tauri::command]
pub async fn events_recent(core: State<'_, Core>, limit: u32) -> CommandResult<Vec<AuditEvent>> {
    Ok(api::status::recent_events(&core, limit).await?)
}

/// Starts (or resumes) the machine; each step's progress goes to `progress` as it happens.
#[tauri::command]
pub async fn machine_start(
    core: State<'_, Core>,
    region: Option<String>,
    size: Option<String>,
    progress: Channel<Progress>,
) -> CommandResult<MachineOutcome> {
    let sink = Arc::new(move |event: Progress| {
        if let Err(e) = progress.send(event) {
            tracing::debug!(error = %e, "the window stopped listening to progress");
        }
    });
    let options = StartOptions { region, size };
    Ok(api::machine::start(&core, Actor::Gui, options, sink).await?)
}

/// The machine as Fly reports it now, with the next action.
#[tauri::command]
pub async fn machine_status(core: State<'_, Core>) -> CommandResult<MachineStatus> {
    Ok(api::machine::status(&core, Actor::Gui).await?)
}

/// Stops the machine; each phase goes to `progress` as it happens.
#[tauri::command]
pub async fn machine_stop(
    core: State<'_, Core>,
    progress: Channel<OperationProgress>,
) -> CommandResult<MachineOutcome> {
    Ok(api::machine::stop(&core, Actor::Gui, Some(operation_sink(progress))).await?)
}

/// Restarts the machine and waits for the agent; each phase goes to `progress`.
#[tauri::command]
pub async fn machine_restart(
    core: State<'_, Core>,
    progress: Channel<OperationProgress>,
) -> CommandResult<MachineOutcome> {
    Ok(api::machine::restart(&core, Actor::Gui, Some(operation_sink(progress))).await?)
}

/// Replaces the agent's viewer token (support's live access ends), reporting each phase.
#[tauri::command]
pub async fn machine_replace_viewer_token(
    core: State<'_, Core>,
    progress: Channel<OperationProgress>,
) -> CommandResult<MachineOutcome> {
    Ok(
        api::machine::replace_viewer_token(&core, Actor::Gui, Some(operation_sink(progress)))
            .await?,
    )
}

/// Sends an operation's progress to the window (a window gone away is not an error).
fn operation_sink(progress: Channel<OperationProgress>) -> OperationSink {
    Arc::new(move |event: OperationProgress| {
        if let Err(e) = progress.send(event) {
            tracing::debug!(error = %e, "the window stopped listening to progress");
        }
    })
}

/// Changes the machine's size (the scale recommendation's "apply").
#[tauri::command]
pub async fn machine_resize(core: State<'_, Core>, size: String) -> CommandResult<MachineOutcome> {
    Ok(api::machine::resize(&core, Actor::Gui, &size).await?)
}

/// Destroys the machine; the window sends `confirmed: true` only after its dialog.
#[tauri::command]
pub async fn machine_destroy(
    core: State<'_, Core>,
    confirmed: bool,
    progress: Channel<OperationProgress>,
) -> CommandResult<MachineOutcome> {
    let sink = Some(operation_sink(progress));
    Ok(api::machine::destroy(&core, Actor::Gui, confirmed, sink).await?)
}

/// Fly's newest events for the machine.
#[tauri::command]
pub async fn machine_events(core: State<'_, Core>, limit: u32) -> CommandResult<Vec<FlyEventView>> {
    Ok(api::machine::events(&core, Actor::Gui, limit).await?)
}

/// Regions (where Binance answers) and sizes with costs.
#[tauri::command]
pub async fn regions_list(core: State<'_, Core>) -> CommandResult<RegionsView> {
    Ok(api::regions::list(&core).await?)
}

/// Ends a live subscription (`*_watch`) by the id it returned.
#[tauri::command]
pub async fn watch_stop(watches: State<'_, super::watch::Watches>, id: u32) -> CommandResult<bool> {
    Ok(watches.stop(id))
}

/// The window rendered its first screen and has its first status: logs `window interactive`
/// with the milliseconds since `main` started (once per process).
#[tauri::command]
pub async fn app_ready() -> CommandResult<()> {
    super::startup::interactive();
    Ok(())
}
