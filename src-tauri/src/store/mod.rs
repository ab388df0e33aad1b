//! The local database: one SQLite file in the data dir, WAL journal, migrations at start-up.
//!
//! Tables are owned by the modules that use them ([`events`] for the audit log, [`machine`]
//! for the user's Fly machine, [`provision`] for provisioning runs and the machine lock,
//! [`agent_signals`] and [`outbox`] for the live link to the agent, [`metrics`] for the
//! agent's metrics history). Migrations live in `migrations/sqlite/` (PostgreSQL, for a
//! shared support database, gets its own folder when it arrives).

pub mod agent_signals;
pub mod costs;
pub mod events;
pub mod local_signals;
pub mod machine;
pub mod metrics;
pub mod outbox;
pub mod provision;
pub mod traders;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteSynchronous;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::error::{Error, Result};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The time stamps every table stores: RFC 3339, UTC, milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An open, migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

/// What [`Store::health`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreHealth {
    pub journal_mode: String,
    pub migrations_applied: i64,
}

impl Store {
    /// Opens (creating if missing) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATIONS.run(&pool).await?;
        restrict_permissions(path)?;
        Ok(Self { pool })
    }

    /// The connection pool, for the table modules.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Checks that the database answers, is in WAL mode and is migrated.
    pub async fn health(&self) -> Result<StoreHealth> {
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        let migrations_applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        let expected = MIGRATIONS.iter().count() as i64;
        if migrations_applied != expected {
            return Err(Error::Internal(format!(
                "{migrations_applied} of {expected} migrations applied"
            )));
        }
        Ok(StoreHealth {
            journal_mode,
            migrations_applied,
        })
    }

    /// Waits for in-flight queries and closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The database file is the user's own business: owner-only on Unix.
fn restrict_permissions(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("restricting {}", path.display()), e))?;
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_in_wal_mode_and_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let store = Store::open(&path).await.unwrap();
        let health = store.health().await.unwrap();
        assert_eq!(health.journal_mode, "wal");
        assert!(health.migrations_applied >= 1);
        store.close().await;

        // Re-opening an existing database applies nothing twice.
        let again = Store::open(&path).await.unwrap();
        assert_eq!(again.health().await.unwrap(), health);
        again.close().await;
    }

    #[tokio::test]
    async fn unwritable_location_is_a_database_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("t.sqlite");
        let err = Store::open(&path).await.unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::Database);
    }
}
