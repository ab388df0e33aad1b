//! [`AnalysisFailure`]: why a signal has no analysis, as a stable code and a readable message.
//! It is recorded on the signal (the screening that produced it is never affected).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong, in the words the desktop shows and the metrics count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The queue was full when the signal arrived; it was not analysed.
    QueueFull,
    /// No closed candle of the signal's symbol and interval was available; the model was not
    /// called (it would have had nothing real to look at).
    NoCandles,
    /// The model's reply was not a valid verdict (bad JSON, missing or out-of-range fields).
    InvalidOutput,
    /// The model refused (safety or other block).
    Blocked,
    /// Still rate limited (429) after every retry, or asked to wait too long.
    RateLimited,
    /// The API kept failing (5xx) after every retry.
    Unavailable,
    /// No reply within the request deadline, after every retry.
    Timeout,
    /// Could not reach the API, after every retry.
    Network,
    /// The API key was refused (missing, invalid or without permission).
    Unauthorized,
    /// The API rejected the request itself (400 or 404, e.g. an unknown model).
    BadRequest,
    /// The analyst shut down before the analysis finished.
    Cancelled,
}

impl FailureCode {
    /// The wire spelling, e.g. `queue_full`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::QueueFull => "queue_full",
            FailureCode::NoCandles => "no_candles",
            FailureCode::InvalidOutput => "invalid_output",
            FailureCode::Blocked => "blocked",
            FailureCode::RateLimited => "rate_limited",
            FailureCode::Unavailable => "unavailable",
            FailureCode::Timeout => "timeout",
            FailureCode::Network => "network",
            FailureCode::Unauthorized => "unauthorized",
            FailureCode::BadRequest => "bad_request",
            FailureCode::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed analysis: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AnalysisFailure {
    pub code: FailureCode,
    pub message: String,
}

impl AnalysisFailure {
    pub fn new(code: FailureCode, message: impl Into<String>) -> AnalysisFailure {
        AnalysisFailure {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for code in [
            FailureCode::QueueFull,
            FailureCode::NoCandles,
            FailureCode::InvalidOutput,
            FailureCode::Blocked,
            FailureCode::RateLimited,
            FailureCode::Unavailable,
            FailureCode::Timeout,
            FailureCode::Network,
            FailureCode::Unauthorized,
            FailureCode::BadRequest,
            FailureCode::Cancelled,
        ] {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        let failure = AnalysisFailure::new(FailureCode::QueueFull, "100 analyses pending");
        assert_eq!(failure.to_string(), "queue_full: 100 analyses pending");
    }
}
