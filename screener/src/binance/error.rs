//! [`RestError`]: why a Binance REST call failed, typed so callers can tell a refusal (an
//! unknown symbol, code -1121) from a rate limit (429), a ban (418), a Binance-side failure
//! (5xx) or a network problem, and so messages say what to do.

use std::time::Duration;

/// Binance's error code for an unknown symbol.
pub const INVALID_SYMBOL: i64 = -1121;

/// Why a REST call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    #[error("the Binance REST address {url:?} is not an http(s) URL")]
    InvalidUrl { url: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("{endpoint}: no answer within {timeout:?}")]
    Timeout {
        endpoint: &'static str,
        timeout: Duration,
    },
    #[error("{endpoint}: network error: {message}")]
    Network {
        endpoint: &'static str,
        message: String,
    },
    /// A 4xx other than 429/418: the request itself is wrong (bad symbol, bad parameter).
    #[error("{endpoint}: Binance refused the request (HTTP {status}, code {code}): {msg}")]
    Rejected {
        endpoint: &'static str,
        status: u16,
        code: i64,
        msg: String,
    },
    /// 429, and Binance asked for a longer pause than the client waits, or every attempt
    /// was refused.
    #[error(
        "{endpoint}: rate limited (HTTP 429); Binance asks to wait {retry_after:?} before the \
         next request"
    )]
    RateLimited {
        endpoint: &'static str,
        retry_after: Duration,
    },
    /// 418: the IP is banned. Nothing is sent to Binance until the ban ends.
    #[error(
        "Binance has banned this IP (HTTP 418) for another {retry_after:?}; no REST calls are \
         made until then. Lower --history or the number of symbols, and let the streams carry \
         live data"
    )]
    Banned { retry_after: Duration },
    /// 5xx on every attempt.
    #[error("{endpoint}: Binance server error (HTTP {status}) on all {attempts} attempts")]
    Server {
        endpoint: &'static str,
        status: u16,
        attempts: u32,
    },
    /// A 2xx whose body is not what the endpoint returns.
    #[error("{endpoint}: unexpected response: {reason}")]
    Decode {
        endpoint: &'static str,
        reason: String,
    },
}

impl RestError {
    /// Whether Binance said the symbol does not exist (-1121).
    pub fn is_invalid_symbol(&self) -> bool {
        matches!(self, RestError::Rejected { code, .. } if *code == INVALID_SYMBOL)
    }

    /// Whether the same call may succeed if retried after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            RestError::Timeout { .. } | RestError::Network { .. } | RestError::Server { .. }
        )
    }
}
