//! `status`: what this installation is and whether its parts work — version, paths, database,
//! keyring and token. Never fails as a whole: each part reports its own error.

use serde::Serialize;
use ts_rs::TS;

use super::{token, Core};
use crate::error::ApiError;
use crate::store::events::AuditEvent;

/// One part's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub ok: bool,
    /// What was found, when it worked (e.g. `wal, 1 migration`).
    pub detail: Option<String>,
    pub error: Option<ApiError>,
}

impl Check {
    fn passed(detail: String) -> Self {
        Self {
            ok: true,
            detail: Some(detail),
            error: None,
        }
    }

    fn failed(error: crate::error::Error) -> Self {
        Self {
            ok: false,
            detail: None,
            error: Some(error.into()),
        }
    }
}

/// The whole status report (`trademind status --json`, Settings → About).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub version: String,
    /// `support`: the read-only support window (see [`super::Mode`]).
    pub mode: super::Mode,
    pub data_dir: String,
    pub log_dir: String,
    pub database_path: String,
    pub database: Check,
    pub keyring: Check,
    /// `None` when the keyring could not be read (see `keyring`).
    pub token: Option<token::TokenStatus>,
}

/// Gathers the status report.
pub async fn report(core: &Core) -> AppStatus {
    let paths = core.paths();
    let database = match core.store().health().await {
        Ok(h) => Check::passed(format!(
            "journal {}, {} migration(s) applied",
            h.journal_mode, h.migrations_applied
        )),
        Err(e) => Check::failed(e),
    };
    let (keyring, token) = match token::status(core).await {
        Ok(t) => (
            Check::passed(format!("keyring service `{}`", paths.keyring_service)),
            Some(t),
        ),
        Err(e) => (Check::failed(e), None),
    };
    AppStatus {
        mode: core.mode(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: paths.data_dir.display().to_string(),
        log_dir: paths.log_dir.display().to_string(),
        database_path: paths.database.display().to_string(),
        database,
        keyring,
        token,
    }
}

/// The most recent audit events (Settings → Activity).
pub async fn recent_events(core: &Core, limit: u32) -> crate::error::Result<Vec<AuditEvent>> {
    core.store().recent_events(limit.clamp(1, 500)).await
}

/// The audit events `filter` selects, newest first (the Events area).
pub async fn query_events(
    core: &Core,
    filter: &crate::store::events::EventFilter,
) -> crate::error::Result<Vec<AuditEvent>> {
    core.store().query_events(filter).await
}
