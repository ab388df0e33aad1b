//! HTTP on the agent's one port: `GET /health` (503 until the first backfill is done),
//! `GET /metrics` (Prometheus text) and `GET /ws`, the WebSocket, authenticated on the
//! upgrade request — a missing or wrong token is a 401 and no upgrade.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

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
    /// Every connection's task, so shutdown can wait for them.
    pub sessions: tokio_util::task::TaskTracker,
}

pub fn router(http: Http) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
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
    let stale_after = (market.shortest_interval_secs * 2 + 60) as f64;
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

async fn websocket(
    State(http): State<Http>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(role) = http.shared.tokens.role_for(authorization) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(serde_json::json!({"error": "unauthorized", "message": "a valid bearer token is required"})),
        )
            .into_response();
    };
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
