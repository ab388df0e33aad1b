//! Auto-stop against the fake Fly: a machine started by `trademind machine start`, then the
//! parking task's looks with a test clock — kept while idle for less than the period,
//! deferred while the machine lock, a pending undeploy or a Fly lease is held, then parked
//! (stopped on Fly, `machine.parked` audited once with the reason). Needs the keyring
//! (`scripts/with-keyring.sh`) and `cargo build -p trademind`.

use std::time::Duration;

use chrono::Utc;
use screener::protocol::{ClientFrame, UndeployTrader};
use trademind::api::{Actor, Core};
use trademind::machine::lock::MachineLock;
use trademind::parking::decide::{InFlight, ParkReason, ParkingMemory};
use trademind::parking::record::event;
use trademind::parking::task::{tick, Outcome};
use trademind::parking::AutoStopSettings;
use trademind::paths::Paths;
use trademind_tests::fake_fly::{FakeConfig, FakeFly, TokenKind};
use trademind_tests::fly_profile::FlyProfile;

#[tokio::test]
async fn an_idle_machine_is_parked_once_never_while_in_flight() {
    trademind_tests::keyring::require_real_keyring();
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    let (fly_url, agent_url) = (user.fly_url.clone(), user.agent_url.clone());
    let (user, run) = tokio::task::spawn_blocking(move || {
        let run = user.cli(&["machine", "start", "--json"]);
        (user, run)
    })
    .await
    .unwrap();
    run.assert_ok();

    // The app, in process, with the same profile and token.
    std::env::set_var("FLY_API_TOKEN", &token);
    let mut core = Core::open(Paths::for_data_dir(user.profile.data_dir()).unwrap())
        .await
        .unwrap();
    core.override_endpoints(Some(&fly_url), Some(&agent_url))
        .unwrap();
    let record = core.store().machine().await.unwrap().unwrap();
    assert_eq!(record.state.as_deref(), Some("started"));
    let (app, machine_id) = (record.app.clone(), record.machine_id.clone().unwrap());
    core.store()
        .set_autostop_settings(&AutoStopSettings {
            idle_minutes: Some(30),
            schedule: None,
        })
        .await
        .unwrap();

    let mut memory = ParkingMemory::default();
    let t0 = Utc::now();
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
    assert_eq!(tick(&core, &mut memory, t0).await.unwrap(), Outcome::Keep);
    assert_eq!(
        tick(&core, &mut memory, at(29)).await.unwrap(),
        Outcome::Keep
    );

    // Due at 30 min, but the machine lock is held: deferred.
    let lock = MachineLock::acquire(core.store(), Duration::ZERO, |_| {})
        .await
        .unwrap();
    let outcome = tick(&core, &mut memory, at(30)).await.unwrap();
    assert!(
        matches!(outcome, Outcome::Deferred(InFlight::MachineLock { .. })),
        "{outcome:?}"
    );
    lock.release().await.unwrap();

    // An undeploy waiting in the outbox: deferred.
    let undeploy = ClientFrame::UndeployTrader(UndeployTrader {
        id: "cmd-1".into(),
        trader_id: "t1".into(),
        version: 1,
    });
    core.store().outbox_push(&undeploy).await.unwrap();
    let outcome = tick(&core, &mut memory, at(31)).await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Deferred(InFlight::PendingCommand {
            command: "undeploy_trader".into()
        })
    );
    assert!(core.store().outbox_acked("cmd-1").await.unwrap());

    // Someone holds the Fly lease: deferred, the machine still runs.
    let session = core.session(Actor::Cli).await.unwrap();
    let lease = session
        .fly
        .acquire_lease(&app, &machine_id, Duration::from_secs(60), "update")
        .await
        .unwrap();
    let outcome = tick(&core, &mut memory, at(32)).await.unwrap();
    assert!(
        matches!(outcome, Outcome::Deferred(InFlight::Lease { .. })),
        "{outcome:?}"
    );
    assert_eq!(fly.machines(&app)[0].state, "started");
    session
        .fly
        .release_lease(&app, &machine_id, &lease.nonce)
        .await
        .unwrap();
    assert!(core
        .store()
        .events_of_kind(event::PARKED, 10)
        .await
        .unwrap()
        .is_empty());

    // Nothing in flight: parked — stopped on Fly, audited once with the reason.
    let outcome = tick(&core, &mut memory, at(33)).await.unwrap();
    assert_eq!(outcome, Outcome::Parked(ParkReason::Idle { minutes: 30 }));
    assert_eq!(fly.machines(&app)[0].state, "stopped");
    let (reason, _at) = core.store().parked().await.unwrap().expect("parked");
    assert_eq!(reason, ParkReason::Idle { minutes: 30 });
    assert_eq!(
        tick(&core, &mut memory, at(34)).await.unwrap(),
        Outcome::Keep
    );
    assert_eq!(
        tick(&core, &mut memory, at(90)).await.unwrap(),
        Outcome::Keep
    );
    let parked = core
        .store()
        .events_of_kind(event::PARKED, 10)
        .await
        .unwrap();
    assert_eq!(parked.len(), 1, "{parked:#?}");
    assert_eq!(parked[0].actor, "app");
    assert_eq!(parked[0].details["reason"]["kind"], "idle");
    assert_eq!(parked[0].details["text"], "no cloud trader for 30 min");
    assert_eq!(parked[0].machine_id.as_deref(), Some(machine_id.as_str()));
    // The view the window reads.
    let view = trademind::api::parking::get(&core).await.unwrap();
    assert_eq!(
        view.parked.map(|p| p.text).as_deref(),
        Some("no cloud trader for 30 min")
    );
    core.close().await;
}
