//! One live connection, from the greeting to its end: adopt the agent's journal, ask for
//! every signal after the stored seq, send the outbox in order, store what arrives, ping, and
//! notice silence.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use screener::protocol::{ClientFrame, Hello, ResumeFrom, ServerFrame};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::link::config::LinkTimings;
use crate::link::connection::{close_detail, Socket};
use crate::link::error::LinkError;
use crate::link::shared::LinkShared;
use crate::link::state::LinkState;

/// How a live connection ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// The link is shutting down; the socket was closed with 1000.
    Shutdown,
    /// The user asked to reconnect; the socket was closed with 1000.
    Reconnect,
    /// The agent closed it, it went silent, or the transport failed.
    Dropped(LinkError),
}

/// Runs a greeted connection until it ends. Errors are local (the database).
pub async fn run(
    shared: &LinkShared,
    mut socket: Socket,
    hello: Hello,
    timings: &LinkTimings,
    cancel: &CancellationToken,
) -> Result<SessionEnd> {
    let journal = hello.journal_id.clone();
    let after_seq = shared
        .store
        .adopt_journal(&journal, hello.last_seq, hello.role)
        .await?;
    shared.set_role(hello.role);
    send(
        &mut socket,
        &ClientFrame::ResumeFrom(ResumeFrom { after_seq }),
    )
    .await?;
    tracing::info!(role = ?hello.role, journal = %journal, after_seq, "agent link live");
    shared.set_state(LinkState::Live {
        role: hello.role,
        since: crate::store::now(),
    });

    let mut sent_up_to = send_outbox(shared, &mut socket, 0).await?;
    let mut ping =
        tokio::time::interval_at(Instant::now() + timings.ping_every, timings.ping_every);
    let mut last_heard = Instant::now();
    loop {
        let silent_at = last_heard + timings.silence_limit;
        tokio::select! {
            _ = cancel.cancelled() => {
                close(&mut socket, "the app is closing").await;
                return Ok(SessionEnd::Shutdown);
            }
            _ = shared.reconnect_asked.notified() => {
                close(&mut socket, "reconnecting").await;
                return Ok(SessionEnd::Reconnect);
            }
            _ = shared.outbox_written.notified() => {
                sent_up_to = send_outbox(shared, &mut socket, sent_up_to).await?;
            }
            _ = ping.tick() => {
                send(&mut socket, &ClientFrame::Ping).await?;
            }
            _ = tokio::time::sleep_until(silent_at) => {
                return Ok(SessionEnd::Dropped(LinkError::Dropped {
                    detail: format!(
                        "nothing received for {} s",
                        timings.silence_limit.as_secs()
                    ),
                }));
            }
            message = socket.next() => {
                last_heard = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => receive(shared, &journal, text.as_str()).await?,
                    Some(Ok(Message::Close(frame))) => {
                        return Ok(SessionEnd::Dropped(LinkError::Dropped {
                            detail: close_detail(frame.as_ref()),
                        }))
                    }
                    Some(Ok(_)) => {} // Pings are answered by tungstenite; pongs, binary: nothing.
                    Some(Err(e)) => {
                        return Ok(SessionEnd::Dropped(LinkError::Dropped { detail: e.to_string() }))
                    }
                    None => {
                        return Ok(SessionEnd::Dropped(LinkError::Dropped {
                            detail: "the connection ended".into(),
                        }))
                    }
                }
            }
        }
    }
}

/// Stores and forwards one server frame.
async fn receive(shared: &LinkShared, journal: &str, text: &str) -> Result<()> {
    let frame: ServerFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(e) => {
            // Unknown frame types are allowed within v1: skipped.
            tracing::debug!(error = %e, "agent frame skipped");
            return Ok(());
        }
    };
    match &frame {
        ServerFrame::Signal(signal) => {
            shared.store.save_signal(journal, signal).await?;
        }
        ServerFrame::Analysis(analysis) => shared.store.save_analysis(journal, analysis).await?,
        ServerFrame::Ack(ack) => {
            if shared.store.outbox_acked(&ack.id).await? {
                tracing::info!(id = %ack.id, "agent acknowledged command");
            }
        }
        ServerFrame::Error(error) => match &error.id {
            Some(id) => {
                if shared
                    .store
                    .outbox_failed(id, &error.code, &error.message)
                    .await?
                {
                    tracing::warn!(id = %id, code = %error.code, message = %error.message, "agent refused command");
                }
            }
            None => tracing::warn!(code = %error.code, message = %error.message, "agent error"),
        },
        ServerFrame::Pong | ServerFrame::Hello(_) => return Ok(()),
        ServerFrame::Status(_) | ServerFrame::Metrics(_) | ServerFrame::TraderState(_) => {}
    }
    shared.publish(frame);
    Ok(())
}

/// Sends the pending commands after outbox position `after`, in order; returns the last
/// position sent.
async fn send_outbox(shared: &LinkShared, socket: &mut Socket, after: i64) -> Result<i64> {
    let mut last = after;
    for command in shared.store.outbox_pending(after).await? {
        send(socket, &command.frame).await?;
        shared.store.outbox_sent(&command.id).await?;
        tracing::info!(id = %command.id, "command sent to the agent");
        last = command.position;
    }
    Ok(last)
}

async fn send(socket: &mut Socket, frame: &ClientFrame) -> Result<()> {
    let text = serde_json::to_string(frame)
        .map_err(|e| Error::Internal(format!("a client frame does not serialize: {e}")))?;
    socket.send(Message::text(text)).await.map_err(|e| {
        Error::Link(LinkError::Dropped {
            detail: e.to_string(),
        })
    })
}

/// Closes with 1000 and waits briefly for the agent's Close.
pub async fn close(socket: &mut Socket, reason: &str) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: reason.to_owned().into(),
    };
    if socket.close(Some(frame)).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
}
