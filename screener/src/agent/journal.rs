//! The agent's durable journal (SQLite in `--data-dir`, WAL, `synchronous=FULL`): signals are
//! written — one transaction per round — before anyone is sent them, and numbered by the
//! journal, so `resume_from` can replay exactly what a client missed; deployed traders, the
//! command ids already applied and the paused flag survive restarts.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::engine::Signal;
use crate::protocol::{AnalysisFrame, SignalFrame};
use crate::trader::Trader;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Most signals one replay query returns (replay pages through them).
pub const REPLAY_PAGE: u32 = 500;
/// Applied command ids are remembered this long.
const COMMAND_MEMORY_DAYS: i64 = 30;

/// Why the journal failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("journal migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("journal data: {0}")]
    Data(String),
}

type Result<T> = std::result::Result<T, JournalError>;

/// The open journal. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Journal {
    pool: SqlitePool,
}

type SignalRow = (i64, String, String, String, i64, i64, f64, String);

impl Journal {
    /// Opens (creating) `dir/agent.sqlite` and migrates it.
    pub async fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| JournalError::Data(format!("creating {}: {e}", dir.display())))?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(dir.join("agent.sqlite"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATIONS.run(&pool).await?;
        let cutoff = (chrono::Utc::now() - chrono::Duration::days(COMMAND_MEMORY_DAYS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        sqlx::query("DELETE FROM commands WHERE applied_at < ?")
            .bind(cutoff)
            .execute(&pool)
            .await?;
        Ok(Self { pool })
    }

    /// Journals a round's signals in one transaction and returns them numbered; a signal
    /// already journaled (same trader, symbol, interval and close) is left out.
    pub async fn append(&self, signals: &[Signal]) -> Result<Vec<SignalFrame>> {
        if signals.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let mut tx = self.pool.begin().await?;
        let mut frames = Vec::with_capacity(signals.len());
        for s in signals {
            let conditions = serde_json::to_string(&s.conditions)
                .map_err(|e| JournalError::Data(e.to_string()))?;
            let inserted = sqlx::query(
                // Not `ON CONFLICT DO NOTHING`: a refused insert would still consume a seq
                // under AUTOINCREMENT, and clients may rely on seqs being contiguous.
                "INSERT INTO signals (trader_id, symbol, interval, open_time, close_time, price, \
                                      conditions, recorded_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE NOT EXISTS ( \
                   SELECT 1 FROM signals WHERE trader_id = ?1 AND symbol = ?2 \
                     AND interval = ?3 AND close_time = ?5)",
            )
            .bind(&s.trader_id)
            .bind(&s.symbol)
            .bind(s.interval.as_str())
            .bind(s.open_time)
            .bind(s.close_time)
            .bind(s.price)
            .bind(conditions)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                frames.push(SignalFrame {
                    seq: inserted.last_insert_rowid() as u64,
                    trader_id: s.trader_id.clone(),
                    symbol: s.symbol.clone(),
                    interval: s.interval,
                    open_time: s.open_time,
                    close_time: s.close_time,
                    price: s.price,
                    conditions: s.conditions.clone(),
                });
            }
        }
        tx.commit().await?;
        Ok(frames)
    }

    /// Up to `limit` signals after `after_seq`, in order, each with its analysis if made.
    pub async fn after(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<(SignalFrame, Option<AnalysisFrame>)>> {
        let rows: Vec<AnalysedRow> = sqlx::query_as(
            "SELECT seq, trader_id, symbol, interval, open_time, close_time, price, \
                        conditions, analysis \
                 FROM signals WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_seq as i64)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(seq, trader, symbol, interval, open, close, price, conditions, analysis)| {
                    let frame = signal_frame((
                        seq, trader, symbol, interval, open, close, price, conditions,
                    ))?;
                    let analysis = analysis
                        .map(|a| serde_json::from_str(&a))
                        .transpose()
                        .map_err(|e| JournalError::Data(format!("analysis of {seq}: {e}")))?;
                    Ok((frame, analysis))
                },
            )
            .collect()
    }

    /// The newest sequence number (0 when empty).
    pub async fn last_seq(&self) -> Result<u64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM signals")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0) as u64)
    }

    /// Signals journaled in all.
    pub async fn count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signals")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    /// Records the analysis (or its failure) of signal `seq`.
    pub async fn set_analysis(&self, analysis: &AnalysisFrame) -> Result<()> {
        let json =
            serde_json::to_string(analysis).map_err(|e| JournalError::Data(e.to_string()))?;
        sqlx::query("UPDATE signals SET analysis = ? WHERE seq = ?")
            .bind(json)
            .bind(analysis.seq as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The deployed traders.
    pub async fn traders(&self) -> Result<Vec<Trader>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT record FROM traders ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(record,)| {
                serde_json::from_str(&record).map_err(|e| JournalError::Data(e.to_string()))
            })
            .collect()
    }

    /// Saves a deployed trader (replacing its earlier version).
    pub async fn save_trader(&self, trader: &Trader) -> Result<()> {
        let record =
            serde_json::to_string(trader).map_err(|e| JournalError::Data(e.to_string()))?;
        sqlx::query(
            "INSERT INTO traders (id, version, record, deployed_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, record = excluded.record, \
               deployed_at = excluded.deployed_at",
        )
        .bind(&trader.id)
        .bind(trader.version as i64)
        .bind(record)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_trader(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM traders WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the command with this id was applied already.
    pub async fn applied(&self, command_id: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM commands WHERE id = ?")
            .bind(command_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Records a command id as applied (after applying it: a crash in between makes a retry
    /// apply it again, which every command tolerates).
    pub async fn remember(&self, command_id: &str) -> Result<()> {
        sqlx::query("INSERT INTO commands (id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(command_id)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// This journal's id, made on first use (see `Hello::journal_id`).
    pub async fn id(&self) -> Result<String> {
        let fresh = format!("j{:016x}", rand::random::<u64>());
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('journal_id', ?) ON CONFLICT DO NOTHING",
        )
        .bind(&fresh)
        .execute(&self.pool)
        .await?;
        let id: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'journal_id'")
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn paused(&self) -> Result<bool> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'paused'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(value.as_deref() == Some("true"))
    }

    pub async fn set_paused(&self, paused: bool) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('paused', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(if paused { "true" } else { "false" })
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Waits for in-flight writes and closes (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn signal_frame(
    (seq, trader_id, symbol, interval, open_time, close_time, price, conditions): SignalRow,
) -> Result<SignalFrame> {
    Ok(SignalFrame {
        seq: seq as u64,
        trader_id,
        symbol,
        interval: interval
            .parse()
            .map_err(|e| JournalError::Data(format!("signal {seq}: {e}")))?,
        open_time,
        close_time,
        price,
        conditions: serde_json::from_str(&conditions)
            .map_err(|e| JournalError::Data(format!("signal {seq}: {e}")))?,
    })
}

/// A journal row: seq, trader, symbol, interval, open and close time, price, conditions
/// (JSON) and the analysis (JSON) if made.
type AnalysedRow = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    f64,
    String,
    Option<String>,
);

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Interval;

    fn signal(trader: &str, close_time: i64) -> Signal {
        Signal {
            seq: 0,
            trader_id: trader.into(),
            symbol: "BTCUSDT".into(),
            interval: Interval::M1,
            open_time: close_time - 59_999,
            close_time,
            price: 42_000.5,
            conditions: vec!["rsi < 30".into()],
        }
    }

    #[tokio::test]
    async fn signals_are_numbered_once_and_replayed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).await.unwrap();
        let first = journal
            .append(&[signal("a", 60_000), signal("b", 60_000)])
            .await
            .unwrap();
        assert_eq!(first.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 2]);
        let again = journal
            .append(&[signal("a", 60_000), signal("a", 120_000)])
            .await
            .unwrap();
        assert_eq!(again.len(), 1, "the same close is journaled once");
        assert_eq!(again[0].seq, 3);
        assert_eq!(journal.last_seq().await.unwrap(), 3);

        let analysis = AnalysisFrame {
            seq: 2,
            decision: "wait".into(),
            direction: "none".into(),
            confidence: 40.0,
            reasoning: "r".into(),
            key_levels: serde_json::json!({}),
            trade_plan: serde_json::json!({}),
            model: "m".into(),
            error: None,
        };
        journal.set_analysis(&analysis).await.unwrap();
        let replay = journal.after(1, 10).await.unwrap();
        assert_eq!(
            replay.iter().map(|(f, _)| f.seq).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(replay[0].1.as_ref(), Some(&analysis));
        assert_eq!(replay[1].0.conditions, ["rsi < 30"]);
        assert_eq!(journal.after(3, 10).await.unwrap().len(), 0);
        assert_eq!(journal.after(0, 2).await.unwrap().len(), 2, "paged");
        journal.close().await;

        let reopened = Journal::open(dir.path()).await.unwrap();
        assert_eq!(reopened.last_seq().await.unwrap(), 3, "durable");
        let next = reopened.append(&[signal("c", 60_000)]).await.unwrap();
        assert_eq!(next[0].seq, 4, "never reused");
    }

    #[tokio::test]
    async fn commands_traders_and_pause_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).await.unwrap();
        assert!(!journal.applied("c1").await.unwrap());
        journal.remember("c1").await.unwrap();
        journal.remember("c1").await.unwrap();
        assert!(journal.applied("c1").await.unwrap());
        let mut trader: Trader = serde_json::from_value(serde_json::json!({
            "id": "t1", "name": "T", "filter": {"code": "return false;", "refreshInterval": "1m"}
        }))
        .unwrap();
        journal.save_trader(&trader).await.unwrap();
        trader.version = 2;
        journal.save_trader(&trader).await.unwrap();
        journal.set_paused(true).await.unwrap();
        journal.close().await;

        let journal = Journal::open(dir.path()).await.unwrap();
        assert!(journal.applied("c1").await.unwrap());
        let traders = journal.traders().await.unwrap();
        assert_eq!(traders.len(), 1);
        assert_eq!(traders[0].version, 2);
        assert!(journal.paused().await.unwrap());
        journal.remove_trader("t1").await.unwrap();
        assert!(journal.traders().await.unwrap().is_empty());
    }
}
