//! Shared fixtures: a mock server, a client with short timeouts and backoffs, tokens, machines.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::MockServer;

use crate::fly::{ClientOptions, FlyClient, PropagationPolicy, RetryPolicy};
use crate::secrets::FlyToken;

pub const MACAROON: &str = "fm2_lJPECAAAAAAAAxgnxBBe2vy0nWbLSmzrbAqPmo5XwrVodHRwczovL2FwaS5mbHk=";
pub const USER_TOKEN: &str = "fo1_Yt3ulZq0RtjDkU2xGm6Q5JDEfqv1c7bWlAPKx9sNVrE";
pub const APP: &str = "trademind-ana";
pub const MACHINE: &str = "1857156b526dd8";

/// Policies measured in milliseconds so tests stay fast.
pub fn quick_options(base_url: String) -> ClientOptions {
    ClientOptions {
        base_url,
        request_timeout: Duration::from_secs(5),
        user_agent: "trademind-test".into(),
        retry: RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(5),
            deadline: Duration::from_secs(10),
        },
        propagation: PropagationPolicy {
            window: Duration::from_secs(2),
            create_lookup: Duration::from_millis(300),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
        },
    }
}

pub fn client_with(server: &MockServer, token: &str) -> FlyClient {
    let token = FlyToken::parse(token).unwrap();
    FlyClient::with_options(&token, quick_options(server.uri())).unwrap()
}

pub fn client(server: &MockServer) -> FlyClient {
    client_with(server, MACAROON)
}

pub fn with_retry(server: &MockServer, retry: RetryPolicy) -> FlyClient {
    let token = FlyToken::parse(MACAROON).unwrap();
    let options = ClientOptions {
        retry,
        ..quick_options(server.uri())
    };
    FlyClient::with_options(&token, options).unwrap()
}

/// A machine as the API answers it.
pub fn machine(state: &str, instance_id: &str, metadata: Value) -> Value {
    json!({
        "id": MACHINE,
        "name": "aged-thunder-7371",
        "state": state,
        "region": "sin",
        "instance_id": instance_id,
        "config": {
            "image": "registry.fly.io/trademind-screener@sha256:abc",
            "guest": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 512},
            "metadata": metadata
        }
    })
}

pub fn error_body(message: &str) -> Value {
    json!({ "error": message })
}
