//! The agent token never reaches a log line (tracing captured at TRACE for the link, the
//! WebSocket library and the agent) or the Debug form of the link's config.

mod link_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use link_support::*;
use trademind::error::ErrorCode;
use trademind::link::LinkState;

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

#[tokio::test]
async fn the_token_never_appears_in_logs_or_debug() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    // A current-thread runtime: every task of the link and the agent logs here.
    let _guard = trademind_tests::log_capture::install(subscriber);

    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    wait_state(&link, "live", LinkState::is_live).await;
    link.deploy_trader(always("t", 1)).await.unwrap();
    wait_until("acked", || async {
        store.outbox().await.unwrap().is_empty()
    })
    .await;
    link.shutdown().await;

    // Bad input: a wrong token (its refusal is logged too).
    let wrong = "tmo_wrong-token-that-must-not-leak-0001";
    let link = start_link(&store, &agent.base_url(), wrong).await;
    wait_state(
        &link,
        "unauthorized",
        |s| matches!(s, LinkState::Offline { error: Some(e) } if e.code == ErrorCode::Unauthorized),
    )
    .await;
    link.shutdown().await;
    agent.shutdown().await;

    let config = config(&agent_url_of("x"), OWNER, fast());
    let debug = format!("{config:?} {config:#?}");
    assert!(!debug.contains(OWNER), "Debug leaked the token: {debug}");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("agent link live"), "the link logged: {logs}");
    for secret in [OWNER, wrong, "tmo_"] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs");
    }
}

fn agent_url_of(app: &str) -> String {
    format!("https://{app}.fly.dev")
}
