//! The fake's request and reply types: a parsed request (path segments, decoded query, JSON
//! body, lease nonce) and a reply that always carries a JSON `{"error": …}` body on failure.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::{json, Map, Value};

/// Header carrying the lease nonce on mutations of a leased machine.
pub const LEASE_NONCE_HEADER: &str = "fly-machine-lease-nonce";

/// A status, an optional JSON body and extra headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

/// Handlers return `Err(reply)` to bail out early with `?`.
pub(crate) type Outcome = Result<Reply, Reply>;

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn ok(body: Value) -> Self {
        Self::json(200, body)
    }

    pub fn ok_true() -> Self {
        Self::ok(json!({ "ok": true }))
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// `{"error": message}`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, json!({ "error": message.into() }))
    }

    /// `{"error": message, "status": code}` (e.g. `name_taken`, `insufficient_capacity`).
    pub fn error_code(status: u16, message: impl Into<String>, code: &str) -> Self {
        Self::json(status, json!({ "error": message.into(), "status": code }))
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Common errors, worded like Fly's.
pub(crate) fn machine_not_found() -> Reply {
    Reply::error(404, "not_found: machine not found")
}

pub(crate) fn app_not_found() -> Reply {
    Reply::error(404, "not_found: app not found")
}

pub(crate) fn unauthorized() -> Reply {
    Reply::error(403, "unauthorized")
}

pub(crate) fn invalid(message: impl std::fmt::Display) -> Reply {
    Reply::error(400, format!("invalid_argument: {message}"))
}

pub(crate) fn precondition(message: impl std::fmt::Display) -> Reply {
    Reply::error(412, format!("failed_precondition: {message}"))
}

/// One incoming request, parsed once.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// `None` for an empty body; `Some(Err(..))` for a body that is not JSON.
    pub body: Option<Result<Value, String>>,
}

impl Req {
    pub fn new(
        method: Method,
        path: &str,
        query: Option<&str>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let query = query.map(parse_query).unwrap_or_default();
        let body = (!body.iter().all(u8::is_ascii_whitespace))
            .then(|| serde_json::from_slice(&body).map_err(|e| e.to_string()));
        Self {
            method,
            path: path.to_string(),
            segments,
            query,
            headers,
            body,
        }
    }

    pub fn is_read(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }

    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (possibly repeated, possibly comma-separated) parameter.
    pub fn param_list(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1"))
    }

    pub fn lease_nonce(&self) -> Option<&str> {
        self.headers
            .get(LEASE_NONCE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The body as a JSON object; an empty body is `{}` when `allow_empty`, else 400 like
    /// Go's decoder (`EOF`). A non-object body is refused like Go's unmarshal error.
    pub fn object(&self, go_type: &str, allow_empty: bool) -> Result<Map<String, Value>, Reply> {
        match &self.body {
            None if allow_empty => Ok(Map::new()),
            None => Err(Reply::error(400, "EOF")),
            Some(Err(e)) => Err(invalid(format!("malformed JSON body: {e}"))),
            Some(Ok(Value::Object(map))) => Ok(map.clone()),
            Some(Ok(other)) => Err(Reply::error(
                400,
                format!(
                    "json: cannot unmarshal {} into Go value of type {go_type}",
                    json_kind(other)
                ),
            )),
        }
    }
}

/// Go's name for a JSON value's kind, as in its unmarshal errors.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
