//! Idempotent create: after an ambiguous failure the machine is found by its request id in
//! the metadata instead of being created twice.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::support::{client, error_body, machine, APP, MACHINE};
use crate::fly::types::{CreateMachineRequest, MachineConfig};
use crate::fly::{CreateRequestId, FlyError, REQUEST_ID_METADATA_KEY};

fn request() -> CreateMachineRequest {
    CreateMachineRequest {
        config: MachineConfig {
            image: "registry.fly.io/trademind-screener@sha256:abc".into(),
            ..MachineConfig::default()
        },
        region: Some("sin".into()),
        ..CreateMachineRequest::default()
    }
}

fn machines_path() -> String {
    format!("/v1/apps/{APP}/machines")
}

fn tagged(id: &CreateRequestId) -> Value {
    machine(
        "created",
        "01HQV1",
        json!({ REQUEST_ID_METADATA_KEY: id.as_str() }),
    )
}

#[tokio::test]
async fn a_timed_out_create_is_found_instead_of_repeated() {
    let server = MockServer::start().await;
    let id = CreateRequestId::generate();
    Mock::given(method("POST"))
        .and(path(machines_path()))
        .respond_with(
            ResponseTemplate::new(408)
                .set_body_json(error_body("deadline_exceeded: timed out talking to host")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(machines_path()))
        .and(query_param(
            format!("metadata.{REQUEST_ID_METADATA_KEY}"),
            id.as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([tagged(&id)])))
        .expect(1..)
        .mount(&server)
        .await;
    let created = client(&server)
        .create_machine(APP, &request(), &id)
        .await
        .unwrap();
    assert_eq!(created.id, MACHINE);
    assert_eq!(created.metadata(REQUEST_ID_METADATA_KEY), Some(id.as_str()));
}

#[tokio::test]
async fn a_failed_create_that_left_nothing_is_sent_again_with_the_same_id() {
    let server = MockServer::start().await;
    let id = CreateRequestId::new("req-42");
    Mock::given(method("POST"))
        .and(path(machines_path()))
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body("unavailable")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(machines_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(tagged(&id)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(machines_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([machine(
            "started",
            "01HQOTHER",
            json!({ REQUEST_ID_METADATA_KEY: "someone-else" })
        )])))
        .expect(1..)
        .mount(&server)
        .await;
    let created = client(&server)
        .create_machine(APP, &request(), &id)
        .await
        .unwrap();
    assert_eq!(created.current_version(), Some("01HQV1"));

    let posts: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(posts.len(), 2);
    for body in posts {
        assert_eq!(
            body["config"]["metadata"][REQUEST_ID_METADATA_KEY],
            "req-42"
        );
        assert_eq!(body["region"], "sin");
    }
}

/// POST answers 502, then 409 `already_exists`; the list shows the machine only after the
/// second POST (the list lags behind creates).
struct LaggingCreate {
    posts: Arc<AtomicU32>,
}

impl Respond for LaggingCreate {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        match self.posts.fetch_add(1, Ordering::SeqCst) {
            0 => ResponseTemplate::new(502).set_body_string("bad gateway"),
            _ => ResponseTemplate::new(409).set_body_json(error_body(
                "already_exists: machine aged-thunder-7371 exists",
            )),
        }
    }
}

struct LaggingList {
    posts: Arc<AtomicU32>,
    id: CreateRequestId,
}

impl Respond for LaggingList {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let list = if self.posts.load(Ordering::SeqCst) >= 2 {
            json!([tagged(&self.id)])
        } else {
            json!([])
        };
        ResponseTemplate::new(200).set_body_json(list)
    }
}

#[tokio::test]
async fn already_exists_after_an_ambiguous_failure_is_our_machine() {
    let server = MockServer::start().await;
    let id = CreateRequestId::generate();
    let posts = Arc::new(AtomicU32::new(0));
    Mock::given(method("POST"))
        .and(path(machines_path()))
        .respond_with(LaggingCreate {
            posts: posts.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(machines_path()))
        .respond_with(LaggingList {
            posts: posts.clone(),
            id: id.clone(),
        })
        .mount(&server)
        .await;
    let created = client(&server)
        .create_machine(APP, &request(), &id)
        .await
        .unwrap();
    assert_eq!(created.id, MACHINE);
    assert_eq!(posts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn capacity_errors_return_at_once_without_lookup() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": "no capacity", "status": "insufficient_capacity"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    let error = client(&server)
        .create_machine(APP, &request(), &CreateRequestId::generate())
        .await
        .unwrap_err();
    assert!(matches!(error, FlyError::NoCapacity(_)), "{error:?}");
}

#[tokio::test]
async fn a_resumed_provisioning_finds_its_machine() {
    let server = MockServer::start().await;
    let id = CreateRequestId::new("persisted-id");
    let mut destroyed = tagged(&id);
    destroyed["state"] = json!("destroyed");
    Mock::given(method("GET"))
        .and(path(machines_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([destroyed, tagged(&id)])))
        .mount(&server)
        .await;
    let found = client(&server)
        .find_machine_by_request_id(APP, &id)
        .await
        .unwrap();
    assert_eq!(found.unwrap().state.as_str(), "created");
    let other = CreateRequestId::new("never-used");
    assert!(client(&server)
        .find_machine_by_request_id(APP, &other)
        .await
        .unwrap()
        .is_none());
    assert_eq!(CreateRequestId::generate().as_str().len(), 32);
}

#[tokio::test]
async fn a_timed_out_volume_create_is_found_instead_of_repeated() {
    let server = MockServer::start().await;
    let volumes = format!("/v1/apps/{APP}/volumes");
    let volume = |id: &str, name: &str, region: &str| {
        json!({"id": id, "name": name, "state": "created", "size_gb": 1, "region": region,
               "zone": "z1", "encrypted": true})
    };
    Mock::given(method("POST"))
        .and(path(volumes.clone()))
        .respond_with(
            ResponseTemplate::new(408).set_body_json(error_body("deadline_exceeded: timed out")),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The one listed before the create, one of another name, one in another region, and ours.
    Mock::given(method("GET"))
        .and(path(volumes))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            volume("vol_old", "trademind_data", "sin"),
            volume("vol_other", "other", "sin"),
            volume("vol_ams", "trademind_data", "ams"),
            volume("vol_new", "trademind_data", "sin"),
        ])))
        .expect(1..)
        .mount(&server)
        .await;
    let request = crate::fly::types::CreateVolumeRequest {
        name: "trademind_data".into(),
        region: "sin".into(),
        size_gb: Some(1),
        ..Default::default()
    };
    let created = client(&server)
        .create_volume(APP, &request, &["vol_old".to_owned()])
        .await
        .unwrap();
    assert_eq!(created.id, "vol_new");
}
