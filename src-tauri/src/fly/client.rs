//! `FlyClient`: one authenticated HTTP client for the Machines API — base URL, `Authorization`
//! header from the token's kind, per-request timeout, user agent, request logging — and the
//! [`Call`] description every endpoint module builds.
//!
//! Requests go to `<base>/v1/<segments…>`; each path segment is percent-encoded, so app names,
//! machine ids and metadata keys cannot change the path. The header is built once by
//! [`FlyToken::authorization`] (macaroons as `FlyV1 …`, user tokens as `Bearer …`, a pasted
//! prefix already stripped) and kept in a [`Sensitive`] marked sensitive for hyper too; logs
//! name method, path, status and attempt, never headers or bodies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{parse_retry_after, FlyError, Reply};
use super::retry::{self, PropagationPolicy, RetryPolicy};
use super::types::LeaseNonce;
use crate::error::{Error, Result};
use crate::secrets::FlyToken;
use crate::sensitive::Sensitive;

/// The public Machines API.
pub const DEFAULT_BASE_URL: &str = "https://api.machines.dev";
/// The header that carries a lease nonce on calls to a leased machine (doc §2).
pub const LEASE_NONCE_HEADER: &str = "fly-machine-lease-nonce";
/// The response header support asks for.
pub const REQUEST_ID_HEADER: &str = "fly-request-id";

/// How a [`FlyClient`] talks to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Without `/v1`; e.g. `https://api.machines.dev` or a local fake's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Timeout of one HTTP request (a `wait` call gets its server timeout plus a margin).
    pub request_timeout: Duration,
    pub user_agent: String,
    pub retry: RetryPolicy,
    pub propagation: PropagationPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            request_timeout: Duration::from_secs(30),
            user_agent: format!("trademind/{}", env!("CARGO_PKG_VERSION")),
            retry: RetryPolicy::default(),
            propagation: PropagationPolicy::default(),
        }
    }
}

/// A Machines API client. Cheap to clone (shared connection pool).
#[derive(Debug, Clone)]
pub struct FlyClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    authorization: Sensitive<HeaderValue>,
    options: ClientOptions,
}

impl FlyClient {
    /// A client for the public API with default policies.
    pub fn new(token: &FlyToken) -> Result<Self> {
        Self::with_options(token, ClientOptions::default())
    }

    /// A client for the API at `base_url` (a Machines API, or Fly's logs API under `/api`)
    /// with default policies.
    pub fn at(token: &FlyToken, base_url: &str) -> Result<Self> {
        Self::with_options(
            token,
            ClientOptions {
                base_url: base_url.to_owned(),
                ..ClientOptions::default()
            },
        )
    }

    /// A client with explicit base URL, timeouts and policies.
    pub fn with_options(token: &FlyToken, options: ClientOptions) -> Result<Self> {
        let base = Url::parse(&options.base_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the Fly API address {:?} is not an http(s) URL",
                    options.base_url
                ))
            })?;
        let mut authorization =
            HeaderValue::from_str(token.authorization().expose()).map_err(|_| {
                Error::InvalidToken {
                    reason: "it cannot be sent in an HTTP header".into(),
                }
            })?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                authorization: Sensitive::new(authorization),
                options,
            }),
        })
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The full URL of a call: `<base>/v1/<segments>?<query>`.
    pub(crate) fn url(&self, call: &Call) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("v1").extend(&call.segments);
        }
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        url
    }

    /// One HTTP exchange; the body of a 2xx answer, else the classified error.
    pub(crate) async fn send_once(&self, call: &Call, attempt: u32) -> Result<Vec<u8>, FlyError> {
        let url = self.url(call);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, self.inner.authorization.expose().clone());
        if let Some(timeout) = call.timeout {
            request = request.timeout(timeout);
        }
        if let Some(nonce) = &call.nonce {
            request = request.header(LEASE_NONCE_HEADER, nonce.as_str());
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let started = Instant::now();
        let outcome = request.send().await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let response = match outcome {
            Ok(response) => response,
            Err(e) => {
                let error = FlyError::from_transport(&e);
                tracing::debug!(method = %call.method, path = url.path(), attempt, elapsed_ms, error = %error, "fly request failed");
                return Err(error);
            }
        };
        let status = response.status();
        let headers = response.headers();
        let request_id = header_text(headers, REQUEST_ID_HEADER);
        let retry_after = header_text(headers, "retry-after").and_then(|v| parse_retry_after(&v));
        tracing::debug!(
            method = %call.method,
            path = url.path(),
            status = status.as_u16(),
            attempt,
            elapsed_ms,
            request_id = request_id.as_deref().unwrap_or(""),
            "fly request"
        );
        let body = response
            .bytes()
            .await
            .map_err(|e| FlyError::from_transport(&e))?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let reply = Reply::parse(status.as_u16(), &body, request_id);
        Err(FlyError::from_reply(
            &call.method,
            status,
            retry_after,
            reply,
        ))
    }

    /// [`send_once`](Self::send_once) with transient-only retries under the retry policy.
    pub(crate) async fn send(&self, call: &Call) -> Result<Vec<u8>, FlyError> {
        let what = call.describe();
        retry::run(&self.inner.options.retry, &what, |attempt| {
            self.send_once(call, attempt)
        })
        .await
    }

    /// Sends with retries and decodes the JSON answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, FlyError> {
        let body = self.send(&call).await?;
        decode(&call, &body)
    }

    /// Sends with retries; the answer's body is not needed.
    pub(crate) async fn perform(&self, call: Call) -> Result<(), FlyError> {
        self.send(&call).await.map(drop)
    }
}

/// Decodes a success body as JSON.
pub(crate) fn decode<T: DeserializeOwned>(call: &Call, body: &[u8]) -> Result<T, FlyError> {
    serde_json::from_slice(body).map_err(|e| FlyError::Decode {
        what: call.describe(),
        detail: e.to_string(),
    })
}

fn header_text(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// One API call: method, path below `/v1`, query, JSON body, lease nonce and timeout.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    nonce: Option<String>,
    timeout: Option<Duration>,
}

impl Call {
    pub fn new(method: Method, segments: &[&str]) -> Self {
        Self {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            nonce: None,
            timeout: None,
        }
    }

    pub fn get(segments: &[&str]) -> Self {
        Self::new(Method::GET, segments)
    }

    pub fn post(segments: &[&str]) -> Self {
        Self::new(Method::POST, segments)
    }

    pub fn put(segments: &[&str]) -> Self {
        Self::new(Method::PUT, segments)
    }

    pub fn delete(segments: &[&str]) -> Self {
        Self::new(Method::DELETE, segments)
    }

    /// Adds a query parameter (repeat the key for a list, as fly-go does for `state`).
    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds a query parameter when there is a value.
    pub fn query_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: &impl Serialize) -> Result<Self, FlyError> {
        let value = serde_json::to_value(body).map_err(|e| FlyError::Decode {
            what: format!("encoding the body of {}", self.describe()),
            detail: e.to_string(),
        })?;
        self.body = Some(value);
        Ok(self)
    }

    /// Sends the lease nonce header when a lease is held.
    pub fn nonce(mut self, nonce: Option<&LeaseNonce>) -> Self {
        self.nonce = nonce.map(|n| n.as_str().to_owned());
        self
    }

    /// Overrides the client's request timeout for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `METHOD /v1/…` for logs and errors (no query: it may hold metadata values).
    pub fn describe(&self) -> String {
        format!("{} /v1/{}", self.method, self.segments.join("/"))
    }
}
