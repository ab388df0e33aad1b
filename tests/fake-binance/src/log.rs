//! The request log: every REST request with its parameters, weight and answer, and every
//! WebSocket connection attempt, so tests can assert on what a client actually sent.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::faults::Endpoint;

/// One REST request as the fake saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub path: String,
    pub endpoint: Option<Endpoint>,
    /// Query parameters, decoded.
    pub params: BTreeMap<String, String>,
    /// The request weight charged.
    pub weight: u32,
    /// The HTTP status answered.
    pub status: u16,
    /// `X-MBX-USED-WEIGHT-1M` as answered.
    pub used_weight: u32,
    /// When it arrived.
    pub at: Instant,
}

impl RecordedRequest {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}
