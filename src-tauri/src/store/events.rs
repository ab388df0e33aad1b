//! The audit log: an append-only `events` table of (time, actor, kind, details).
//!
//! Every change a user or support person makes is recorded here, and the machine events Fly
//! reports are imported once each (actor `fly`). Details are JSON and never hold a secret (the
//! token's kind and last four characters at most).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Result;
use crate::store::{now, Store};

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The user, through the desktop window.
    Gui,
    /// The user, through `trademind <subcommand>`.
    Cli,
    /// Fly.io itself: a machine event Fly reported (a crash, a restart, a host move).
    Fly,
}

impl Actor {
    /// The name stored in the `actor` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gui => "gui",
            Self::Cli => "cli",
            Self::Fly => "fly",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TokenStored,
    TokenRemoved,
    /// A provisioning step started, finished or failed.
    ProvisionStep,
    /// The machine was started (by provisioning or on its own).
    MachineStart,
    MachineStop,
    MachineRestart,
    /// The machine's config (e.g. guest size) changed.
    MachineUpdate,
    MachineDestroy,
    /// The agent's data volume was created (provisioning).
    VolumeCreate,
    /// The agent's data volume was deleted (destroy, or a duplicate made by a concurrent start).
    VolumeDelete,
    /// A machine operation failed.
    MachineError,
    /// Reconciliation found Fly's view differing from the record.
    MachineDrift,
}

impl EventKind {
    /// The dotted name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenStored => "token.stored",
            Self::TokenRemoved => "token.removed",
            Self::ProvisionStep => "provision.step",
            Self::MachineStart => "machine.start",
            Self::MachineStop => "machine.stop",
            Self::MachineRestart => "machine.restart",
            Self::MachineUpdate => "machine.update",
            Self::MachineDestroy => "machine.destroy",
            Self::VolumeCreate => "volume.create",
            Self::VolumeDelete => "volume.delete",
            Self::MachineError => "machine.error",
            Self::MachineDrift => "machine.drift",
        }
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// The Fly machine the event is about, if any.
    pub machine_id: Option<String>,
    pub details: serde_json::Value,
}

/// Which audit events to list, newest first (the Events area's filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct EventFilter {
    /// A kind (`machine.stop`) or a family (`machine`, `provision`, `link`, `trader`, `token`).
    pub kind: Option<String>,
    /// `gui`, `cli`, `fly`, …
    pub actor: Option<String>,
    /// Case-insensitive text searched in the kind and the details.
    pub text: Option<String>,
    /// Only events before this id, for paging.
    pub before_id: Option<i64>,
    /// 1–1000; 0 means 200.
    pub limit: u32,
}

type Row = (i64, String, String, String, Option<String>, String);

impl Store {
    /// Appends an event; returns its id.
    pub async fn record_event(
        &self,
        actor: Actor,
        kind: EventKind,
        details: serde_json::Value,
    ) -> Result<i64> {
        self.record_machine_event(actor, kind, None, details).await
    }

    /// Appends an event about a machine; returns its id.
    pub async fn record_machine_event(
        &self,
        actor: Actor,
        kind: EventKind,
        machine_id: Option<&str>,
        details: serde_json::Value,
    ) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO events (at, actor, kind, machine_id, details) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(now())
        .bind(actor.as_str())
        .bind(kind.as_str())
        .bind(machine_id)
        .bind(details.to_string())
        .execute(self.pool())
        .await?
        .last_insert_rowid();
        Ok(id)
    }

    /// Imports an event Fly reported (kind `fly.<type>`), once per Fly event id; says whether
    /// it was new.
    pub async fn record_fly_event(
        &self,
        machine_id: &str,
        fly_event_id: &str,
        at: &str,
        fly_type: &str,
        details: serde_json::Value,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO events (at, actor, kind, machine_id, fly_event_id, details) \
             VALUES (?, 'fly', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(at)
        .bind(format!("fly.{fly_type}"))
        .bind(machine_id)
        .bind(fly_event_id)
        .bind(details.to_string())
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// The most recent events, newest first.
    pub async fn recent_events(&self, limit: u32) -> Result<Vec<AuditEvent>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at, actor, kind, machine_id, details FROM events ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(audit_event).collect())
    }

    /// The most recent events of `kind` (or of every kind starting with `kind` and a dot),
    /// newest first.
    pub async fn events_of_kind(&self, kind: &str, limit: u32) -> Result<Vec<AuditEvent>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at, actor, kind, machine_id, details FROM events \
             WHERE kind = ? OR kind LIKE ? || '.%' ORDER BY id DESC LIMIT ?",
        )
        .bind(kind)
        .bind(kind)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(audit_event).collect())
    }
}

fn audit_event((id, at, actor, kind, machine_id, details): Row) -> AuditEvent {
    AuditEvent {
        id,
        at,
        actor,
        kind,
        machine_id,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn records_and_lists_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        let first = store
            .record_event(
                Actor::Cli,
                EventKind::TokenStored,
                json!({"kind": "macaroon"}),
            )
            .await
            .unwrap();
        let second = store
            .record_event(Actor::Gui, EventKind::TokenRemoved, json!({}))
            .await
            .unwrap();
        assert!(second > first);

        let events = store.recent_events(10).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].kind, "token.removed");
        assert_eq!(events[0].actor, "gui");
        assert_eq!(events[1].kind, "token.stored");
        assert_eq!(events[1].details, json!({"kind": "macaroon"}));
        assert!(
            events[0].at.ends_with('Z') && events[0].at.len() == 24,
            "{}",
            events[0].at
        );

        assert_eq!(store.recent_events(1).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn fly_events_are_imported_once_and_filtered_by_kind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        let at = "2026-11-24T10:00:00.000Z";
        assert!(store
            .record_fly_event("m1", "ev1", at, "exit", json!({"status": "stopped"}))
            .await
            .unwrap());
        assert!(!store
            .record_fly_event("m1", "ev1", at, "exit", json!({"status": "stopped"}))
            .await
            .unwrap());
        store
            .record_machine_event(Actor::Cli, EventKind::MachineStop, Some("m1"), json!({}))
            .await
            .unwrap();
        let fly = store.events_of_kind("fly", 10).await.unwrap();
        assert_eq!(fly.len(), 1);
        assert_eq!(
            (
                fly[0].actor.as_str(),
                fly[0].kind.as_str(),
                fly[0].at.as_str()
            ),
            ("fly", "fly.exit", at)
        );
        assert_eq!(fly[0].machine_id.as_deref(), Some("m1"));
        let stops = store.events_of_kind("machine.stop", 10).await.unwrap();
        assert_eq!(stops.len(), 1);
        assert_eq!(store.events_of_kind("machine", 10).await.unwrap().len(), 1);
    }
}
