//! Tauri commands of local screening: thin wrappers over [`crate::api::local`].

use tauri::State;

use crate::api::{self, Core};
use crate::error::ApiError;
use crate::local::{LocalStart, LocalStatus};

type CommandResult<T> = std::result::Result<T, ApiError>;

#[tauri::command]
pub async fn local_status(core: State<'_, Core>) -> CommandResult<LocalStatus> {
    Ok(api::local::status(&core))
}

/// Starts local screening (recorded files, or live Binance when it answers).
#[tauri::command]
pub async fn local_start(core: State<'_, Core>, request: LocalStart) -> CommandResult<LocalStatus> {
    Ok(api::local::start(&core, request).await?)
}

#[tauri::command]
pub async fn local_stop(core: State<'_, Core>) -> CommandResult<LocalStatus> {
    Ok(api::local::stop(&core).await)
}
