//! Leases: the nonce goes with every mutating call, the lease is always released (error,
//! panic), an expired lease counts as released, someone else's lease is final, and a retried
//! acquisition recognises its own lease.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::support::{client, error_body, APP, MACHINE};
use crate::error::Error;
use crate::fly::{FlyError, StopOptions, DEFAULT_LEASE_TTL, LEASE_NONCE_HEADER};

const NONCE: &str = "5c35f65c9f95";

fn lease_path() -> String {
    format!("/v1/apps/{APP}/machines/{MACHINE}/lease")
}

fn granted(description: &str) -> Value {
    json!({"status": "success", "data": {
        "nonce": NONCE, "expires_at": 1708569778, "owner": "hello@fly.io",
        "description": description, "version": "01HQV1"
    }})
}

async fn mount_lease(server: &MockServer, releases: u64) {
    Mock::given(method("POST"))
        .and(path(lease_path()))
        .respond_with(ResponseTemplate::new(201).set_body_json(granted("trademind")))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(lease_path()))
        .and(header(LEASE_NONCE_HEADER, NONCE))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "success", "data": {"ok": true}})),
        )
        .expect(releases)
        .mount(server)
        .await;
}

#[tokio::test]
async fn work_runs_with_the_nonce_and_the_lease_is_released() {
    let server = MockServer::start().await;
    mount_lease(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/apps/{APP}/machines/{MACHINE}/stop")))
        .and(header(LEASE_NONCE_HEADER, NONCE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let stopped: Result<&str, Error> = client
        .with_lease(APP, MACHINE, DEFAULT_LEASE_TTL, "trademind stop", |lease| {
            let client = client.clone();
            async move {
                assert_eq!(lease.version.as_deref(), Some("01HQV1"));
                client
                    .stop_machine(APP, MACHINE, &StopOptions::default(), Some(&lease.nonce))
                    .await?;
                Ok("stopped")
            }
        })
        .await;
    assert_eq!(stopped.unwrap(), "stopped");
    let acquire = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&acquire.body).unwrap();
    assert_eq!(body["ttl"], 120);
    assert!(body["description"]
        .as_str()
        .unwrap()
        .starts_with("trademind stop ["));
}

#[tokio::test]
async fn the_lease_is_released_when_the_work_fails() {
    let server = MockServer::start().await;
    mount_lease(&server, 1).await;
    let result: Result<(), Error> = client(&server)
        .with_lease(APP, MACHINE, DEFAULT_LEASE_TTL, "trademind", |_| async {
            Err(Error::InvalidInput("the work failed".into()))
        })
        .await;
    assert!(matches!(result, Err(Error::InvalidInput(_))));
}

#[tokio::test]
async fn the_lease_is_released_when_the_work_panics() {
    let server = MockServer::start().await;
    mount_lease(&server, 1).await;
    let client = client(&server);
    let task = tokio::spawn(async move {
        client
            .with_lease(APP, MACHINE, DEFAULT_LEASE_TTL, "trademind", |_| async {
                if std::hint::black_box(true) {
                    panic!("work panicked");
                }
                Ok::<(), FlyError>(())
            })
            .await
    });
    assert!(task.await.unwrap_err().is_panic());
    for _ in 0..50 {
        let deletes = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method.as_str() == "DELETE")
            .count();
        if deletes == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the abandoned lease was not released");
}

#[tokio::test]
async fn an_expired_lease_counts_as_released() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(lease_path()))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("lease not found")))
        .expect(1)
        .mount(&server)
        .await;
    let nonce = crate::fly::types::LeaseNonce::new(NONCE);
    client(&server)
        .release_lease(APP, MACHINE, &nonce)
        .await
        .unwrap();
    assert_eq!(
        client(&server).current_lease(APP, MACHINE).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn someone_elses_lease_is_final_and_the_work_never_runs() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(lease_path()))
        .respond_with(ResponseTemplate::new(409).set_body_json(error_body(
            "aborted: machine ID 1857156b526dd8 lease currently held by 8a1b@tokens.fly.io, expires at 2026-08-14T09:57:35Z",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let result: Result<(), FlyError> = client(&server)
        .with_lease(APP, MACHINE, DEFAULT_LEASE_TTL, "trademind", |_| async {
            panic!("must not run")
        })
        .await;
    assert!(matches!(result, Err(FlyError::LeaseHeld(_))), "{result:?}");
}

/// The first acquisition "fails" with a 503 after taking the lease; the lease read back
/// carries the description that request sent.
struct TakesLeaseThenFails {
    description: Arc<Mutex<String>>,
}

impl Respond for TakesLeaseThenFails {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        *self.description.lock().unwrap() = body["description"].as_str().unwrap().to_owned();
        ResponseTemplate::new(503).set_body_json(error_body("unavailable"))
    }
}

struct ReadsLease {
    description: Arc<Mutex<String>>,
}

impl Respond for ReadsLease {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(granted(&self.description.lock().unwrap()))
    }
}

#[tokio::test]
async fn a_retried_acquisition_recognises_its_own_lease() {
    let server = MockServer::start().await;
    let description = Arc::new(Mutex::new(String::new()));
    Mock::given(method("POST"))
        .and(path(lease_path()))
        .respond_with(TakesLeaseThenFails {
            description: description.clone(),
        })
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(lease_path()))
        .respond_with(ReadsLease { description })
        .expect(1)
        .mount(&server)
        .await;
    let lease = client(&server)
        .acquire_lease(APP, MACHINE, DEFAULT_LEASE_TTL, "trademind")
        .await
        .unwrap();
    assert_eq!(lease.nonce.as_str(), NONCE);
}
