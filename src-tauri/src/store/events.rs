//! The audit log: an append-only `events` table of (time, actor, kind, details).
//!
//! Every change a user or support person makes is recorded here, and the machine events Fly
//! reports are imported once each (actor `fly`). Details are JSON and never hold a secret (the
//! token's kind and last four characters at most).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
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
    /// The app on its own (e.g. the live link connecting or losing the agent).
    App,
    /// Support staff, through the support window or `trademind inspect` (read-only).
    Support,
}

impl Actor {
    /// The name stored in the `actor` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gui => "gui",
            Self::Cli => "cli",
            Self::Fly => "fly",
            Self::App => "app",
            Self::Support => "support",
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
    /// The live link was greeted by the agent.
    LinkConnected,
    /// A live link dropped (with the reason).
    LinkLost,
    /// The agent refused the token; the link waits for a manual reconnect.
    LinkUnauthorized,
    /// Too many failed attempts: the link pauses.
    LinkCircuitOpen,
    /// The monthly budget or a price override was set or cleared.
    BudgetSet,
    /// The month's spend reached 80 % or 100 % of the budget (once per month each).
    BudgetWarning,
    /// The budget's hard stop stopped the machine (once per month).
    BudgetStop,
    /// Support staff looked at a user's app (what, and which app and machine).
    SupportAccess,
    /// Support mode refused an operation that would change something.
    SupportRefused,
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
            Self::LinkConnected => "link.connected",
            Self::LinkLost => "link.lost",
            Self::LinkUnauthorized => "link.unauthorized",
            Self::LinkCircuitOpen => "link.circuit_open",
            Self::BudgetSet => "budget.set",
            Self::BudgetWarning => "budget.warning",
            Self::BudgetStop => "budget.stop",
            Self::SupportAccess => "support.access",
            Self::SupportRefused => "support.refused",
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

/// The events [`EventFilter::limit`] 0 lists.
pub const DEFAULT_EVENT_LIMIT: u32 = 200;
/// The most events one query lists.
pub const MAX_EVENT_LIMIT: u32 = 1000;
/// The longest filter text accepted.
const MAX_FILTER_TEXT: usize = 200;

impl EventFilter {
    /// The limit to use, or why the filter is invalid (limit over 1000, blank or over-long
    /// strings, a negative `beforeId`).
    fn checked(&self) -> Result<u32> {
        let limit = match self.limit {
            0 => DEFAULT_EVENT_LIMIT,
            n if n > MAX_EVENT_LIMIT => {
                return Err(Error::InvalidInput(format!(
                    "the event limit must be 1–{MAX_EVENT_LIMIT} (0 for {DEFAULT_EVENT_LIMIT}), \
                     not {n}"
                )))
            }
            n => n,
        };
        for (what, value) in [
            ("kind", &self.kind),
            ("actor", &self.actor),
            ("text", &self.text),
        ] {
            if let Some(v) = value {
                if v.chars().count() > MAX_FILTER_TEXT {
                    return Err(Error::InvalidInput(format!(
                        "the event {what} filter is longer than {MAX_FILTER_TEXT} characters"
                    )));
                }
                if v.chars().any(char::is_control) {
                    return Err(Error::InvalidInput(format!(
                        "the event {what} filter holds control characters"
                    )));
                }
            }
        }
        if self.before_id.is_some_and(|id| id < 1) {
            return Err(Error::InvalidInput(
                "beforeId must be a positive event id".into(),
            ));
        }
        Ok(limit)
    }
}

/// `%`, `_` and `\` taken literally in a `LIKE … ESCAPE '\'` pattern.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Blank strings mean no filter.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

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

    /// The events `filter` selects, newest first (the Events area).
    pub async fn query_events(&self, filter: &EventFilter) -> Result<Vec<AuditEvent>> {
        let limit = filter.checked()?;
        let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id, at, actor, kind, machine_id, details FROM events WHERE 1 = 1",
        );
        if let Some(kind) = given(&filter.kind) {
            let kind = kind.to_ascii_lowercase();
            sql.push(" AND (kind = ")
                .push_bind(kind.clone())
                .push(" OR kind LIKE ")
                .push_bind(format!("{}.%", like_literal(&kind)))
                .push(" ESCAPE '\\')");
        }
        if let Some(actor) = given(&filter.actor) {
            sql.push(" AND actor = ")
                .push_bind(actor.to_ascii_lowercase());
        }
        if let Some(text) = given(&filter.text) {
            // SQLite's LIKE ignores ASCII case; lower() both sides for the rest.
            let pattern = format!("%{}%", like_literal(&text.to_lowercase()));
            sql.push(" AND (lower(kind) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR lower(details) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        if let Some(before) = filter.before_id {
            sql.push(" AND id < ").push_bind(before);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<Row> = sql.build_query_as().fetch_all(self.pool()).await?;
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

    async fn seeded() -> (Store, tempfile::TempDir, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        let mut ids = Vec::new();
        for (actor, kind, details) in [
            (
                Actor::Gui,
                EventKind::MachineStop,
                json!({"note": "Stopped by hand"}),
            ),
            (
                Actor::App,
                EventKind::LinkConnected,
                json!({"agentUrl": "https://a.fly.dev"}),
            ),
            (
                Actor::App,
                EventKind::LinkLost,
                json!({"reason": "Agent UNREACHABLE 100%"}),
            ),
            (Actor::Cli, EventKind::MachineStart, json!({})),
            (
                Actor::Gui,
                EventKind::TokenStored,
                json!({"kind": "macaroon"}),
            ),
        ] {
            ids.push(store.record_event(actor, kind, details).await.unwrap());
        }
        store
            .record_fly_event("m1", "ev1", "2026-11-24T10:00:00.000Z", "exit", json!({}))
            .await
            .unwrap();
        (store, dir, ids)
    }

    fn kinds(events: &[AuditEvent]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[tokio::test]
    async fn query_filters_by_family_kind_actor_text_and_pages() {
        let (store, _dir, ids) = seeded().await;
        let q = |f: EventFilter| {
            let store = store.clone();
            async move { store.query_events(&f).await.unwrap() }
        };
        let all = q(EventFilter::default()).await;
        assert_eq!(all.len(), 6);
        assert_eq!(all[0].kind, "fly.exit", "newest first");

        let family = q(EventFilter {
            kind: Some("link".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&family), ["link.lost", "link.connected"]);
        // A family prefix must end at a dot: `mach` is no family.
        let partial = q(EventFilter {
            kind: Some("mach".into()),
            ..Default::default()
        })
        .await;
        assert!(partial.is_empty());
        let exact = q(EventFilter {
            kind: Some("Machine.Stop".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&exact), ["machine.stop"]);

        let app = q(EventFilter {
            actor: Some("app".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(app.len(), 2);
        assert!(app.iter().all(|e| e.actor == "app"));

        // Case-insensitive, in details or kind; `%` and `_` are literal.
        let text = q(EventFilter {
            text: Some("unreachable".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&text), ["link.lost"]);
        let text = q(EventFilter {
            text: Some("STOP".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&text), ["machine.stop"]);
        let percent = q(EventFilter {
            text: Some("100%".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&percent), ["link.lost"]);
        let wildcard = q(EventFilter {
            text: Some("%".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&wildcard), ["link.lost"], "% is not a wildcard");
        let under = q(EventFilter {
            text: Some("_".into()),
            ..Default::default()
        })
        .await;
        assert!(under.is_empty(), "_ is not a wildcard: {under:?}");

        // Paging: two at a time, each page before the last one's oldest id.
        let page1 = q(EventFilter {
            limit: 2,
            ..Default::default()
        })
        .await;
        let page2 = q(EventFilter {
            limit: 2,
            before_id: Some(page1[1].id),
            ..Default::default()
        })
        .await;
        assert_eq!(page2.len(), 2);
        assert!(page2[0].id < page1[1].id);
        assert_eq!(page2[1].id, ids[2]);
        let combined = q(EventFilter {
            actor: Some("gui".into()),
            before_id: Some(ids[4]),
            ..Default::default()
        })
        .await;
        assert_eq!(kinds(&combined), ["machine.stop"]);
        // Blank strings filter nothing.
        let blank = q(EventFilter {
            kind: Some("  ".into()),
            text: Some(String::new()),
            ..Default::default()
        })
        .await;
        assert_eq!(blank.len(), 6);
    }

    #[tokio::test]
    async fn query_refuses_bad_filters() {
        let (store, _dir, _) = seeded().await;
        for bad in [
            EventFilter {
                limit: 1001,
                ..Default::default()
            },
            EventFilter {
                limit: u32::MAX,
                ..Default::default()
            },
            EventFilter {
                before_id: Some(0),
                ..Default::default()
            },
            EventFilter {
                before_id: Some(-5),
                ..Default::default()
            },
            EventFilter {
                text: Some("x".repeat(201)),
                ..Default::default()
            },
            EventFilter {
                kind: Some("link\u{0}".into()),
                ..Default::default()
            },
        ] {
            let err = store.query_events(&bad).await.unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::InvalidInput, "{bad:?}");
        }
        let max = EventFilter {
            limit: 1000,
            ..Default::default()
        };
        assert_eq!(store.query_events(&max).await.unwrap().len(), 6);
        // The filter from the web view: camelCase, missing fields default.
        let parsed: EventFilter = serde_json::from_value(json!({"beforeId": 3})).unwrap();
        assert_eq!(parsed.before_id, Some(3));
        assert_eq!(parsed.limit, 0);
    }
}
