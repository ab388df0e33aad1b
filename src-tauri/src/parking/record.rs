//! The `parking` and `watchdog` rows: auto-stop settings, the parked reason, the dead-man
//! alert in force; and the audit entries of both (`machine.parked`, `watchdog.*`), whose
//! kinds are this module's own.

use serde_json::Value;

use super::decide::{AutoStopSettings, InFlight, ParkReason};
use crate::error::{Error, Result};
use crate::store::events::Actor;
use crate::store::{now, Store};

/// Audit event kinds of auto-stop and the watchdog (the `kind` column).
pub mod event {
    pub const PARKED: &str = "machine.parked";
    pub const AUTOSTOP_SET: &str = "autostop.set";
    pub const DEAD_MAN_ALERT: &str = "watchdog.alert";
    pub const DEAD_MAN_CLEARED: &str = "watchdog.cleared";
    pub const DEAD_MAN_SET: &str = "watchdog.set";
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("encoding: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("stored {what}: {e}")))
}

impl Store {
    /// The auto-stop settings (off when never set).
    pub async fn autostop_settings(&self) -> Result<AutoStopSettings> {
        let row: Option<(Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT idle_minutes, schedule FROM parking WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        let Some((idle, schedule)) = row else {
            return Ok(AutoStopSettings::default());
        };
        Ok(AutoStopSettings {
            idle_minutes: idle.map(|m| m as u32),
            schedule: schedule.map(|s| from_json("schedule", &s)).transpose()?,
        })
    }

    /// Saves validated settings.
    pub async fn set_autostop_settings(&self, settings: &AutoStopSettings) -> Result<()> {
        let schedule = settings.schedule.as_ref().map(to_json).transpose()?;
        sqlx::query(
            "INSERT INTO parking (id, idle_minutes, schedule, updated_at) VALUES (1, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET idle_minutes = excluded.idle_minutes, \
             schedule = excluded.schedule, updated_at = excluded.updated_at",
        )
        .bind(settings.idle_minutes.map(i64::from))
        .bind(schedule)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Why and when (RFC 3339) the app parked the machine, while it stays parked.
    pub async fn parked(&self) -> Result<Option<(ParkReason, String)>> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT parked_reason, parked_at FROM parking WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        match row {
            Some((Some(reason), at)) => Ok(Some((
                from_json("parked reason", &reason)?,
                at.unwrap_or_default(),
            ))),
            _ => Ok(None),
        }
    }

    /// Records (`Some`) or clears (`None`) the parked reason.
    pub async fn set_parked(&self, reason: Option<&ParkReason>) -> Result<()> {
        let text = reason.map(to_json).transpose()?;
        let at = reason.map(|_| now());
        sqlx::query(
            "INSERT INTO parking (id, parked_reason, parked_at, updated_at) VALUES (1, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET parked_reason = excluded.parked_reason, \
             parked_at = excluded.parked_at, updated_at = excluded.updated_at",
        )
        .bind(text)
        .bind(at)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A machine lock that has not lapsed (an operation in flight), or a deploy or undeploy
    /// waiting in the outbox.
    pub async fn local_in_flight(&self) -> Result<Option<InFlight>> {
        let holder: Option<String> =
            sqlx::query_scalar("SELECT holder FROM machine_lock WHERE id = 1 AND expires_at >= ?")
                .bind(chrono::Utc::now().timestamp_millis())
                .fetch_optional(self.pool())
                .await?;
        if let Some(holder) = holder {
            return Ok(Some(InFlight::MachineLock { holder }));
        }
        let command: Option<String> = sqlx::query_scalar(
            "SELECT kind FROM agent_outbox WHERE state = 'pending' \
             AND kind IN ('deploy_trader', 'undeploy_trader') ORDER BY position LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(command.map(|command| InFlight::PendingCommand { command }))
    }

    /// The dead-man alert in force (JSON) and since when.
    pub async fn watchdog_alert(&self) -> Result<Option<(Value, String)>> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT alert, since FROM watchdog WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        match row {
            Some((Some(alert), since)) => Ok(Some((
                from_json("alert", &alert)?,
                since.unwrap_or_default(),
            ))),
            _ => Ok(None),
        }
    }

    /// Sets (`Some`) or clears (`None`) the dead-man alert.
    pub async fn set_watchdog_alert(&self, alert: Option<&Value>) -> Result<()> {
        let text = alert.map(Value::to_string);
        let since = alert.map(|_| now());
        sqlx::query(
            "INSERT INTO watchdog (id, alert, since, updated_at) VALUES (1, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET alert = excluded.alert, since = excluded.since, \
             updated_at = excluded.updated_at",
        )
        .bind(text)
        .bind(since)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The dead-man thresholds the user set, in seconds (silence, candle age); `None`: the
    /// defaults.
    pub async fn watchdog_thresholds(&self) -> Result<Option<(u64, u64)>> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT silence_seconds, candle_age_seconds FROM watchdog_thresholds WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(silence, age)| (silence.max(0) as u64, age.max(0) as u64)))
    }

    /// Sets (`Some((silence, candle age))`, seconds) or removes (`None`) the thresholds.
    pub async fn set_watchdog_thresholds(&self, thresholds: Option<(u64, u64)>) -> Result<()> {
        match thresholds {
            Some((silence, age)) => {
                sqlx::query(
                    "INSERT INTO watchdog_thresholds (id, silence_seconds, candle_age_seconds, \
                     updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
                     silence_seconds = excluded.silence_seconds, \
                     candle_age_seconds = excluded.candle_age_seconds, \
                     updated_at = excluded.updated_at",
                )
                .bind(silence as i64)
                .bind(age as i64)
                .bind(now())
                .execute(self.pool())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM watchdog_thresholds WHERE id = 1")
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// Appends an audit entry of one of [`event`]'s kinds.
    pub async fn record_named_event(
        &self,
        actor: Actor,
        kind: &str,
        machine_id: Option<&str>,
        details: Value,
    ) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO events (at, actor, kind, machine_id, details) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(now())
        .bind(actor.as_str())
        .bind(kind)
        .bind(machine_id)
        .bind(details.to_string())
        .execute(self.pool())
        .await?
        .last_insert_rowid();
        Ok(id)
    }
}
