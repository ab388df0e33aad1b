//! One WebSocket connection on `/stream`: registers its streams with the hub, replays closed
//! klines if configured, forwards updates, pings every `ping_interval` and drops a client that
//! has not echoed a ping within `pong_timeout`, answers control messages (SUBSCRIBE,
//! UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY), drops a client sending more
//! than `max_incoming_per_second` messages, and closes the connection at `max_connection_age`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::clock;
use crate::frames;
use crate::hub::{Ending as End, Outgoing};
use crate::server::{lock, Shared};

/// A connection registered with the hub, its replay already queued.
pub(crate) struct Registered {
    pub id: u64,
    inbox: mpsc::UnboundedReceiver<Outgoing>,
}

/// Registers a connection for `streams`; `None` while streams are unavailable.
pub(crate) fn register(shared: &Shared, streams: &[String]) -> Option<Registered> {
    let (outbox, inbox) = mpsc::unbounded_channel();
    let market = lock(&shared.market);
    let mut hub = lock(&shared.hub);
    if !hub.available {
        return None;
    }
    let id = hub.open(streams, outbox.clone());
    for text in clock::replay(&market, streams, shared.config.replay_closed_on_connect) {
        let _ = outbox.send(Outgoing::Text(text));
    }
    Some(Registered { id, inbox })
}

/// Forgets a connection whose handshake failed.
pub(crate) fn unregister(shared: &Shared, id: u64) {
    lock(&shared.hub).close(id, End::ClientGone);
}

/// Serves one upgraded connection until it ends.
pub(crate) async fn serve(mut socket: WebSocket, shared: Arc<Shared>, registered: Registered) {
    let Registered { id, mut inbox } = registered;
    let end = run(&mut socket, &shared, id, &mut inbox).await;
    lock(&shared.hub).close(id, end);
    if end == End::Expired {
        let _ = socket.send(Message::Close(None)).await;
    }
}

async fn run(
    socket: &mut WebSocket,
    shared: &Shared,
    id: u64,
    inbox: &mut mpsc::UnboundedReceiver<Outgoing>,
) -> End {
    let config = &shared.config;
    let opened = Instant::now();
    let expires = tokio::time::sleep(config.max_connection_age);
    tokio::pin!(expires);
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + config.ping_interval,
        config.ping_interval,
    );
    let mut pings_sent: u64 = 0;
    let mut unanswered: VecDeque<(Bytes, Instant)> = VecDeque::new();
    let mut rate = (Instant::now(), 0u32);
    loop {
        let pong_deadline = unanswered
            .front()
            .map_or(opened + Duration::from_secs(86_400 * 365), |(_, at)| {
                *at + config.pong_timeout
            });
        tokio::select! {
            out = inbox.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return End::ClientGone;
                    }
                }
                Some(Outgoing::Kill) | None => return End::Killed,
            },
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else {
                    return End::ClientGone;
                };
                if rate.0.elapsed() >= Duration::from_secs(1) {
                    rate = (Instant::now(), 0);
                }
                if !matches!(message, Message::Close(_)) {
                    rate.1 += 1;
                    if rate.1 > config.max_incoming_per_second {
                        return End::TooManyMessages;
                    }
                }
                match message {
                    Message::Pong(payload) => {
                        if let Some(i) = unanswered.iter().position(|(p, _)| *p == payload) {
                            unanswered.drain(..=i);
                        }
                    }
                    Message::Text(text) => {
                        let reply = control(shared, id, text.as_str());
                        if socket.send(Message::Text(reply.into())).await.is_err() {
                            return End::ClientGone;
                        }
                    }
                    Message::Close(_) => return End::ClientGone,
                    Message::Ping(_) | Message::Binary(_) => {}
                }
            }
            _ = ping.tick() => {
                pings_sent += 1;
                let payload = Bytes::from(pings_sent.to_string());
                unanswered.push_back((payload.clone(), Instant::now()));
                if socket.send(Message::Ping(payload)).await.is_err() {
                    return End::ClientGone;
                }
            }
            _ = tokio::time::sleep_until(pong_deadline.into()) => return End::NoPong,
            _ = &mut expires => return End::Expired,
        }
    }
}

/// The reply to one control message.
fn control(shared: &Shared, id: u64, text: &str) -> String {
    let request: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return frames::error(3, &format!("Invalid JSON: {e}"), &Value::Null),
    };
    let request_id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return frames::error(2, "Invalid request: method is missing", &request_id);
    };
    let params: Option<Vec<String>> =
        request
            .get("params")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            });
    let mut hub = lock(&shared.hub);
    match (method, params) {
        ("SUBSCRIBE", Some(streams)) => {
            match hub.subscribe(id, &streams, shared.config.max_streams_per_connection) {
                Ok(()) => frames::result(Value::Null, &request_id),
                Err(total) => frames::error(
                    2,
                    &format!(
                        "Invalid request: {total} streams exceed the limit of {} per connection",
                        shared.config.max_streams_per_connection
                    ),
                    &request_id,
                ),
            }
        }
        ("UNSUBSCRIBE", Some(streams)) => {
            hub.unsubscribe(id, &streams);
            frames::result(Value::Null, &request_id)
        }
        ("LIST_SUBSCRIPTIONS", _) => {
            let list: Vec<Value> = hub.streams(id).into_iter().map(Value::String).collect();
            frames::result(Value::Array(list), &request_id)
        }
        ("SET_PROPERTY", Some(_)) => frames::result(Value::Null, &request_id),
        ("GET_PROPERTY", _) => frames::result(Value::Bool(true), &request_id),
        ("SUBSCRIBE" | "UNSUBSCRIBE" | "SET_PROPERTY", None) => frames::error(
            1,
            "Invalid value type: expected an array of strings",
            &request_id,
        ),
        (other, _) => frames::error(
            2,
            &format!("Invalid request: unknown method {other}"),
            &request_id,
        ),
    }
}
