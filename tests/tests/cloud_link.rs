//! The app's cloud link slot (`trademind::cloud`, `trademind::api::link`) against the REAL
//! agent in process: it connects only once the machine record says started and `/health`
//! says ready, forwards metrics frames, publishes connecting → live → reconnecting → offline,
//! records link transitions in the audit log, drains every task on disconnect, and never lets
//! the owner token reach the view, the logs or the database. Needs the keyring
//! (`scripts/with-keyring.sh`).

mod link_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_binance::{Endpoint, Fault};
use link_support::*;
use screener::protocol::ServerFrame;
use trademind::api::link::{self, LinkCheck};
use trademind::api::Core;
use trademind::cloud::LinkView;
use trademind::link::LinkState;
use trademind::paths::Paths;
use trademind::secrets::{SecretAccount, Vault};
use trademind::sensitive::Sensitive;
use trademind::store::events::EventFilter;
use trademind::store::machine::MachineRecord;

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

fn record(state: &str) -> MachineRecord {
    MachineRecord {
        app: "trademind-cloudtest".into(),
        org_slug: "personal".into(),
        machine_id: None,
        instance_id: None,
        region: "fra".into(),
        size: "normal".into(),
        image: "registry.fly.io/agent:1".into(),
        state: Some(state.into()),
        seen_at: None,
        secrets_version: None,
        secrets_fingerprint: None,
    }
}

/// A core in `dir` whose agent URL is `agent_url`, the owner token in the real keyring.
async fn core(dir: &std::path::Path, agent_url: &str) -> Core {
    trademind_tests::keyring::require_real_keyring();
    let paths = Paths::for_data_dir(dir.to_path_buf()).unwrap();
    let vault = Vault::open(paths.keyring_service.clone()).unwrap();
    vault
        .store_secret(
            SecretAccount::AgentOwnerToken,
            &Sensitive::new(OWNER.into()),
        )
        .await
        .unwrap();
    let mut core = Core::open(paths).await.unwrap();
    core.override_endpoints(None, Some(agent_url)).unwrap();
    core
}

/// Every view the slot publishes from now on.
fn record_views(core: &Core) -> Arc<Mutex<Vec<LinkView>>> {
    let mut views = core.cloud().view();
    let seen = Arc::new(Mutex::new(vec![views.borrow_and_update().clone()]));
    let out = Arc::clone(&seen);
    tokio::spawn(async move {
        while views.changed().await.is_ok() {
            let view = views.borrow_and_update().clone();
            out.lock().unwrap().push(view);
        }
    });
    seen
}

async fn wait_view(core: &Core, what: &str, pick: impl Fn(&LinkView) -> bool) -> LinkView {
    let mut views = core.cloud().view();
    let found = match tokio::time::timeout(WAIT, views.wait_for(|v| pick(v))).await {
        Ok(Ok(view)) => view.clone(),
        _ => panic!(
            "timed out waiting for {what}: {:?}",
            *core.cloud().view().borrow()
        ),
    };
    found
}

#[tokio::test]
async fn connects_once_ready_forwards_metrics_and_drains_on_disconnect() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = trademind_tests::log_capture::install(subscriber);

    let fake = market();
    // Every klines request answers 2.5 s late: the agent's backfill keeps it `starting`.
    fake.inject(
        Fault::Delay(Duration::from_millis(2500)),
        Endpoint::Klines,
        2,
    );
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let agent = spawn_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let addr = agent.addr.to_string();
    let core = core(app_dir.path(), &agent.base_url()).await;
    let views = record_views(&core);

    // No machine record, then a stopped one: nothing to connect to.
    assert!(matches!(
        link::ensure_connected(&core).await.unwrap(),
        LinkCheck::NotStarted(_)
    ));
    core.store().save_machine(&record("stopped")).await.unwrap();
    assert!(matches!(
        link::ensure_connected(&core).await.unwrap(),
        LinkCheck::NotStarted(_)
    ));
    // Started, but the agent is still backfilling: no link yet.
    core.store().save_machine(&record("started")).await.unwrap();
    let early = link::ensure_connected(&core).await.unwrap();
    assert!(
        matches!(early, LinkCheck::AgentNotReady(ref why) if why.contains("starting")),
        "{early:?}"
    );
    assert!(core.cloud().link().is_none());
    assert_eq!(link::view(&core), LinkView::offline());
    // Reconnect without a link and an agent not ready: refused with the reason.
    let err = link::reconnect(&core).await.unwrap_err();
    assert_eq!(err.code(), trademind::error::ErrorCode::AgentNotReady);

    agent.ready().await;
    let mut frames = core.cloud().frames();
    assert_eq!(
        link::ensure_connected(&core).await.unwrap(),
        LinkCheck::Connected
    );
    // A second call keeps the running link.
    let first = core.cloud().link().unwrap();
    assert_eq!(
        link::ensure_connected(&core).await.unwrap(),
        LinkCheck::Connected
    );
    assert!(Arc::ptr_eq(&first, &core.cloud().link().unwrap()));
    drop(first);
    let live = wait_view(&core, "live", |v| v.state.is_live()).await;
    assert_eq!(live.agent_url.as_deref(), Some(agent.base_url().as_str()));
    assert!(live.attempts >= 1);
    assert!(core.cloud().is_live());

    // Metrics frames reach the slot's subscribers and the history.
    let metrics = tokio::time::timeout(WAIT, async {
        loop {
            // The first frames may predate the backfill's symbol count.
            if let Ok(ServerFrame::Metrics(m)) = frames.recv().await {
                if m.symbols >= 1 {
                    return m;
                }
            }
        }
    })
    .await
    .expect("a metrics frame with the agent's symbols");
    assert_eq!(metrics.symbols as usize, SYMBOLS.len(), "{metrics:?}");
    wait_until("metrics recorded", || async {
        core.store()
            .latest_metrics("trademind-cloudtest")
            .await
            .unwrap()
            .is_some()
    })
    .await;

    // The agent goes away: reconnecting with an attempt count; back live when it returns.
    agent.shutdown().await;
    let down = wait_view(
        &core,
        "reconnecting",
        |v| matches!(v.state, LinkState::Reconnecting { attempt, .. } if attempt >= 2),
    )
    .await;
    assert!(down.attempts > live.attempts, "{down:?}");
    // A command written while the agent is away counts as pending until it is answered.
    let link_now = core.cloud().link().unwrap();
    link_now.deploy_trader(always("cloud-1", 1)).await.unwrap();
    drop(link_now);
    wait_view(&core, "one pending command", |v| v.pending_commands == 1).await;
    // The agent comes back (as after a resize's restart): once `/health` is ready the link
    // is asked to reconnect at once instead of waiting out its backoff.
    let agent = start_agent(&fake, agent_dir.path(), &addr).await;
    let asked = std::time::Instant::now();
    link::reconnect_when_ready(&core).await;
    wait_view(&core, "live again", |v| v.state.is_live()).await;
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );

    // Disconnect: offline, and nothing of the link is left running.
    let weak = Arc::downgrade(&core.cloud().link().unwrap());
    assert!(link::disconnect(&core).await);
    assert_eq!(link::view(&core), LinkView::offline());
    assert!(core.cloud().link().is_none());
    assert!(weak.upgrade().is_none(), "a task still holds the link");
    assert!(!link::disconnect(&core).await, "idempotent");

    let seen = views.lock().unwrap().clone();
    let states: Vec<&str> = seen
        .iter()
        .map(|v| match v.state {
            LinkState::Offline { .. } => "offline",
            LinkState::Connecting => "connecting",
            LinkState::Live { .. } => "live",
            LinkState::Reconnecting { .. } => "reconnecting",
            LinkState::CircuitOpen { .. } => "circuit_open",
        })
        .collect();
    let first_live = states.iter().position(|s| *s == "live").unwrap();
    assert!(states[..first_live].contains(&"connecting"), "{states:?}");
    assert_eq!(states.last(), Some(&"offline"));

    // The audit log has the transitions, by the app, once each.
    let events = core
        .store()
        .query_events(&EventFilter {
            kind: Some("link".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().rev().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["link.connected", "link.lost", "link.connected"],
        "{events:?}"
    );
    assert!(events.iter().all(|e| e.actor == "app"));

    // The token is nowhere: views, logs, the data directory.
    let json = serde_json::to_string(&seen).unwrap();
    assert!(!json.contains(OWNER));
    core.close().await;
    agent.shutdown().await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("starting the agent link"), "logs captured");
    assert!(!logs.contains(OWNER), "the token reached a log line");
    assert!(trademind_tests::leak::files_containing(app_dir.path(), OWNER).is_empty());
}

#[tokio::test]
async fn a_missing_owner_token_or_bad_agent_url_is_reported() {
    trademind_tests::keyring::require_real_keyring();
    let app_dir = tempfile::tempdir().unwrap();
    let paths = Paths::for_data_dir(app_dir.path().to_path_buf()).unwrap();
    let mut core = Core::open(paths).await.unwrap();
    // No machine.
    let err = link::link_config(&core).await.unwrap_err();
    assert_eq!(err.code(), trademind::error::ErrorCode::NoMachine);
    core.store().save_machine(&record("started")).await.unwrap();
    // A machine but no owner token in the keyring.
    let err = link::link_config(&core).await.unwrap_err();
    assert_eq!(err.code(), trademind::error::ErrorCode::Unauthorized);
    // The default agent URL names the app; `{app}` in an override is replaced.
    core.override_endpoints(None, Some("http://127.0.0.1:9/{app}"))
        .unwrap();
    let vault = Vault::open(core.paths().keyring_service.clone()).unwrap();
    vault
        .store_secret(
            SecretAccount::AgentOwnerToken,
            &Sensitive::new(OWNER.into()),
        )
        .await
        .unwrap();
    let config = link::link_config(&core).await.unwrap();
    assert_eq!(config.agent_url, "http://127.0.0.1:9/trademind-cloudtest");
    assert!(!format!("{config:?}").contains(OWNER));
    // Started but nothing answers: not ready, no link.
    let check = link::ensure_connected(&core).await.unwrap();
    assert!(matches!(check, LinkCheck::AgentNotReady(_)), "{check:?}");
    assert!(core.cloud().link().is_none());
    vault
        .delete_secret(SecretAccount::AgentOwnerToken)
        .await
        .unwrap();
    core.close().await;
}
