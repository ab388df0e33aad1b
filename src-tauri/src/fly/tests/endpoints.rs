//! The endpoints' methods, paths, queries and bodies as the doc gives them.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{client, error_body, machine, APP, MACHINE};
use crate::fly::types::{CreateAppRequest, CreateVolumeRequest, MachineState};
use crate::fly::{FlyError, ListMachines, RestartOptions, StopOptions};
use crate::sensitive::Sensitive;

fn machine_path(rest: &str) -> String {
    format!("/v1/apps/{APP}/machines/{MACHINE}{rest}")
}

async fn ok(server: &MockServer, verb: &str, at: String, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

async fn last_body(server: &MockServer) -> Value {
    let request = server.received_requests().await.unwrap().pop().unwrap();
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn stop_always_sends_an_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(machine_path("/stop")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .stop_machine(APP, MACHINE, &StopOptions::default(), None)
        .await
        .unwrap();
    assert_eq!(last_body(&server).await, json!({}));
    let options = StopOptions {
        signal: Some("SIGTERM".into()),
        timeout: Some(Duration::from_secs(10)),
    };
    client
        .stop_machine(APP, MACHINE, &options, None)
        .await
        .unwrap();
    assert_eq!(
        last_body(&server).await,
        json!({"signal": "SIGTERM", "timeout": "10s"})
    );
}

#[tokio::test]
async fn lifecycle_calls_hit_their_paths() {
    let server = MockServer::start().await;
    ok(
        &server,
        "POST",
        machine_path("/start"),
        200,
        json!({"previous_state": "stopped", "migrated": false, "new_host": ""}),
    )
    .await;
    ok(
        &server,
        "POST",
        machine_path("/suspend"),
        200,
        json!({"ok": true}),
    )
    .await;
    ok(&server, "POST", machine_path("/cordon"), 200, json!({})).await;
    ok(&server, "POST", machine_path("/uncordon"), 200, json!({})).await;
    Mock::given(method("POST"))
        .and(path(machine_path("/restart")))
        .and(query_param("timeout", "30s"))
        .and(query_param("signal", "SIGTERM"))
        .and(query_param("force_stop", "false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(machine_path("")))
        .and(query_param("force", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let started = client.start_machine(APP, MACHINE, None).await.unwrap();
    assert_eq!(started.previous_state, Some(MachineState::Stopped));
    client.suspend_machine(APP, MACHINE, None).await.unwrap();
    client.cordon_machine(APP, MACHINE, None).await.unwrap();
    client.uncordon_machine(APP, MACHINE, None).await.unwrap();
    let restart = RestartOptions {
        signal: Some("SIGTERM".into()),
        timeout: Some(Duration::from_secs(30)),
        force_stop: false,
    };
    client
        .restart_machine(APP, MACHINE, &restart, None)
        .await
        .unwrap();
    client
        .destroy_machine(APP, MACHINE, true, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_start_answering_status_error_fails() {
    let server = MockServer::start().await;
    ok(
        &server,
        "POST",
        machine_path("/start"),
        200,
        json!({"status": "error", "message": "failed to start"}),
    )
    .await;
    let error = client(&server)
        .start_machine(APP, MACHINE, None)
        .await
        .unwrap_err();
    assert!(matches!(error, FlyError::IllegalState(ref r) if r.message == "failed to start"));
}

#[tokio::test]
async fn list_filters_become_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}/machines")))
        .and(query_param("include_deleted", "true"))
        .and(query_param("region", "sin"))
        .and(query_param("state", "started,stopped"))
        .and(query_param("summary", "true"))
        .and(query_param("metadata.role", "screener"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([machine(
            "started",
            "01HQV1",
            json!({"role": "screener"})
        )])))
        .expect(1)
        .mount(&server)
        .await;
    let filter = ListMachines {
        include_deleted: true,
        region: Some("sin".into()),
        states: vec![MachineState::Started, MachineState::Stopped],
        summary: true,
        metadata: vec![("role".into(), "screener".into())],
    };
    let machines = client(&server).list_machines(APP, &filter).await.unwrap();
    assert_eq!(machines[0].metadata("role"), Some("screener"));
}

#[tokio::test]
async fn events_and_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(machine_path("/events")))
        .and(query_param("limit", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "e1", "type": "start", "status": "started", "source": "user", "timestamp": 1723629360000_i64}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    ok(
        &server,
        "GET",
        machine_path("/metadata"),
        200,
        json!({"role": "screener"}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(machine_path("/metadata/role")))
        .and(body_json(json!({"value": "worker"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(machine_path("/metadata/role")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let events = client.machine_events(APP, MACHINE, 500).await.unwrap();
    assert_eq!(events[0].timestamp, 1723629360000);
    assert_eq!(
        client.machine_metadata(APP, MACHINE).await.unwrap()["role"],
        "screener"
    );
    client
        .set_machine_metadata(APP, MACHINE, "role", "worker", None)
        .await
        .unwrap();
    client
        .delete_machine_metadata(APP, MACHINE, "role", None)
        .await
        .unwrap();
}

#[tokio::test]
async fn create_app_waits_until_the_app_is_visible() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/apps"))
        .and(body_json(json!({"name": APP, "org_slug": "personal"})))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "a1", "created_at": 1708631799000_i64})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("not found")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}")))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body("unauthorized")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    ok(
        &server,
        "GET",
        format!("/v1/apps/{APP}"),
        200,
        json!({"id": "a1", "name": APP, "status": "pending"}),
    )
    .await;
    let request = CreateAppRequest {
        name: APP.into(),
        org_slug: "personal".into(),
        ..Default::default()
    };
    let app = client(&server).create_app(&request).await.unwrap();
    assert_eq!(app.status.as_deref(), Some("pending"));
}

#[tokio::test]
async fn a_taken_app_name_is_already_exists() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "error": "Validation failed: Name has already been taken", "status": "name_taken"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = CreateAppRequest {
        name: APP.into(),
        org_slug: "personal".into(),
        ..Default::default()
    };
    let error = client(&server).create_app(&request).await.unwrap_err();
    assert!(matches!(error, FlyError::AlreadyExists(_)), "{error:?}");
}

#[tokio::test]
async fn apps_list_and_delete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/apps"))
        .and(query_param("org_slug", "personal"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total_apps": 1, "apps": [{"id": "a1", "name": APP}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/apps/{APP}")))
        .and(query_param("force", "true"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(client.list_apps("personal").await.unwrap()[0].name, APP);
    client.delete_app(APP, true).await.unwrap();
}

#[tokio::test]
async fn secrets_are_written_in_bulk_and_listed_without_values() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/apps/{APP}/secrets")))
        .and(body_json(
            json!({"values": {"AGENT_TOKEN": "s3cret-value", "OLD": null}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"secrets": [{"name": "AGENT_TOKEN", "digest": "d1"}], "version": 7}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}/secrets")))
        .and(query_param("min_version", "7"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"secrets": [{"name": "AGENT_TOKEN", "digest": "d1"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    ok(
        &server,
        "DELETE",
        format!("/v1/apps/{APP}/secrets/AGENT_TOKEN"),
        200,
        json!({"version": 8}),
    )
    .await;
    let client = client(&server);
    let value = Sensitive::new("s3cret-value".to_owned());
    let version = client
        .update_secrets(APP, &[("AGENT_TOKEN", Some(&value)), ("OLD", None)])
        .await
        .unwrap();
    assert_eq!(version.version, 7);
    assert_eq!(
        client.list_secrets(APP, Some(7)).await.unwrap()[0].name,
        "AGENT_TOKEN"
    );
    assert_eq!(
        client
            .delete_secret(APP, "AGENT_TOKEN")
            .await
            .unwrap()
            .version,
        8
    );
}

#[tokio::test]
async fn volumes() {
    let server = MockServer::start().await;
    let volume = json!({"id": "vol_1", "name": "data", "state": "created", "size_gb": 3, "region": "sin", "zone": "z1", "encrypted": true});
    Mock::given(method("POST"))
        .and(path(format!("/v1/apps/{APP}/volumes")))
        .and(body_json(
            json!({"name": "data", "region": "sin", "size_gb": 3}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(volume.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/apps/{APP}/volumes/vol_1/extend")))
        .and(body_json(json!({"size_gb": 5})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"needs_restart": true, "volume": volume})),
        )
        .expect(1)
        .mount(&server)
        .await;
    ok(
        &server,
        "GET",
        format!("/v1/apps/{APP}/volumes"),
        200,
        json!([volume]),
    )
    .await;
    ok(
        &server,
        "DELETE",
        format!("/v1/apps/{APP}/volumes/vol_1"),
        200,
        volume.clone(),
    )
    .await;
    let client = client(&server);
    let request = CreateVolumeRequest {
        name: "data".into(),
        region: "sin".into(),
        size_gb: Some(3),
        ..Default::default()
    };
    assert_eq!(
        client.create_volume(APP, &request, &[]).await.unwrap().id,
        "vol_1"
    );
    assert!(
        client
            .extend_volume(APP, "vol_1", 5)
            .await
            .unwrap()
            .needs_restart
    );
    assert_eq!(client.list_volumes(APP).await.unwrap().len(), 1);
    client.delete_volume(APP, "vol_1").await.unwrap();
}

#[tokio::test]
async fn regions_and_the_current_token() {
    let server = MockServer::start().await;
    ok(&server, "GET", "/v1/platform/regions".into(), 200, json!({
        "Regions": [{"code": "sin", "name": "Singapore", "gateway_available": true}], "Nearest": "sin"
    })).await;
    ok(&server, "GET", "/v1/tokens/current".into(), 200, json!({
        "tokens": [{"token_id": "t1", "org_slug": "personal", "apps": [APP], "restricted_to_machine": null}]
    })).await;
    let client = client(&server);
    let regions = client.regions().await.unwrap();
    assert_eq!(
        (regions.regions[0].code.as_str(), regions.nearest.as_deref()),
        ("sin", Some("sin"))
    );
    let tokens = client.current_token().await.unwrap();
    assert_eq!(tokens[0].org_slug.as_deref(), Some("personal"));
}
