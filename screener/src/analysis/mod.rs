//! AI analysis of signals: each signal a trader's filter raises is judged by an LLM (Gemini
//! `generateContent`) that sees the real last `strategy.aiAnalysisLimit` closed candles and
//! indicator values, and answers with a validated verdict. Enabled when an API key is
//! configured; queued apart from screening, which it never blocks or fails.
//!
//! - [`config`]: [`AnalysisConfig`] from `SCREENER_LLM_*` (key, base URL, models, RPM).
//! - [`key`]: [`ApiKey`], the key that never prints.
//! - [`retry`]: the retry policy, backoff and server-requested waits.
//! - [`limiter`]: the global requests-per-minute token bucket.
//! - [`failure`]: [`AnalysisFailure`] `{code, message}` recorded on the signal.

pub mod config;
pub mod failure;
pub mod key;
pub mod limiter;
pub mod retry;

pub use config::{AnalysisConfig, ConfigError, Models};
pub use failure::{AnalysisFailure, FailureCode};
pub use key::ApiKey;
pub use limiter::{RateLimit, RateLimiter};
pub use retry::RetryPolicy;
