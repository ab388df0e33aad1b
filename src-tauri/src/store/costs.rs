//! The cost tables: machine state changes (recorded whenever the `machine` row learns a
//! state), the monthly budget, per-size price overrides and the budget alerts raised.

use crate::costs::{Budget, StateChange};
use crate::error::Result;
use crate::store::{now, Store};

impl Store {
    /// Records the machine row's current (machine, state, size, region) when it differs from
    /// the machine's last recorded one. A destroyed machine (its id cleared) is recorded as
    /// `destroyed` for the last machine whose last state was something else.
    pub(crate) async fn note_machine_state(&self) -> Result<()> {
        let row: Option<(Option<String>, Option<String>, String, String)> =
            sqlx::query_as("SELECT machine_id, state, size, region FROM machine WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        let Some((machine_id, Some(state), size, region)) = row else {
            return Ok(());
        };
        let machine_id = match machine_id {
            Some(id) => id,
            None if state == "destroyed" => {
                let last: Option<(String, String)> = sqlx::query_as(
                    "SELECT machine_id, state FROM machine_states ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(self.pool())
                .await?;
                match last {
                    Some((id, _)) => id,
                    None => return Ok(()),
                }
            }
            None => return Ok(()),
        };
        self.record_machine_state(&StateChange {
            machine_id,
            state,
            size,
            region,
            at_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await?;
        Ok(())
    }

    /// Appends a state change unless it repeats the machine's last one; says whether it did.
    pub async fn record_machine_state(&self, change: &StateChange) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO machine_states (machine_id, state, size, region, at_ms) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS ( \
               SELECT 1 FROM (SELECT state, size, region FROM machine_states \
                              WHERE machine_id = ?1 ORDER BY at_ms DESC, id DESC LIMIT 1) \
               WHERE state = ?2 AND size = ?3 AND region = ?4)",
        )
        .bind(&change.machine_id)
        .bind(&change.state)
        .bind(&change.size)
        .bind(&change.region)
        .bind(change.at_ms)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// The state changes that matter for `[from_ms, until_ms)`: every change in it and, per
    /// machine, the last one before it.
    pub async fn machine_states(&self, from_ms: i64, until_ms: i64) -> Result<Vec<StateChange>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT machine_id, state, size, region, at_ms FROM machine_states s \
             WHERE at_ms < ?2 AND (at_ms >= ?1 OR id = ( \
               SELECT id FROM machine_states p WHERE p.machine_id = s.machine_id \
                 AND p.at_ms < ?1 ORDER BY at_ms DESC, id DESC LIMIT 1)) \
             ORDER BY at_ms, id",
        )
        .bind(from_ms)
        .bind(until_ms)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(machine_id, state, size, region, at_ms)| StateChange {
                machine_id,
                state,
                size,
                region,
                at_ms,
            })
            .collect())
    }

    /// The monthly budget, if one is set.
    pub async fn budget(&self) -> Result<Option<Budget>> {
        let row: Option<(f64, bool)> =
            sqlx::query_as("SELECT monthly_usd, hard_stop FROM cost_budget WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(monthly_usd, hard_stop)| Budget {
            monthly_usd,
            hard_stop,
        }))
    }

    /// Sets (or with `None` removes) the monthly budget.
    pub async fn set_budget(&self, budget: Option<&Budget>) -> Result<()> {
        match budget {
            Some(b) => {
                sqlx::query(
                    "INSERT INTO cost_budget (id, monthly_usd, hard_stop, updated_at) \
                     VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
                     monthly_usd = excluded.monthly_usd, hard_stop = excluded.hard_stop, \
                     updated_at = excluded.updated_at",
                )
                .bind(b.monthly_usd)
                .bind(b.hard_stop)
                .bind(now())
                .execute(self.pool())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM cost_budget WHERE id = 1")
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// The price overrides (size → USD per started hour), by size.
    pub async fn price_overrides(&self) -> Result<Vec<(String, f64)>> {
        Ok(
            sqlx::query_as("SELECT size, usd_per_hour FROM cost_price_overrides ORDER BY size")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Sets (or with `None` removes) a size's price override; the caller checks the values.
    pub async fn set_price_override(&self, size: &str, usd_per_hour: Option<f64>) -> Result<()> {
        match usd_per_hour {
            Some(usd) => {
                sqlx::query(
                    "INSERT INTO cost_price_overrides (size, usd_per_hour) VALUES (?, ?) \
                     ON CONFLICT (size) DO UPDATE SET usd_per_hour = excluded.usd_per_hour",
                )
                .bind(size)
                .bind(usd)
                .execute(self.pool())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM cost_price_overrides WHERE size = ?")
                    .bind(size)
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// Marks a budget alert raised for a month; says whether it is the first time.
    pub async fn raise_budget_alert(&self, month: &str, alert: &str, at_ms: i64) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO budget_alerts (month, alert, at_ms) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(month)
        .bind(alert)
        .bind(at_ms)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::machine::MachineRecord;

    fn change(machine: &str, state: &str, at_ms: i64) -> StateChange {
        StateChange {
            machine_id: machine.into(),
            state: state.into(),
            size: "normal".into(),
            region: "sin".into(),
            at_ms,
        }
    }

    #[tokio::test]
    async fn state_changes_are_recorded_once_and_selected_by_range() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        assert!(store
            .record_machine_state(&change("a", "stopped", 10))
            .await
            .unwrap());
        assert!(!store
            .record_machine_state(&change("a", "stopped", 20))
            .await
            .unwrap());
        assert!(store
            .record_machine_state(&change("a", "started", 30))
            .await
            .unwrap());
        assert!(store
            .record_machine_state(&change("b", "started", 40))
            .await
            .unwrap());
        assert!(store
            .record_machine_state(&change("a", "stopped", 50))
            .await
            .unwrap());
        let states = store.machine_states(35, 100).await.unwrap();
        let got: Vec<(&str, &str, i64)> = states
            .iter()
            .map(|c| (c.machine_id.as_str(), c.state.as_str(), c.at_ms))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "started", 30),
                ("b", "started", 40),
                ("a", "stopped", 50)
            ]
        );
        assert_eq!(store.machine_states(0, 10).await.unwrap(), vec![]);
    }

    #[tokio::test]
    async fn the_machine_row_feeds_the_state_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        let mut record = MachineRecord {
            app: "trademind-abc".into(),
            org_slug: "personal".into(),
            machine_id: Some("m1".into()),
            instance_id: None,
            region: "sin".into(),
            size: "normal".into(),
            image: "img:1".into(),
            state: Some("created".into()),
            seen_at: None,
            secrets_version: None,
            secrets_fingerprint: None,
        };
        store.save_machine(&record).await.unwrap();
        store.machine_seen("started", None).await.unwrap();
        store.machine_seen("started", None).await.unwrap();
        record.size = "high".into();
        record.state = Some("started".into());
        store.save_machine(&record).await.unwrap();
        store.machine_gone().await.unwrap();
        let states: Vec<(String, String)> = store
            .machine_states(0, i64::MAX)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.state, c.size))
            .collect();
        let expected = [
            ("created", "normal"),
            ("started", "normal"),
            ("started", "high"),
            ("destroyed", "high"),
        ];
        assert_eq!(states, expected.map(|(s, z)| (s.to_owned(), z.to_owned())));
    }

    #[tokio::test]
    async fn budget_overrides_and_alerts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        assert_eq!(store.budget().await.unwrap(), None);
        let budget = Budget::new(12.5, true).unwrap();
        store.set_budget(Some(&budget)).await.unwrap();
        assert_eq!(store.budget().await.unwrap(), Some(budget));
        store.set_budget(None).await.unwrap();
        assert_eq!(store.budget().await.unwrap(), None);
        store
            .set_price_override("normal", Some(0.02))
            .await
            .unwrap();
        store
            .set_price_override("normal", Some(0.03))
            .await
            .unwrap();
        assert_eq!(
            store.price_overrides().await.unwrap(),
            vec![("normal".to_owned(), 0.03)]
        );
        store.set_price_override("normal", None).await.unwrap();
        assert!(store.price_overrides().await.unwrap().is_empty());
        assert!(store.raise_budget_alert("2026-11", "80", 1).await.unwrap());
        assert!(!store.raise_budget_alert("2026-11", "80", 2).await.unwrap());
        assert!(store.raise_budget_alert("2026-12", "80", 3).await.unwrap());
    }
}
