//! Tauri commands: one thin async wrapper per [`crate::api`] operation. Each returns the
//! operation's result or `{code, message, hint}`; none returns a secret.

use tauri::State;

use crate::api::status::AppStatus;
use crate::api::token::TokenStatus;
use crate::api::{self, Actor, Core};
use crate::error::ApiError;
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
