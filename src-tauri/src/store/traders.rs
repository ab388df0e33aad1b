//! The `traders` table: built-ins (refreshed from the app, never edited) and the user's own,
//! with optimistic locking on `version`, the user's wish to run each in the cloud, and the
//! agent's last report about it. Changes are audited as `trader.*` events.

use screener::protocol::{DeployState, TraderState};
use screener::trader::Trader;

use crate::error::{Error, Result};
use crate::store::events::Actor;
use crate::store::{now, Store};

/// Audit event kinds of this module (the `kind` column).
pub mod event {
    pub const CREATE: &str = "trader.create";
    pub const UPDATE: &str = "trader.update";
    pub const DELETE: &str = "trader.delete";
    pub const IMPORT: &str = "trader.import";
    pub const ENABLE: &str = "trader.enable";
    pub const DEPLOY: &str = "trader.deploy";
    pub const UNDEPLOY: &str = "trader.undeploy";
    pub const RESOLVE: &str = "trader.resolve_conflict";
}

/// A stored trader with its cloud columns.
#[derive(Debug, Clone, PartialEq)]
pub struct TraderRow {
    /// With `version`, `enabled` and `cloud.enabledInCloud` taken from the columns.
    pub trader: Trader,
    pub builtin: bool,
    pub cloud_wanted: bool,
    /// The agent's last `trader_state` about it.
    pub cloud_version: Option<u64>,
    pub cloud_state: Option<DeployState>,
    pub cloud_error: Option<String>,
}

type Row = (
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "id, builtin, record, version, enabled, cloud_wanted, cloud_version, \
                       cloud_state, cloud_error";

impl Store {
    /// Writes the app's built-ins: new ones are added; a changed one gets its new content at
    /// the next version (so the agent takes it); the user's enabled and cloud choices stay.
    pub async fn seed_builtin_traders(&self, builtins: &[Trader]) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for trader in builtins {
            let stored: Option<(String, i64)> =
                sqlx::query_as("SELECT record, version FROM traders WHERE id = ? AND builtin = 1")
                    .bind(&trader.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match stored {
                None => {
                    sqlx::query(
                        "INSERT INTO traders (id, builtin, record, version, enabled, created_at, \
                                              updated_at) \
                         VALUES (?, 1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&trader.id)
                    .bind(to_json(trader)?)
                    .bind(trader.version as i64)
                    .bind(trader.enabled)
                    .bind(now())
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                }
                Some((record, version)) => {
                    let old = parse(&trader.id, &record)?;
                    if same_content(&old, trader) {
                        continue;
                    }
                    let mut fresh = trader.clone();
                    fresh.version = version as u64 + 1;
                    sqlx::query(
                        "UPDATE traders SET record = ?, version = ?, updated_at = ? WHERE id = ?",
                    )
                    .bind(to_json(&fresh)?)
                    .bind(fresh.version as i64)
                    .bind(now())
                    .bind(&trader.id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every trader, built-ins first, then by name.
    pub async fn traders(&self) -> Result<Vec<TraderRow>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM traders ORDER BY builtin DESC, id"
        ))
        .fetch_all(self.pool())
        .await?;
        let mut all = rows.into_iter().map(from_row).collect::<Result<Vec<_>>>()?;
        all.sort_by(|a, b| {
            (!a.builtin, a.trader.name.to_lowercase())
                .cmp(&(!b.builtin, b.trader.name.to_lowercase()))
        });
        Ok(all)
    }

    /// One trader, if stored.
    pub async fn trader(&self, id: &str) -> Result<Option<TraderRow>> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM traders WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        row.map(from_row).transpose()
    }

    /// One trader, or `invalid_input` naming it.
    pub async fn trader_required(&self, id: &str) -> Result<TraderRow> {
        self.trader(id)
            .await?
            .ok_or_else(|| Error::InvalidInput(format!("there is no trader `{id}`")))
    }

    /// Adds a user trader at its own version; `invalid_input` if the id is taken.
    pub async fn trader_insert(&self, trader: &Trader) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO traders (id, builtin, record, version, enabled, cloud_wanted, \
                                  created_at, updated_at) \
             VALUES (?, 0, ?, ?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&trader.id)
        .bind(to_json(trader)?)
        .bind(trader.version as i64)
        .bind(trader.enabled)
        .bind(now())
        .bind(now())
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::InvalidInput(format!(
                "a trader `{}` already exists",
                trader.id
            )));
        }
        Ok(())
    }

    /// Replaces a user trader stored at `trader.version`; stores it at the next version and
    /// returns it. `version_conflict` when the stored version differs.
    pub async fn trader_update(&self, trader: &Trader) -> Result<u64> {
        let row = self.trader_required(&trader.id).await?;
        refuse_builtin(&row, "edited")?;
        let next = trader.version + 1;
        let mut stored = trader.clone();
        stored.version = next;
        let done = sqlx::query(
            "UPDATE traders SET record = ?, version = ?, enabled = ?, updated_at = ? \
             WHERE id = ? AND version = ? AND builtin = 0",
        )
        .bind(to_json(&stored)?)
        .bind(next as i64)
        .bind(trader.enabled)
        .bind(now())
        .bind(&trader.id)
        .bind(trader.version as i64)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(conflict(&row, trader.version));
        }
        Ok(next)
    }

    /// Deletes a user trader stored at `version`.
    pub async fn trader_delete(&self, id: &str, version: u64) -> Result<()> {
        let row = self.trader_required(id).await?;
        refuse_builtin(&row, "deleted")?;
        let done = sqlx::query("DELETE FROM traders WHERE id = ? AND version = ? AND builtin = 0")
            .bind(id)
            .bind(version as i64)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(conflict(&row, version));
        }
        Ok(())
    }

    /// Turns a trader (built-in or not) on or off; the version does not change.
    pub async fn trader_set_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        self.trader_required(id).await?;
        sqlx::query("UPDATE traders SET enabled = ?, updated_at = ? WHERE id = ?")
            .bind(enabled)
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records the wish to run the trader in the cloud (or not), if it is still at
    /// `expected_version`.
    pub async fn trader_set_cloud_wanted(
        &self,
        id: &str,
        wanted: bool,
        expected_version: u64,
    ) -> Result<()> {
        let row = self.trader_required(id).await?;
        let done = sqlx::query(
            "UPDATE traders SET cloud_wanted = ?, updated_at = ? WHERE id = ? AND version = ?",
        )
        .bind(wanted)
        .bind(now())
        .bind(id)
        .bind(expected_version as i64)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(conflict(&row, expected_version));
        }
        Ok(())
    }

    /// Moves a trader to `version` (resolving a conflict with the cloud's copy), keeping its
    /// content.
    pub async fn trader_set_version(&self, id: &str, version: u64) -> Result<()> {
        let row = self.trader_required(id).await?;
        let mut trader = row.trader;
        trader.version = version;
        sqlx::query("UPDATE traders SET record = ?, version = ?, updated_at = ? WHERE id = ?")
            .bind(to_json(&trader)?)
            .bind(version as i64)
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Takes in the agent's `trader_state`; false when the trader is not stored here.
    pub async fn trader_cloud_state(&self, state: &TraderState) -> Result<bool> {
        let text = match state.state {
            DeployState::Deployed => "deployed",
            DeployState::Undeployed => "undeployed",
            DeployState::Error => "error",
        };
        let done = sqlx::query(
            "UPDATE traders SET cloud_version = ?, cloud_state = ?, cloud_error = ?, \
                                updated_at = ? WHERE id = ?",
        )
        .bind(state.version as i64)
        .bind(text)
        .bind(&state.error)
        .bind(now())
        .bind(&state.trader_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Appends a `trader.*` audit event (see [`event`]).
    pub async fn record_trader_event(
        &self,
        actor: Actor,
        kind: &str,
        details: serde_json::Value,
    ) -> Result<i64> {
        let id = sqlx::query("INSERT INTO events (at, actor, kind, details) VALUES (?, ?, ?, ?)")
            .bind(now())
            .bind(actor.as_str())
            .bind(kind)
            .bind(details.to_string())
            .execute(self.pool())
            .await?
            .last_insert_rowid();
        Ok(id)
    }
}

fn refuse_builtin(row: &TraderRow, what: &str) -> Result<()> {
    if row.builtin {
        return Err(Error::InvalidInput(format!(
            "the built-in trader `{}` cannot be {what}; copy it to make your own",
            row.trader.id
        )));
    }
    Ok(())
}

fn conflict(row: &TraderRow, expected: u64) -> Error {
    Error::VersionConflict {
        what: format!("trader `{}`", row.trader.id),
        expected,
        current: row.trader.version,
    }
}

/// Equal apart from version and the user's toggles.
fn same_content(a: &Trader, b: &Trader) -> bool {
    let strip = |t: &Trader| {
        let mut t = t.clone();
        t.version = 1;
        t.enabled = true;
        t.cloud = Default::default();
        t
    };
    strip(a) == strip(b)
}

fn to_json(trader: &Trader) -> Result<String> {
    serde_json::to_string(trader)
        .map_err(|e| Error::Internal(format!("trader {} does not serialize: {e}", trader.id)))
}

fn parse(id: &str, text: &str) -> Result<Trader> {
    serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("stored trader {id} does not parse: {e}")))
}

fn from_row(row: Row) -> Result<TraderRow> {
    let (id, builtin, record, version, enabled, wanted, cloud_version, state, error) = row;
    let mut trader = parse(&id, &record)?;
    trader.version = version as u64;
    trader.enabled = enabled != 0;
    trader.cloud.enabled_in_cloud = wanted != 0;
    let cloud_state = state.map(|s| match s.as_str() {
        "deployed" => DeployState::Deployed,
        "undeployed" => DeployState::Undeployed,
        _ => DeployState::Error,
    });
    Ok(TraderRow {
        trader,
        builtin: builtin != 0,
        cloud_wanted: wanted != 0,
        cloud_version: cloud_version.map(|v| v as u64),
        cloud_state,
        cloud_error: error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        store
            .seed_builtin_traders(&screener::trader::builtins::builtins())
            .await
            .unwrap();
        (dir, store)
    }

    fn user(id: &str) -> Trader {
        let mut t = screener::trader::builtins::builtins().remove(0);
        t.id = id.into();
        t.name = format!("Mine {id}");
        t
    }

    #[tokio::test]
    async fn versions_lock_and_builtins_are_read_only() {
        let (_dir, store) = store().await;
        let builtins = screener::trader::builtins::builtins();
        assert_eq!(store.traders().await.unwrap().len(), builtins.len());
        store.trader_insert(&user("a")).await.unwrap();
        // Bad input: the same id twice.
        assert_eq!(
            store.trader_insert(&user("a")).await.unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        let mut edit = store.trader_required("a").await.unwrap().trader;
        edit.name = "Renamed".into();
        assert_eq!(store.trader_update(&edit).await.unwrap(), 2);
        // A save from a stale copy (version 1 again) is a conflict.
        let err = store.trader_update(&edit).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::VersionConflict);
        assert_eq!(
            store.trader_required("a").await.unwrap().trader.name,
            "Renamed"
        );
        // Delete at a stale version: conflict; at the current one: gone.
        assert_eq!(
            store.trader_delete("a", 1).await.unwrap_err().code(),
            ErrorCode::VersionConflict
        );
        store.trader_delete("a", 2).await.unwrap();
        assert!(store.trader("a").await.unwrap().is_none());
        // Built-ins: not edited, not deleted, but toggled.
        let b = &builtins[0];
        assert_eq!(
            store.trader_update(b).await.unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            store.trader_delete(&b.id, 1).await.unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        store.trader_set_enabled(&b.id, false).await.unwrap();
        assert!(!store.trader_required(&b.id).await.unwrap().trader.enabled);
        assert_eq!(
            store
                .trader_set_enabled("nope", true)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidInput
        );
    }

    #[tokio::test]
    async fn reseeding_keeps_choices_and_bumps_changed_builtins() {
        let (_dir, store) = store().await;
        let mut builtins = screener::trader::builtins::builtins();
        let id = builtins[1].id.clone();
        store.trader_set_enabled(&id, false).await.unwrap();
        store.trader_set_cloud_wanted(&id, true, 1).await.unwrap();
        store.seed_builtin_traders(&builtins).await.unwrap();
        let row = store.trader_required(&id).await.unwrap();
        assert_eq!(
            (row.trader.version, row.trader.enabled, row.cloud_wanted),
            (1, false, true)
        );
        // A new app version changed the code: stored at version 2 with the choices kept.
        builtins[1].filter.code.push_str("\n// changed");
        store.seed_builtin_traders(&builtins).await.unwrap();
        let row = store.trader_required(&id).await.unwrap();
        assert_eq!(row.trader.version, 2);
        assert!(row.trader.filter.code.ends_with("// changed"));
        assert!(!row.trader.enabled && row.cloud_wanted);
    }

    #[tokio::test]
    async fn cloud_state_and_events_are_stored() {
        let (_dir, store) = store().await;
        let id = screener::trader::builtins::builtins()[0].id.clone();
        let state = TraderState {
            trader_id: id.clone(),
            version: 3,
            state: DeployState::Error,
            error: Some("boom".into()),
        };
        assert!(store.trader_cloud_state(&state).await.unwrap());
        let row = store.trader_required(&id).await.unwrap();
        assert_eq!(
            (
                row.cloud_version,
                row.cloud_state,
                row.cloud_error.as_deref()
            ),
            (Some(3), Some(DeployState::Error), Some("boom"))
        );
        let unknown = TraderState {
            trader_id: "elsewhere".into(),
            ..state
        };
        assert!(!store.trader_cloud_state(&unknown).await.unwrap());
        store
            .record_trader_event(Actor::Cli, event::CREATE, serde_json::json!({"id": "x"}))
            .await
            .unwrap();
        let events = store.events_of_kind(event::CREATE, 10).await.unwrap();
        assert_eq!(events[0].details["id"], "x");
    }
}
