//! [`GeminiClient`]: `POST {base}/v1beta/models/{model}:generateContent` with the key in the
//! `x-goog-api-key` header (marked sensitive; never in the URL), a deadline per attempt, and
//! transient-only retries under the [retry policy](super::retry). Every attempt first takes a
//! token from the shared [`RateLimiter`]; a 429 pauses that limiter for everyone.

use std::error::Error as StdError;
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use tokio::time::Instant;

use super::config::AnalysisConfig;
use super::failure::{AnalysisFailure, FailureCode};
use super::gemini::{ApiError, GenerateRequest, GenerateResponse, UsageMetadata};
use super::limiter::RateLimiter;
use super::retry::{is_transient, parse_retry_after, RetryPolicy};

/// Finish reasons meaning the model declined to answer.
const BLOCKING_FINISH: [&str; 6] = [
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
];

/// A client that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("no API key is configured (SCREENER_LLM_API_KEY); analysis is disabled")]
    NoApiKey,
    #[error("the API key contains characters that cannot go in an HTTP header")]
    InvalidKey,
    #[error("the HTTP client cannot be built: {0}")]
    Http(String),
}

/// The model's answer to one request.
#[derive(Debug, Clone)]
pub struct ModelReply {
    /// The answer text (thought parts removed): the verdict's JSON, still unchecked.
    pub text: String,
    /// `modelVersion` as the API reported it.
    pub model_version: Option<String>,
    pub usage: Option<UsageMetadata>,
    /// HTTP attempts made, the successful one included.
    pub attempts: u32,
}

/// Why a request produced no answer. Messages carry Google's error text, never the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("rate limited (429) after {attempts} attempt(s): {message}")]
    RateLimited { attempts: u32, message: String },
    #[error("the API is unavailable ({status}) after {attempts} attempt(s): {message}")]
    Unavailable {
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("no reply within {timeout:?} after {attempts} attempt(s)")]
    Timeout { timeout: Duration, attempts: u32 },
    #[error("could not reach the API after {attempts} attempt(s): {message}")]
    Network { attempts: u32, message: String },
    #[error("the API refused the key ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("the API rejected the request ({status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("the model declined to answer: {reason}")]
    Blocked { reason: String },
    #[error("the API reply is not usable: {reason}")]
    BadReply { reason: String },
}

impl ModelError {
    /// The failure code recorded on the signal.
    pub fn code(&self) -> FailureCode {
        match self {
            ModelError::RateLimited { .. } => FailureCode::RateLimited,
            ModelError::Unavailable { .. } => FailureCode::Unavailable,
            ModelError::Timeout { .. } => FailureCode::Timeout,
            ModelError::Network { .. } => FailureCode::Network,
            ModelError::Unauthorized { .. } => FailureCode::Unauthorized,
            ModelError::BadRequest { .. } => FailureCode::BadRequest,
            ModelError::Blocked { .. } => FailureCode::Blocked,
            ModelError::BadReply { .. } => FailureCode::InvalidOutput,
        }
    }
}

impl From<ModelError> for AnalysisFailure {
    fn from(error: ModelError) -> AnalysisFailure {
        AnalysisFailure::new(error.code(), error.to_string())
    }
}

/// One failed attempt, before the retry decision.
enum Attempt {
    Status {
        status: u16,
        error: ApiError,
        retry_after: Option<Duration>,
    },
    Timeout,
    Network(String),
    /// Final whatever the policy says.
    Final(ModelError),
}

/// The Gemini REST client.
#[derive(Debug, Clone)]
pub struct GeminiClient {
    http: reqwest::Client,
    base_url: String,
    key: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
}

impl GeminiClient {
    /// A client for `config`'s API; fails without a usable key.
    pub fn new(config: &AnalysisConfig) -> Result<GeminiClient, ClientError> {
        let key = config.api_key.as_ref().ok_or(ClientError::NoApiKey)?;
        let mut key = HeaderValue::from_str(key.expose()).map_err(|_| ClientError::InvalidKey)?;
        key.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(concat!("trademind-screener/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ClientError::Http(describe(&e)))?;
        Ok(GeminiClient {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            key,
            timeout: config.request_timeout,
            retry: config.retry.clone(),
        })
    }

    /// The endpoint of `model` (no secret in it).
    pub fn endpoint(&self, model: &str) -> String {
        format!("{}/v1beta/models/{model}:generateContent", self.base_url)
    }

    /// Sends `request` to `model`, retrying transient failures, each attempt paced by
    /// `limiter`.
    pub async fn generate(
        &self,
        model: &str,
        request: &GenerateRequest,
        limiter: &RateLimiter,
    ) -> Result<ModelReply, ModelError> {
        let url = self.endpoint(model);
        let body = serde_json::to_vec(request).map_err(|e| ModelError::BadRequest {
            status: 0,
            message: format!("the request cannot be encoded: {e}"),
        })?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            limiter.acquire().await;
            let failure = match self.attempt(&url, &body).await {
                Ok(mut reply) => {
                    reply.attempts = attempts;
                    return Ok(reply);
                }
                Err(failure) => failure,
            };
            let (transient, asked, throttled) = match &failure {
                Attempt::Status {
                    status,
                    retry_after,
                    ..
                } => (is_transient(*status), *retry_after, *status == 429),
                Attempt::Timeout | Attempt::Network(_) => (true, None, false),
                Attempt::Final(_) => (false, None, false),
            };
            let error = self.final_error(failure, attempts);
            if !transient || attempts > self.retry.max_retries {
                return Err(error);
            }
            let wait = match asked {
                Some(wait) if wait > self.retry.max_retry_after => {
                    return Err(ModelError::RateLimited {
                        attempts,
                        message: format!(
                            "the API asked to wait {wait:?}, longer than the {:?} allowed ({error})",
                            self.retry.max_retry_after
                        ),
                    });
                }
                Some(wait) => wait,
                None => self.retry.backoff(attempts),
            };
            if throttled {
                limiter.pause(Instant::now() + wait);
            }
            tracing::warn!(
                model,
                attempt = attempts,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                %error,
                "analysis request failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange.
    async fn attempt(&self, url: &str, body: &[u8]) -> Result<ModelReply, Attempt> {
        let response = self
            .http
            .post(url)
            .header("x-goog-api-key", self.key.clone())
            .header(CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body.to_vec())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            let error = ApiError::parse(&bytes);
            let retry_after = retry_after.or(error.retry_delay);
            return Err(Attempt::Status {
                status,
                error,
                retry_after,
            });
        }
        let reply: GenerateResponse = serde_json::from_slice(&bytes).map_err(|e| {
            Attempt::Final(ModelError::BadReply {
                reason: format!("not a generateContent response: {e}"),
            })
        })?;
        read_reply(reply).map_err(Attempt::Final)
    }

    fn final_error(&self, failure: Attempt, attempts: u32) -> ModelError {
        match failure {
            Attempt::Final(error) => error,
            Attempt::Timeout => ModelError::Timeout {
                timeout: self.timeout,
                attempts,
            },
            Attempt::Network(message) => ModelError::Network { attempts, message },
            Attempt::Status { status, error, .. } => status_error(status, error, attempts),
        }
    }
}

/// The answer of a successful reply, or why there is none.
fn read_reply(reply: GenerateResponse) -> Result<ModelReply, ModelError> {
    if let Some(reason) = reply
        .prompt_feedback
        .as_ref()
        .and_then(|f| f.block_reason.clone())
    {
        return Err(ModelError::Blocked {
            reason: format!("prompt blocked ({reason})"),
        });
    }
    let finish = reply.finish_reason().unwrap_or("").to_owned();
    if BLOCKING_FINISH.contains(&finish.as_str()) {
        return Err(ModelError::Blocked {
            reason: format!("finishReason {finish}"),
        });
    }
    let text = reply.answer_text().ok_or_else(|| ModelError::BadReply {
        reason: "the reply has no candidate text".into(),
    })?;
    if finish == "MAX_TOKENS" {
        return Err(ModelError::BadReply {
            reason: "the answer was cut at the output token limit (finishReason MAX_TOKENS)".into(),
        });
    }
    Ok(ModelReply {
        text,
        model_version: reply.model_version,
        usage: reply.usage_metadata,
        attempts: 0,
    })
}

fn status_error(status: u16, error: ApiError, attempts: u32) -> ModelError {
    let message = if error.message.is_empty() {
        format!("HTTP {status}")
    } else if error.status.is_empty() {
        error.message.clone()
    } else {
        format!("{} {}", error.status, error.message)
    };
    match status {
        429 => ModelError::RateLimited { attempts, message },
        401 | 403 => ModelError::Unauthorized { status, message },
        400 if error.is_bad_key() => ModelError::Unauthorized { status, message },
        s if s >= 500 => ModelError::Unavailable {
            status,
            attempts,
            message,
        },
        _ => ModelError::BadRequest { status, message },
    }
}

fn transport(error: reqwest::Error) -> Attempt {
    if error.is_timeout() {
        Attempt::Timeout
    } else {
        Attempt::Network(describe(&error.without_url()))
    }
}

/// An error and its causes, `: `-separated.
fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
