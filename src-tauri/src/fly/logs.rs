//! Fly's logs API (`docs/fly-machines-api.md` §7 "Logs"): `GET <logs base>/api/v1/apps/{app}/logs`
//! on `api.fly.io`, not on the Machines API host, with the same token. The answer is JSON:API,
//! one page of at most 100 lines, oldest first; `meta.next_token` (a nanosecond Unix
//! timestamp) asks for the lines after it. Without a token Fly answers the last 100 lines of
//! the last 24 h. Read-only tokens may read logs.
//!
//! The client is an ordinary [`FlyClient`] whose base is `<logs base>/api` (its calls add
//! `/v1`), so auth, deadlines, retries and error classification are the Machines API's.

use serde::Deserialize;

use super::client::Call;
use super::{FlyClient, FlyError};

/// One log line as Fly sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub id: String,
    /// RFC 3339 (nanoseconds).
    pub timestamp: String,
    pub message: String,
    /// `info`, `warn`, `error`, `debug`, … (as the app logged it).
    pub level: String,
    /// The machine id.
    pub instance: String,
    pub region: String,
}

/// One page: its lines (oldest first) and the token for the next poll.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass back to get only newer lines; Fly repeats the given token when nothing is new.
    pub next_token: Option<String>,
}

/// Which lines to ask Fly for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    /// Lines after this (from a previous page); `None`: the recent backlog.
    pub next_token: Option<String>,
    /// Only this machine's lines.
    pub instance: Option<String>,
    /// Only this region's lines.
    pub region: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default, deserialize_with = "super::types::null_as_default")]
    data: Vec<WireEntry>,
    #[serde(default)]
    meta: WireMeta,
}

#[derive(Deserialize, Default)]
struct WireMeta {
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct WireEntry {
    #[serde(default)]
    id: String,
    attributes: WireAttributes,
}

#[derive(Deserialize)]
struct WireAttributes {
    #[serde(default)]
    timestamp: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    instance: String,
    #[serde(default)]
    region: String,
}

impl FlyClient {
    /// `GET /api/v1/apps/{app}/logs` — call it on a client whose base is the logs API's
    /// (`<https://api.fly.io>/api`).
    pub async fn app_logs(&self, app: &str, request: &LogRequest) -> Result<LogPage, FlyError> {
        let call = Call::get(&["apps", app, "logs"])
            .query_opt("next_token", request.next_token.as_deref())
            .query_opt("instance", request.instance.as_deref())
            .query_opt("region", request.region.as_deref());
        let wire: Wire = self.fetch(call).await?;
        Ok(LogPage {
            entries: wire
                .data
                .into_iter()
                .map(|e| LogEntry {
                    id: e.id,
                    timestamp: e.attributes.timestamp,
                    message: e.attributes.message,
                    level: e.attributes.level,
                    instance: e.attributes.instance,
                    region: e.attributes.region,
                })
                .collect(),
            next_token: wire.meta.next_token.filter(|t| !t.is_empty()),
        })
    }
}
