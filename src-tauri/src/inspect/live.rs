//! The live view of a user's agent for support: a viewer connection whose state, metrics,
//! trader states and new signals are forwarded as [`SupportFrame`]s, reconnecting with
//! backoff (1 s doubling to 30 s) until cancelled. A viewer can send nothing but
//! `resume_from` and `ping`, so nothing here can change the agent.

use std::time::Duration;

use futures_util::StreamExt;
use screener::protocol::ServerFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::agent;
use super::view::{SupportFrame, ViewerLinkState};
use crate::link::LinkError;
use crate::sensitive::Sensitive;

const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(30);
/// A connection silent this long is considered dead (the agent sends metrics every 2 s).
const SILENCE: Duration = Duration::from_secs(20);

fn link(state: ViewerLinkState, detail: Option<String>) -> SupportFrame {
    SupportFrame::Link { state, detail }
}

/// Streams the agent at `base` to `sink` until `cancel` or the sink returns `false`. An
/// unauthorized viewer token ends it (retrying cannot help).
pub async fn watch<S>(
    base: &str,
    token: &Sensitive<String>,
    cancel: CancellationToken,
    mut sink: S,
) -> Result<(), LinkError>
where
    S: FnMut(SupportFrame) -> bool,
{
    let mut retry = FIRST_RETRY;
    let mut last_seq = None;
    loop {
        if !sink(link(ViewerLinkState::Connecting, None)) {
            return Ok(());
        }
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            outcome = session(base, token, &mut last_seq, &mut sink, &mut retry) => outcome,
        };
        let detail = match outcome {
            Ok(Flow::Stop) => return Ok(()),
            Ok(Flow::Lost(detail)) => detail,
            Err(LinkError::Unauthorized) => {
                sink(link(
                    ViewerLinkState::Unauthorized,
                    Some("the agent refused the viewer token".into()),
                ));
                return Err(LinkError::Unauthorized);
            }
            Err(e) => e.to_string(),
        };
        if !sink(link(
            ViewerLinkState::Retrying,
            Some(format!("{detail}; again in {} s", retry.as_secs())),
        )) {
            return Ok(());
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep(retry) => {}
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}

enum Flow {
    Stop,
    Lost(String),
}

async fn session<S>(
    base: &str,
    token: &Sensitive<String>,
    last_seq: &mut Option<u64>,
    sink: &mut S,
    retry: &mut Duration,
) -> Result<Flow, LinkError>
where
    S: FnMut(SupportFrame) -> bool,
{
    let (mut socket, hello) = agent::open(base, token).await?;
    *retry = FIRST_RETRY;
    // New signals only: from the greeting's seq on the first connection, then from the last
    // one seen (a restarted journal starts again from its own last seq).
    let after = last_seq
        .filter(|s| *s <= hello.last_seq)
        .unwrap_or(hello.last_seq);
    agent::resume_from(&mut socket, after).await?;
    if !sink(link(
        ViewerLinkState::Live,
        Some(format!("agent {}", hello.agent_version)),
    )) {
        return Ok(Flow::Stop);
    }
    loop {
        let message = match tokio::time::timeout(SILENCE, socket.next()).await {
            Err(_) => return Ok(Flow::Lost(format!("no frame for {} s", SILENCE.as_secs()))),
            Ok(None) => return Ok(Flow::Lost("the agent closed the connection".into())),
            Ok(Some(Err(e))) => return Ok(Flow::Lost(e.to_string())),
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Ok(Flow::Lost(crate::link::connection::close_detail(
                    frame.as_ref(),
                )))
            }
            Ok(Some(Ok(_))) => continue,
        };
        let frame = match serde_json::from_str::<ServerFrame>(&message) {
            Ok(ServerFrame::Metrics(m)) => SupportFrame::Metrics(m),
            Ok(ServerFrame::Status(s)) => SupportFrame::Status(s),
            Ok(ServerFrame::TraderState(t)) => SupportFrame::TraderState(t),
            Ok(ServerFrame::Signal(s)) => {
                *last_seq = Some(s.seq);
                SupportFrame::Signal(s)
            }
            _ => continue,
        };
        if !sink(frame) {
            return Ok(Flow::Stop);
        }
    }
}
