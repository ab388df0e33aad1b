//! `trademind machine start` under every fault the fake can inject, and with bad tokens and
//! bad input: each ends in the right state, with exactly one machine (or none), a clear
//! `{code, message, hint}` and the documented exit code (2 user error, 3 remote failure).

use std::time::Duration;

use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, Fault, TokenKind};
use trademind_tests::fly_profile::FlyProfile;

fn live_agents(fly: &FakeFly) -> usize {
    fly.apps()
        .iter()
        .flat_map(|app| fly.machines(&app.name))
        .filter(|m| m.state != "destroyed" && m.state != "destroying")
        .count()
}

fn setup() -> (FakeFly, FlyProfile) {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    (fly, user)
}

/// Runs `machine start --json` and returns (exit code, stderr's JSON error if any, result).
fn start(user: &FlyProfile, extra: &[&str]) -> (Option<i32>, serde_json::Value, serde_json::Value) {
    let mut args = vec!["machine", "start", "--json"];
    args.extend_from_slice(extra);
    let (code, stderr, lines) = user.spawn(&args).finish(Duration::from_secs(90));
    let error = stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    let result = lines
        .iter()
        .find(|l| l["type"] == "result")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    (code, error, result)
}

/// Every app's volumes that are neither deleted nor being deleted, as the API renders them.
fn live_volumes(fly: &FakeFly) -> Vec<serde_json::Value> {
    fly.apps()
        .iter()
        .flat_map(|app| fly.volumes(&app.name))
        .filter(|v| v["state"] == "created")
        .collect()
}

fn created_ok(fly: &FakeFly) -> usize {
    fly.requests_for(Action::CreateMachine)
        .iter()
        .filter(|r| r.status < 300)
        .count()
}

#[test]
fn rate_limited_create_is_retried_after_retry_after() {
    let (fly, user) = setup();
    fly.inject(
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        Action::CreateMachine,
        1,
    );
    let (code, error, result) = start(&user, &[]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(result["status"]["state"], "started");
    let creates = fly.requests_for(Action::CreateMachine);
    assert_eq!(creates.len(), 2, "429, then the retry");
    let gap = creates[1].at.duration_since(creates[0].at);
    assert!(
        gap >= Duration::from_millis(950),
        "Retry-After honoured: {gap:?}"
    );
    assert_eq!((created_ok(&fly), live_agents(&fly)), (1, 1));
}

#[test]
fn bad_gateway_and_unavailable_are_retried() {
    let (fly, user) = setup();
    fly.inject(Fault::BadGateway, Action::CreateApp, 1);
    fly.inject(Fault::ServiceUnavailable, Action::SetSecrets, 2);
    fly.inject(Fault::BadGateway, Action::CreateVolume, 1);
    fly.inject(Fault::BadGateway, Action::CreateMachine, 1);
    let (code, error, _) = start(&user, &[]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(fly.apps().len(), 1);
    assert_eq!((created_ok(&fly), live_agents(&fly)), (1, 1));
    // The 502 came before the volume was made: looked for, not found, sent again.
    assert_eq!(fly.requests_for(Action::CreateVolume).len(), 2);
    assert_eq!(live_volumes(&fly).len(), 1);
}

#[test]
fn a_volume_create_that_timed_out_after_creating_is_found_not_repeated() {
    let (fly, user) = setup();
    fly.inject(Fault::TimeoutAfterCreate, Action::CreateVolume, 1);
    let (code, error, result) = start(&user, &[]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(
        fly.requests_for(Action::CreateVolume).len(),
        1,
        "found by listing, not created again"
    );
    let volumes = live_volumes(&fly);
    assert_eq!(volumes.len(), 1, "{volumes:#?}");
    assert_eq!(
        volumes[0]["attached_machine_id"],
        result["status"]["machineId"]
    );
    assert_eq!(result["status"]["state"], "started");
}

#[test]
fn a_volume_create_failing_for_good_fails_the_volume_step_and_a_retry_resumes_there() {
    let (fly, user) = setup();
    // Rate limited on every attempt: retried (not ambiguous, so no lookups), then given up.
    fly.inject_always(
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        Action::CreateVolume,
    );
    let (code, error, _) = start(&user, &[]);
    assert_eq!(code, Some(3), "{error}");
    assert!(live_volumes(&fly).is_empty());
    assert_eq!(live_agents(&fly), 0, "no machine without its volume");
    assert!(fly.requests_for(Action::CreateMachine).is_empty());
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["nextAction"], "retry");
    assert_eq!(status["lastRun"]["steps"][3]["step"], "volume");
    assert_eq!(status["lastRun"]["steps"][3]["state"], "failed");

    fly.clear_faults();
    let (code, error, result) = start(&user, &[]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(result["status"]["lastRun"]["id"], 1, "the same run resumed");
    assert_eq!(live_volumes(&fly).len(), 1);
    assert_eq!(live_agents(&fly), 1);
}

#[test]
fn a_create_that_timed_out_after_creating_is_found_not_repeated() {
    let (fly, user) = setup();
    fly.inject(Fault::TimeoutAfterCreate, Action::CreateMachine, 1);
    let (code, error, result) = start(&user, &[]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(
        fly.requests_for(Action::CreateMachine).len(),
        1,
        "found by request id"
    );
    assert_eq!(live_agents(&fly), 1);
    assert_eq!(result["status"]["state"], "started");
}

#[test]
fn no_capacity_fails_clearly_and_another_region_works() {
    let (fly, user) = setup();
    fly.inject_always(
        Fault::InsufficientCapacity {
            region: Some("sin".into()),
        },
        Action::CreateMachine,
    );
    let (code, error, _) = start(&user, &[]);
    assert_eq!(code, Some(3), "{error}");
    assert_eq!(error["code"], "fly_no_capacity");
    assert!(
        error["hint"].as_str().unwrap().contains("region"),
        "{error}"
    );
    assert_eq!(live_agents(&fly), 0);

    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["nextAction"], "retry");
    assert_eq!(status["lastRun"]["steps"][4]["step"], "machine");
    assert_eq!(status["lastRun"]["steps"][4]["state"], "failed");
    assert_eq!(
        status["lastRun"]["steps"][4]["error"]["code"],
        "fly_no_capacity"
    );
    let volumes = live_volumes(&fly);
    assert_eq!(volumes.len(), 1, "the volume step was done in sin");
    assert_eq!(volumes[0]["region"], "sin");
    let sin_volume = volumes[0]["id"].clone();

    let (code, error, result) = start(&user, &["--region", "ams"]);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(result["status"]["region"], "ams");
    assert_eq!(live_agents(&fly), 1);
    assert_eq!(fly.apps().len(), 1, "the app from the failed run is reused");
    // The new machine's volume is made in ams (a machine mounts only a volume in its region);
    // the unused one in sin is left for destroy.
    let app = result["status"]["app"].as_str().unwrap();
    let id = result["status"]["machineId"].as_str().unwrap();
    let machine = fly.machine(app, id).unwrap();
    assert_eq!(machine.region, "ams");
    let ams: Vec<_> = live_volumes(&fly)
        .into_iter()
        .filter(|v| v["region"] == "ams")
        .collect();
    assert_eq!(ams.len(), 1);
    assert_eq!(machine.config["mounts"][0]["volume"], ams[0]["id"]);
    assert_eq!(ams[0]["attached_machine_id"], id);

    let destroyed = user.cli(&["machine", "destroy", "--yes", "--json"]).json();
    assert!(live_volumes(&fly).is_empty(), "destroy removes both");
    let message = destroyed["message"].as_str().unwrap();
    assert!(message.contains(sin_volume.as_str().unwrap()), "{message}");
}

#[test]
fn read_only_token_is_refused_before_anything_changes() {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::ReadOnly);
    let user = FlyProfile::new(&fly, &token);
    let (code, error, _) = start(&user, &[]);
    assert_eq!(code, Some(2), "{error}");
    assert_eq!(error["code"], "fly_read_only");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("fly tokens create"),
        "{error}"
    );
    assert!(fly.apps().is_empty());
}

#[test]
fn unknown_token_missing_token_and_other_org_token() {
    let fly = FakeFly::start(FakeConfig::fast());
    let mut user = FlyProfile::new(&fly, &trademind_tests::unique_token("unknown"));
    let (code, error, _) = start(&user, &[]);
    assert_eq!(
        (code, error["code"].as_str()),
        (Some(2), Some("fly_unauthorized"))
    );

    user.token = String::new();
    let (code, error, _) = start(&user, &[]);
    assert_eq!(
        (code, error["code"].as_str()),
        (Some(2), Some("no_token")),
        "{error}"
    );
    assert!(error["hint"]
        .as_str()
        .unwrap()
        .contains("fly tokens create org"));

    // An app token for someone else's app cannot provision this user's app.
    user.token = fly.add_token(TokenKind::App("someone-else".into()));
    let (code, error, _) = start(&user, &[]);
    assert_eq!(code, Some(2), "{error}");
    assert!(fly.apps().is_empty());
}

#[test]
fn bad_regions_and_sizes_are_refused_without_calling_fly_to_change_anything() {
    let (fly, user) = setup();
    for (args, fragment) in [
        (vec!["--region", "iad"], "Binance refuses"),
        (vec!["--region", "SIN"], "not a Fly region code"),
        (vec!["--region", "xyz"], "no region"),
        (vec!["--size", "huge"], "not a machine size"),
        (vec!["--size", ""], "not a machine size"),
    ] {
        let (code, error, _) = start(&user, &args);
        assert_eq!(code, Some(2), "{args:?}: {error}");
        assert_eq!(error["code"], "invalid_input", "{args:?}");
        assert!(
            error["message"].as_str().unwrap().contains(fragment),
            "{args:?}: {error}"
        );
    }
    assert!(
        fly.requests().iter().all(|r| r.method == "GET"),
        "nothing changed on Fly"
    );
    let bad_url = user.cli(&["machine", "status", "--fly-api-url", "ftp://x", "--json"]);
    assert_eq!(bad_url.code(), Some(2));
    assert!(bad_url.stderr().contains("--fly-api-url"));
}

#[test]
fn an_unreachable_api_fails_as_remote_after_retries() {
    let (fly, mut user) = setup();
    drop(fly);
    user.fly_url = "http://127.0.0.1:9".into();
    let run = user.cli(&["machine", "status", "--json"]);
    assert_eq!(run.code(), Some(3), "{}", run.stderr());
    assert!(run.stderr().contains("fly_unavailable"), "{}", run.stderr());
}

#[test]
fn operations_without_a_machine_say_so() {
    let (_fly, user) = setup();
    for args in [
        vec!["machine", "stop", "--json"],
        vec!["machine", "restart", "--json"],
        vec!["machine", "events", "--json"],
        vec!["machine", "destroy", "--yes", "--json"],
    ] {
        let run = user.cli(&args);
        assert_eq!(run.code(), Some(2), "{args:?}: {}", run.stderr());
        assert!(
            run.stderr().contains("no_machine"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["state"], "none");
    assert_eq!(status["nextAction"], "start");
}
