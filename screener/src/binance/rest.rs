//! [`RestClient`]: Binance's market-data REST API (docs/binance-data.md §1), keyless.
//!
//! Every request:
//! - waits for its weight in the shared [`WeightBudget`] (and fails at once while banned);
//! - has a deadline (`request_timeout`, connecting and reading the body included);
//! - feeds `X-MBX-USED-WEIGHT-1M` back into the budget;
//! - on 429 pauses every request for `Retry-After` plus a little jitter and tries again (or
//!   gives up with [`RestError::RateLimited`] if Binance asks for more than
//!   `max_retry_after`); on 418 records the ban and fails with [`RestError::Banned`];
//! - retries network failures, timeouts and 5xx with capped, jittered backoff, at most
//!   `max_attempts` in all; any other 4xx is final ([`RestError::Rejected`] with Binance's
//!   code and message).
//!
//! The endpoint calls live next to their types: `exchange.rs`, `klines.rs`, `ticker.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::backoff::Backoff;
use super::budget::{BudgetSnapshot, WeightBudget};
use super::error::RestError;

/// Binance's market-data-only REST host (docs §1.1).
pub const DEFAULT_REST_URL: &str = "https://data-api.binance.vision";
/// The response header with the IP's weight used in the current minute.
pub const USED_WEIGHT_HEADER: &str = "x-mbx-used-weight-1m";

/// How a [`RestClient`] talks to Binance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestOptions {
    /// Without `/api/v3`, e.g. `https://data-api.binance.vision` or a fake's address.
    pub base_url: String,
    /// Deadline of one HTTP request, body included.
    pub request_timeout: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Backoff between attempts after transient failures.
    pub backoff: Backoff,
    /// The longest 429 `Retry-After` the client waits out; longer ends the call.
    pub max_retry_after: Duration,
    /// Weight per window until exchangeInfo tells the real limit (Binance: 6000).
    pub weight_limit: u32,
    /// The weight window (Binance: one minute).
    pub weight_window: Duration,
    /// Percent of the limit left unused, for requests in flight and other processes.
    pub headroom_percent: u32,
    pub user_agent: String,
}

impl Default for RestOptions {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_REST_URL.to_owned(),
            request_timeout: Duration::from_secs(10),
            max_attempts: 5,
            backoff: Backoff {
                initial: Duration::from_millis(500),
                max: Duration::from_secs(8),
            },
            max_retry_after: Duration::from_secs(120),
            weight_limit: 6000,
            weight_window: Duration::from_secs(60),
            headroom_percent: 10,
            user_agent: format!("trademind-screener/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Request counters, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestStats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
    pub budget: BudgetSnapshot,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    server_errors: AtomicU64,
}

/// A Binance REST client. Cheap to clone: clones share the connection pool and the budget.
#[derive(Debug, Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    options: RestOptions,
    budget: WeightBudget,
    counters: Counters,
}

/// What went wrong with one attempt, and whether to try again.
enum Attempt {
    /// Try again, after a backoff unless the budget already holds requests (a 429).
    Retry {
        error: RestError,
        backoff: bool,
    },
    Fail(RestError),
}

fn retry(error: RestError) -> Attempt {
    Attempt::Retry {
        error,
        backoff: true,
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: i64,
    msg: String,
}

impl RestClient {
    pub fn new(options: RestOptions) -> Result<Self, RestError> {
        let base = Url::parse(&options.base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| RestError::InvalidUrl {
                url: options.base_url.clone(),
            })?;
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout)
            .build()
            .map_err(|e| RestError::Client(e.to_string()))?;
        let budget = WeightBudget::new(
            options.weight_limit,
            options.weight_window,
            options.headroom_percent,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                options,
                budget,
                counters: Counters::default(),
            }),
        })
    }

    pub fn options(&self) -> &RestOptions {
        &self.inner.options
    }

    /// The shared weight budget.
    pub fn budget(&self) -> &WeightBudget {
        &self.inner.budget
    }

    pub fn stats(&self) -> RestStats {
        let c = &self.inner.counters;
        RestStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            server_errors: c.server_errors.load(Ordering::Relaxed),
            budget: self.inner.budget.snapshot(),
        }
    }

    /// `GET /api/v3/time` (weight 1): Binance's clock, epoch ms.
    pub async fn server_time(&self) -> Result<i64, RestError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Time {
            server_time: i64,
        }
        let body = self.get("/api/v3/time", &[], 1).await?;
        decode::<Time>("/api/v3/time", &body).map(|t| t.server_time)
    }

    /// GETs `path` with `query` at `weight` under the module's rules; the body on success.
    pub(crate) async fn get(
        &self,
        path: &'static str,
        query: &[(&str, String)],
        weight: u32,
    ) -> Result<String, RestError> {
        let mut url = self.inner.base.clone();
        url.set_path(&format!(
            "{}{path}",
            self.inner.base.path().trim_end_matches('/')
        ));
        let options = &self.inner.options;
        let mut attempt = 1;
        loop {
            self.inner
                .budget
                .acquire(weight)
                .await
                .map_err(|left| RestError::Banned { retry_after: left })?;
            self.inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            let (error, backoff) = match self.attempt(path, url.clone(), query).await {
                Ok(body) => return Ok(body),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::Retry { error, backoff }) => (error, backoff),
            };
            if attempt >= options.max_attempts {
                return Err(error);
            }
            self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(endpoint = path, attempt, %error, "retrying Binance REST call");
            if backoff {
                tokio::time::sleep(options.backoff.delay(attempt)).await;
            }
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        path: &'static str,
        url: Url,
        query: &[(&str, String)],
    ) -> Result<String, Attempt> {
        let options = &self.inner.options;
        let response = self
            .inner
            .http
            .get(url)
            .query(query)
            .send()
            .await
            .map_err(|e| retry(transport(path, &e, options.request_timeout)))?;
        let used = response
            .headers()
            .get(USED_WEIGHT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok());
        if let Some(used) = used {
            self.inner.budget.observe(used);
        }
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response
            .text()
            .await
            .map_err(|e| retry(transport(path, &e, options.request_timeout)))?;
        if status.is_success() {
            return Ok(body);
        }
        match status {
            StatusCode::TOO_MANY_REQUESTS => {
                self.inner
                    .counters
                    .rate_limited
                    .fetch_add(1, Ordering::Relaxed);
                let asked = retry_after.unwrap_or(Duration::from_secs(1));
                if asked > options.max_retry_after {
                    self.inner.budget.pause_for(asked);
                    return Err(Attempt::Fail(RestError::RateLimited {
                        endpoint: path,
                        retry_after: asked,
                    }));
                }
                let jitter = Duration::from_millis(rand::rng().random_range(50..=250));
                tracing::warn!(
                    endpoint = path,
                    retry_after_s = asked.as_secs(),
                    "Binance answered 429; pausing REST calls"
                );
                self.inner.budget.pause_for(asked + jitter);
                Err(Attempt::Retry {
                    error: RestError::RateLimited {
                        endpoint: path,
                        retry_after: asked,
                    },
                    backoff: false,
                })
            }
            StatusCode::IM_A_TEAPOT => {
                let ban = retry_after.unwrap_or(Duration::from_secs(120));
                tracing::error!(
                    endpoint = path,
                    ban_s = ban.as_secs(),
                    "Binance banned this IP (418)"
                );
                self.inner.budget.ban_for(ban);
                Err(Attempt::Fail(RestError::Banned { retry_after: ban }))
            }
            s if s.is_server_error() => {
                self.inner
                    .counters
                    .server_errors
                    .fetch_add(1, Ordering::Relaxed);
                Err(retry(RestError::Server {
                    endpoint: path,
                    status: s.as_u16(),
                    attempts: options.max_attempts,
                }))
            }
            s => {
                let (code, msg) = serde_json::from_str::<ErrorBody>(&body)
                    .map(|e| (e.code, e.msg))
                    .unwrap_or_else(|_| (0, body.chars().take(200).collect()));
                Err(Attempt::Fail(RestError::Rejected {
                    endpoint: path,
                    status: s.as_u16(),
                    code,
                    msg,
                }))
            }
        }
    }
}

fn transport(endpoint: &'static str, error: &reqwest::Error, timeout: Duration) -> RestError {
    if error.is_timeout() {
        RestError::Timeout { endpoint, timeout }
    } else {
        RestError::Network {
            endpoint,
            message: error.to_string(),
        }
    }
}

/// Parses a JSON body as `T`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    body: &str,
) -> Result<T, RestError> {
    serde_json::from_str(body).map_err(|e| RestError::Decode {
        endpoint,
        reason: e.to_string(),
    })
}
