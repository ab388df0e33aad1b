//! The agent's signals as received over the live link, and the cursor that says where the
//! stream stands: which agent journal (`hello.journalId`) and the newest `seq` stored, sent as
//! `resume_from.afterSeq` on every connect.

use screener::protocol::{AnalysisFrame, Role, SignalFrame};

use crate::error::{Error, Result};
use crate::store::{now, Store};

/// Where the signal stream stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCursor {
    pub journal_id: String,
    pub last_seq: u64,
    /// The role the agent gave the last connection.
    pub role: Option<Role>,
}

type SignalRow = (
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

impl Store {
    /// The cursor, once a connection has greeted.
    pub async fn agent_cursor(&self) -> Result<Option<AgentCursor>> {
        let row: Option<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT journal_id, last_seq, role FROM agent_cursor WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(journal_id, last_seq, role)| AgentCursor {
            journal_id,
            last_seq: last_seq as u64,
            role: role.and_then(|r| serde_json::from_value(serde_json::Value::String(r)).ok()),
        }))
    }

    /// Takes in a `hello`: records the role and returns the `afterSeq` to resume from — the
    /// stored seq for the same journal, 0 for another journal (whose id is stored from now
    /// on) or when the agent's journal is behind what was stored (it started over).
    pub async fn adopt_journal(
        &self,
        journal_id: &str,
        agent_last_seq: u64,
        role: Role,
    ) -> Result<u64> {
        let role = role_text(role);
        let mut tx = self.pool().begin().await?;
        let stored: Option<(String, i64)> =
            sqlx::query_as("SELECT journal_id, last_seq FROM agent_cursor WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        let after = match stored {
            Some((id, seq)) if id == journal_id && seq as u64 <= agent_last_seq => seq as u64,
            _ => 0,
        };
        sqlx::query(
            "INSERT INTO agent_cursor (id, journal_id, last_seq, role, updated_at) \
             VALUES (1, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET journal_id = excluded.journal_id, \
               last_seq = excluded.last_seq, role = excluded.role, updated_at = excluded.updated_at",
        )
        .bind(journal_id)
        .bind(after as i64)
        .bind(role)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Stores a signal of journal `journal_id` (a repeat is ignored) and moves the cursor to
    /// its seq, in one transaction. True when it was new.
    pub async fn save_signal(&self, journal_id: &str, signal: &SignalFrame) -> Result<bool> {
        let interval = serde_json::to_value(signal.interval)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| Error::Internal("an interval that is not a string".into()))?;
        let conditions = serde_json::to_string(&signal.conditions)
            .map_err(|e| Error::Internal(format!("signal conditions: {e}")))?;
        let mut tx = self.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO agent_signals (journal_id, seq, trader_id, symbol, interval, open_time, \
                                        close_time, price, conditions, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (journal_id, seq) DO NOTHING",
        )
        .bind(journal_id)
        .bind(signal.seq as i64)
        .bind(&signal.trader_id)
        .bind(&signal.symbol)
        .bind(interval)
        .bind(signal.open_time)
        .bind(signal.close_time)
        .bind(signal.price)
        .bind(conditions)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query(
            "UPDATE agent_cursor SET last_seq = MAX(last_seq, ?), updated_at = ? \
             WHERE id = 1 AND journal_id = ?",
        )
        .bind(signal.seq as i64)
        .bind(now())
        .bind(journal_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Records the analysis of a stored signal (the last one received wins).
    pub async fn save_analysis(&self, journal_id: &str, analysis: &AnalysisFrame) -> Result<()> {
        let text = serde_json::to_string(analysis)
            .map_err(|e| Error::Internal(format!("analysis of {}: {e}", analysis.seq)))?;
        sqlx::query("UPDATE agent_signals SET analysis = ? WHERE journal_id = ? AND seq = ?")
            .bind(text)
            .bind(journal_id)
            .bind(analysis.seq as i64)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Up to `limit` stored signals of `journal_id` after `after_seq`, ascending, each with its
    /// analysis if one arrived.
    pub async fn agent_signals(
        &self,
        journal_id: &str,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<(SignalFrame, Option<AnalysisFrame>)>> {
        let rows: Vec<SignalRow> = sqlx::query_as(
            "SELECT seq, trader_id, symbol, interval, open_time, close_time, price, conditions, \
                    analysis \
             FROM agent_signals WHERE journal_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(journal_id)
        .bind(after_seq as i64)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(signal_from_row).collect()
    }
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Viewer => "viewer",
    }
}

fn signal_from_row(row: SignalRow) -> Result<(SignalFrame, Option<AnalysisFrame>)> {
    let (seq, trader_id, symbol, interval, open_time, close_time, price, conditions, analysis) =
        row;
    let bad = |what: &str, e: serde_json::Error| {
        Error::Internal(format!("stored signal {seq}: {what}: {e}"))
    };
    let signal = SignalFrame {
        seq: seq as u64,
        trader_id,
        symbol,
        interval: serde_json::from_value(serde_json::Value::String(interval))
            .map_err(|e| bad("interval", e))?,
        open_time,
        close_time,
        price,
        conditions: serde_json::from_str(&conditions).map_err(|e| bad("conditions", e))?,
    };
    let analysis = analysis
        .map(|a| serde_json::from_str(&a))
        .transpose()
        .map_err(|e| bad("analysis", e))?;
    Ok((signal, analysis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use screener::market::Interval;

    fn signal(seq: u64) -> SignalFrame {
        SignalFrame {
            seq,
            trader_id: "t".into(),
            symbol: "BTCUSDT".into(),
            interval: Interval::M1,
            open_time: 60_000 * seq as i64,
            close_time: 60_000 * seq as i64 + 59_999,
            price: 100.5,
            conditions: vec!["rsi < 30".into()],
        }
    }

    #[tokio::test]
    async fn signals_are_stored_once_and_move_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        assert_eq!(store.adopt_journal("j1", 0, Role::Owner).await.unwrap(), 0);
        assert!(store.save_signal("j1", &signal(1)).await.unwrap());
        assert!(store.save_signal("j1", &signal(2)).await.unwrap());
        // Bad input: a replayed seq is ignored, and an older one does not move the cursor back.
        assert!(!store.save_signal("j1", &signal(1)).await.unwrap());
        let cursor = store.agent_cursor().await.unwrap().unwrap();
        assert_eq!((cursor.last_seq, cursor.role), (2, Some(Role::Owner)));
        let stored = store.agent_signals("j1", 0, 10).await.unwrap();
        assert_eq!(
            stored.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(),
            [signal(1), signal(2)]
        );
        // Same journal on reconnect: resume after 2.
        assert_eq!(store.adopt_journal("j1", 5, Role::Owner).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn another_journal_or_a_journal_behind_resumes_from_zero() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        store.adopt_journal("j1", 0, Role::Owner).await.unwrap();
        store.save_signal("j1", &signal(7)).await.unwrap();
        // A new volume: another journal id.
        assert_eq!(store.adopt_journal("j2", 3, Role::Viewer).await.unwrap(), 0);
        let cursor = store.agent_cursor().await.unwrap().unwrap();
        assert_eq!((cursor.journal_id.as_str(), cursor.last_seq), ("j2", 0));
        // The same id but the agent is behind what was stored: start over too.
        store.save_signal("j2", &signal(3)).await.unwrap();
        assert_eq!(store.adopt_journal("j2", 1, Role::Viewer).await.unwrap(), 0);
        // Signals of the old journal are kept under their own id.
        assert_eq!(store.agent_signals("j1", 0, 10).await.unwrap().len(), 1);
    }
}
