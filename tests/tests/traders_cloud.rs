//! Traders moving to and from the cloud against the REAL agent in process (and the fake
//! Binance): deploy through the outbox until the agent reports it deployed (badge `cloud`),
//! undeploy back to `local`, a version conflict with a copy deployed elsewhere, its
//! resolution, the refusals without an owner link, and local screening never taking a trader
//! that is in the cloud.

mod link_support;

use link_support::*;
use screener::trader::builtins::builtins;
use tokio_util::sync::CancellationToken;
use trademind::api::{self, Actor, Core};
use trademind::error::ErrorCode;
use trademind::link::Link;
use trademind::paths::Paths;
use trademind::signals::SignalBus;
use trademind::store::Store;
use trademind::traders::cloud::{owner_link, resolve_conflict, set_cloud};
use trademind::traders::placement::{badge, Badge};
use trademind::traders::{ConflictChoice, Placement};

async fn badge_of(store: &Store, id: &str) -> Badge {
    let row = store.trader_required(id).await.unwrap();
    badge(&row, &store.outbox().await.unwrap())
}

async fn wait_placement(store: &Store, id: &str, placement: Placement) -> Badge {
    wait_until(&format!("{id} {placement:?}"), || async {
        badge_of(store, id).await.placement == placement
    })
    .await;
    badge_of(store, id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_undeploy_conflict_and_resolution() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let core = Core::open(Paths::for_data_dir(app_dir.path().to_owned()).unwrap())
        .await
        .unwrap();
    let store = core.store().clone();

    // Bad input: no link at all.
    let Err(err) = owner_link(None) else {
        panic!("no link is not an owner link")
    };
    assert_eq!(err.code(), ErrorCode::MachineState);
    let via_api = api::traders::set_cloud(&core, Actor::Cli, &builtins()[0].id, true, 1)
        .await
        .unwrap_err();
    assert_eq!(via_api.code(), ErrorCode::MachineState);

    let link = start_link(&store, &agent.base_url(), OWNER).await;
    let cancel = CancellationToken::new();
    let follow = tokio::spawn(trademind::signals::feed::follow_cloud(
        store.clone(),
        SignalBus::default(),
        link.frames(),
        cancel.clone(),
    ));
    wait_state(&link, "live", trademind::link::LinkState::is_live).await;
    let link = owner_link(Some(&link)).unwrap();

    // Deploy a built-in: deploying, then cloud once the agent reports it.
    let id = builtins()[0].id.clone();
    assert_eq!(badge_of(&store, &id).await.placement, Placement::Local);
    // Bad input: a stale version.
    let stale = set_cloud(&store, link, Actor::Cli, &id, true, 7)
        .await
        .unwrap_err();
    assert_eq!(stale.code(), ErrorCode::VersionConflict);
    set_cloud(&store, link, Actor::Cli, &id, true, 1)
        .await
        .unwrap();
    assert_eq!(badge_of(&store, &id).await.placement, Placement::Deploying);
    wait_placement(&store, &id, Placement::Cloud).await;
    let row = store.trader_required(&id).await.unwrap();
    assert_eq!(row.cloud_version, Some(1));
    assert!(store.outbox().await.unwrap().is_empty(), "acked");

    // Local screening never takes a trader that is in the cloud.
    let local = api::traders::local_traders(&core, &[]).await.unwrap();
    assert!(local.iter().all(|t| t.id != id));
    assert!(local.len() == builtins().len() - 1);
    let named = api::traders::local_traders(&core, std::slice::from_ref(&id))
        .await
        .unwrap_err();
    assert_eq!(named.code(), ErrorCode::InvalidInput);

    // Undeploy: back to local.
    set_cloud(&store, link, Actor::Cli, &id, false, 1)
        .await
        .unwrap();
    wait_placement(&store, &id, Placement::Local).await;

    // Another desktop deployed a second built-in at version 5: ours (version 1) is refused.
    let other = builtins()[1].clone();
    let elsewhere_dir = tempfile::tempdir().unwrap();
    let elsewhere = open_store(elsewhere_dir.path()).await;
    let elsewhere_link: Link = start_link(&elsewhere, &agent.base_url(), OWNER).await;
    wait_state(
        &elsewhere_link,
        "other live",
        trademind::link::LinkState::is_live,
    )
    .await;
    let mut newer = other.clone();
    newer.version = 5;
    elsewhere_link.deploy_trader(newer).await.unwrap();
    wait_until("the other deploy acked", || async {
        elsewhere.outbox().await.unwrap().is_empty()
    })
    .await;
    elsewhere_link.shutdown().await;

    set_cloud(&store, link, Actor::Cli, &other.id, true, 1)
        .await
        .unwrap();
    let refused = wait_placement(&store, &other.id, Placement::Error).await;
    let conflict = refused.conflict.expect("a conflict");
    assert_eq!((conflict.local_version, conflict.cloud_version), (1, 5));
    assert!(conflict.message.contains("version"), "{}", conflict.message);
    // The card (api) shows it too.
    let card = api::traders::card(&core, &other.id).await.unwrap();
    assert!(card.conflict.is_some() && card.placement == Placement::Error);

    // Resolve with ours: deployed above the cloud's version.
    resolve_conflict(
        &store,
        Some(link),
        Actor::Cli,
        &other.id,
        ConflictChoice::Mine,
    )
    .await
    .unwrap();
    let resolved = wait_placement(&store, &other.id, Placement::Cloud).await;
    assert!(resolved.conflict.is_none());
    let row = store.trader_required(&other.id).await.unwrap();
    assert_eq!((row.trader.version, row.cloud_version), (6, Some(6)));
    // Bad input: nothing left to resolve.
    let none = resolve_conflict(
        &store,
        Some(link),
        Actor::Cli,
        &other.id,
        ConflictChoice::Cloud,
    )
    .await
    .unwrap_err();
    assert_eq!(none.code(), ErrorCode::InvalidInput);
    let events = store
        .events_of_kind("trader.resolve_conflict", 5)
        .await
        .unwrap();
    assert_eq!(events[0].details["version"], 6);

    cancel.cancel();
    follow.await.unwrap();
    link.shutdown().await;
    agent.shutdown().await;
    core.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_link_may_not_deploy() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &agent.base_url(), VIEWER).await;
    wait_state(&link, "live", trademind::link::LinkState::is_live).await;
    let Err(err) = owner_link(Some(&link)) else {
        panic!("a viewer link is not an owner link")
    };
    assert_eq!(err.code(), ErrorCode::MachineState);
    assert!(err.to_string().contains("viewer"), "{err}");
    link.shutdown().await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_signals_reach_the_bus_after_they_are_stored() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let store = open_store(app_dir.path()).await;
    store.seed_builtin_traders(&builtins()).await.unwrap();
    let mut trader = always("every-close", 1);
    trader.cloud.notify_on_signal = true;
    store.trader_insert(&trader).await.unwrap();
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    let bus = SignalBus::default();
    let mut signals = bus.subscribe();
    let cancel = CancellationToken::new();
    let follow = tokio::spawn(trademind::signals::feed::follow_cloud(
        store.clone(),
        bus.clone(),
        link.frames(),
        cancel.clone(),
    ));
    wait_state(&link, "live", trademind::link::LinkState::is_live).await;
    set_cloud(
        &store,
        owner_link(Some(&link)).unwrap(),
        Actor::Cli,
        "every-close",
        true,
        1,
    )
    .await
    .unwrap();
    wait_placement(&store, "every-close", Placement::Cloud).await;
    fake.advance(screener::market::Interval::M1, 1);
    let signal = tokio::time::timeout(WAIT, signals.recv())
        .await
        .expect("a cloud signal on the bus")
        .unwrap();
    assert_eq!(signal.source, trademind::signals::SignalSource::Cloud);
    assert_eq!(signal.trader_name, "Always every-close");
    let journal = store.agent_cursor().await.unwrap().unwrap().journal_id;
    assert_eq!(signal.key, format!("cloud:{journal}:{}", signal.seq));
    // It is the stored one: the list has it under the same key.
    let listed = trademind::signals::feed::list(&store, &Default::default())
        .await
        .unwrap();
    assert!(listed.iter().any(|s| s.key == signal.key));
    cancel.cancel();
    follow.await.unwrap();
    link.shutdown().await;
    agent.shutdown().await;
}
