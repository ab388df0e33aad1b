//! Provisioning survives crashes and concurrency: the real `trademind machine start` killed
//! (SIGKILL) right after each step, or while its volume create is in flight, then started
//! again, resumes the same run and ends with exactly one machine and one data volume; ten
//! concurrent starts in one profile, and starts from three profiles ("computers") at once,
//! end with exactly one machine and one volume; a start that fails at `ready` is retried from
//! `ready`.

use std::time::Duration;

use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, Fault, Timings, TokenKind};
use trademind_tests::fly_profile::{is_step, FlyProfile};

const STEPS: [&str; 8] = [
    "token", "app", "secrets", "volume", "machine", "started", "ready", "done",
];

fn live_agents(fly: &FakeFly) -> Vec<String> {
    fly.apps()
        .iter()
        .flat_map(|app| fly.machines(&app.name))
        .filter(|m| m.state != "destroyed" && m.state != "destroying")
        .map(|m| m.id)
        .collect()
}

/// Every app's volumes that are neither deleted nor being deleted: `(id, region, attached to)`.
fn live_volumes(fly: &FakeFly) -> Vec<(String, String, Option<String>)> {
    fly.apps()
        .iter()
        .flat_map(|app| fly.volumes(&app.name))
        .filter(|v| v["state"] == "created")
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_owned(),
                v["region"].as_str().unwrap().to_owned(),
                v["attached_machine_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Exactly one live volume, mounted by the one live machine `id`.
fn one_volume_mounted_by(fly: &FakeFly, id: &str) {
    let volumes = live_volumes(fly);
    assert_eq!(volumes.len(), 1, "exactly one volume: {volumes:?}");
    assert_eq!(volumes[0].2.as_deref(), Some(id), "{volumes:?}");
}

/// Waits for every run, checks each succeeded and all name the same machine; returns it.
fn settle_on_one(runs: Vec<trademind_tests::fly_profile::Streaming>) -> Vec<String> {
    let mut ids = Vec::new();
    for run in runs {
        let (code, stderr, lines) = run.finish(Duration::from_secs(120));
        assert_eq!(code, Some(0), "{stderr}\n{lines:#?}");
        let last = lines.last().unwrap();
        ids.push(last["status"]["machineId"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(
        ids.len(),
        1,
        "every start settles on the same machine: {ids:?}"
    );
    ids
}

/// Kills `machine start` right after `step` is done, starts again, and checks the resume.
fn crash_after(step: &str) {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);

    let mut first = user.spawn(&["machine", "start", "--json"]);
    let reached = first.read_until(Duration::from_secs(60), |l| is_step(l, step, "done"));
    assert!(
        reached.is_some(),
        "never reached {step} done: {:#?}",
        first.seen
    );
    first.kill();

    let second = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = second.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "resume after {step}: {stderr}\n{lines:#?}");
    let index = STEPS.iter().position(|s| *s == step).unwrap();
    for earlier in &STEPS[..=index] {
        assert!(
            lines.iter().any(|l| is_step(l, earlier, "done")
                && l["line"].as_str().unwrap().ends_with("done earlier")),
            "{earlier} should be skipped after a crash after {step}: {lines:#?}"
        );
    }
    let result = lines.last().unwrap();
    assert_eq!(result["status"]["state"], "started");
    assert_eq!(
        result["status"]["lastRun"]["id"], 1,
        "the same run was resumed"
    );
    assert_eq!(result["status"]["lastRun"]["status"], "done");
    assert_eq!(
        live_agents(&fly).len(),
        1,
        "exactly one machine after a crash after {step}"
    );
    assert_eq!(fly.apps().len(), 1);
    assert_eq!(
        fly.requests_for(Action::CreateApp).len(),
        1,
        "app created once"
    );
    let created: Vec<_> = fly
        .requests_for(Action::CreateMachine)
        .into_iter()
        .filter(|r| r.status < 300)
        .collect();
    assert_eq!(
        created.len(),
        1,
        "the machine is created once (a repeat is refused by name)"
    );
    let id = result["status"]["machineId"].as_str().unwrap();
    one_volume_mounted_by(&fly, id);
    assert_eq!(
        fly.requests_for(Action::CreateVolume).len(),
        1,
        "the volume is created once (found by the resumed run)"
    );
}

#[test]
fn crash_after_token_resumes() {
    crash_after("token");
}

#[test]
fn crash_after_app_resumes() {
    crash_after("app");
}

#[test]
fn crash_after_secrets_resumes() {
    crash_after("secrets");
}

#[test]
fn crash_after_volume_resumes() {
    crash_after("volume");
}

#[test]
fn crash_while_the_volume_is_being_created_resumes_with_one_volume() {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    // The create is held in flight; the process is killed while it waits for the answer.
    fly.inject(
        Fault::Delay(Duration::from_millis(1500)),
        Action::CreateVolume,
        1,
    );
    let mut first = user.spawn(&["machine", "start", "--json"]);
    let creating = first.read_until(Duration::from_secs(60), |l| {
        is_step(l, "volume", "running") && l["line"].as_str().unwrap().starts_with("Creating a")
    });
    assert!(creating.is_some(), "{:#?}", first.seen);
    std::thread::sleep(Duration::from_millis(300));
    first.kill();
    // Let the held request finish (or be dropped) on the fake's side.
    std::thread::sleep(Duration::from_millis(2000));

    let second = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = second.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}\n{lines:#?}");
    let result = lines.last().unwrap();
    assert_eq!(result["status"]["lastRun"]["id"], 1, "the same run");
    let id = result["status"]["machineId"].as_str().unwrap();
    assert_eq!(live_agents(&fly), vec![id.to_owned()]);
    one_volume_mounted_by(&fly, id);
    let answered: Vec<u16> = fly
        .requests_for(Action::CreateVolume)
        .iter()
        .map(|r| r.status)
        .collect();
    eprintln!("volume creates (status; 0 = no answer sent): {answered:?}");
}

#[test]
fn crash_after_machine_resumes() {
    crash_after("machine");
}

#[test]
fn crash_after_started_resumes() {
    crash_after("started");
}

#[test]
fn crash_after_ready_resumes() {
    crash_after("ready");
}

#[test]
fn a_machine_destroyed_between_crash_and_resume_is_made_again() {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    let mut first = user.spawn(&["machine", "start", "--json"]);
    let done = first
        .read_until(Duration::from_secs(60), |l| is_step(l, "started", "done"))
        .expect("started");
    first.kill();
    let _ = done;
    let app = fly.apps()[0].name.clone();
    let id = fly.machines(&app)[0].id.clone();
    fly.set_machine_state(&app, &id, "destroyed");

    let second = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = second.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}\n{lines:#?}");
    let result = lines.last().unwrap();
    let new_id = result["status"]["machineId"].as_str().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(live_agents(&fly), vec![new_id.to_owned()]);
    // The destroyed machine's volume was free again: the new machine mounts it.
    one_volume_mounted_by(&fly, new_id);
    assert_eq!(fly.requests_for(Action::CreateVolume).len(), 1);
}

#[test]
fn ten_concurrent_starts_in_one_profile_make_one_machine() {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    // Create the database first so the ten do not race to migrate a new file.
    user.cli(&["status"]).assert_ok();
    let runs: Vec<_> = (0..10)
        .map(|_| user.spawn(&["machine", "start", "--json"]))
        .collect();
    let ids = settle_on_one(runs);
    assert_eq!(live_agents(&fly), ids);
    assert_eq!(fly.requests_for(Action::CreateMachine).len(), 1);
    assert_eq!(fly.requests_for(Action::CreateApp).len(), 1);
    assert_eq!(fly.requests_for(Action::CreateVolume).len(), 1);
    one_volume_mounted_by(&fly, &ids[0]);
}

#[test]
fn concurrent_starts_from_three_computers_make_one_machine() {
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let computers: Vec<FlyProfile> = (0..3).map(|_| FlyProfile::new(&fly, &token)).collect();
    let runs: Vec<_> = computers
        .iter()
        .map(|c| c.spawn(&["machine", "start", "--json"]))
        .collect();
    let ids = settle_on_one(runs);
    assert_eq!(live_agents(&fly), ids);
    // Each computer may create a volume; the extras are deleted again.
    one_volume_mounted_by(&fly, &ids[0]);
}

#[test]
fn a_start_failing_at_ready_is_retried_from_ready() {
    let mut config = FakeConfig::fast();
    // The agent takes 60 s (scaled: 3 s) to become ready; the first start waits 1 s.
    config.timings = Timings {
        agent_ready: Duration::from_secs(60),
        ..Timings::default()
    };
    let fly = FakeFly::start(config);
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    user.ready_timeout_secs = 1;
    let failed = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = failed.finish(Duration::from_secs(60));
    assert_eq!(code, Some(3), "remote failure exits 3: {stderr}");
    assert!(
        lines.iter().any(|l| is_step(l, "ready", "failed")),
        "{lines:#?}"
    );
    let error: serde_json::Value =
        serde_json::from_str(stderr.lines().last().unwrap()).expect("JSON error on stderr");
    assert_eq!(error["code"], "agent_not_ready");
    assert!(
        error["message"].as_str().unwrap().contains("started"),
        "{error}"
    );
    assert!(error["hint"].as_str().unwrap().contains("Retry"));

    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["nextAction"], "retry");
    assert_eq!(status["lastRun"]["status"], "failed");

    user.ready_timeout_secs = 30;
    fly.clear_requests();
    let retry = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = retry.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{stderr}\n{lines:#?}");
    for step in ["token", "app", "secrets", "volume", "machine", "started"] {
        assert!(
            lines.iter().any(|l| is_step(l, step, "done")
                && l["line"].as_str().unwrap().ends_with("done earlier")),
            "{step} skipped on retry"
        );
    }
    assert!(fly.requests_for(Action::CreateMachine).is_empty());
    assert!(fly.requests_for(Action::CreateVolume).is_empty());
    assert_eq!(lines.last().unwrap()["status"]["lastRun"]["id"], 1);
}
