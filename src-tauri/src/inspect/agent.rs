//! The agent as support sees it with the viewer token: `GET /health` (no token needed), one
//! short viewer connection (greeting, state, latest metrics, trader states, the last
//! signals) and `GET /history` (24 h of samples, boots and errors). Every call has a
//! deadline; a part that fails is reported as an error next to the parts that worked.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use screener::protocol::{ClientFrame, ResumeFrom, ServerFrame};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::view::{AgentGreeting, AgentHistory, AgentInspection, HealthView};
use crate::error::{ApiError, Error, Result};
use crate::link::connection::{self, Socket};
use crate::link::{config::websocket_url, LinkError};
use crate::machine::health::http_client;
use crate::sensitive::Sensitive;

/// Signals a snapshot asks the journal for.
pub const RECENT_SIGNALS: u64 = 50;
/// The viewer connection's deadline for the greeting.
const CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// How long a snapshot listens for the state, metrics and the replayed signals.
const LISTEN: Duration = Duration::from_secs(4);
/// `/history`'s deadline (a day of samples is ~0.5 MB).
const HISTORY_DEADLINE: Duration = Duration::from_secs(15);

/// Health, a viewer snapshot and the history of the agent at `base`.
pub async fn inspect(base: &str, viewer: Option<&Sensitive<String>>) -> AgentInspection {
    let mut view = AgentInspection {
        url: base.to_owned(),
        health: None,
        health_error: None,
        greeting: None,
        status: None,
        metrics: None,
        traders: Vec::new(),
        signals: Vec::new(),
        link_error: None,
        history: None,
        history_error: None,
    };
    let health = health(base);
    let Some(token) = viewer else {
        match health.await {
            Ok(h) => view.health = Some(h),
            Err(e) => view.health_error = Some(e.into()),
        }
        let missing = ApiError::from(Error::InvalidInput(
            "no viewer token: the agent's metrics, traders, signals and history need it".into(),
        ));
        view.link_error = Some(missing.clone());
        view.history_error = Some(missing);
        return view;
    };
    let (health, snapshot, history) =
        tokio::join!(health, snapshot(base, token), history(base, token));
    match health {
        Ok(h) => view.health = Some(h),
        Err(e) => view.health_error = Some(e.into()),
    }
    match snapshot {
        Ok(s) => {
            view.greeting = Some(s.greeting);
            view.status = s.status;
            view.metrics = s.metrics;
            view.traders = s.traders.into_values().collect();
            view.signals = s.signals;
        }
        Err(e) => view.link_error = Some(ApiError::from(Error::from(e))),
    }
    match history {
        Ok(h) => view.history = Some(h),
        Err(e) => view.history_error = Some(e.into()),
    }
    view
}

/// `GET /health` as it answered (503 while starting still has a body).
pub async fn health(base: &str) -> Result<HealthView> {
    let http = http_client()?;
    let response = http
        .get(format!("{base}/health"))
        .send()
        .await
        .map_err(|e| unreachable(format!("/health: {e}")))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| unreachable(format!("/health: {e}")))?;
    let mut view: HealthView = serde_json::from_slice(&body).map_err(|_| {
        unreachable(format!(
            "/health answered HTTP {status} without the agent's JSON (the machine may be down and \
             Fly's proxy answering)"
        ))
    })?;
    view.http_status = status;
    Ok(view)
}

/// `GET /history` with the viewer token.
pub async fn history(base: &str, token: &Sensitive<String>) -> Result<AgentHistory> {
    history_since(base, token, None).await
}

/// `GET /history?since=…` with either token (the owner's app reads the viewer accesses).
pub async fn history_since(
    base: &str,
    token: &Sensitive<String>,
    since: Option<&str>,
) -> Result<AgentHistory> {
    let http = http_client()?;
    let mut request = http.get(format!("{base}/history"));
    if let Some(since) = since {
        request = request.query(&[("since", since)]);
    }
    let response = request
        .bearer_auth(token.expose())
        .timeout(HISTORY_DEADLINE)
        .send()
        .await
        .map_err(|e| unreachable(format!("/history: {e}")))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err(LinkError::Unauthorized.into()),
        404 => {
            return Err(unreachable(
                "/history is not served: the agent is older than this app".into(),
            ))
        }
        other => return Err(unreachable(format!("/history answered HTTP {other}"))),
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| unreachable(format!("/history: {e}")))?;
    serde_json::from_slice(&body).map_err(|e| {
        Error::Link(LinkError::Protocol {
            detail: format!("/history does not parse: {e}"),
        })
    })
}

fn unreachable(detail: String) -> Error {
    Error::Link(LinkError::Unreachable { detail })
}

/// What one viewer connection saw.
#[derive(Debug)]
pub struct Snapshot {
    pub greeting: AgentGreeting,
    pub status: Option<screener::protocol::Status>,
    pub metrics: Option<screener::protocol::Metrics>,
    pub traders: BTreeMap<String, screener::protocol::TraderState>,
    pub signals: Vec<screener::protocol::SignalFrame>,
}

/// Connects as a viewer, asks for the last [`RECENT_SIGNALS`] signals and listens until they,
/// the state and a metrics frame arrived (or [`LISTEN`] passed).
pub async fn snapshot(base: &str, token: &Sensitive<String>) -> Result<Snapshot, LinkError> {
    let (mut socket, hello) = open(base, token).await?;
    let mut snap = Snapshot {
        greeting: greeting(&hello),
        status: None,
        metrics: None,
        traders: BTreeMap::new(),
        signals: Vec::new(),
    };
    resume_from(&mut socket, hello.last_seq.saturating_sub(RECENT_SIGNALS)).await?;
    let until = Instant::now() + LISTEN;
    loop {
        let complete = snap.status.is_some()
            && snap.metrics.is_some()
            && snap.signals.last().map_or(0, |s| s.seq) >= hello.last_seq;
        if complete {
            break;
        }
        let frame = match tokio::time::timeout_at(until, socket.next()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(LinkError::Dropped {
                    detail: e.to_string(),
                })
            }
            Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<ServerFrame>(&text),
            Ok(Some(Ok(_))) => continue,
        };
        match frame {
            Ok(ServerFrame::Status(status)) => snap.status = Some(status),
            Ok(ServerFrame::Metrics(metrics)) => snap.metrics = Some(metrics),
            Ok(ServerFrame::TraderState(state)) => {
                snap.traders.insert(state.trader_id.clone(), state);
            }
            Ok(ServerFrame::Signal(signal)) => snap.signals.push(signal),
            // Analyses, acks and pongs are not part of a snapshot; unknown frames are skipped.
            Ok(_) | Err(_) => {}
        }
    }
    crate::link::session::close(&mut socket, "support snapshot done").await;
    Ok(snap)
}

/// A viewer connection to the agent at `base`, greeted.
pub async fn open(
    base: &str,
    token: &Sensitive<String>,
) -> Result<(Socket, screener::protocol::Hello), LinkError> {
    let url = websocket_url(base)?;
    connection::open(&url, token, CONNECT_DEADLINE).await
}

/// Sends `resume_from {afterSeq}`.
pub async fn resume_from(socket: &mut Socket, after_seq: u64) -> Result<(), LinkError> {
    let frame = ClientFrame::ResumeFrom(ResumeFrom { after_seq });
    let text = serde_json::to_string(&frame).map_err(|e| LinkError::Protocol {
        detail: e.to_string(),
    })?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| LinkError::Dropped {
            detail: e.to_string(),
        })
}

/// The greeting's facts.
pub fn greeting(hello: &screener::protocol::Hello) -> AgentGreeting {
    AgentGreeting {
        agent_version: hello.agent_version.clone(),
        protocol_version: hello.protocol_version,
        machine_id: hello.machine_id.clone(),
        started_at: hello.started_at.clone(),
        capabilities: hello.capabilities.clone(),
        last_seq: hello.last_seq,
    }
}
