//! The Fly client's behaviour against the fake Fly API (beyond what provisioning exercises):
//! waits looped in calls of at most 60 s under an overall deadline, leases that are always
//! released and typed when held by someone else, the version check after an update, and
//! typed errors — not found, illegal in the current state, timeout with the current state,
//! rate limited with Retry-After, bad config not retried — and volumes: a create answered
//! 408 after it happened is found, not repeated; a mount must be in the machine's region and
//! free; an attached volume cannot be deleted until its machine is destroyed.

use std::time::{Duration, Instant};

use trademind::fly::types::{CpuKind, CreateMachineRequest, Guest, MachineConfig, WaitTarget};
use trademind::fly::{
    ClientOptions, CreateRequestId, FlyClient, FlyError, RetryPolicy, WaitFor, DEFAULT_LEASE_TTL,
};
use trademind::secrets::FlyToken;
use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, Fault, RateLimits, TokenKind};

const APP: &str = "tm-client";

fn client(fly: &FakeFly, retry: RetryPolicy) -> FlyClient {
    let token = FlyToken::parse(&fly.add_token(TokenKind::Org)).unwrap();
    FlyClient::with_options(
        &token,
        ClientOptions {
            base_url: fly.base_url(),
            retry,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

async fn machine(fly_client: &FlyClient) -> String {
    fly_client
        .create_app(&trademind::fly::types::CreateAppRequest {
            name: APP.into(),
            org_slug: "personal".into(),
            network: None,
            enable_subdomains: None,
        })
        .await
        .unwrap();
    let request = CreateMachineRequest {
        config: MachineConfig {
            image: "registry.fly.io/agent:1".into(),
            guest: Some(Guest::new(CpuKind::Shared, 1, 1024)),
            ..MachineConfig::default()
        },
        region: Some("ams".into()),
        ..CreateMachineRequest::default()
    };
    let m = fly_client
        .create_machine(APP, &request, &CreateRequestId::generate())
        .await
        .unwrap();
    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(30)).just_created();
    fly_client.wait_for_state(APP, &m.id, &wait).await.unwrap();
    m.id
}

#[tokio::test]
async fn a_long_wait_is_several_calls_of_at_most_sixty_seconds() {
    let fly = FakeFly::start(FakeConfig::fast()); // a 60 s wait call lasts 3 s here
    let c = client(&fly, RetryPolicy::default());
    let id = machine(&c).await;
    c.stop_machine(APP, &id, &Default::default(), None)
        .await
        .unwrap();
    c.wait_for_state(
        APP,
        &id,
        &WaitFor::state(WaitTarget::Stopped, Duration::from_secs(30)),
    )
    .await
    .unwrap();
    fly.set_machine_state(APP, &id, "starting"); // stuck until we say otherwise
    fly.clear_requests();
    let long_wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(120));
    let waiter = c.wait_for_state(APP, &id, &long_wait);
    let unstick = async {
        tokio::time::sleep(Duration::from_millis(4500)).await;
        fly.set_machine_state(APP, &id, "started");
    };
    let (outcome, ()) = tokio::join!(waiter, unstick);
    assert_eq!(outcome.unwrap().state.as_str(), "started");
    let waits = fly.requests_for(Action::WaitMachine);
    assert!(waits.len() >= 2, "looped: {} calls", waits.len());
    for w in &waits {
        let timeout: u64 = w.param("timeout").unwrap().parse().unwrap();
        assert!((1..=60).contains(&timeout), "timeout={timeout}");
    }
    assert_eq!(
        waits[0].status, 408,
        "the first call ran out and was repeated"
    );
}

#[tokio::test]
async fn a_wait_past_its_deadline_is_a_timeout_naming_the_current_state() {
    let fly = FakeFly::start(FakeConfig::fast());
    let c = client(&fly, RetryPolicy::default());
    let id = machine(&c).await;
    fly.set_machine_state(APP, &id, "starting");
    let started = Instant::now();
    let err = c
        .wait_for_state(
            APP,
            &id,
            &WaitFor::state(WaitTarget::Started, Duration::from_secs(2)),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, FlyError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("starting"), "{err}");
}

#[tokio::test]
async fn leases_are_released_after_failed_work_and_typed_when_held() {
    let fly = FakeFly::start(FakeConfig::fast());
    let c = client(&fly, RetryPolicy::default());
    let id = machine(&c).await;
    let failed: Result<(), FlyError> = c
        .with_lease(APP, &id, DEFAULT_LEASE_TTL, "test", |_| async {
            Err(FlyError::Decode {
                what: "test".into(),
                detail: "work failed".into(),
            })
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(fly.machine(APP, &id).unwrap().lease_nonce, None, "released");
    assert_eq!(fly.requests_for(Action::ReleaseLease).len(), 1);

    let other = client(&fly, RetryPolicy::default());
    let held = other
        .acquire_lease(APP, &id, DEFAULT_LEASE_TTL, "someone else")
        .await
        .unwrap();
    let err = c
        .with_lease(APP, &id, DEFAULT_LEASE_TTL, "test", |_| async {
            Ok::<_, FlyError>(())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, FlyError::LeaseHeld(_)), "{err:?}");
    assert!(
        err.hint().contains("lease") || err.hint().contains("another"),
        "{}",
        err.hint()
    );
    // A stop without the holder's nonce is refused while the lease is held.
    let err = c
        .stop_machine(APP, &id, &Default::default(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, FlyError::LeaseHeld(_)), "{err:?}");
    other.release_lease(APP, &id, &held.nonce).await.unwrap();
}

#[tokio::test]
async fn an_update_runs_a_new_version_and_illegal_states_are_typed() {
    let fly = FakeFly::start(FakeConfig::fast());
    let c = client(&fly, RetryPolicy::default());
    let id = machine(&c).await;
    let before = c.get_machine(APP, &id).await.unwrap();
    let mut config = before.config.clone().unwrap();
    config.guest = Some(Guest::new(CpuKind::Shared, 2, 2048));
    let request = trademind::fly::types::UpdateMachineRequest {
        config,
        current_version: before.instance_id.clone(),
        ..Default::default()
    };
    let updated = c
        .update_and_wait(APP, &id, &request, None, Duration::from_secs(30))
        .await
        .unwrap();
    assert_ne!(
        updated.instance_id, before.instance_id,
        "a new version runs"
    );
    assert_eq!(updated.config.unwrap().guest.unwrap().cpus, 2);

    fly.set_machine_state(APP, &id, "replacing");
    let err = c.start_machine(APP, &id, None).await.unwrap_err();
    assert!(matches!(err, FlyError::IllegalState(_)), "{err:?}");
    let err = c.get_machine(APP, "0000000000dead").await.unwrap_err();
    assert!(matches!(err, FlyError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn rate_limits_are_typed_with_retry_after_and_bad_config_is_not_retried() {
    let config = FakeConfig {
        rate_limits: RateLimits::default(),
        ..FakeConfig::fast()
    };
    let fly = FakeFly::start(config);
    let no_retries = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let c = client(&fly, no_retries);
    let _ = machine(&c).await;
    let mut limited = None;
    for _ in 0..30 {
        match c.list_secrets(APP, None).await {
            Ok(_) => {}
            Err(e) => {
                limited = Some(e);
                break;
            }
        }
    }
    let err = limited.expect("the read bucket (5/s, burst 10) runs out");
    assert!(matches!(err, FlyError::RateLimited { .. }), "{err:?}");

    let fly = FakeFly::start(FakeConfig::fast());
    let c = client(&fly, RetryPolicy::default());
    let _ = machine(&c).await;
    fly.clear_requests();
    let bad = CreateMachineRequest {
        config: MachineConfig {
            image: "registry.fly.io/agent:1".into(),
            guest: Some(Guest::new(CpuKind::Shared, 1, 1000)),
            ..MachineConfig::default()
        },
        region: Some("ams".into()),
        ..CreateMachineRequest::default()
    };
    let err = c
        .create_machine(APP, &bad, &CreateRequestId::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, FlyError::BadRequest(_)), "{err:?}");
    assert_eq!(
        fly.requests_for(Action::CreateMachine).len(),
        1,
        "not retried"
    );
}

#[tokio::test]
async fn volume_create_is_idempotent_and_mounts_follow_the_placement_rule() {
    use trademind::fly::types::{CreateVolumeRequest, Mount};
    let fly = FakeFly::start(FakeConfig::fast());
    let c = client(&fly, RetryPolicy::default());
    machine(&c).await; // the app, and an unrelated machine in ams
    let request = CreateVolumeRequest {
        name: "trademind_data".into(),
        region: "sin".into(),
        size_gb: Some(1),
        encrypted: Some(true),
        require_unique_zone: Some(false),
        compute: serde_json::to_value(Guest::new(CpuKind::Shared, 2, 2048)).ok(),
        ..CreateVolumeRequest::default()
    };
    // Made, but answered 408: found by listing, not created twice.
    let other = c.create_volume(APP, &request, &[]).await.unwrap();
    fly.inject(Fault::TimeoutAfterCreate, Action::CreateVolume, 1);
    let volume = c
        .create_volume(APP, &request, std::slice::from_ref(&other.id))
        .await
        .unwrap();
    assert_ne!(
        volume.id, other.id,
        "the earlier volume is not mistaken for it"
    );
    assert_eq!(fly.requests_for(Action::CreateVolume).len(), 2);
    assert_eq!(c.list_volumes(APP).await.unwrap().len(), 2);
    assert_eq!((volume.size_gb, volume.encrypted), (1, true));

    let mounted = |region: &str| CreateMachineRequest {
        config: MachineConfig {
            image: "registry.fly.io/agent:1".into(),
            guest: Some(Guest::new(CpuKind::Shared, 1, 1024)),
            mounts: vec![Mount {
                volume: volume.id.clone(),
                path: "/data".into(),
                ..Mount::default()
            }],
            ..MachineConfig::default()
        },
        name: Some(format!("with-volume-{region}")),
        region: Some(region.into()),
        ..CreateMachineRequest::default()
    };
    let elsewhere = c
        .create_machine(APP, &mounted("ams"), &CreateRequestId::generate())
        .await
        .unwrap_err();
    assert!(
        matches!(elsewhere, FlyError::BadRequest(_)),
        "{elsewhere:?}"
    );
    let m = c
        .create_machine(APP, &mounted("sin"), &CreateRequestId::generate())
        .await
        .unwrap();
    let attached = c.get_volume(APP, &volume.id).await.unwrap();
    assert!(attached.is_attached());
    assert_eq!(attached.attached_machine_id.as_deref(), Some(m.id.as_str()));
    let refused = c.delete_volume(APP, &volume.id).await.unwrap_err();
    assert!(matches!(refused, FlyError::IllegalState(_)), "{refused:?}");

    let wait = WaitFor::state(WaitTarget::Started, Duration::from_secs(30)).just_created();
    c.wait_for_state(APP, &m.id, &wait).await.unwrap();
    c.destroy_machine(APP, &m.id, true, None).await.unwrap();
    let deleted = c.delete_volume(APP, &volume.id).await.unwrap();
    assert!(!deleted.is_live(), "{}", deleted.state);
    let left: Vec<String> = c
        .list_volumes(APP)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(left, vec![other.id]);
}
