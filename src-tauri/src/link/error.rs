//! What the live link can fail with. Each error names a cause the user can act on; none
//! carries the token or a request's headers.

use crate::error::ErrorCode;

/// A failure of the link to the agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The agent answered the upgrade with 401: the token is wrong. Retrying cannot help, so
    /// the link stops until [`crate::link::Link::reconnect`].
    #[error("the agent refused the token (HTTP 401)")]
    Unauthorized,

    /// The connection's role may not do this (a viewer sending an owner command).
    #[error("a viewer connection cannot {what}")]
    Forbidden { what: String },

    /// The agent URL is not an http(s) or ws(s) URL.
    #[error("the agent URL {url} is not usable: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// No connection could be made (DNS, refused, TLS, an HTTP error other than 401).
    #[error("could not reach the agent: {detail}")]
    Unreachable { detail: String },

    /// Connecting and greeting took longer than the connect deadline.
    #[error("the agent did not answer within {seconds} s")]
    Timeout { seconds: u64 },

    /// The agent broke protocol v1 (no `hello` first, another protocol version, bad JSON).
    #[error("the agent broke protocol v1: {detail}")]
    Protocol { detail: String },

    /// A live connection ended (closed by the agent, silent too long, transport error).
    #[error("the connection to the agent dropped: {detail}")]
    Dropped { detail: String },
}

impl LinkError {
    /// The stable code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthorized => ErrorCode::Unauthorized,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::InvalidUrl { .. } => ErrorCode::InvalidInput,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Dropped { .. } => {
                ErrorCode::AgentUnreachable
            }
            Self::Protocol { .. } => ErrorCode::AgentProtocol,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Unauthorized => {
                "The agent token stored for this machine is not the one the machine has: run \
                 `trademind machine start` to set the tokens again, then Reconnect."
            }
            Self::Forbidden { .. } => {
                "This connection uses the viewer token, which may only watch. Use the owner \
                 profile to change traders or pause the screener."
            }
            Self::InvalidUrl { .. } => "The agent URL looks like https://<app>.fly.dev.",
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Dropped { .. } => {
                "The link retries by itself. If it keeps failing, check that the machine is \
                 started (`trademind machine status`) and that this computer is online."
            }
            Self::Protocol { .. } => {
                "The agent and this app do not speak the same protocol: update the app, or \
                 restart the machine so it runs the image this app pins."
            }
        }
    }
}
