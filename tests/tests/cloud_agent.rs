//! The whole cloud path end to end, with nothing simulated but Fly's and Binance's servers:
//! the real `trademind` CLI (real keyring, real SQLite) provisions against the fake Fly in
//! process mode, where the user's machine runs the REAL `screener serve` with the secrets the
//! app set and its volume as `/data`, following the fake Binance. Then: the agent's `/health`
//! is what made `ready` pass; an owner's WebSocket gets `hello` and the signals of a deployed
//! trader; a crash (SIGKILL) is an `exit` event and a Fly restart, after which the journal —
//! on the volume — is the same and `resume_from` gives the missed signals once; `machine
//! stop` drains the agent (SIGTERM, exit 0) before Fly says `stopped`, and a new start finds
//! the same journal; `machine destroy` leaves no process and no volume.
//!
//! Needs both binaries built: `cargo build -p trademind -p screener --bins` (scripts/test.sh
//! does it; `cargo test` alone builds `screener` only for the screener package's tests). They
//! are found next to the test executable (`target/debug/`), or at `TRADEMIND_BIN` and
//! `SCREENER_BIN`. Run with the keyring:
//! `scripts/with-keyring.sh cargo test -p trademind-tests --test cloud_agent`.

use std::path::Path;
use std::time::{Duration, Instant};

use fake_binance::agent::{always, market, seqs, Client, WAIT};
use screener::market::Interval;
use trademind_tests::fake_fly::{
    free_listen_addr, screener_binary, Action, AgentSpec, FakeConfig, FakeFly, TokenKind,
};
use trademind_tests::fly_profile::{is_step, FlyProfile};

const SYMBOLS: [&str; 2] = ["BTCUSDT", "ETHUSDT"];

/// `machine start --json`: every step ran and finished; returns the result line.
fn start(user: &FlyProfile) -> serde_json::Value {
    let run = tokio::task::block_in_place(|| user.cli(&["machine", "start", "--json"]));
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stderr(), run.stdout());
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for step in [
        "token", "app", "secrets", "volume", "machine", "started", "ready",
    ] {
        assert!(
            lines.iter().any(|l| is_step(l, step, "done")),
            "{step} done: {lines:#?}"
        );
    }
    let result = lines.last().unwrap().clone();
    assert_eq!(result["type"], "result", "{result}");
    assert_eq!(result["status"]["state"], "started", "{result}");
    result
}

/// The newest `exit` event of the machine, as the API renders it.
fn last_exit_event(fly: &FakeFly, app: &str) -> serde_json::Value {
    let machine = &fly.machines(app)[0];
    machine.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "exit")
        .cloned()
        .unwrap_or_else(|| panic!("no exit event: {:#?}", machine.json["events"]))
}

/// Reads signals until their seqs reach `last`; returns the seqs seen.
async fn signals_through(client: &mut Client, last: u64) -> Vec<u64> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while seen.last().is_none_or(|s| *s < last) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "signals through {last}: {seen:?}"
        );
        let frames = client.collect(Duration::from_millis(100)).await;
        seen.extend(seqs(&frames));
    }
    // Anything more (a duplicate would show here).
    seen.extend(seqs(&client.collect(Duration::from_millis(300)).await));
    seen
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_agent_runs_on_the_fake_machine_through_crash_stop_start_and_destroy() {
    let began = Instant::now();
    let binance = market(&SYMBOLS);
    let root = tempfile::tempdir().unwrap();
    let listen = free_listen_addr();
    let spec = AgentSpec::new(
        screener_binary(),
        listen,
        binance.rest_url(),
        binance.ws_url(),
        &SYMBOLS,
        root.path(),
    );
    let fly = FakeFly::start(FakeConfig::with_agent(spec.clone()));
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    user.agent_url = spec.agent_url();

    // Provisioning: `ready` passed because the real agent said so.
    let result = start(&user);
    let status = &result["status"];
    let app = status["app"].as_str().unwrap().to_owned();
    let machine_id = status["machineId"].as_str().unwrap().to_owned();
    // What the app counts as up: `ready`, or `degraded` while the streams connect.
    assert!(
        ["ready", "degraded"].contains(&status["agent"]["status"].as_str().unwrap()),
        "{status}"
    );
    assert_eq!(
        status["agent"]["machineId"],
        machine_id.as_str(),
        "the agent answering /health knows FLY_MACHINE_ID: it runs on the machine"
    );
    assert_eq!(status["agent"]["agentVersion"], screener::build::VERSION);
    assert!(
        fly.requests_for(Action::AgentHealth).is_empty(),
        "the app asked the agent, not the fake's simulated /health"
    );
    let pid = fly.agent_pid(&app).expect("an agent process runs");
    assert!(process_exists(pid));
    let log = fly.agent_log_text(&app);
    assert!(
        log.contains("agent listening") && log.contains(&listen.to_string()),
        "{log}"
    );
    let health_url = format!("{}/health", spec.agent_url());
    assert!(fake_binance::agent::health_ready(&health_url, WAIT).await);
    let health: serde_json::Value = reqwest::get(&health_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&health["status"], &health["machineId"]),
        (&serde_json::json!("ready"), &serde_json::json!(machine_id))
    );
    // Its journal is on the volume.
    let volume = fly.volumes(&app)[0]["id"].as_str().unwrap().to_owned();
    let volume_dir = fly.volume_dir(&volume).unwrap();
    assert!(volume_dir.join("agent.sqlite").is_file(), "{volume_dir:?}");

    // The owner token is the one the app set as a Fly secret.
    let (secrets, _) = fly.secrets(&app);
    let owner_token = secrets["SCREENER_OWNER_TOKEN"].clone();
    let mut owner = Client::connect(listen, Some(&owner_token)).await.unwrap();
    let hello = owner.hello().await;
    assert_eq!(hello.machine_id, machine_id);
    let journal_id = hello.journal_id.clone();
    owner.deploy_and_follow(always("t1", 1)).await;
    binance.advance(Interval::M1, 2);
    let first = signals_through(&mut owner, 4).await;
    assert_eq!(first, [1, 2, 3, 4]);

    // A crash: Fly records the exit and restarts the agent on the same volume.
    let killed = fly.kill_agent(&app).unwrap();
    assert_eq!(killed, pid);
    assert!(owner.next(WAIT).await.is_none(), "the connection ends");
    let restarted = fly
        .wait_agent_pid(&app, Some(pid), WAIT)
        .expect("restarted");
    let exit = last_exit_event(&fly, &app);
    let request = &exit["request"];
    assert_eq!(request["exit_event"]["requested_stop"], false, "{exit}");
    assert_eq!(request["exit_event"]["restarting"], true, "{exit}");
    assert_eq!(request["exit_event"]["signal"], 9, "{exit}");
    assert_eq!(request["restart_count"], 1, "{exit}");
    assert_eq!(fly.machines(&app)[0].state, "started", "stays started");
    let crash = fly.agent_exits(&app).last().cloned().unwrap();
    assert_eq!((crash.signal, crash.requested), (Some(9), false));
    assert!(
        fake_binance::agent::health_ready(&health_url, WAIT).await,
        "ready again: {}",
        fly.agent_log_text(&app)
    );
    // Candles close while no client listens: their signals wait in the journal.
    binance.advance(Interval::M1, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut owner = Client::connect(listen, Some(&owner_token)).await.unwrap();
    let hello = owner.hello().await;
    assert_eq!(
        hello.journal_id, journal_id,
        "the volume survived the crash"
    );
    owner.resume_from(4).await;
    let missed = signals_through(&mut owner, 8).await;
    assert_eq!(missed, [5, 6, 7, 8], "missed signals once, in order");
    drop(owner);

    // Stop: SIGTERM, the drain, exit 0 — and only then `stopped`.
    let stopped = tokio::task::block_in_place(|| user.cli(&["machine", "stop", "--json"])).json();
    assert_eq!(stopped["status"]["state"], "stopped", "{stopped}");
    assert_eq!(fly.machines(&app)[0].state, "stopped");
    assert_eq!(fly.agent_pid(&app), None);
    assert!(!process_exists(restarted));
    let drained = fly.agent_exits(&app).last().cloned().unwrap();
    assert!(drained.requested && drained.success(), "{drained:?}");
    let log = fly.agent_log_text(&app);
    assert!(
        log.contains("SIGTERM received") && log.contains("agent stopped"),
        "{log}"
    );
    let exit = last_exit_event(&fly, &app);
    assert_eq!(exit["status"], "stopped", "{exit}");
    assert_eq!(exit["request"]["exit_event"]["requested_stop"], true);
    assert_eq!(exit["request"]["exit_event"]["exit_code"], 0);

    // Start again: the same machine, volume and journal.
    let again = start(&user);
    assert_eq!(again["status"]["machineId"], machine_id.as_str());
    let mut owner = Client::connect(listen, Some(&owner_token)).await.unwrap();
    let hello = owner.hello().await;
    assert_eq!(
        hello.journal_id, journal_id,
        "the volume survived stop/start"
    );
    assert_eq!(hello.last_seq, 8);
    drop(owner);

    // Destroy: no process, no volume.
    let last_pid = fly.agent_pid(&app).unwrap();
    let destroyed =
        tokio::task::block_in_place(|| user.cli(&["machine", "destroy", "--yes", "--json"])).json();
    assert_eq!(destroyed["status"]["state"], "destroyed", "{destroyed}");
    assert_eq!(fly.agent_pid(&app), None);
    assert!(!process_exists(last_pid));
    assert!(
        !volume_dir.exists(),
        "{volume_dir:?} removed with the volume"
    );
    eprintln!("cloud agent end to end: {:?}", began.elapsed());
}
