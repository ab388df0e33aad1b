//! Ending support's live access: `trademind machine replace-viewer-token` against the fake Fly
//! in process mode, where the machine runs the REAL `screener serve`. The old viewer token
//! must stop working on the agent (401) and the new one must work, on a started machine (it
//! restarts) and on a stopped one (the agent takes the new token when it next starts); the
//! owner's own token keeps working; no token reaches the output, the log or the profile's
//! files; and a profile without a machine, or a machine in transit, gets a clear error that
//! changes nothing.
//!
//! Run: `scripts/with-keyring.sh cargo test -p trademind-tests --test viewer_token`
//! (needs `cargo build -p trademind -p screener --bins`).

use std::time::{Duration, Instant};

use fake_binance::agent::market;
use trademind_tests::fake_fly::{
    free_listen_addr, screener_binary, AgentSpec, FakeConfig, FakeFly, TokenKind,
};
use trademind_tests::fly_profile::FlyProfile;
use trademind_tests::leak::files_containing;

const SYMBOLS: [&str; 1] = ["BTCUSDT"];

fn json_ok(run: &trademind_tests::app::CliRun) -> serde_json::Value {
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stderr(), run.stdout());
    run.json()
}

/// The status `GET /history` answers `token` with, once the agent answers at all.
async fn history_status(agent_url: &str, token: &str) -> u16 {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client
            .get(format!("{agent_url}/history"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(response) => return response.status().as_u16(),
            Err(e) => {
                assert!(Instant::now() < deadline, "the agent never answered: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Runs the real `trademind` with `args` for `user` (off the test's runtime threads).
fn cli(user: &FlyProfile, args: &[&str]) -> trademind_tests::app::CliRun {
    tokio::task::block_in_place(|| user.cli(args))
}

fn viewer_token(user: &FlyProfile) -> String {
    let run = cli(user, &["machine", "viewer-token"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let token = run.stdout().trim().to_owned();
    assert!(
        token.starts_with("tmv_") && token.len() == 47,
        "{token:.4}…"
    );
    token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_viewer_token_stops_working_and_the_new_one_works() {
    trademind_tests::keyring::require_real_keyring();
    let binance = market(&SYMBOLS);
    let root = tempfile::tempdir().unwrap();
    let spec = AgentSpec::new(
        screener_binary(),
        free_listen_addr(),
        binance.rest_url(),
        binance.ws_url(),
        &SYMBOLS,
        root.path(),
    );
    let fly = FakeFly::start(FakeConfig::with_agent(spec.clone()));
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    user.agent_url = spec.agent_url();
    let agent = spec.agent_url();

    // Bad input first: no machine yet, so nothing to replace — a clear error, nothing made.
    let early = cli(&user, &["--json", "machine", "replace-viewer-token"]);
    let error = early.json_error();
    assert_eq!(error["code"], "no_machine", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("machine start"));

    let (app, machine_id) = tokio::task::block_in_place(|| user.start_machine());
    let (secrets, first_version) = fly.secrets(&app);
    let owner = secrets["SCREENER_OWNER_TOKEN"].clone();
    let first = viewer_token(&user);
    assert_eq!(secrets["SCREENER_VIEWER_TOKEN"], first);
    assert_eq!(
        history_status(&agent, &first).await,
        200,
        "the viewer token works"
    );

    // Started: a new token on Fly and in the keyring, and a restart so the agent reads it.
    let pid_before = fly.agent_pid(&app);
    let replaced = json_ok(&cli(&user, &["--json", "machine", "replace-viewer-token"]));
    assert!(
        replaced["message"]
            .as_str()
            .unwrap()
            .contains("old viewer token no longer works"),
        "{replaced}"
    );
    assert_eq!(replaced["status"]["state"], "started", "{replaced}");
    assert_eq!(replaced["status"]["machineId"], machine_id.as_str());
    let second = viewer_token(&user);
    assert_ne!(second, first);
    let (secrets, second_version) = fly.secrets(&app);
    assert!(second_version > first_version);
    assert_eq!(secrets["SCREENER_VIEWER_TOKEN"], second);
    assert_eq!(
        secrets["SCREENER_OWNER_TOKEN"], owner,
        "the owner's token is kept"
    );
    let machine = &fly.machines(&app)[0];
    assert_eq!(machine.booted_secrets_version, Some(second_version));
    assert_ne!(fly.agent_pid(&app), pid_before, "the agent restarted");
    assert_eq!(
        history_status(&agent, &first).await,
        401,
        "the old token is refused"
    );
    assert_eq!(history_status(&agent, &second).await, 200);
    assert_eq!(
        history_status(&agent, &owner).await,
        200,
        "the owner still reads"
    );
    // A later start changes nothing more: Fly's secrets match what this computer set.
    let again = cli(&user, &["--json", "machine", "start"]);
    assert_eq!(again.code(), Some(0), "{}", again.stderr());
    assert_eq!(fly.secrets(&app).1, second_version, "no secrets rewrite");
    assert!(again.stdout().contains("already set"), "{}", again.stdout());

    // Stopped: the secret is replaced, the machine stays stopped, and the next start uses it.
    json_ok(&cli(&user, &["--json", "machine", "stop"]));
    let parked = json_ok(&cli(&user, &["--json", "machine", "replace-viewer-token"]));
    assert_eq!(parked["status"]["state"], "stopped", "{parked}");
    assert!(
        parked["message"].as_str().unwrap().contains("next starts"),
        "{parked}"
    );
    assert_eq!(fly.machines(&app)[0].state, "stopped", "not started by it");
    let third = viewer_token(&user);
    assert_ne!(third, second);

    // A machine in transit: refused with `machine_state`, nothing replaced.
    let version = fly.secrets(&app).1;
    fly.set_machine_state(&app, &machine_id, "starting");
    let busy = cli(&user, &["--json", "machine", "replace-viewer-token"]);
    let error = busy.json_error();
    assert_eq!(error["code"], "machine_state", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("starting"),
        "{error}"
    );
    assert_eq!(fly.secrets(&app).1, version, "no secrets written");
    assert_eq!(viewer_token(&user), third, "the keyring's token is kept");
    fly.set_machine_state(&app, &machine_id, "stopped");
    let restarted = cli(&user, &["--json", "machine", "start"]);
    assert_eq!(restarted.code(), Some(0), "{}", restarted.stderr());
    assert_eq!(history_status(&agent, &second).await, 401);
    assert_eq!(history_status(&agent, &third).await, 200);

    // Audited; and no token in any output, the log or the profile's files.
    let events = json_ok(&cli(&user, &["--json", "events", "--limit", "500"]));
    let replacements = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["kind"] == "support.access" && e["details"]["what"] == "viewer-token replaced"
        })
        .count();
    assert_eq!(replacements, 2, "{events:#}");
    for secret in [&first, &second, &third, &owner] {
        for run in [&replaced, &parked, &events] {
            assert!(!run.to_string().contains(secret.as_str()));
        }
        let found = files_containing(&user.profile.data_dir(), secret);
        assert!(found.is_empty(), "a token in {found:?}");
        let found = files_containing(&user.profile.log_dir(), secret);
        assert!(found.is_empty(), "a token in {found:?}");
    }
}
