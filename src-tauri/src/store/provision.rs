//! Provisioning runs and their steps, persisted so a run resumes after a crash, and the lock
//! that lets one process at a time change the machine.
//!
//! Step names are the provisioning module's; this module only stores them in order. The lock
//! is a single row with an expiry: the holder renews it while working, a crashed holder's lock
//! lapses, and SQLite's single writer makes taking it atomic across processes.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::store::{now, Store};

/// A run's or a step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            other => return Err(Error::Internal(format!("unknown step state {other:?}"))),
        })
    }
}

/// One provisioning run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: i64,
    pub request_id: String,
    pub actor: String,
    pub region: String,
    pub size: String,
    /// `running`, `done` or `failed` (a run is never `pending`).
    pub status: StepState,
    pub started_at: String,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: String,
    pub state: StepState,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What the step learned (e.g. the machine id), for the steps after it.
    pub output: serde_json::Value,
    /// `{code, message, hint}` of a failed step.
    pub error: Option<serde_json::Value>,
}

type RunRow = (i64, String, String, String, String, String, String);

impl Store {
    /// Starts a run with its steps, all pending.
    pub async fn start_run(
        &self,
        request_id: &str,
        actor: &str,
        region: &str,
        size: &str,
        steps: &[&str],
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let id = sqlx::query(
            "INSERT INTO provision_runs (request_id, actor, region, size, status, started_at) \
             VALUES (?, ?, ?, ?, 'running', ?)",
        )
        .bind(request_id)
        .bind(actor)
        .bind(region)
        .bind(size)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        for (position, step) in steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO provision_steps (run_id, position, step, state) \
                 VALUES (?, ?, ?, 'pending')",
            )
            .bind(id)
            .bind(position as i64)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Gives a run every step of `steps`, in that order: steps a newer version added (a run
    /// started by an older one) are inserted as pending, and positions follow `steps`.
    pub async fn sync_run_steps(&self, run_id: i64, steps: &[&str]) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for (position, step) in steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO provision_steps (run_id, position, step, state) \
                 VALUES (?, ?, ?, 'pending') \
                 ON CONFLICT (run_id, step) DO UPDATE SET position = excluded.position",
            )
            .bind(run_id)
            .bind(position as i64)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest run, whatever its status.
    pub async fn latest_run(&self) -> Result<Option<RunRecord>> {
        let row: Option<RunRow> = sqlx::query_as(
            "SELECT id, request_id, actor, region, size, status, started_at \
             FROM provision_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(
            |(id, request_id, actor, region, size, status, started_at)| {
                Ok(RunRecord {
                    id,
                    request_id,
                    actor,
                    region,
                    size,
                    status: StepState::parse(&status)?,
                    started_at,
                })
            },
        )
        .transpose()
    }

    /// A run's steps in order.
    pub async fn run_steps(&self, run_id: i64) -> Result<Vec<StepRecord>> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT step, state, started_at, finished_at, output, error FROM provision_steps \
             WHERE run_id = ? ORDER BY position",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(step, state, started_at, finished_at, output, error)| {
                Ok(StepRecord {
                    step,
                    state: StepState::parse(&state)?,
                    started_at,
                    finished_at,
                    output: serde_json::from_str(&output).unwrap_or_default(),
                    error: error.and_then(|e| serde_json::from_str(&e).ok()),
                })
            })
            .collect()
    }

    /// Marks a step running (its start time is kept across a resume).
    pub async fn step_running(&self, run_id: i64, step: &str) -> Result<()> {
        sqlx::query(
            "UPDATE provision_steps SET state = 'running', error = NULL, \
               started_at = COALESCE(started_at, ?) WHERE run_id = ? AND step = ?",
        )
        .bind(now())
        .bind(run_id)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Puts a done step back to pending (a later step found its result gone).
    pub async fn step_pending(&self, run_id: i64, step: &str) -> Result<()> {
        sqlx::query(
            "UPDATE provision_steps SET state = 'pending', finished_at = NULL \
             WHERE run_id = ? AND step = ?",
        )
        .bind(run_id)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a step done with what it learned.
    pub async fn step_done(
        &self,
        run_id: i64,
        step: &str,
        output: &serde_json::Value,
    ) -> Result<()> {
        self.finish_step(run_id, step, "done", output, None).await
    }

    /// Marks a step failed with its `{code, message, hint}`, and the run with it.
    pub async fn step_failed(
        &self,
        run_id: i64,
        step: &str,
        error: &serde_json::Value,
    ) -> Result<()> {
        self.finish_step(run_id, step, "failed", &serde_json::json!({}), Some(error))
            .await?;
        self.finish_run(run_id, StepState::Failed, Some(error))
            .await
    }

    async fn finish_step(
        &self,
        run_id: i64,
        step: &str,
        state: &str,
        output: &serde_json::Value,
        error: Option<&serde_json::Value>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE provision_steps SET state = ?, finished_at = ?, output = ?, error = ? \
             WHERE run_id = ? AND step = ?",
        )
        .bind(state)
        .bind(now())
        .bind(output.to_string())
        .bind(error.map(|e| e.to_string()))
        .bind(run_id)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a run.
    pub async fn finish_run(
        &self,
        run_id: i64,
        status: StepState,
        error: Option<&serde_json::Value>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE provision_runs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(now())
        .bind(error.map(|e| e.to_string()))
        .bind(run_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Reopens a failed run for a retry from its failed step.
    pub async fn reopen_run(&self, run_id: i64) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE provision_steps SET state = 'pending', finished_at = NULL \
             WHERE run_id = ? AND state IN ('failed', 'running')",
        )
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE provision_runs SET status = 'running', finished_at = NULL, error = NULL \
             WHERE id = ?",
        )
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the machine lock for `holder` for `ttl_ms` unless someone else holds it; says
    /// whether it is now `holder`'s. Taking it again as the holder renews it.
    pub async fn try_lock_machine(&self, holder: &str, ttl_ms: i64) -> Result<bool> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let taken = sqlx::query(
            "INSERT INTO machine_lock (id, holder, expires_at) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE machine_lock.holder = excluded.holder OR machine_lock.expires_at < ?",
        )
        .bind(holder)
        .bind(now_ms + ttl_ms)
        .bind(now_ms)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Who holds the machine lock, if anyone does (lapsed or not).
    pub async fn machine_lock_holder(&self) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT holder FROM machine_lock WHERE id = 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Takes the lock from `dead_holder` (a process known to have exited) if it still has it.
    pub async fn take_over_machine_lock(
        &self,
        dead_holder: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE machine_lock SET holder = ?, expires_at = ? WHERE id = 1 AND holder = ?",
        )
        .bind(holder)
        .bind(chrono::Utc::now().timestamp_millis() + ttl_ms)
        .bind(dead_holder)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Releases the machine lock if `holder` has it.
    pub async fn unlock_machine(&self, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM machine_lock WHERE id = 1 AND holder = ?")
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn a_run_keeps_its_steps_in_order_with_outputs_and_errors() {
        let (_dir, store) = store().await;
        let id = store
            .start_run(
                "req-1",
                "cli",
                "ams",
                "shared-cpu-2x",
                &["token", "app", "machine"],
            )
            .await
            .unwrap();
        store.step_running(id, "token").await.unwrap();
        store
            .step_done(id, "token", &json!({"org": "personal"}))
            .await
            .unwrap();
        store.step_running(id, "app").await.unwrap();
        let error = json!({"code": "fly_no_capacity", "message": "m", "hint": "h"});
        store.step_failed(id, "app", &error).await.unwrap();
        let steps = store.run_steps(id).await.unwrap();
        let names: Vec<_> = steps.iter().map(|s| (s.step.as_str(), s.state)).collect();
        assert_eq!(
            names,
            [
                ("token", StepState::Done),
                ("app", StepState::Failed),
                ("machine", StepState::Pending)
            ]
        );
        assert_eq!(steps[0].output, json!({"org": "personal"}));
        assert_eq!(steps[1].error, Some(error));
        assert_eq!(
            store.latest_run().await.unwrap().unwrap().status,
            StepState::Failed
        );

        store.reopen_run(id).await.unwrap();
        let run = store.latest_run().await.unwrap().unwrap();
        assert_eq!(
            (run.status, run.request_id.as_str()),
            (StepState::Running, "req-1")
        );
        let steps = store.run_steps(id).await.unwrap();
        assert_eq!(steps[0].state, StepState::Done, "done steps stay done");
        assert_eq!(steps[1].state, StepState::Pending);
        assert!(steps[1].started_at.is_some(), "first start time kept");

        // A newer version's step list: the new step is added in its place, pending.
        store
            .sync_run_steps(id, &["token", "app", "volume", "machine"])
            .await
            .unwrap();
        let steps = store.run_steps(id).await.unwrap();
        let names: Vec<_> = steps.iter().map(|s| (s.step.as_str(), s.state)).collect();
        assert_eq!(
            names,
            [
                ("token", StepState::Done),
                ("app", StepState::Pending),
                ("volume", StepState::Pending),
                ("machine", StepState::Pending)
            ]
        );
        assert_eq!(steps[0].output, json!({"org": "personal"}), "kept");
    }

    #[tokio::test]
    async fn the_machine_lock_has_one_holder_until_released_or_lapsed() {
        let (_dir, store) = store().await;
        assert!(store.try_lock_machine("a", 60_000).await.unwrap());
        assert!(!store.try_lock_machine("b", 60_000).await.unwrap());
        assert!(
            store.try_lock_machine("a", 60_000).await.unwrap(),
            "renewal"
        );
        store.unlock_machine("b").await.unwrap();
        assert!(
            !store.try_lock_machine("b", 60_000).await.unwrap(),
            "only the holder releases"
        );
        store.unlock_machine("a").await.unwrap();
        assert!(store.try_lock_machine("b", 1).await.unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert!(
            store.try_lock_machine("c", 60_000).await.unwrap(),
            "a lapsed lock is free"
        );
    }
}
