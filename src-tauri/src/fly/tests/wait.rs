//! Waiting: looped calls of at most 60 s under an overall deadline, several target states,
//! 408 as "not yet", 404 right after create, 404 as destroyed; update checked by version.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{client, error_body, machine, APP, MACHINE};
use crate::fly::types::{MachineConfig, MachineState, UpdateMachineRequest, WaitTarget};
use crate::fly::{FlyError, WaitFor};

fn wait_path() -> String {
    format!("/v1/apps/{APP}/machines/{MACHINE}/wait")
}

fn not_yet(current: &str) -> ResponseTemplate {
    ResponseTemplate::new(408).set_body_json(error_body(&format!(
        "deadline_exceeded: machine failed to reach desired state, started, currently {current}"
    )))
}

fn queries(request: &wiremock::Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn a_408_means_not_yet_and_the_wait_goes_on() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .and(query_param("timeout", "60"))
        .respond_with(not_yet("starting"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .and(query_param("timeout", "60"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(600)).version("01HQV2");
    let outcome = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap();
    assert_eq!(outcome.state, MachineState::Started);
    let requests = server.received_requests().await.unwrap();
    assert!(queries(&requests[0]).contains(&("version".into(), "01HQV2".into())));
}

#[tokio::test]
async fn each_call_asks_for_at_most_what_is_left() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "state": "started"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    for (overall, expected) in [(3600, "60"), (60, "60"), (5, "5")] {
        let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(overall));
        client.wait_for_state(APP, MACHINE, &wait).await.unwrap();
        let last = server.received_requests().await.unwrap().pop().unwrap();
        assert!(
            queries(&last).contains(&("timeout".into(), expected.into())),
            "{overall}s"
        );
    }
}

#[tokio::test]
async fn several_targets_are_sent_as_repeated_states() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}/machines/{MACHINE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(machine(
            "stopped",
            "01HQV2",
            json!({}),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let wait = WaitFor::any_of(
        [WaitTarget::Started, WaitTarget::Stopped],
        Duration::from_secs(30),
    );
    let outcome = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap();
    assert_eq!(
        outcome.state,
        MachineState::Stopped,
        "read from the machine"
    );
    let first = &server.received_requests().await.unwrap()[0];
    let states: Vec<String> = queries(first)
        .into_iter()
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(states, ["started", "stopped"]);
}

#[tokio::test]
async fn a_404_right_after_create_is_retried_briefly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("not_found: machine not found")),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "state": "started"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(30)).just_created();
    let outcome = client.wait_for_state(APP, MACHINE, &wait).await.unwrap();
    assert_eq!(outcome.state, MachineState::Started);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // Not just created: a 404 is final.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("not_found: machine not found")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(30));
    let error = client
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap_err();
    assert!(matches!(error, FlyError::NotFound(_)));
}

#[tokio::test]
async fn a_404_stops_retrying_when_the_visibility_window_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("not_found: machine not found")),
        )
        .mount(&server)
        .await;
    let started = Instant::now();
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(30)).just_created();
    let error = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap_err();
    assert!(matches!(error, FlyError::NotFound(_)), "{error:?}");
    // The test propagation window is 2 s.
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_404_while_waiting_for_destroyed_is_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body("not_found: machine not found")),
        )
        .mount(&server)
        .await;
    let wait = WaitFor::state(WaitTarget::Destroyed, Duration::from_secs(30));
    let outcome = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap();
    assert_eq!(outcome.state, MachineState::Destroyed);
}

#[tokio::test]
async fn the_overall_deadline_ends_the_wait_with_the_last_state() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(not_yet("replacing").set_delay(Duration::from_millis(100)))
        .mount(&server)
        .await;
    let started = Instant::now();
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_millis(800));
    let error = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    match error {
        FlyError::Timeout { detail, reply } => {
            assert!(detail.contains("it is replacing"), "{detail}");
            assert_eq!(reply.unwrap().status, 408);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    let calls = server.received_requests().await.unwrap();
    assert!(calls.len() >= 2, "looped: {} calls", calls.len());
    assert!(queries(&calls[0]).contains(&("timeout".into(), "1".into())));
}

#[tokio::test]
async fn a_bad_request_ends_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(error_body("invalid_argument: timeout")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let wait = WaitFor::state(WaitTarget::Stopped, Duration::from_secs(30));
    let error = client(&server)
        .wait_for_state(APP, MACHINE, &wait)
        .await
        .unwrap_err();
    assert!(matches!(error, FlyError::BadRequest(_)));
}

fn update_request(current: &str) -> UpdateMachineRequest {
    UpdateMachineRequest {
        config: MachineConfig {
            image: "img@sha256:new".into(),
            ..MachineConfig::default()
        },
        current_version: Some(current.into()),
        ..UpdateMachineRequest::default()
    }
}

async fn mount_update(server: &MockServer, answered_version: &str, read_version: &str) {
    let machine_path = format!("/v1/apps/{APP}/machines/{MACHINE}");
    Mock::given(method("POST"))
        .and(path(machine_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(machine(
            "replacing",
            answered_version,
            json!({}),
        )))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(wait_path()))
        .and(query_param("version", answered_version))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(machine_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(machine(
            "started",
            read_version,
            json!({}),
        )))
        .mount(server)
        .await;
}

#[tokio::test]
async fn update_and_wait_checks_the_new_version_runs() {
    let server = MockServer::start().await;
    mount_update(&server, "01HQNEW", "01HQNEW").await;
    let client = client(&server);
    let machine = client
        .update_and_wait(
            APP,
            MACHINE,
            &update_request("01HQOLD"),
            None,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(machine.current_version(), Some("01HQNEW"));
    let post = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["current_version"], "01HQOLD");
    assert_eq!(body["config"]["image"], "img@sha256:new");
}

#[tokio::test]
async fn a_rolled_back_update_is_reported() {
    let server = MockServer::start().await;
    mount_update(&server, "01HQNEW", "01HQOLD").await;
    let error = client(&server)
        .update_and_wait(
            APP,
            MACHINE,
            &update_request("01HQOLD"),
            None,
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, FlyError::UpdateNotApplied { ref expected, .. } if expected == "01HQNEW"),
        "{error:?}"
    );

    let server = MockServer::start().await;
    mount_update(&server, "01HQOLD", "01HQOLD").await;
    let error = client(&server)
        .update_machine(APP, MACHINE, &update_request("01HQOLD"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, FlyError::UpdateNotApplied { .. }),
        "{error:?}"
    );
}
