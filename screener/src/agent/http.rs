//! HTTP on the agent's one port: `GET /health` (503 until the first backfill is done),
//! `GET /metrics` (Prometheus text), `GET /history` and `GET /ws`, the WebSocket,
//! authenticated on the upgrade request — a missing or wrong token is a 401 and no upgrade.
//!
//! `GET /history[?since=<RFC 3339>]` needs `Authorization: Bearer <owner or viewer token>`
//! (401 `{"error":"unauthorized",…}` otherwise) and answers the last 24 h as
//! [`AgentHistory`](super::history::AgentHistory): metrics samples, boots and the last 100
//! errors, each list oldest first; `since` keeps only entries at or after it (a value that is
//! not RFC 3339 is a 400 `{"error":"bad_request",…}`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::history::parse_time;
use super::metrics::prometheus;
use super::session;
use super::state::{lock, Shared};
use crate::protocol::AgentState;

/// Largest client frame accepted (a trader with a long filter fits easily).
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// What the router needs.
#[derive(Clone)]
pub struct Http {
    pub shared: Arc<Shared>,
    pub heartbeat: Duration,
    /// `--stale-after-secs`: overrides the stale-candle threshold of `/health`.
    pub stale_after_secs: Option<u64>,
    /// Every connection's task, so shutdown can wait for them.
    pub sessions: tokio_util::task::TaskTracker,
}

pub fn router(http: Http) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/history", get(history))
        .route("/ws", get(websocket))
        .with_state(http)
}

/// `GET /health`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `starting` until the first backfill is done, `degraded` when candles stopped arriving
    /// or the agent is draining, else `ready`.
    pub status: &'static str,
    pub version: String,
    pub uptime_seconds: u64,
    pub symbols: u32,
    pub last_candle_age_seconds: Option<f64>,
    pub active_traders: u32,
    /// Fly's machine id, so the desktop knows which machine answers.
    pub machine_id: String,
    /// Also as `agentVersion` (what the desktop's readiness check reads).
    pub agent_version: String,
}

async fn health(State(http): State<Http>) -> Response {
    let shared = &http.shared;
    let market = shared.market();
    let age = market.last_candle.map(|t| t.elapsed().as_secs_f64());
    // Stale: no close for two of the shortest interval plus a minute of slack.
    let stale_after = http
        .stale_after_secs
        .unwrap_or(market.shortest_interval_secs * 2 + 60) as f64;
    let status = if !market.ready {
        "starting"
    } else if shared.status().state == AgentState::Draining
        || age.is_some_and(|a| a > stale_after)
        || market.streams_connected == 0
    {
        "degraded"
    } else {
        "ready"
    };
    let body = Health {
        status,
        version: shared.identity.agent_version.clone(),
        uptime_seconds: shared.uptime_seconds(),
        symbols: market.symbols,
        last_candle_age_seconds: age,
        active_traders: shared
            .counters
            .active_traders
            .load(std::sync::atomic::Ordering::Relaxed) as u32,
        machine_id: shared.identity.machine_id.clone(),
        agent_version: shared.identity.agent_version.clone(),
    };
    let code = if market.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics(State(http): State<Http>) -> Response {
    let snapshot = lock(&http.shared.metrics).clone();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        prometheus(&snapshot),
    )
        .into_response()
}

/// `GET /history`'s query.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// RFC 3339: only entries at or after it.
    pub since: Option<String>,
}

async fn history(
    State(http): State<Http>,
    headers: HeaderMap,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Response {
    let Some(role) = role(&http, &headers) else {
        return unauthorized();
    };
    let since = match query {
        Ok(Query(HistoryQuery { since: None })) => None,
        Ok(Query(HistoryQuery { since: Some(text) })) => match parse_time(&text) {
            Some(at) => Some(at),
            None => {
                return bad_request(format!(
                    "since must be an RFC 3339 time such as 2026-11-24T10:00:00Z, not {text:?}"
                ))
            }
        },
        Err(e) => return bad_request(format!("a bad query string: {e}")),
    };
    let shared = &http.shared;
    if role == crate::protocol::Role::Viewer {
        shared.history.access("history");
    }
    Json(shared.history.history(&shared.identity, since)).into_response()
}

/// The role the request's bearer token grants, if any.
fn role(http: &Http, headers: &HeaderMap) -> Option<crate::protocol::Role> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    http.shared.tokens.role_for(authorization)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(serde_json::json!({"error": "unauthorized", "message": "a valid bearer token is required"})),
    )
        .into_response()
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({"error": "bad_request", "message": message})),
    )
        .into_response()
}

async fn websocket(
    State(http): State<Http>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(role) = role(&http, &headers) else {
        return unauthorized();
    };
    if role == crate::protocol::Role::Viewer {
        http.shared.history.access("live connection");
    }
    if http.shared.shutdown.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the agent is shutting down",
        )
            .into_response();
    }
    let shared = Arc::clone(&http.shared);
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| {
            http.sessions
                .track_future(session::run(shared, socket, role, http.heartbeat))
        })
}
