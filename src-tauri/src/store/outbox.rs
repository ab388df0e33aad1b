//! The agent outbox: owner commands written before they are sent, so that none is lost to a
//! dropped connection or an app restart. A command stays until the agent answers it: an
//! `ack` removes it, an `error` keeps it as `failed` with the agent's code and message (never
//! sent again) until the user dismisses it.

use serde::Serialize;
use ts_rs::TS;

use screener::protocol::ClientFrame;

use crate::error::{Error, Result};
use crate::store::{now, Store};

/// Where a command stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CommandState {
    /// Waiting to be sent, or sent and not answered yet.
    Pending,
    /// The agent refused it (see `error`); it will not be sent again.
    Failed,
}

/// The agent's refusal of a command (`version_conflict`, `invalid_trader`, `forbidden`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

/// A command in the outbox, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The client-made command id, the same on every resend.
    pub id: String,
    /// `deploy_trader`, `undeploy_trader`, `pause` or `resume`.
    pub kind: String,
    pub state: CommandState,
    /// Times it was sent.
    pub attempts: u32,
    /// RFC 3339.
    pub created_at: String,
    pub sent_at: Option<String>,
    pub error: Option<CommandError>,
    /// The frame as sent.
    pub frame: ClientFrame,
}

/// A command waiting to be sent, in send order.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCommand {
    /// Send order (increasing).
    pub position: i64,
    pub id: String,
    pub frame: ClientFrame,
}

type EntryRow = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

impl Store {
    /// Writes a command (its id is the frame's) to the outbox, pending.
    pub async fn outbox_push(&self, frame: &ClientFrame) -> Result<()> {
        let id = frame
            .command_id()
            .ok_or_else(|| Error::Internal("only commands go to the outbox".into()))?;
        let kind = frame_kind(frame)?;
        let text = serde_json::to_string(frame)
            .map_err(|e| Error::Internal(format!("command {id}: {e}")))?;
        sqlx::query(
            "INSERT INTO agent_outbox (id, kind, frame, state, created_at) \
             VALUES (?, ?, ?, 'pending', ?)",
        )
        .bind(id)
        .bind(kind)
        .bind(text)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Pending commands after `after_position`, in send order.
    pub async fn outbox_pending(&self, after_position: i64) -> Result<Vec<PendingCommand>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT position, id, frame FROM agent_outbox \
             WHERE state = 'pending' AND position > ? ORDER BY position",
        )
        .bind(after_position)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(position, id, frame)| {
                let frame = parse_frame(&id, &frame)?;
                Ok(PendingCommand {
                    position,
                    id,
                    frame,
                })
            })
            .collect()
    }

    /// Notes that command `id` was sent once more.
    pub async fn outbox_sent(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE agent_outbox SET attempts = attempts + 1, sent_at = ? WHERE id = ?")
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The agent acknowledged command `id`: it leaves the outbox. False if it was not there.
    pub async fn outbox_acked(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM agent_outbox WHERE id = ? AND state = 'pending'")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The agent refused command `id`: it stays, failed, with the reason. False if it was not
    /// pending.
    pub async fn outbox_failed(&self, id: &str, code: &str, message: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agent_outbox SET state = 'failed', error_code = ?, error_message = ?, \
                                     answered_at = ? \
             WHERE id = ? AND state = 'pending'",
        )
        .bind(code)
        .bind(message)
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every command in the outbox (pending and failed), oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT id, kind, state, attempts, created_at, sent_at, error_code, error_message, \
                    frame \
             FROM agent_outbox ORDER BY position",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(
                |(id, kind, state, attempts, created_at, sent_at, code, message, frame)| {
                    let frame = parse_frame(&id, &frame)?;
                    Ok(OutboxEntry {
                        state: if state == "failed" {
                            CommandState::Failed
                        } else {
                            CommandState::Pending
                        },
                        attempts: attempts as u32,
                        created_at,
                        sent_at,
                        error: code.map(|code| CommandError {
                            code,
                            message: message.unwrap_or_default(),
                        }),
                        frame,
                        id,
                        kind,
                    })
                },
            )
            .collect()
    }

    /// Removes a failed command the user has seen. False if there was no such failed command.
    pub async fn outbox_dismiss(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM agent_outbox WHERE id = ? AND state = 'failed'")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn frame_kind(frame: &ClientFrame) -> Result<&'static str> {
    Ok(match frame {
        ClientFrame::DeployTrader(_) => "deploy_trader",
        ClientFrame::UndeployTrader(_) => "undeploy_trader",
        ClientFrame::Pause(_) => "pause",
        ClientFrame::Resume(_) => "resume",
        ClientFrame::ResumeFrom(_) | ClientFrame::Ping => {
            return Err(Error::Internal("only commands go to the outbox".into()))
        }
    })
}

fn parse_frame(id: &str, text: &str) -> Result<ClientFrame> {
    serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("stored command {id} does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use screener::protocol::Command;

    fn pause(id: &str) -> ClientFrame {
        ClientFrame::Pause(Command { id: id.into() })
    }

    #[tokio::test]
    async fn ack_removes_error_keeps_as_failed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        store.outbox_push(&pause("a")).await.unwrap();
        store.outbox_push(&pause("b")).await.unwrap();
        // Bad input: the same id twice, and a frame that is not a command.
        assert!(store.outbox_push(&pause("a")).await.is_err());
        assert!(store.outbox_push(&ClientFrame::Ping).await.is_err());
        let pending = store.outbox_pending(0).await.unwrap();
        assert_eq!(
            pending.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(store
            .outbox_pending(pending[1].position)
            .await
            .unwrap()
            .is_empty());

        store.outbox_sent("a").await.unwrap();
        assert!(store.outbox_acked("a").await.unwrap());
        assert!(
            !store.outbox_acked("a").await.unwrap(),
            "a repeated ack changes nothing"
        );
        assert!(store
            .outbox_failed("b", "draining", "shutting down")
            .await
            .unwrap());
        assert!(
            store.outbox_pending(0).await.unwrap().is_empty(),
            "failed is not resent"
        );
        let all = store.outbox().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].state, CommandState::Failed);
        assert_eq!(all[0].error.as_ref().unwrap().code, "draining");
        assert!(store.outbox_dismiss("b").await.unwrap());
        assert!(store.outbox().await.unwrap().is_empty());
    }
}
