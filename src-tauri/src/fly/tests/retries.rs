//! Transient-only retries over HTTP: 429 with `Retry-After`, 5xx, network failures and the
//! overall deadline; final 4xx answers; error bodies into typed errors.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{client, error_body, quick_options, with_retry, APP, MACAROON, MACHINE};
use crate::error::ErrorCode;
use crate::fly::{FlyClient, FlyError, RetryPolicy};
use crate::secrets::FlyToken;

fn app_path() -> String {
    format!("/v1/apps/{APP}")
}

async fn mount_sequence(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(app_path()))
        .respond_with(first)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": APP})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_seconds() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .set_body_json(error_body("rate limited"));
    mount_sequence(&server, limited, 1).await;
    let started = Instant::now();
    client(&server).get_app(APP).await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(990),
        "retried after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

#[tokio::test]
async fn rate_limit_honours_an_http_date() {
    let server = MockServer::start().await;
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let limited = ResponseTemplate::new(429).insert_header(
        "retry-after",
        at.format("%a, %d %b %Y %H:%M:%S GMT").to_string().as_str(),
    );
    mount_sequence(&server, limited, 1).await;
    let started = Instant::now();
    client(&server).get_app(APP).await.unwrap();
    let elapsed = started.elapsed();
    // Second resolution: between 1 and 2 s from now.
    assert!(
        elapsed >= Duration::from_millis(900),
        "retried after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

#[tokio::test]
async fn bad_gateway_and_unavailable_are_retried_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path()))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_sequence(
        &server,
        ResponseTemplate::new(503).set_body_json(error_body("try later")),
        1,
    )
    .await;
    assert_eq!(client(&server).get_app(APP).await.unwrap().name, APP);
}

#[tokio::test]
async fn final_client_errors_are_not_retried() {
    let cases = [
        (
            400,
            "json: cannot unmarshal array into Go value of type main.stopRequest",
            ErrorCode::FlyRejected,
        ),
        (
            401,
            "Authenticate: token validation error",
            ErrorCode::FlyUnauthorized,
        ),
        (404, "not_found: machine not found", ErrorCode::FlyNotFound),
        (
            409,
            "aborted: lease currently held by x@tokens.fly.io",
            ErrorCode::FlyLeaseHeld,
        ),
        (
            412,
            "unable to start machine from current state",
            ErrorCode::FlyIllegalState,
        ),
        (
            422,
            "Validation failed: Name under 63 chars",
            ErrorCode::FlyRejected,
        ),
    ];
    for (status, message, code) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("/v1/apps/{APP}/machines/{MACHINE}/start")))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("fly-request-id", "01REQ")
                    .set_body_json(error_body(message)),
            )
            .expect(1)
            .mount(&server)
            .await;
        let error = client(&server)
            .start_machine(APP, MACHINE, None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), code, "{status}: {error:?}");
        let reply = error.reply().unwrap();
        assert_eq!((reply.status, reply.message.as_str()), (status, message));
        assert_eq!(reply.request_id.as_deref(), Some("01REQ"));
        server.verify().await;
    }
}

#[tokio::test]
async fn error_bodies_become_typed_errors() {
    let cases = [
        (
            403,
            json!({"error": "unauthorized"}),
            "POST",
            ErrorCode::FlyReadOnly,
        ),
        (
            409,
            json!({"error": "already_exists: machine with name exists, id 1857156b526dd8"}),
            "POST",
            ErrorCode::FlyAlreadyExists,
        ),
        (
            422,
            json!({"error": "Validation failed: Name has already been taken", "status": "name_taken"}),
            "POST",
            ErrorCode::FlyAlreadyExists,
        ),
        (
            503,
            json!({"error": "no capacity in sjc", "status": "insufficient_capacity"}),
            "POST",
            ErrorCode::FlyNoCapacity,
        ),
        (
            451,
            json!({"error": "restricted location"}),
            "POST",
            ErrorCode::FlyGeoBlocked,
        ),
    ];
    for (status, body, verb, code) in cases {
        let server = MockServer::start().await;
        Mock::given(method(verb))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let error = client(&server)
            .suspend_machine(APP, MACHINE, None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), code, "{status}: {error:?}");
        assert!(!error.is_transient());
    }
    // A 403 on a read is a scope problem, not a read-only token.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": "unauthorized"})))
        .mount(&server)
        .await;
    let error = client(&server).get_app(APP).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::FlyForbidden);
}

#[tokio::test]
async fn the_overall_deadline_stops_retrying() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body("unavailable")))
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 1000,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(1),
        deadline: Duration::from_millis(400),
    };
    let started = Instant::now();
    let error = with_retry(&server, policy).get_app(APP).await.unwrap_err();
    let elapsed = started.elapsed();
    // Either no time was left to retry (the last 503), or the deadline cut an attempt short
    // (a loaded machine), and then the error names the 503 before it.
    match &error {
        FlyError::Server(_) => {}
        FlyError::Timeout { detail, .. } => {
            assert!(detail.contains("within 400ms"), "{detail}");
            assert!(detail.contains("unavailable"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    let calls = server.received_requests().await.unwrap().len();
    assert!((2..20).contains(&calls), "{calls} calls");
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let token = FlyToken::parse(MACAROON).unwrap();
    let mut options = quick_options(server.uri());
    options.request_timeout = Duration::from_millis(150);
    options.retry.max_attempts = 2;
    let error = FlyClient::with_options(&token, options)
        .unwrap()
        .get_app(APP)
        .await
        .unwrap_err();
    assert!(
        matches!(error, FlyError::Timeout { reply: None, .. }),
        "{error:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn refused_connections_are_network_errors_before_send() {
    let token = FlyToken::parse(MACAROON).unwrap();
    let options = quick_options("http://127.0.0.1:9".into());
    let error = FlyClient::with_options(&token, options)
        .unwrap()
        .get_app(APP)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            FlyError::Network {
                before_send: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), ErrorCode::FlyUnavailable);
}
