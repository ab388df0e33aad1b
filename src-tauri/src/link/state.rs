//! The link's state as the UI shows it, published on a `tokio::sync::watch` channel.

use screener::protocol::Role;
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;

/// Where the link to the agent stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum LinkState {
    /// Not connected and not trying: before the first start, after shutdown, or stopped by an
    /// error retrying cannot fix (`unauthorized`) until a manual reconnect.
    Offline { error: Option<ApiError> },
    /// The first attempt (or one right after a manual reconnect) is under way.
    Connecting,
    /// Greeted by the agent; signals and commands flow.
    Live {
        role: Role,
        /// RFC 3339, when the connection was greeted.
        since: String,
    },
    /// The last attempt failed (or the connection dropped); the next one is in `nextInMs`.
    Reconnecting {
        /// Consecutive failed attempts so far (1 after the first).
        attempt: u32,
        next_in_ms: u64,
        last_error: ApiError,
    },
    /// Too many consecutive failures: no attempt until `until` (RFC 3339) or a manual
    /// reconnect.
    CircuitOpen { until: String, reason: ApiError },
}

impl LinkState {
    /// Whether the link is greeted and live.
    pub fn is_live(&self) -> bool {
        matches!(self, Self::Live { .. })
    }
}
