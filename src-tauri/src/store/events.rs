//! The audit log: an append-only `events` table of (time, actor, kind, details).
//!
//! Every change a user or support person makes is recorded here. Details are JSON and never
//! hold a secret (the token's kind and last four characters at most).

use serde::Serialize;
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
}

impl Actor {
    /// The name stored in the `actor` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gui => "gui",
            Self::Cli => "cli",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TokenStored,
    TokenRemoved,
}

impl EventKind {
    /// The dotted name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenStored => "token.stored",
            Self::TokenRemoved => "token.removed",
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
    pub details: serde_json::Value,
}

impl Store {
    /// Appends an event; returns its id.
    pub async fn record_event(
        &self,
        actor: Actor,
        kind: EventKind,
        details: serde_json::Value,
    ) -> Result<i64> {
        let at = now();
        let id = sqlx::query("INSERT INTO events (at, actor, kind, details) VALUES (?, ?, ?, ?)")
            .bind(at)
            .bind(actor.as_str())
            .bind(kind.as_str())
            .bind(details.to_string())
            .execute(self.pool())
            .await?
            .last_insert_rowid();
        Ok(id)
    }

    /// The most recent events, newest first.
    pub async fn recent_events(&self, limit: u32) -> Result<Vec<AuditEvent>> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, at, actor, kind, details FROM events ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, at, actor, kind, details)| AuditEvent {
                id,
                at,
                actor,
                kind,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            })
            .collect())
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
}
