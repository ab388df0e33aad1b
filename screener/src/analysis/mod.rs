//! AI analysis of signals: each signal a trader's filter raises is judged by an LLM (Gemini
//! `generateContent`) that sees the real last `strategy.aiAnalysisLimit` closed candles and
//! indicator values, and answers with a validated verdict. Enabled when an API key is
//! configured; queued apart from screening, which it never blocks or fails.
//!
//! - [`config`]: [`AnalysisConfig`] from `SCREENER_LLM_*` (key, base URL, models, RPM).
//! - [`key`]: [`ApiKey`], the key that never prints.
//! - [`job`]: [`AnalysisJob`], a signal with its trader and candles.
//! - [`readings`]: indicator values at the signal's candle.
//! - [`prompt`]: the request (system instruction, trader, signal, indicators, candles).
//! - [`schema`]: the structured-output `responseSchema`.
//! - [`gemini`]: the REST wire types and Google's error body.
//! - [`client`]: [`GeminiClient`], one request with deadline and transient-only retries.
//! - [`retry`]: the retry policy, backoff and server-requested waits.
//! - [`limiter`]: the global requests-per-minute token bucket.
//! - [`verdict`]: [`Analysis`], the verdict type.
//! - [`validate`]: the model's text → [`Analysis`] or [`InvalidOutput`].
//! - [`failure`]: [`AnalysisFailure`] `{code, message}` recorded on the signal.
//! - [`queue`]: [`Analyst`], the queue with per-trader concurrency and graceful shutdown.
//! - [`outcome`]: [`AnalysisOutcome`] and the analyst's counters and reports.
//! - `task`: one job from the queue to its outcome.

pub mod client;
pub mod config;
pub mod failure;
pub mod gemini;
pub mod job;
pub mod key;
pub mod limiter;
pub mod outcome;
pub mod prompt;
pub mod queue;
pub mod readings;
pub mod retry;
pub mod schema;
mod task;
pub mod validate;
pub mod verdict;

pub use client::{ClientError, GeminiClient, ModelError, ModelReply};
pub use config::{AnalysisConfig, ConfigError, Models};
pub use failure::{AnalysisFailure, FailureCode};
pub use job::AnalysisJob;
pub use key::ApiKey;
pub use limiter::{RateLimit, RateLimiter};
pub use outcome::{AnalysisOutcome, AnalystMetrics, ShutdownReport, Submission};
pub use queue::{Analyst, Outcomes, StartError};
pub use retry::RetryPolicy;
pub use validate::{parse_verdict, InvalidOutput};
pub use verdict::{Analysis, Decision, Direction, KeyLevels, TradePlan};
