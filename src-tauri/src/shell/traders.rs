//! Tauri commands of the Traders area: thin wrappers over [`crate::api::traders`].

use screener::trader::Trader;
use tauri::State;

use crate::api::{self, Actor, Core};
use crate::error::ApiError;
use crate::traders::{ConflictChoice, ImportReport, TraderCard, TraderCheck};

type CommandResult<T> = std::result::Result<T, ApiError>;

/// Every trader's card.
#[tauri::command]
pub async fn traders_list(core: State<'_, Core>) -> CommandResult<Vec<TraderCard>> {
    Ok(api::traders::list(&core).await?)
}

/// The editor's check and dry run (nothing is saved).
#[tauri::command]
pub async fn trader_check(trader: Trader) -> CommandResult<TraderCheck> {
    Ok(api::traders::check(trader).await?)
}

/// Creates (empty id) or updates (at its loaded version) a user trader.
#[tauri::command]
pub async fn trader_save(core: State<'_, Core>, trader: Trader) -> CommandResult<TraderCard> {
    Ok(api::traders::save(&core, Actor::Gui, trader).await?)
}

#[tauri::command]
pub async fn trader_delete(core: State<'_, Core>, id: String, version: u64) -> CommandResult<()> {
    Ok(api::traders::delete(&core, Actor::Gui, &id, version).await?)
}

#[tauri::command]
pub async fn trader_set_enabled(
    core: State<'_, Core>,
    id: String,
    enabled: bool,
) -> CommandResult<TraderCard> {
    Ok(api::traders::set_enabled(&core, Actor::Gui, &id, enabled).await?)
}

/// The cloud toggle (the window sends the version its card shows).
#[tauri::command]
pub async fn trader_set_cloud(
    core: State<'_, Core>,
    id: String,
    on: bool,
    expected_version: u64,
) -> CommandResult<TraderCard> {
    Ok(api::traders::set_cloud(&core, Actor::Gui, &id, on, expected_version).await?)
}

#[tauri::command]
pub async fn trader_resolve_conflict(
    core: State<'_, Core>,
    id: String,
    choice: ConflictChoice,
) -> CommandResult<TraderCard> {
    Ok(api::traders::resolve_conflict(&core, Actor::Gui, &id, choice).await?)
}

#[tauri::command]
pub async fn traders_import(core: State<'_, Core>, json: String) -> CommandResult<ImportReport> {
    Ok(api::traders::import(&core, Actor::Gui, json).await?)
}

#[tauri::command]
pub async fn traders_export(core: State<'_, Core>, ids: Vec<String>) -> CommandResult<String> {
    Ok(api::traders::export(&core, &ids).await?)
}
