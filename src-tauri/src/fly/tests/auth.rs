//! The `Authorization` header per token kind, base URL handling, and that the token never
//! shows in Debug output, errors or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{client_with, quick_options, APP, MACAROON, USER_TOKEN};
use crate::error::Error;
use crate::fly::{FlyClient, FlyError};
use crate::secrets::FlyToken;

async fn header_sent_for(pasted: &str, expected: &str) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/apps/{APP}")))
        .and(header("user-agent", "trademind-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"name": APP})))
        .expect(1)
        .mount(&server)
        .await;
    let app = client_with(&server, pasted).get_app(APP).await;
    assert_eq!(app.unwrap().name, APP, "pasted {pasted:?}");
    // Compared whole: wiremock's `header` matcher splits values at commas.
    let request = server.received_requests().await.unwrap().pop().unwrap();
    let sent = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(sent, expected, "pasted {pasted:?}");
}

#[tokio::test]
async fn macaroons_are_sent_as_flyv1() {
    let expected = format!("FlyV1 {MACAROON}");
    header_sent_for(MACAROON, &expected).await;
    header_sent_for(&format!("FlyV1 {MACAROON}"), &expected).await;
    header_sent_for(&format!("  flyv1 {MACAROON}\n"), &expected).await;
    header_sent_for(&format!("Bearer FlyV1 {MACAROON}"), &expected).await;
    // Several parts: only the macaroons, comma-joined.
    header_sent_for(
        &format!("FlyV1 {MACAROON},{USER_TOKEN},{MACAROON}"),
        &format!("FlyV1 {MACAROON},{MACAROON}"),
    )
    .await;
}

#[tokio::test]
async fn user_tokens_are_sent_as_bearer() {
    let expected = format!("Bearer {USER_TOKEN}");
    header_sent_for(USER_TOKEN, &expected).await;
    header_sent_for(&format!("Bearer {USER_TOKEN}"), &expected).await;
    header_sent_for(&format!("bearer  {USER_TOKEN} "), &expected).await;
}

#[tokio::test]
async fn base_url_may_end_with_a_slash_or_carry_a_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/proxy/v1/apps/a%20b"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"name": "a b"})))
        .expect(1)
        .mount(&server)
        .await;
    let token = FlyToken::parse(MACAROON).unwrap();
    let options = quick_options(format!("{}/proxy/", server.uri()));
    let client = FlyClient::with_options(&token, options).unwrap();
    assert_eq!(client.get_app("a b").await.unwrap().name, "a b");

    let bad = quick_options("api.machines.dev".into());
    assert!(matches!(
        FlyClient::with_options(&token, bad),
        Err(Error::InvalidInput(_))
    ));
}

/// A `MakeWriter` that collects every log line.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_token_never_shows_in_debug_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    // The callsite interest cache is process-wide: a sibling test's thread without a
    // subscriber may hit the request's log callsite first and cache "never". A second,
    // always-interested dispatcher and a rebuild keep it asking each thread's own subscriber
    // (tokio-rs/tracing#1527; the same as `trademind_tests::log_capture`).
    let _anchor = tracing::Dispatch::new(tracing_subscriber::registry());
    tracing::callsite::rebuild_interest_cache();

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(super::support::error_body(
                "Authenticate: token validation error",
            )),
        )
        .mount(&server)
        .await;
    let client = client_with(&server, MACAROON);
    let error = client.get_app(APP).await.unwrap_err();
    assert!(matches!(error, FlyError::Unauthorized(_)));
    let api: crate::error::ApiError = Error::from(error.clone()).into();
    assert_eq!(
        serde_json::to_value(&api).unwrap()["code"],
        "fly_unauthorized"
    );

    let secret = &MACAROON[4..40];
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("fly request"),
        "debug log line missing: {logs}"
    );
    for shown in [
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{api:?}"),
        logs,
    ] {
        assert!(!shown.contains(secret), "token leaked into: {shown}");
    }
}
