//! `screener serve` flags and the bearer tokens that decide a connection's role.
//!
//! Tokens come from the environment (`SCREENER_OWNER_TOKEN`, `SCREENER_VIEWER_TOKEN`: Fly
//! secrets arrive as environment variables), never from flags, and are compared in constant
//! time. Without an owner token the agent refuses to start, unless `--insecure-local` is given
//! and it listens on loopback only — then every local connection is the owner.

use std::net::SocketAddr;
use std::path::PathBuf;

use subtle::ConstantTimeEq;

use crate::binance::FeedArgs;
use crate::protocol::Role;

pub const OWNER_TOKEN_ENV: &str = "SCREENER_OWNER_TOKEN";
pub const VIEWER_TOKEN_ENV: &str = "SCREENER_VIEWER_TOKEN";
/// Shortest token accepted (the desktop makes 47-character ones).
pub const MIN_TOKEN_CHARS: usize = 16;

/// `screener serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address for HTTP (`/health`, `/metrics`) and the WebSocket (`/ws`).
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Where the signal journal lives.
    #[arg(long, default_value = "/data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Run without tokens, for loopback-only local use (every connection is the owner).
    #[arg(long)]
    pub insecure_local: bool,
    /// Seconds between `metrics` frames.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub metrics_interval: u64,
    /// Engine worker threads (default: the machine's CPUs).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seconds between WebSocket pings; a peer silent for three of them is dropped.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub heartbeat_secs: u64,
    /// Seconds between the samples of `GET /history` (tests shorten it).
    #[arg(long, default_value_t = 60, hide = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub history_every_secs: u64,
    /// Seconds without a closed candle before `/health` says `degraded` (default: two of the
    /// shortest interval plus a minute; tests shorten it).
    #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub stale_after_secs: Option<u64>,
}

/// Why the agent will not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthConfigError {
    #[error(
        "{OWNER_TOKEN_ENV} is not set: refusing to serve without authentication (use \
         --insecure-local with a loopback --listen address for local use)"
    )]
    NoOwnerToken,
    #[error("--insecure-local only listens on loopback, not on {0}")]
    NotLoopback(SocketAddr),
    #[error("{0} is shorter than {MIN_TOKEN_CHARS} characters")]
    TooShort(&'static str),
    #[error("{OWNER_TOKEN_ENV} and {VIEWER_TOKEN_ENV} must differ")]
    SameTokens,
}

/// A token that never prints.
#[derive(Clone)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Who may connect, and as what.
#[derive(Debug, Clone)]
pub struct Tokens {
    owner: Option<Secret>,
    viewer: Option<Secret>,
}

impl Tokens {
    /// From the environment, checked against the listen address.
    pub fn from_env(listen: SocketAddr, insecure_local: bool) -> Result<Self, AuthConfigError> {
        Self::new(
            std::env::var(OWNER_TOKEN_ENV).ok(),
            std::env::var(VIEWER_TOKEN_ENV).ok(),
            listen,
            insecure_local,
        )
    }

    pub fn new(
        owner: Option<String>,
        viewer: Option<String>,
        listen: SocketAddr,
        insecure_local: bool,
    ) -> Result<Self, AuthConfigError> {
        let clean = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let (owner, viewer) = (clean(owner), clean(viewer));
        match &owner {
            None if !insecure_local => return Err(AuthConfigError::NoOwnerToken),
            None if !listen.ip().is_loopback() => return Err(AuthConfigError::NotLoopback(listen)),
            Some(t) if t.chars().count() < MIN_TOKEN_CHARS => {
                return Err(AuthConfigError::TooShort(OWNER_TOKEN_ENV))
            }
            _ => {}
        }
        if viewer
            .as_ref()
            .is_some_and(|t| t.chars().count() < MIN_TOKEN_CHARS)
        {
            return Err(AuthConfigError::TooShort(VIEWER_TOKEN_ENV));
        }
        if owner.is_some() && owner == viewer {
            return Err(AuthConfigError::SameTokens);
        }
        Ok(Self {
            owner: owner.map(Secret),
            viewer: viewer.map(Secret),
        })
    }

    /// Whether connections need a token at all.
    pub fn required(&self) -> bool {
        self.owner.is_some()
    }

    /// The role an `Authorization` header value grants, if any. Both tokens are always
    /// compared, in constant time, so timing tells nothing about either.
    pub fn role_for(&self, authorization: Option<&str>) -> Option<Role> {
        let Some(owner) = &self.owner else {
            return Some(Role::Owner);
        };
        let presented = authorization?.strip_prefix("Bearer ")?.trim().as_bytes();
        let is_owner: bool = presented.ct_eq(owner.0.as_bytes()).into();
        let is_viewer: bool = self
            .viewer
            .as_ref()
            .map(|v| presented.ct_eq(v.0.as_bytes()).into())
            .unwrap_or(false);
        match (is_owner, is_viewer) {
            (true, _) => Some(Role::Owner),
            (false, true) => Some(Role::Viewer),
            _ => None,
        }
    }

    /// `text` with every occurrence of either token replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        [&self.owner, &self.viewer]
            .into_iter()
            .flatten()
            .fold(text.to_owned(), |text, secret| {
                text.replace(&secret.0, "<redacted>")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "tmo_0123456789abcdefghijklmnop";
    const VIEWER: &str = "tmv_0123456789abcdefghijklmnop";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn tokens_grant_roles() {
        let t = Tokens::new(
            Some(OWNER.into()),
            Some(VIEWER.into()),
            addr("0.0.0.0:8080"),
            false,
        )
        .unwrap();
        assert_eq!(
            t.role_for(Some(&format!("Bearer {OWNER}"))),
            Some(Role::Owner)
        );
        assert_eq!(
            t.role_for(Some(&format!("Bearer {VIEWER}"))),
            Some(Role::Viewer)
        );
        for bad in [
            None,
            Some(""),
            Some("Bearer "),
            Some(OWNER),
            Some("Basic dXNlcjpwYXNz"),
            Some(&format!("Bearer {OWNER}x")),
            Some(&format!("Bearer {}", &OWNER[..OWNER.len() - 1])),
        ] {
            assert_eq!(t.role_for(bad), None, "{bad:?}");
        }
        assert!(!format!("{t:?}").contains(OWNER), "tokens never print");
        let redacted = t.redact(&format!("sent {OWNER} then {VIEWER}{OWNER}"));
        assert_eq!(redacted, "sent <redacted> then <redacted><redacted>");
        assert_eq!(t.redact("nothing secret"), "nothing secret");
    }

    #[test]
    fn no_owner_token_only_on_loopback_with_the_flag() {
        assert_eq!(
            Tokens::new(None, None, addr("0.0.0.0:8080"), false).unwrap_err(),
            AuthConfigError::NoOwnerToken
        );
        assert_eq!(
            Tokens::new(None, None, addr("0.0.0.0:8080"), true).unwrap_err(),
            AuthConfigError::NotLoopback(addr("0.0.0.0:8080"))
        );
        let local = Tokens::new(Some("  ".into()), None, addr("127.0.0.1:0"), true).unwrap();
        assert!(!local.required());
        assert_eq!(local.role_for(None), Some(Role::Owner));
        assert_eq!(
            Tokens::new(Some("short".into()), None, addr("127.0.0.1:0"), false).unwrap_err(),
            AuthConfigError::TooShort(OWNER_TOKEN_ENV)
        );
        assert_eq!(
            Tokens::new(
                Some(OWNER.into()),
                Some(OWNER.into()),
                addr("127.0.0.1:0"),
                false
            )
            .unwrap_err(),
            AuthConfigError::SameTokens
        );
    }
}
