//! `trademind machine …` end to end: the real binary against the fake Fly API, with the real
//! keyring and SQLite — provisioning step by step, status, stop, start, restart, destroy, and
//! the exact requests each one makes.

use std::time::Duration;

use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, TokenKind};
use trademind_tests::fly_profile::{is_step, FlyProfile};

fn fake() -> FakeFly {
    FakeFly::start(FakeConfig::fast())
}

fn actions(fly: &FakeFly) -> Vec<Action> {
    fly.requests().iter().filter_map(|r| r.action).collect()
}

#[test]
fn start_provisions_every_step_then_stop_start_restart_destroy() {
    let fly = fake();
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);

    let run = user.spawn(&["machine", "start", "--json"]);
    let (code, stderr, lines) = run.finish(Duration::from_secs(60));
    assert_eq!(
        code,
        Some(0),
        "stderr: {stderr}\nlines: {lines:#?}\nrequests: {:#?}",
        fly.requests()
            .iter()
            .map(|r| format!("{} {}", r.line(), r.status))
            .collect::<Vec<_>>()
    );
    for step in ["token", "app", "secrets", "machine", "started", "ready", "done"] {
        assert!(
            lines.iter().any(|l| is_step(l, step, "running")),
            "{step} running: {lines:#?}"
        );
        assert!(
            lines.iter().any(|l| is_step(l, step, "done")),
            "{step} done: {lines:#?}"
        );
    }
    let result = lines.last().unwrap();
    assert_eq!(result["type"], "result");
    let status = &result["status"];
    assert_eq!(status["state"], "started");
    assert_eq!(status["region"], "sin", "nearest is iad (US): default is sin");
    assert_eq!(status["agent"]["status"], "ready");
    let app = status["app"].as_str().unwrap().to_owned();
    let machine_id = status["machineId"].as_str().unwrap().to_owned();

    // Fly holds exactly one machine, configured as the plan says, with the secrets version.
    let machines = fly.machines(&app);
    assert_eq!(machines.len(), 1);
    let m = &machines[0];
    assert_eq!((m.id.as_str(), m.state.as_str()), (machine_id.as_str(), "started"));
    assert_eq!(m.metadata.get("trademind_role").map(String::as_str), Some("agent"));
    let (secrets, version) = fly.secrets(&app);
    assert!(secrets.contains_key("SCREENER_OWNER_TOKEN"));
    assert!(secrets.contains_key("SCREENER_VIEWER_TOKEN"));
    assert_eq!(m.min_secrets_version, Some(version));
    assert_eq!(m.config["services"][0]["autostop"], false);
    assert!(!m.config["image"].as_str().unwrap().ends_with(":latest"));

    // The requests the docs prescribe, in order (reads between them aside).
    let mutations: Vec<Action> = actions(&fly)
        .into_iter()
        .filter(|a| !a.is_read())
        .collect();
    assert_eq!(
        mutations,
        [Action::CreateApp, Action::SetSecrets, Action::CreateMachine],
        "{:#?}",
        fly.requests().iter().map(|r| r.line()).collect::<Vec<_>>()
    );

    // A second start changes nothing on Fly.
    fly.clear_requests();
    let again = user.cli(&["machine", "start", "--json"]);
    assert_eq!(again.code(), Some(0), "{}", again.stderr());
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert!(mutations.is_empty(), "{mutations:?}");
    assert_eq!(fly.machines(&app).len(), 1);

    // Stop: under a lease, waited until stopped.
    fly.clear_requests();
    let stopped = user.cli(&["machine", "stop", "--json"]).json();
    assert_eq!(stopped["status"]["state"], "stopped");
    assert_eq!(stopped["status"]["nextAction"], "start");
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert_eq!(
        mutations,
        [Action::AcquireLease, Action::StopMachine, Action::ReleaseLease]
    );
    let stop = fly.requests_for(Action::StopMachine);
    assert!(stop[0].lease_nonce.is_some(), "stop carries the lease nonce");

    // Start again: the same machine, started under a lease.
    fly.clear_requests();
    let restarted = user.cli(&["machine", "start", "--json"]);
    assert_eq!(restarted.code(), Some(0), "{}", restarted.stderr());
    assert_eq!(fly.requests_for(Action::StartMachine).len(), 1);
    assert!(fly.requests_for(Action::CreateMachine).is_empty());
    assert_eq!(fly.machines(&app).len(), 1);

    // Restart.
    let restart = user.cli(&["machine", "restart", "--json"]).json();
    assert_eq!(restart["status"]["state"], "started");
    assert_eq!(fly.requests_for(Action::RestartMachine).len(), 1);

    // Destroy needs --yes (exit 2, nothing sent).
    fly.clear_requests();
    let refused = user.cli(&["machine", "destroy", "--json"]);
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr());
    assert!(refused.stderr().contains("confirmation_required"));
    assert!(fly.requests_for(Action::DestroyMachine).is_empty());
    let destroyed = user.cli(&["machine", "destroy", "--yes", "--json"]).json();
    assert_eq!(destroyed["status"]["state"], "destroyed");
    let destroy = fly.requests_for(Action::DestroyMachine);
    assert_eq!(destroy.len(), 1);
    assert_ne!(destroy[0].param("force"), Some("true"), "stopped first, so no force");
    assert!(fly.machines(&app).iter().all(|m| m.state == "destroyed"));

    // The audit log has every operation with the machine id.
    let events = user.cli(&["events", "--limit", "200", "--json"]).json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["provision.step", "machine.start", "machine.stop", "machine.restart", "machine.destroy"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "machine.destroy" && e["machineId"] == machine_id.as_str()));
}
