//! `trademind machine …` end to end: the real binary against the fake Fly API, with the real
//! keyring and SQLite — provisioning step by step, status, stop, start, restart, destroy, and
//! the exact requests each one makes.

use std::time::{Duration, SystemTime};

use trademind_tests::fake_fly::{Action, FakeConfig, FakeFly, TokenKind};
use trademind_tests::fly_profile::{is_step, FlyProfile};

fn fake() -> FakeFly {
    FakeFly::start(FakeConfig::fast())
}

/// The time from Fly's `started` event (its timestamp, ms) to the CLI printing the `started`
/// step done: printed for the closing note, and bounded (the original polled every 10 s).
fn report_started_latency(fly: &FakeFly, app: &str, shown: &SystemTime) {
    let machine = &fly.machines(app)[0];
    let started_ms = machine.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "started")
        .filter_map(|e| e["timestamp"].as_i64())
        .min()
        .expect("a started event");
    let shown_ms = shown
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let latency = shown_ms - started_ms;
    eprintln!("MEASURED: Fly `started` → CLI shows `started done`: {latency} ms");
    assert!((0..1500).contains(&latency), "latency {latency} ms");
}

fn actions(fly: &FakeFly) -> Vec<Action> {
    fly.requests().iter().filter_map(|r| r.action).collect()
}

/// The app's volumes that are neither deleted nor being deleted.
fn live_volumes(fly: &FakeFly, app: &str) -> Vec<serde_json::Value> {
    fly.volumes(app)
        .into_iter()
        .filter(|v| v["state"] == "created")
        .collect()
}

#[test]
fn start_provisions_every_step_then_stop_start_restart_destroy() {
    let fly = fake();
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);

    let mut run = user.spawn(&["machine", "start", "--json"]);
    run.read_until(Duration::from_secs(60), |l| is_step(l, "started", "done"))
        .expect("started done");
    let shown = run.seen.last().unwrap().0;
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
    for step in [
        "token", "app", "secrets", "volume", "machine", "started", "ready", "done",
    ] {
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
    report_started_latency(&fly, result["status"]["app"].as_str().unwrap(), &shown);
    let status = &result["status"];
    assert_eq!(status["state"], "started");
    assert_eq!(
        status["region"], "sin",
        "nearest is iad (US): default is sin"
    );
    assert_eq!(status["agent"]["status"], "ready");
    let app = status["app"].as_str().unwrap().to_owned();
    let machine_id = status["machineId"].as_str().unwrap().to_owned();

    // Fly holds exactly one machine, configured as the plan says, with the secrets version.
    let machines = fly.machines(&app);
    assert_eq!(machines.len(), 1);
    let m = &machines[0];
    assert_eq!(
        (m.id.as_str(), m.state.as_str()),
        (machine_id.as_str(), "started")
    );
    assert_eq!(
        m.metadata.get("trademind_role").map(String::as_str),
        Some("agent")
    );
    let (secrets, version) = fly.secrets(&app);
    assert!(secrets.contains_key("SCREENER_OWNER_TOKEN"));
    assert!(secrets.contains_key("SCREENER_VIEWER_TOKEN"));
    assert_eq!(m.min_secrets_version, Some(version));
    assert_eq!(m.config["services"][0]["autostop"], false);
    assert!(!m.config["image"].as_str().unwrap().ends_with(":latest"));

    // One data volume, made for this machine: 1 GB, encrypted, in the machine's region, mounted
    // on /data (the agent's --data-dir) and attached to it.
    let volumes = live_volumes(&fly, &app);
    assert_eq!(volumes.len(), 1, "{volumes:#?}");
    let volume = &volumes[0];
    assert_eq!(volume["name"], "trademind_data");
    assert_eq!(volume["size_gb"], 1);
    assert_eq!(volume["encrypted"], true);
    assert_eq!(volume["region"], m.region.as_str());
    assert_eq!(volume["attached_machine_id"], m.id.as_str());
    assert_eq!(
        m.config["mounts"],
        serde_json::json!([{"volume": volume["id"], "path": "/data"}])
    );
    let create = &fly.requests_for(Action::CreateVolume)[0];
    let body = create.body.as_ref().unwrap();
    assert_eq!(
        (
            &body["name"],
            &body["region"],
            &body["size_gb"],
            &body["encrypted"]
        ),
        (
            &serde_json::json!("trademind_data"),
            &serde_json::json!("sin"),
            &serde_json::json!(1),
            &serde_json::json!(true)
        )
    );
    assert_eq!(
        body["compute"], m.config["guest"],
        "placed on a host that can run the machine"
    );
    let machine_create = &fly.requests_for(Action::CreateMachine)[0];
    assert_eq!(
        machine_create.body.as_ref().unwrap()["region"],
        volume["region"],
        "the machine is created in the volume's region"
    );
    assert!(
        lines.iter().any(|l| is_step(l, "volume", "done")
            && l["line"]
                .as_str()
                .unwrap()
                .contains("Created the data volume")),
        "{lines:#?}"
    );

    // The requests the docs prescribe, in order (reads between them aside).
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert_eq!(
        mutations,
        [
            Action::CreateApp,
            Action::SetSecrets,
            Action::CreateVolume,
            Action::CreateMachine
        ],
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
    assert_eq!(live_volumes(&fly, &app).len(), 1);
    let again_lines: Vec<serde_json::Value> = again
        .stdout()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        again_lines.iter().any(|l| is_step(l, "volume", "done")
            && l["line"]
                .as_str()
                .unwrap()
                .contains("keeps its data volume")),
        "the mounted volume is kept: {again_lines:#?}"
    );

    // Stop: under a lease, waited until stopped.
    fly.clear_requests();
    let stopped = user.cli(&["machine", "stop", "--json"]).json();
    assert_eq!(stopped["status"]["state"], "stopped");
    assert_eq!(stopped["status"]["nextAction"], "start");
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert_eq!(
        mutations,
        [
            Action::AcquireLease,
            Action::StopMachine,
            Action::ReleaseLease
        ]
    );
    let stop = fly.requests_for(Action::StopMachine);
    assert!(
        stop[0].lease_nonce.is_some(),
        "stop carries the lease nonce"
    );

    // Start again: the same machine, started under a lease.
    fly.clear_requests();
    let restarted = user.cli(&["machine", "start", "--json"]);
    assert_eq!(restarted.code(), Some(0), "{}", restarted.stderr());
    assert_eq!(fly.requests_for(Action::StartMachine).len(), 1);
    assert!(fly.requests_for(Action::CreateMachine).is_empty());
    assert!(fly.requests_for(Action::CreateVolume).is_empty());
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
    assert_ne!(
        destroy[0].param("force"),
        Some("true"),
        "stopped first, so no force"
    );
    assert!(fly.machines(&app).iter().all(|m| m.state == "destroyed"));
    // The volume goes too (it would keep billing), after the machine.
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert_eq!(
        mutations,
        [
            Action::AcquireLease,
            Action::StopMachine,
            Action::ReleaseLease,
            Action::DestroyMachine,
            Action::DeleteVolume
        ]
    );
    assert_eq!(
        fly.requests_for(Action::DeleteVolume)[0].path,
        format!("/v1/apps/{app}/volumes/{}", volume["id"].as_str().unwrap())
    );
    assert!(live_volumes(&fly, &app).is_empty());
    assert!(
        destroyed["message"]
            .as_str()
            .unwrap()
            .contains("data volume"),
        "{destroyed}"
    );

    // The audit log has every operation with the machine id.
    let events = user.cli(&["events", "--limit", "200", "--json"]).json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "provision.step",
        "volume.create",
        "machine.start",
        "machine.stop",
        "machine.restart",
        "machine.destroy",
        "volume.delete",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "machine.destroy" && e["machineId"] == machine_id.as_str()));
}

/// Provisions a machine and returns (fake, profile, app, machine id).
fn provisioned() -> (FakeFly, FlyProfile, String, String) {
    let fly = fake();
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    let run = user.cli(&["machine", "start", "--json"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let last = run.stdout().lines().last().unwrap().to_owned();
    let result: serde_json::Value = serde_json::from_str(&last).unwrap();
    let app = result["status"]["app"].as_str().unwrap().to_owned();
    let id = result["status"]["machineId"].as_str().unwrap().to_owned();
    (fly, user, app, id)
}

#[test]
fn status_shows_flys_state_after_changes_outside_the_app() {
    let (fly, user, app, id) = provisioned();
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["state"], "started");
    assert_eq!(status["nextAction"], "stop");
    assert!(status["cost"]["usdPerHour"].as_f64().unwrap() > 0.0);
    assert!(status["drift"].is_null());

    // Stopped from the Fly dashboard: shown as stopped, with the change and Start next.
    fly.set_machine_state(&app, &id, "stopped");
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["state"], "stopped");
    assert!(
        status["drift"]
            .as_str()
            .unwrap()
            .contains("outside TradeMind"),
        "{status}"
    );
    assert_eq!(status["nextAction"], "start");

    // Destroyed outside: the record forgets it; Start makes a new one.
    fly.set_machine_state(&app, &id, "destroyed");
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["state"], "destroyed");
    assert!(
        status["drift"]
            .as_str()
            .unwrap()
            .contains("destroyed outside"),
        "{status}"
    );
    assert_eq!(status["nextAction"], "start");
    let events = user.cli(&["events", "--limit", "100", "--json"]).json();
    let drifts = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "machine.drift")
        .count();
    assert_eq!(drifts, 2, "both changes are in the audit log");

    // The app deleted outside: nothing left; Start begins again from the app.
    fly.remove_app(&app);
    let status = user.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["state"], "none");
    assert!(
        status["drift"].as_str().unwrap().contains("deleted"),
        "{status}"
    );
    let again = user.cli(&["machine", "start", "--json"]);
    assert_eq!(again.code(), Some(0), "{}", again.stderr());
    assert_eq!(fly.apps().len(), 1);
}

#[test]
fn another_computer_finds_the_machine_and_can_stop_it() {
    let (fly, first, app, id) = provisioned();
    let second = FlyProfile::new(&fly, &first.token);
    let status = second.cli(&["machine", "status", "--json"]).json();
    assert_eq!(status["machineId"], id.as_str());
    assert_eq!(status["app"], app.as_str());
    assert_eq!(status["size"], "normal");
    assert!(status["drift"]
        .as_str()
        .unwrap()
        .contains("Found your machine"));
    let stopped = second.cli(&["machine", "stop", "--json"]).json();
    assert_eq!(stopped["status"]["state"], "stopped");
    assert_eq!(
        first.cli(&["machine", "status", "--json"]).json()["state"],
        "stopped"
    );
}

#[test]
fn machine_events_come_from_fly_and_land_in_the_audit_log() {
    let (_fly, user, _app, id) = provisioned();
    user.cli(&["machine", "stop"]).assert_ok();
    let events = user.cli(&["machine", "events", "--json"]).json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"launch") && kinds.contains(&"stop"),
        "{kinds:?}"
    );
    let newest = events[0]["at"].as_str().unwrap();
    let oldest = events.as_array().unwrap().last().unwrap()["at"]
        .as_str()
        .unwrap();
    assert!(newest >= oldest, "newest first");
    let audit = user.cli(&["events", "--limit", "200", "--json"]).json();
    let imported: Vec<&serde_json::Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "fly")
        .collect();
    assert!(imported.len() >= events.as_array().unwrap().len());
    assert!(imported.iter().all(|e| e["machineId"] == id.as_str()));
    // Imported once: asking again adds nothing.
    user.cli(&["machine", "events"]).assert_ok();
    let again = user.cli(&["events", "--limit", "200", "--json"]).json();
    let count = again
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "fly")
        .count();
    assert_eq!(count, imported.len());
    // Human output.
    let text = user.cli(&["machine", "events"]);
    assert!(text.stdout().contains("launch"), "{}", text.stdout());
}

#[test]
fn regions_live_with_a_token_and_documented_without() {
    let fly = fake();
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    let view = user.cli(&["regions", "--json"]).json();
    assert_eq!(view["source"], "fly");
    assert_eq!(view["nearest"], "iad");
    assert_eq!(
        view["defaultRegion"], "sin",
        "iad is in the US: Binance refuses it"
    );
    let region = |code: &str| {
        view["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(region("iad")["binance"], false);
    assert_eq!(region("sin")["binance"], true);
    let sizes: Vec<&str> = view["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(&sizes[..3], ["low", "normal", "high"]);
    let normal = &view["sizes"][1];
    let per_hour = normal["usdPerHour"].as_f64().unwrap();
    assert!((normal["usdPerDay"].as_f64().unwrap() - per_hour * 24.0).abs() < 1e-9);

    user.token = String::new();
    let offline = user.cli(&["regions", "--json"]).json();
    assert_eq!(offline["source"], "documented");
    assert!(offline["warning"]
        .as_str()
        .unwrap()
        .contains("no Fly API token"));
    assert_eq!(offline["regions"].as_array().unwrap().len(), 18);
    let text = user.cli(&["regions"]);
    assert!(
        text.stdout().contains("Binance refuses (US)"),
        "{}",
        text.stdout()
    );
}

#[test]
fn agent_tokens_and_the_fly_token_stay_out_of_files_logs_and_output() {
    let fly = fake();
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    user.env.push(("TRADEMIND_LOG".into(), "trace".into()));
    let mut output = String::new();
    for args in [
        vec!["machine", "start", "--json"],
        vec!["machine", "start"],
        vec!["machine", "status", "--json"],
        vec!["machine", "status"],
        vec!["machine", "restart"],
        vec!["machine", "events", "--json"],
        vec!["machine", "stop"],
        vec!["regions", "--json"],
        vec!["events", "--limit", "500", "--json"],
    ] {
        let run = user.cli(&args);
        assert_eq!(run.code(), Some(0), "{args:?}: {}", run.stderr());
        output.push_str(&run.stdout());
        output.push_str(&run.stderr());
    }
    let app = fly.apps()[0].name.clone();
    let (secrets, _) = fly.secrets(&app);
    let owner = secrets["SCREENER_OWNER_TOKEN"].clone();
    let viewer = secrets["SCREENER_VIEWER_TOKEN"].clone();
    assert!(owner.starts_with("tmo_") && viewer.starts_with("tmv_"));
    let logs = std::fs::read_dir(user.profile.log_dir()).unwrap().count();
    assert!(logs > 0, "trace logs were written");
    for (name, secret) in [("owner", &owner), ("viewer", &viewer), ("fly", &token)] {
        assert!(
            !output.contains(secret.as_str()),
            "{name} token in CLI output"
        );
        for root in [user.profile.data_dir(), user.profile.home()] {
            let hits = trademind_tests::leak::files_containing(&root, secret);
            assert!(hits.is_empty(), "{name} token in {hits:?}");
        }
    }
}

#[test]
fn a_second_computer_sets_its_own_agent_tokens_and_the_first_takes_them_back() {
    let (fly, first, app, id) = provisioned();
    let owner = |fly: &FakeFly| fly.secrets(&app).0["SCREENER_OWNER_TOKEN"].clone();
    let from_first = owner(&fly);
    let restarts = |fly: &FakeFly| fly.requests_for(Action::RestartMachine).len();

    let second = FlyProfile::new(&fly, &first.token);
    second.cli(&["machine", "start"]).assert_ok();
    let from_second = owner(&fly);
    assert_ne!(
        from_second, from_first,
        "the second computer uses its own tokens"
    );
    assert_eq!(
        restarts(&fly),
        1,
        "the running machine reboots to read them"
    );

    let again = first.cli(&["machine", "start", "--json"]);
    assert_eq!(again.code(), Some(0), "{}", again.stderr());
    assert_eq!(
        owner(&fly),
        from_first,
        "the first computer's tokens are back"
    );
    assert_eq!(restarts(&fly), 2);
    // Nothing changed since: a further start leaves the secrets alone.
    fly.clear_requests();
    first.cli(&["machine", "start"]).assert_ok();
    assert!(fly.requests_for(Action::SetSecrets).is_empty());
    assert_eq!(live(&fly, &app), vec![id]);
}

fn live(fly: &FakeFly, app: &str) -> Vec<String> {
    fly.machines(app)
        .into_iter()
        .filter(|m| m.state != "destroyed")
        .map(|m| m.id)
        .collect()
}

#[test]
fn resize_updates_the_whole_config_under_a_lease_and_checks_the_new_version() {
    let (fly, user, app, id) = provisioned();
    let before = fly.machine(&app, &id).unwrap();
    fly.clear_requests();
    let resized = user
        .cli(&["machine", "resize", "--size", "high", "--json"])
        .json();
    assert_eq!(resized["status"]["state"], "started");
    assert_eq!(resized["status"]["size"], "high");
    let after = fly.machine(&app, &id).unwrap();
    assert_ne!(after.instance_id, before.instance_id, "a new version runs");
    assert_eq!(after.config["guest"]["cpu_kind"], "performance");
    assert_eq!(after.config["guest"]["memory_mb"], 2048);
    assert_eq!(
        after.config["services"], before.config["services"],
        "the rest of the config is kept"
    );
    let update = fly.requests_for(Action::UpdateMachine);
    assert_eq!(update.len(), 1);
    assert!(update[0].lease_nonce.is_some());
    assert_eq!(fly.requests_for(Action::ReleaseLease).len(), 1);
    let events = user.cli(&["events", "--json"]).json();
    let update = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "machine.update")
        .expect("machine.update audited");
    assert_eq!(update["details"]["size"]["from"], "normal");
    assert_eq!(update["details"]["size"]["to"], "high");

    let bad = user.cli(&["machine", "resize", "--size", "gigantic", "--json"]);
    assert_eq!(bad.code(), Some(2));
    assert_eq!(
        fly.requests_for(Action::UpdateMachine).len(),
        1,
        "nothing sent"
    );
}

#[test]
fn after_destroy_a_start_in_another_region_makes_the_volume_there() {
    let (fly, user, app, first) = provisioned();
    let old_volume = live_volumes(&fly, &app)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    user.cli(&["machine", "destroy", "--yes"]).assert_ok();
    assert!(live_volumes(&fly, &app).is_empty());

    fly.clear_requests();
    let moved = user.cli(&["machine", "start", "--region", "ams", "--json"]);
    assert_eq!(moved.code(), Some(0), "{}", moved.stderr());
    let last = moved.stdout().lines().last().unwrap().to_owned();
    let result: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(result["status"]["region"], "ams");
    let id = result["status"]["machineId"].as_str().unwrap();
    assert_ne!(id, first);
    let volumes = live_volumes(&fly, &app);
    assert_eq!(volumes.len(), 1, "{volumes:#?}");
    assert_eq!(volumes[0]["region"], "ams");
    assert_ne!(volumes[0]["id"], old_volume.as_str());
    assert_eq!(volumes[0]["attached_machine_id"], id);
    let machine = fly.machine(&app, id).unwrap();
    assert_eq!(machine.region, "ams");
    assert_eq!(machine.config["mounts"][0]["volume"], volumes[0]["id"]);
    assert_eq!(machine.config["mounts"][0]["path"], "/data");
    let mutations: Vec<Action> = actions(&fly).into_iter().filter(|a| !a.is_read()).collect();
    assert_eq!(mutations, [Action::CreateVolume, Action::CreateMachine]);
}
