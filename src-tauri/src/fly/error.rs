//! `FlyError`: every way a Machines API call can fail, classified from the HTTP status and the
//! `{"error": …, "status"?: …}` body (doc §4), each with a hint the user can act on.
//!
//! Classification is by status code first, refined by the body's `status` field and the
//! gRPC-style prefix of the message (`aborted: … lease currently held by …`,
//! `already_exists`, `insufficient_capacity`). Nothing here ever holds the token: errors carry
//! the API's message, the HTTP status and the `fly-request-id` support asks for.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;

use crate::error::ErrorCode;

/// Longest API message kept in an error (proxies can answer with whole HTML pages).
const MAX_MESSAGE_CHARS: usize = 300;

/// What the API answered when it refused a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The body's `error` (or `message`) text, or a short excerpt of a non-JSON body.
    pub message: String,
    /// The body's optional machine-readable `status`, e.g. `insufficient_capacity`.
    pub code: Option<String>,
    /// The `fly-request-id` response header, for support.
    pub request_id: Option<String>,
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}", self.message, self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", fly-request-id {id}")?;
        }
        f.write_str(")")
    }
}

impl Reply {
    /// Parses an error body: `{"error": "...", "status"?: "...", "message"?: "..."}`, else the
    /// trimmed text itself, else `HTTP <status>` for an empty body.
    pub fn parse(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        #[derive(Deserialize)]
        struct Body {
            error: Option<String>,
            message: Option<String>,
            status: Option<String>,
        }
        let (message, code) = match serde_json::from_slice::<Body>(body) {
            Ok(b) => (b.error.or(b.message).unwrap_or_default(), b.status),
            Err(_) => (String::from_utf8_lossy(body).into_owned(), None),
        };
        let message = one_line(&message);
        let message = if message.is_empty() {
            format!("HTTP {status}")
        } else {
            message
        };
        Self {
            status,
            message,
            code,
            request_id,
        }
    }

    fn mentions(&self, needle: &str) -> bool {
        self.message.to_ascii_lowercase().contains(needle)
            || self.code.as_deref().is_some_and(|c| c.contains(needle))
    }
}

/// Collapses whitespace and truncates to [`MAX_MESSAGE_CHARS`].
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// A failed Machines API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlyError {
    /// 401: the token is missing, mistyped, expired or revoked.
    #[error("Fly did not accept the token: {0}")]
    Unauthorized(Reply),
    /// 403 on a change: the token may only read (or covers another app).
    #[error("the Fly token is not allowed to change this: {0}")]
    ReadOnlyToken(Reply),
    /// 403 on a read: the app or org is not covered by the token (or the name is another org's).
    #[error("the Fly token does not cover this app or organization: {0}")]
    Forbidden(Reply),
    /// 404: no such app, machine, volume or lease (or not visible yet right after create).
    #[error("not found on Fly: {0}")]
    NotFound(Reply),
    /// 409: someone else holds the machine's lease, or our own nonce was missing.
    #[error("the machine is leased by someone else: {0}")]
    LeaseHeld(Reply),
    /// 412 (or a "from current state" refusal): the action is illegal in the current state.
    #[error("not possible in the machine's current state: {0}")]
    IllegalState(Reply),
    /// `insufficient_capacity`: the region has no room for this size right now.
    #[error("Fly has no capacity for this in the region: {0}")]
    NoCapacity(Reply),
    /// 429: too many requests; `retry_after` is the `Retry-After` header when present.
    #[error("Fly is rate limiting requests: {reply}")]
    RateLimited {
        reply: Reply,
        retry_after: Option<Duration>,
    },
    /// 408 from the API, a request timeout, or an operation's overall deadline.
    #[error("timed out: {detail}")]
    Timeout {
        detail: String,
        reply: Option<Reply>,
    },
    /// HTTP 451: Binance refuses connections from the machine's region (US regions).
    #[error("blocked in this region (HTTP 451): {0}")]
    GeoBlocked(Reply),
    /// 409 `already_exists` / 422 `name_taken`: the name is in use.
    #[error("already exists on Fly: {0}")]
    AlreadyExists(Reply),
    /// 400, 422 and other 4xx: the request itself was refused as invalid.
    #[error("Fly refused the request: {0}")]
    BadRequest(Reply),
    /// 5xx: a server-side failure.
    #[error("the Fly API failed: {0}")]
    Server(Reply),
    /// The request did not get an answer: DNS, connection, TLS or a dropped connection.
    /// `before_send` is true when the request certainly never reached Fly (connect failure).
    #[error("could not reach the Fly API: {detail}")]
    Network { detail: String, before_send: bool },
    /// An update came back (or settled) without the new version: Fly kept or rolled back to
    /// the old one (doc §8.6).
    #[error("machine {machine_id} did not take the update: expected version {expected}, it runs {actual}")]
    UpdateNotApplied {
        machine_id: String,
        expected: String,
        actual: String,
    },
    /// A success answer whose body this client could not read.
    #[error("unexpected answer from the Fly API to {what}: {detail}")]
    Decode { what: String, detail: String },
}

impl FlyError {
    /// Classifies a non-success answer. `method` tells a read-only refusal (403 on a change)
    /// from a scope refusal (403 on a read).
    pub fn from_reply(
        method: &Method,
        status: StatusCode,
        retry_after: Option<Duration>,
        reply: Reply,
    ) -> Self {
        if reply.mentions("insufficient_capacity") || reply.mentions("insufficient capacity") {
            return Self::NoCapacity(reply);
        }
        if reply.mentions("name_taken") || reply.mentions("already_exists") {
            return Self::AlreadyExists(reply);
        }
        match status.as_u16() {
            401 => Self::Unauthorized(reply),
            403 if method == Method::GET || method == Method::HEAD => Self::Forbidden(reply),
            403 => Self::ReadOnlyToken(reply),
            404 => Self::NotFound(reply),
            408 => Self::Timeout {
                detail: reply.message.clone(),
                reply: Some(reply),
            },
            409 if reply.mentions("already exists") => Self::AlreadyExists(reply),
            409 => Self::LeaseHeld(reply),
            412 => Self::IllegalState(reply),
            429 => Self::RateLimited { reply, retry_after },
            451 => Self::GeoBlocked(reply),
            400..=499 if reply.mentions("from current state") => Self::IllegalState(reply),
            400..=499 => Self::BadRequest(reply),
            _ => Self::Server(reply),
        }
    }

    /// Classifies a transport failure. Never includes headers: reqwest's message names the
    /// URL (app and machine ids only) and the cause.
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let detail = one_line(&error_chain(error));
        if error.is_timeout() {
            Self::Timeout {
                detail: format!("no answer in time ({detail})"),
                reply: None,
            }
        } else {
            Self::Network {
                detail,
                before_send: error.is_connect(),
            }
        }
    }

    /// The operation's overall deadline passed, during the attempt after `last` failed.
    pub fn deadline(what: &str, after: Duration, last: Option<&FlyError>) -> Self {
        let cause = last.map(|e| format!("; the attempt before failed: {e}"));
        Self::Timeout {
            detail: format!(
                "{what} did not finish within {after:?}{}",
                cause.unwrap_or_default()
            ),
            reply: None,
        }
    }

    /// Worth retrying as is: 408, 429, 5xx (not capacity) and network failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Timeout { .. }
                | Self::Server(_)
                | Self::Network { .. }
        )
    }

    /// For a non-idempotent call (create): the call may have taken effect although it failed —
    /// a 408, a 5xx, or a connection lost after the request was sent (doc §8.2).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Server(_) => true,
            Self::Network { before_send, .. } => !before_send,
            _ => false,
        }
    }

    /// How long the API asked us to wait (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The API's answer, when there was one.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Self::Unauthorized(r)
            | Self::ReadOnlyToken(r)
            | Self::Forbidden(r)
            | Self::NotFound(r)
            | Self::LeaseHeld(r)
            | Self::IllegalState(r)
            | Self::NoCapacity(r)
            | Self::GeoBlocked(r)
            | Self::AlreadyExists(r)
            | Self::BadRequest(r)
            | Self::Server(r)
            | Self::RateLimited { reply: r, .. } => Some(r),
            Self::Timeout { reply, .. } => reply.as_ref(),
            Self::Network { .. } | Self::UpdateNotApplied { .. } | Self::Decode { .. } => None,
        }
    }

    /// The stable code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthorized(_) => ErrorCode::FlyUnauthorized,
            Self::ReadOnlyToken(_) => ErrorCode::FlyReadOnly,
            Self::Forbidden(_) => ErrorCode::FlyForbidden,
            Self::NotFound(_) => ErrorCode::FlyNotFound,
            Self::LeaseHeld(_) => ErrorCode::FlyLeaseHeld,
            Self::IllegalState(_) => ErrorCode::FlyIllegalState,
            Self::NoCapacity(_) => ErrorCode::FlyNoCapacity,
            Self::RateLimited { .. } => ErrorCode::FlyRateLimited,
            Self::Timeout { .. } => ErrorCode::FlyTimeout,
            Self::GeoBlocked(_) => ErrorCode::FlyGeoBlocked,
            Self::AlreadyExists(_) => ErrorCode::FlyAlreadyExists,
            Self::BadRequest(_) => ErrorCode::FlyRejected,
            Self::Server(_) | Self::Network { .. } => ErrorCode::FlyUnavailable,
            Self::UpdateNotApplied { .. } => ErrorCode::FlyUpdateNotApplied,
            Self::Decode { .. } => ErrorCode::Internal,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => {
                "Fly did not accept the token: it may be mistyped, expired or revoked. Create a \
                 new one with `fly tokens create org` and paste it in Settings."
            }
            Self::ReadOnlyToken(_) => {
                "This token may only read, or is limited to another app. To control machines, \
                 paste a token from `fly tokens create org` (or `fly tokens create deploy -a APP`)."
            }
            Self::Forbidden(_) => {
                "The token is valid but does not cover this app or organization; app names are \
                 global, so the name may belong to another org. Check the name or use a token \
                 for the right org."
            }
            Self::NotFound(_) => {
                "It may have been deleted, or not be visible yet right after it was created. \
                 Refresh, and try again in a few seconds."
            }
            Self::LeaseHeld(_) => {
                "Another client (a `fly deploy`, or TradeMind elsewhere) is changing this \
                 machine and holds its lease. Wait for it to finish (leases expire by \
                 themselves) and try again."
            }
            Self::IllegalState(_) => {
                "The machine is in the middle of a change (e.g. still replacing after an \
                 update). Wait until it settles, then try again."
            }
            Self::NoCapacity(_) => {
                "Fly has no room for this size in the region right now. Pick another region \
                 (one where Binance answers, e.g. sin, ams or fra) or a smaller size."
            }
            Self::RateLimited { .. } => {
                "Fly is limiting how fast requests may be made. Wait a few seconds and try again."
            }
            Self::Timeout { .. } => {
                "Fly did not answer in time. The action may still complete: refresh the \
                 machine's status before trying again."
            }
            Self::GeoBlocked(_) => {
                "Binance refuses connections from US regions (HTTP 451). Move the machine to a \
                 non-US region such as sin, ams or fra."
            }
            Self::AlreadyExists(_) => {
                "The name is taken (app names are global across all of Fly). Pick another name, \
                 or use the existing one if it is yours."
            }
            Self::BadRequest(_) => {
                "Fly refused the request as invalid. Check the values (name, region, size, \
                 image) and try again."
            }
            Self::Server(_) => {
                "Fly's API is having trouble. Try again in a minute; https://status.flyio.net \
                 shows incidents."
            }
            Self::Network { .. } => {
                "Check the internet connection and that nothing (proxy, firewall) blocks \
                 api.machines.dev, then try again."
            }
            Self::UpdateNotApplied { .. } => {
                "Fly kept the previous version (for example the new image could not be pulled). \
                 Check the machine's events, fix the cause and update again."
            }
            Self::Decode { .. } => {
                "Fly answered in a form this TradeMind version does not understand. Update \
                 TradeMind; if it persists, report it with the log file."
            }
        }
    }
}

/// A reqwest error and its causes, joined with `: `.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parses `Retry-After`: delta-seconds, or an HTTP date (IMF-fixdate) relative to now.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(method: Method, status: u16, body: &str) -> FlyError {
        let reply = Reply::parse(status, body.as_bytes(), Some("01REQ".into()));
        FlyError::from_reply(&method, StatusCode::from_u16(status).unwrap(), None, reply)
    }

    #[test]
    fn statuses_and_bodies_map_to_typed_errors() {
        let get = Method::GET;
        let post = Method::POST;
        let cases: Vec<(FlyError, ErrorCode)> = vec![
            (
                classify(
                    get.clone(),
                    401,
                    r#"{"error":"Authenticate: token validation error"}"#,
                ),
                ErrorCode::FlyUnauthorized,
            ),
            (
                classify(post.clone(), 403, r#"{"error":"unauthorized"}"#),
                ErrorCode::FlyReadOnly,
            ),
            (
                classify(get.clone(), 403, r#"{"error":"unauthorized"}"#),
                ErrorCode::FlyForbidden,
            ),
            (
                classify(
                    get.clone(),
                    404,
                    r#"{"error":"not_found: machine not found"}"#,
                ),
                ErrorCode::FlyNotFound,
            ),
            (
                classify(
                    post.clone(),
                    409,
                    r#"{"error":"aborted: machine ID 1857156b526dd8 lease currently held by x@tokens.fly.io, expires at 2026-08-14T09:57:35Z"}"#,
                ),
                ErrorCode::FlyLeaseHeld,
            ),
            (
                classify(
                    post.clone(),
                    409,
                    r#"{"error":"already_exists: machine 1857156b526dd8"}"#,
                ),
                ErrorCode::FlyAlreadyExists,
            ),
            (
                classify(
                    post.clone(),
                    422,
                    r#"{"error":"Validation failed: Name has already been taken","status":"name_taken"}"#,
                ),
                ErrorCode::FlyAlreadyExists,
            ),
            (
                classify(
                    post.clone(),
                    412,
                    r#"{"error":"unable to start machine from current state"}"#,
                ),
                ErrorCode::FlyIllegalState,
            ),
            (
                classify(
                    post.clone(),
                    503,
                    r#"{"error":"no room","status":"insufficient_capacity"}"#,
                ),
                ErrorCode::FlyNoCapacity,
            ),
            (
                classify(get.clone(), 429, r#"{"error":"rate limit"}"#),
                ErrorCode::FlyRateLimited,
            ),
            (
                classify(
                    get.clone(),
                    408,
                    r#"{"error":"deadline_exceeded: machine failed to reach desired state, stopped, currently started"}"#,
                ),
                ErrorCode::FlyTimeout,
            ),
            (classify(get.clone(), 451, ""), ErrorCode::FlyGeoBlocked),
            (classify(post.clone(), 400, ""), ErrorCode::FlyRejected),
            (
                classify(
                    post.clone(),
                    422,
                    r#"{"error":"Validation failed: Name under 63 chars"}"#,
                ),
                ErrorCode::FlyRejected,
            ),
            (
                classify(
                    post.clone(),
                    503,
                    r#"{"error":"unavailable: deploys to this host are temporarily disabled"}"#,
                ),
                ErrorCode::FlyUnavailable,
            ),
            (
                classify(get, 502, "<html><body>Bad Gateway</body></html>"),
                ErrorCode::FlyUnavailable,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
            assert!(!error.hint().is_empty());
            assert_eq!(error.reply().unwrap().request_id.as_deref(), Some("01REQ"));
        }
    }

    #[test]
    fn body_forms_are_parsed() {
        let r = Reply::parse(422, br#"{"error":"bad","status":"name_taken"}"#, None);
        assert_eq!(
            (r.message.as_str(), r.code.as_deref()),
            ("bad", Some("name_taken"))
        );
        let r = Reply::parse(500, br#"{"message":"boom"}"#, None);
        assert_eq!(r.message, "boom");
        let r = Reply::parse(400, b"", None);
        assert_eq!(r.message, "HTTP 400");
        let r = Reply::parse(502, "line one\n  line two ".as_bytes(), None);
        assert_eq!(r.message, "line one line two");
        let long = "x".repeat(1000);
        assert!(
            Reply::parse(502, long.as_bytes(), None)
                .message
                .chars()
                .count()
                <= 301
        );
        let shown = Reply::parse(404, br#"{"error":"gone"}"#, Some("abc".into())).to_string();
        assert_eq!(shown, "gone (HTTP 404, fly-request-id abc)");
    }

    #[test]
    fn transient_and_ambiguous_sets() {
        let server = classify(Method::POST, 502, "");
        assert!(server.is_transient() && server.is_ambiguous());
        let limited = classify(Method::POST, 429, "");
        assert!(limited.is_transient() && !limited.is_ambiguous());
        let capacity = classify(
            Method::POST,
            503,
            r#"{"error":"x","status":"insufficient_capacity"}"#,
        );
        assert!(!capacity.is_transient());
        for status in [400, 401, 403, 404, 409, 412, 422] {
            assert!(
                !classify(Method::POST, status, "").is_transient(),
                "{status}"
            );
        }
        let refused = FlyError::Network {
            detail: "connection refused".into(),
            before_send: true,
        };
        assert!(refused.is_transient() && !refused.is_ambiguous());
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(30);
        let header = soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let parsed = parse_retry_after(&header).unwrap();
        assert!(
            parsed > Duration::from_secs(25) && parsed <= Duration::from_secs(30),
            "{parsed:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
