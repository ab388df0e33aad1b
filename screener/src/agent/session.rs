//! One WebSocket connection: `hello`, the current status, metrics and trader states, then
//! commands in and frames out, with heartbeats both ways.
//!
//! Signals flow after the client's `resume_from {afterSeq}`: the journal's later signals are
//! replayed in order (with their analyses), then live ones follow, each exactly once — a live
//! signal at or below the last one sent is skipped, and a connection that fell behind the
//! broadcast catches up from the journal. A peer silent for three heartbeat periods is
//! dropped; a malformed frame gets `error {code: "bad_frame"}` and the connection stays, up to
//! a limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, oneshot};

use super::commands::CommandRequest;
use super::journal::REPLAY_PAGE;
use super::state::{lock, Shared};
use crate::protocol::{ClientFrame, ErrorFrame, Hello, Role, ServerFrame, PROTOCOL_VERSION};

/// Malformed frames a connection may send before it is closed.
const MAX_BAD_FRAMES: u32 = 100;
/// How long the peer gets to answer our close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);
/// How long a command may take to be applied.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Close codes: going away (shutdown), policy violation (abuse), and ours for a silent peer.
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_SILENT: u16 = 4000;

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;

/// Serves one connection until it closes, the peer goes silent, or the agent drains.
pub async fn run(shared: Arc<Shared>, socket: WebSocket, role: Role, heartbeat: Duration) {
    let mut live = shared.frames.subscribe();
    let (mut sink, mut stream) = socket.split();
    let mut conn = Connection {
        shared: Arc::clone(&shared),
        role,
        resumed_to: None,
        bad_frames: 0,
    };
    if conn.greet(&mut sink).await.is_err() {
        return;
    }
    let mut last_heard = Instant::now();
    let mut beat = tokio::time::interval(heartbeat);
    beat.tick().await;
    let outcome: Result<(), (u16, &str)> = loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    if let Err(close) = conn.on_text(&mut sink, text.as_str()).await {
                        break Err(close);
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    last_heard = Instant::now();
                    if let Err(close) = conn.bad_frame(&mut sink, "binary frames are not used; send JSON text").await {
                        break Err(close);
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => last_heard = Instant::now(),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break Ok(()),
            },
            frame = live.recv() => match frame {
                Ok(frame) => {
                    if conn.forward(&mut sink, &frame).await.is_err() {
                        break Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a connection fell behind; catching up from the journal");
                    if conn.catch_up(&mut sink).await.is_err() {
                        break Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break Err((CLOSE_GOING_AWAY, "agent shutting down")),
            },
            _ = beat.tick() => {
                if last_heard.elapsed() > heartbeat * 3 {
                    break Err((CLOSE_SILENT, "no heartbeat from the client"));
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break Ok(());
                }
            }
            _ = shared.closing.cancelled() => break Err((CLOSE_GOING_AWAY, "agent shutting down")),
        }
    };
    if let Err((code, reason)) = outcome {
        // The last status (draining) went out through the broadcast; flush what is queued.
        while let Ok(frame) = live.try_recv() {
            if conn.forward(&mut sink, &frame).await.is_err() {
                break;
            }
        }
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
        // The closing handshake: give the peer a moment to answer before the socket goes.
        let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
            while let Some(Ok(message)) = stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    let _ = sink.close().await;
}

struct Connection {
    shared: Arc<Shared>,
    role: Role,
    /// The newest signal sent, once the client asked for signals.
    resumed_to: Option<u64>,
    bad_frames: u32,
}

impl Connection {
    async fn greet(&self, sink: &mut Sink) -> Result<(), axum::Error> {
        let identity = &self.shared.identity;
        send(
            sink,
            &ServerFrame::Hello(Hello {
                protocol_version: PROTOCOL_VERSION,
                agent_version: identity.agent_version.clone(),
                capabilities: identity.capabilities.clone(),
                role: self.role,
                machine_id: identity.machine_id.clone(),
                started_at: identity.started_at.clone(),
                journal_id: identity.journal_id.clone(),
                last_seq: self.shared.journal.last_seq().await.unwrap_or(0),
            }),
        )
        .await?;
        send(sink, &ServerFrame::Status(self.shared.status())).await?;
        let metrics = lock(&self.shared.metrics).clone();
        send(sink, &ServerFrame::Metrics(metrics)).await?;
        let traders: Vec<_> = lock(&self.shared.traders).values().cloned().collect();
        for trader in traders {
            send(sink, &ServerFrame::TraderState(trader)).await?;
        }
        Ok(())
    }

    async fn on_text(&mut self, sink: &mut Sink, text: &str) -> Result<(), (u16, &'static str)> {
        let frame: ClientFrame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => {
                let mut message = format!("not a protocol v1 frame: {e}");
                message.truncate(300);
                // A command that does not parse is still answered under its id, if it has one.
                let id = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| Some(v.get("id")?.as_str()?.chars().take(128).collect()));
                return self.bad_frame_with(sink, &message, id).await;
            }
        };
        if !frame.allowed_for(self.role) {
            let error = ServerFrame::Error(ErrorFrame {
                code: "forbidden".into(),
                message: "a viewer may only send resume_from and ping".into(),
                id: frame.command_id().map(str::to_owned),
            });
            return send(sink, &error)
                .await
                .map_err(|_| (CLOSE_GOING_AWAY, "send failed"));
        }
        let result = match frame {
            ClientFrame::Ping => send(sink, &ServerFrame::Pong).await,
            ClientFrame::ResumeFrom(resume) => self.replay(sink, resume.after_seq).await,
            command => {
                let answer = self.command(command).await;
                send(sink, &answer).await
            }
        };
        result.map_err(|_| (CLOSE_GOING_AWAY, "send failed"))
    }

    async fn bad_frame(
        &mut self,
        sink: &mut Sink,
        message: &str,
    ) -> Result<(), (u16, &'static str)> {
        self.bad_frame_with(sink, message, None).await
    }

    async fn bad_frame_with(
        &mut self,
        sink: &mut Sink,
        message: &str,
        id: Option<String>,
    ) -> Result<(), (u16, &'static str)> {
        self.bad_frames += 1;
        if self.bad_frames > MAX_BAD_FRAMES {
            return Err((CLOSE_POLICY, "too many malformed frames"));
        }
        let error = ServerFrame::Error(ErrorFrame {
            code: "bad_frame".into(),
            message: message.to_owned(),
            id,
        });
        send(sink, &error)
            .await
            .map_err(|_| (CLOSE_GOING_AWAY, "send failed"))
    }

    async fn command(&self, frame: ClientFrame) -> ServerFrame {
        let id = frame.command_id().map(str::to_owned);
        let failed = |code: &str, message: &str| {
            ServerFrame::Error(ErrorFrame {
                code: code.into(),
                message: message.into(),
                id: id.clone(),
            })
        };
        let (reply, answer) = oneshot::channel();
        if self
            .shared
            .commands
            .send(CommandRequest { frame, reply })
            .await
            .is_err()
        {
            return failed("draining", "the agent is shutting down");
        }
        match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
            Ok(Ok(frame)) => frame,
            Ok(Err(_)) => failed("draining", "the agent is shutting down"),
            Err(_) => failed("internal", "the command took too long"),
        }
    }

    /// Sends every journaled signal after `after_seq`, then marks the connection live.
    async fn replay(&mut self, sink: &mut Sink, after_seq: u64) -> Result<(), axum::Error> {
        let mut cursor = after_seq;
        loop {
            let page = match self.shared.journal.after(cursor, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "journal replay failed");
                    self.shared
                        .record_error("session", &format!("journal replay failed: {e}"));
                    let error = ServerFrame::Error(ErrorFrame {
                        code: "internal".into(),
                        message: "the journal could not be read".into(),
                        id: None,
                    });
                    return send(sink, &error).await;
                }
            };
            let full = page.len() == REPLAY_PAGE as usize;
            for (signal, analysis) in page {
                cursor = signal.seq;
                send(sink, &ServerFrame::Signal(signal)).await?;
                if let Some(analysis) = analysis {
                    send(sink, &ServerFrame::Analysis(analysis)).await?;
                }
            }
            if !full {
                break;
            }
        }
        self.resumed_to = Some(cursor);
        Ok(())
    }

    /// After missing broadcast frames: replays the journal from the last signal sent.
    async fn catch_up(&mut self, sink: &mut Sink) -> Result<(), axum::Error> {
        match self.resumed_to {
            Some(last) => self.replay(sink, last).await,
            None => Ok(()),
        }
    }

    async fn forward(&mut self, sink: &mut Sink, frame: &ServerFrame) -> Result<(), axum::Error> {
        match frame {
            ServerFrame::Signal(signal) => match self.resumed_to {
                Some(last) if signal.seq > last => {
                    self.resumed_to = Some(signal.seq);
                    send(sink, frame).await
                }
                _ => Ok(()),
            },
            ServerFrame::Analysis(_) if self.resumed_to.is_none() => Ok(()),
            _ => send(sink, frame).await,
        }
    }
}

async fn send(sink: &mut Sink, frame: &ServerFrame) -> Result<(), axum::Error> {
    let text = serde_json::to_string(frame).map_err(axum::Error::new)?;
    sink.send(Message::Text(text.into())).await
}
