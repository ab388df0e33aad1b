//! The link against a minimal scripted agent (the real agent is in `tests/tests/link.rs`):
//! what only a scripted peer can show — the bearer header, the 1000 close on shutdown, a
//! silent agent, a greeting of another protocol version.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use super::*;
use crate::error::ErrorCode;
use crate::sensitive::Sensitive;

/// What the scripted agent saw: the Authorization header, then the close code (if any).
#[derive(Debug)]
enum Seen {
    Header(Option<String>),
    Closed(Option<u16>),
}

/// Accepts connections, greets with `hello` of `version`, then reads (never writes) until the
/// client closes.
async fn scripted_agent(version: u32) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let header_tx = tx.clone();
                // The callback's signature (and its large error type) is tungstenite's.
                #[allow(clippy::result_large_err)]
                let callback = move |req: &Request, res: Response| {
                    let header = req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let _ = header_tx.send(Seen::Header(header));
                    Ok(res)
                };
                let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await
                else {
                    return;
                };
                let hello = serde_json::json!({"type": "hello", "protocolVersion": version,
                    "agentVersion": "0.1.0", "capabilities": [], "role": "owner",
                    "machineId": "local", "startedAt": "2026-11-24T12:00:00.000Z",
                    "journalId": "jtest", "lastSeq": 0});
                let _ = socket.send(Message::text(hello.to_string())).await;
                while let Some(Ok(message)) = socket.next().await {
                    if let Message::Close(frame) = message {
                        let _ = tx.send(Seen::Closed(frame.map(|f| u16::from(f.code))));
                        return;
                    }
                }
            });
        }
    });
    (url, rx)
}

async fn link_to(url: &str, timings: LinkTimings) -> (Link, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
    let config = LinkConfig {
        agent_url: url.to_owned(),
        token: Sensitive::new("tmo_scripted-agent-token-0001".into()),
        timings,
    };
    (Link::start(store, config).await.unwrap(), dir)
}

fn quick() -> LinkTimings {
    LinkTimings {
        ping_every: Duration::from_millis(100),
        silence_limit: Duration::from_millis(400),
        backoff_initial: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..LinkTimings::default()
    }
}

async fn wait_for(link: &Link, pick: impl Fn(&LinkState) -> bool) -> LinkState {
    let mut states = link.state();
    let state = tokio::time::timeout(Duration::from_secs(10), states.wait_for(|s| pick(s)))
        .await
        .expect("state reached in time")
        .expect("link alive");
    state.clone()
}

#[tokio::test]
async fn sends_the_bearer_token_and_shutdown_closes_with_1000() {
    let (url, mut seen) = scripted_agent(1).await;
    let (link, _dir) = link_to(&url, quick()).await;
    wait_for(&link, LinkState::is_live).await;
    match seen.recv().await {
        Some(Seen::Header(header)) => {
            assert_eq!(
                header.as_deref(),
                Some("Bearer tmo_scripted-agent-token-0001")
            )
        }
        other => panic!("{other:?}"),
    }
    link.shutdown().await;
    match seen.recv().await {
        Some(Seen::Closed(code)) => assert_eq!(code, Some(1000)),
        other => panic!("{other:?}"),
    }
    assert_eq!(*link.state().borrow(), LinkState::Offline { error: None });
    link.shutdown().await; // idempotent
}

#[tokio::test]
async fn a_silent_agent_is_dropped_and_reconnected() {
    // Bad input: the agent greets, then says nothing for longer than the silence limit.
    let (url, _seen) = scripted_agent(1).await;
    let (link, _dir) = link_to(&url, quick()).await;
    wait_for(&link, LinkState::is_live).await;
    let state = wait_for(&link, |s| matches!(s, LinkState::Reconnecting { .. })).await;
    let LinkState::Reconnecting { last_error, .. } = state else {
        unreachable!()
    };
    assert_eq!(last_error.code, ErrorCode::AgentUnreachable);
    assert!(
        last_error.message.contains("nothing received"),
        "{}",
        last_error.message
    );
    wait_for(&link, LinkState::is_live).await;
    link.shutdown().await;
}

#[tokio::test]
async fn another_protocol_version_is_refused() {
    // Bad input: a greeting of protocol 2.
    let (url, _seen) = scripted_agent(2).await;
    let (link, _dir) = link_to(&url, quick()).await;
    let state = wait_for(&link, |s| matches!(s, LinkState::Reconnecting { .. })).await;
    let LinkState::Reconnecting { last_error, .. } = state else {
        unreachable!()
    };
    assert_eq!(last_error.code, ErrorCode::AgentProtocol);
    assert!(
        last_error.message.contains("protocol 2"),
        "{}",
        last_error.message
    );
    link.shutdown().await;
}

#[test]
fn states_serialize_for_the_ui() {
    let state = LinkState::Reconnecting {
        attempt: 2,
        next_in_ms: 750,
        last_error: crate::error::ApiError::from_ref(&crate::error::Error::Link(
            LinkError::Unauthorized,
        )),
    };
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["state"], "reconnecting");
    assert_eq!(json["nextInMs"], 750);
    assert_eq!(json["lastError"]["code"], "unauthorized");
    let live = LinkState::Live {
        role: screener::protocol::Role::Viewer,
        since: "2026-11-24T12:00:00.000Z".into(),
    };
    assert_eq!(
        serde_json::to_value(&live).unwrap(),
        serde_json::json!({"state": "live", "role": "viewer", "since": "2026-11-24T12:00:00.000Z"})
    );
}
