//! The agent's `GET /health`, as the `ready` step and the status view read it.
//!
//! The agent answers 503 `{"status":"starting"}` until its first backfill is done and 200
//! `{"status":"ready"|"degraded", …}` after; Fly's proxy answers 502/503 while no machine is
//! routable. Only `ready` or `degraded` from *our* machine counts (a `machineId` that names
//! another machine is an old one still answering).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// One `/health` request's deadline.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// First and longest pause between polls.
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(2);

/// What the agent says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentHealth {
    pub status: String,
    #[serde(default)]
    pub agent_version: Option<String>,
    #[serde(default)]
    pub machine_id: Option<String>,
}

/// One look at `/health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthReply {
    Ready(AgentHealth),
    /// The agent answers but is not ready (its status, or the proxy's HTTP status).
    NotReady(String),
    /// Nothing answered.
    Unreachable(String),
}

/// An HTTP client for the agent with per-request deadlines.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("trademind/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("building the agent HTTP client: {e}")))
}

/// Asks `<base>/health` once.
pub async fn check(http: &reqwest::Client, base: &str, machine_id: Option<&str>) -> HealthReply {
    let url = format!("{base}/health");
    let response = match http.get(&url).send().await {
        Ok(response) => response,
        Err(e) => return HealthReply::Unreachable(describe(&e)),
    };
    let status = response.status();
    let body: Option<AgentHealth> = response.json().await.ok();
    match body {
        Some(health) if matches!(health.status.as_str(), "ready" | "degraded") => {
            match (machine_id, health.machine_id.as_deref()) {
                (Some(ours), Some(theirs)) if ours != theirs => {
                    HealthReply::NotReady(format!("machine {theirs} answers, waiting for {ours}"))
                }
                _ => HealthReply::Ready(health),
            }
        }
        Some(health) => HealthReply::NotReady(health.status),
        None => HealthReply::NotReady(format!("HTTP {}", status.as_u16())),
    }
}

/// Polls until ready or `timeout`; `on_change` hears each new not-ready reason.
pub async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    machine_id: Option<&str>,
    timeout: Duration,
    mut on_change: impl FnMut(&str),
) -> Result<AgentHealth> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pause = FIRST_POLL;
    let mut last = String::new();
    loop {
        let reason = match check(http, base, machine_id).await {
            HealthReply::Ready(health) => return Ok(health),
            HealthReply::NotReady(reason) => format!("agent answers: {reason}"),
            HealthReply::Unreachable(reason) => format!("agent not reachable yet: {reason}"),
        };
        if reason != last {
            on_change(&reason);
            last = reason;
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(Error::AgentNotReady {
                detail: format!(
                    "no `ready` from {base}/health within {} s ({last})",
                    timeout.as_secs()
                ),
            });
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(MAX_POLL);
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "connection refused or no route".into()
    } else {
        "request failed".into()
    }
}
