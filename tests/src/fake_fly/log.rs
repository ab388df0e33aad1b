//! The request log tests assert on: every request in arrival order with its method, path,
//! decoded query, JSON body, auth scheme (never the token), lease nonce and final status.

use super::router::Action;
use super::tokens::TokenKind;
use serde_json::Value;
use std::time::Instant;

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order (repeated keys kept).
    pub query: Vec<(String, String)>,
    /// The JSON body; `None` if empty or not JSON.
    pub body: Option<Value>,
    /// `"FlyV1"`, `"Bearer"`, `"other"` (header without a known scheme) or `None` (no header).
    pub auth_scheme: Option<String>,
    /// Which registered token was used (`None`: missing or unknown).
    pub token_kind: Option<TokenKind>,
    pub lease_nonce: Option<String>,
    /// The endpoint, if the path is one the fake serves.
    pub action: Option<Action>,
    pub at: Instant,
    /// Final status; 0 while the request is still being handled (e.g. a long `/wait`).
    pub status: u16,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `"POST /v1/apps/x/machines"`, handy in assertion messages.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Vec<(u64, RecordedRequest)>,
    next: u64,
}

impl RequestLog {
    /// Appends an in-flight entry; returns its ticket for [`RequestLog::finish`].
    pub fn start(&mut self, entry: RecordedRequest) -> u64 {
        self.next += 1;
        self.entries.push((self.next, entry));
        self.next
    }

    pub fn finish(&mut self, ticket: u64, status: u16) {
        if let Some((_, e)) = self.entries.iter_mut().rev().find(|(t, _)| *t == ticket) {
            e.status = status;
        }
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(_, e)| e.clone()).collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
