//! One `/ws` connection of the load generator, in the agent's order: `hello`, `status`, the
//! latest `metrics`; signals only after `resume_from` (the journal after `afterSeq`, then live
//! ones above the last seq sent); `pong` for `ping`; commands acknowledged; anything else a
//! `bad_frame` error. A connection that falls behind the live buffer catches up from the
//! journal, as the agent's does.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use screener::protocol::{
    Ack, AgentState, ClientFrame, ErrorFrame, Hello, Role, ServerFrame, Status, PROTOCOL_VERSION,
};
use tokio::sync::broadcast::error::RecvError;

use super::{lock, Shared};

/// The agent's heartbeat: a WebSocket Ping this often.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub(crate) async fn run(mut socket: WebSocket, shared: Arc<Shared>) {
    // Subscribed before the greeting: whatever is journaled after it arrives live, so replay
    // and live frames meet without a gap.
    let mut live = shared.live.subscribe();
    shared.hellos.fetch_add(1, Ordering::SeqCst);
    let hello = ServerFrame::Hello(Hello {
        protocol_version: PROTOCOL_VERSION,
        agent_version: screener::build::VERSION.to_owned(),
        capabilities: ["signals", "resume", "traders", "metrics"]
            .map(String::from)
            .to_vec(),
        role: Role::Owner,
        machine_id: lock(&shared.machine_id)
            .clone()
            .unwrap_or_else(|| "local".into()),
        started_at: "2026-11-24T12:00:00.000Z".into(),
        journal_id: shared.config.journal_id.clone(),
        last_seq: shared.last_seq(),
    });
    let status = ServerFrame::Status(Status {
        state: AgentState::Running,
        reason: None,
    });
    let metrics = lock(&shared.latest_metrics).clone();
    for frame in [hello, status, metrics] {
        if send(&mut socket, &frame).await.is_err() {
            return;
        }
    }
    // The last seq sent on this connection; `None` until `resume_from`.
    let mut following: Option<u64> = None;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { return };
                let answer = match message {
                    Message::Text(text) => answer(&text, &shared, &mut following),
                    Message::Binary(_) => vec![bad_frame("binary frames are not accepted", None)],
                    Message::Close(_) => return,
                    _ => Vec::new(),
                };
                for frame in answer {
                    if send(&mut socket, &frame).await.is_err() {
                        return;
                    }
                }
            }
            frame = live.recv() => {
                let out = match frame {
                    Ok(ServerFrame::Signal(s)) => match following {
                        Some(last) if s.seq > last => {
                            following = Some(s.seq);
                            vec![ServerFrame::Signal(s)]
                        }
                        _ => Vec::new(),
                    },
                    Ok(other) => vec![other],
                    // Too slow: catch up on signals from the journal; metrics lost are superseded.
                    Err(RecvError::Lagged(_)) => match following {
                        Some(last) => catch_up(&shared, &mut following, last),
                        None => Vec::new(),
                    },
                    Err(RecvError::Closed) => return,
                };
                for frame in out {
                    if send(&mut socket, &frame).await.is_err() {
                        return;
                    }
                }
            }
            _ = heartbeat.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The frames answering one client text frame.
fn answer(text: &str, shared: &Shared, following: &mut Option<u64>) -> Vec<ServerFrame> {
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(e) => {
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned));
            return vec![bad_frame(&e.to_string(), id)];
        }
    };
    match frame {
        ClientFrame::Ping => vec![ServerFrame::Pong],
        ClientFrame::ResumeFrom(resume) => {
            lock(&shared.resumes).push(resume.after_seq);
            catch_up(shared, following, resume.after_seq)
        }
        command => {
            let id = command.command_id().unwrap_or_default().to_owned();
            vec![ServerFrame::Ack(Ack { id })]
        }
    }
}

/// The journal after `after`; the connection then follows live from the last one sent.
fn catch_up(shared: &Shared, following: &mut Option<u64>, after: u64) -> Vec<ServerFrame> {
    let replay = shared.after(after);
    *following = Some(replay.last().map_or(after, |s| s.seq));
    replay.into_iter().map(ServerFrame::Signal).collect()
}

fn bad_frame(message: &str, id: Option<String>) -> ServerFrame {
    ServerFrame::Error(ErrorFrame {
        code: "bad_frame".into(),
        message: message.to_owned(),
        id,
    })
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), axum::Error> {
    let text = serde_json::to_string(frame).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}
