//! Where the agent is, the token that opens it, and the link's timings.

use std::time::Duration;

use crate::link::error::LinkError;
use crate::sensitive::Sensitive;

/// What a [`crate::link::Link`] connects to. Debug shows the URL, never the token.
#[derive(Debug)]
pub struct LinkConfig {
    /// The agent's base URL: `https://<app>.fly.dev` (or `http://127.0.0.1:8080` locally).
    pub agent_url: String,
    /// The owner or viewer token, sent only as `Authorization: Bearer …` on the upgrade.
    pub token: Sensitive<String>,
    pub timings: LinkTimings,
}

/// How patient the link is. [`LinkTimings::default`] is what the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTimings {
    /// Connecting, upgrading and reading `hello` must finish within this.
    pub connect_timeout: Duration,
    /// An app-level `ping` is sent this often.
    pub ping_every: Duration,
    /// A connection with nothing received for this long is dead.
    pub silence_limit: Duration,
    /// The first retry delay's upper bound (full jitter: the delay is uniform in 0..=bound).
    pub backoff_initial: Duration,
    /// The largest retry delay bound.
    pub backoff_cap: Duration,
    /// Consecutive failed attempts that open the circuit.
    pub failures_to_open: u32,
    /// How long an open circuit waits before trying again.
    pub cool_down: Duration,
}

impl Default for LinkTimings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            ping_every: Duration::from_secs(15),
            silence_limit: Duration::from_secs(45),
            backoff_initial: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            failures_to_open: 5,
            cool_down: Duration::from_secs(60),
        }
    }
}

impl LinkConfig {
    /// A config with the default timings.
    pub fn new(agent_url: impl Into<String>, token: Sensitive<String>) -> Self {
        Self {
            agent_url: agent_url.into(),
            token,
            timings: LinkTimings::default(),
        }
    }

    /// The agent's `/ws` URL: `https` → `wss`, `http` → `ws` (ws and wss kept as given).
    pub fn websocket_url(&self) -> Result<String, LinkError> {
        websocket_url(&self.agent_url)
    }
}

/// `https://app.fly.dev` → `wss://app.fly.dev/ws`.
pub fn websocket_url(agent_url: &str) -> Result<String, LinkError> {
    let invalid = |reason: &str| LinkError::InvalidUrl {
        url: agent_url.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = agent_url.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| invalid("it has no scheme"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" | "wss" => "wss",
        "http" | "ws" => "ws",
        _ => return Err(invalid("the scheme is not http, https, ws or wss")),
    };
    if rest.is_empty() || rest.contains(['?', '#']) {
        return Err(invalid("it needs a host and no query"));
    }
    let rest = rest.strip_suffix("/ws").unwrap_or(rest);
    Ok(format!("{scheme}://{rest}/ws"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_urls_become_websocket_urls() {
        assert_eq!(
            websocket_url("https://trademind-ab12.fly.dev").unwrap(),
            "wss://trademind-ab12.fly.dev/ws"
        );
        assert_eq!(
            websocket_url("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(
            websocket_url("wss://x.fly.dev/ws").unwrap(),
            "wss://x.fly.dev/ws"
        );
    }

    #[test]
    fn bad_agent_urls_are_refused() {
        // No scheme, a foreign scheme, no host, a query string.
        for bad in [
            "app.fly.dev",
            "ftp://app.fly.dev",
            "https://",
            "https://a.dev?x=1",
        ] {
            let err = websocket_url(bad).unwrap_err();
            assert!(
                matches!(err, LinkError::InvalidUrl { .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let config = LinkConfig::new(
            "https://app.fly.dev",
            Sensitive::new("tmo_secret-owner-token-0123456789".into()),
        );
        let shown = format!("{config:?} {config:#?}");
        assert!(shown.contains("app.fly.dev"));
        assert!(!shown.contains("tmo_secret"), "token leaked: {shown}");
    }
}
