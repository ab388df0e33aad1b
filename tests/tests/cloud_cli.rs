//! `trademind link status` and `trademind link watch` (the built binary) against the REAL
//! agent in process: the greeting with role and last seq, state changes and frames as JSON
//! lines until SIGINT, and the bad inputs (no machine, a deadline out of range). Needs the
//! keyring (`scripts/with-keyring.sh`) and `cargo build -p trademind`.

mod link_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use link_support::*;
use trademind::api::Core;
use trademind::paths::Paths;
use trademind::secrets::{SecretAccount, Vault};
use trademind::sensitive::Sensitive;
use trademind::store::machine::MachineRecord;
use trademind_tests::app::{binary, Profile};

/// A profile whose machine record is started, with the owner token in the keyring.
async fn profile_with_machine() -> Profile {
    trademind_tests::keyring::require_real_keyring();
    let profile = Profile::new();
    let paths = Paths::for_data_dir(profile.data_dir()).unwrap();
    let vault = Vault::open(paths.keyring_service.clone()).unwrap();
    vault
        .store_secret(
            SecretAccount::AgentOwnerToken,
            &Sensitive::new(OWNER.into()),
        )
        .await
        .unwrap();
    let core = Core::open(paths).await.unwrap();
    core.store()
        .save_machine(&MachineRecord {
            app: "trademind-clitest".into(),
            org_slug: "personal".into(),
            machine_id: None,
            instance_id: None,
            region: "fra".into(),
            size: "normal".into(),
            image: "registry.fly.io/agent:1".into(),
            state: Some("started".into()),
            seen_at: None,
            secrets_version: None,
            secrets_fingerprint: None,
        })
        .await
        .unwrap();
    core.close().await;
    profile
}

#[tokio::test]
async fn link_status_prints_the_greeting_and_refuses_bad_input() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let url = agent.base_url();

    // No machine record yet: `no_machine`, the user's to fix (exit 2).
    let empty = Profile::new();
    let run = tokio::task::spawn_blocking(move || {
        empty.cli(
            &[
                "link",
                "status",
                "--json",
                "--agent-url",
                "http://127.0.0.1:9",
            ],
            b"",
        )
    })
    .await
    .unwrap();
    assert_eq!(run.json_error_with(2)["code"], "no_machine");

    let profile = profile_with_machine().await;
    let data = profile.data_dir();
    let run = tokio::task::spawn_blocking(move || {
        let ok = profile.cli(&["link", "status", "--json", "--agent-url", &url], b"");
        let text = profile.cli(&["link", "status", "--agent-url", &url], b"");
        // Deadlines out of range are usage errors.
        let zero = profile.cli(&["link", "status", "--deadline", "0"], b"");
        let huge = profile.cli(&["link", "status", "--deadline", "301"], b"");
        // Nothing listens there: the agent is unreachable (exit 3).
        let down = profile.cli(
            &[
                "link",
                "status",
                "--json",
                "--deadline",
                "2",
                "--agent-url",
                "http://127.0.0.1:9",
            ],
            b"",
        );
        (ok, text, zero, huge, down)
    })
    .await
    .unwrap();
    let (ok, text, zero, huge, down) = run;
    ok.assert_ok();
    let probe = ok.json();
    assert_eq!(probe["state"], "live");
    assert_eq!(probe["hello"]["role"], "owner");
    assert_eq!(probe["hello"]["lastSeq"], 0);
    assert_eq!(probe["hello"]["protocolVersion"], 1);
    text.assert_ok();
    assert!(
        text.stdout().contains("role:      owner"),
        "{}",
        text.stdout()
    );
    assert_eq!(zero.code(), Some(2));
    assert_eq!(huge.code(), Some(2));
    assert_eq!(down.json_error_with(3)["code"], "agent_unreachable");
    for run in [&ok, &text, &down] {
        assert!(!run.stdout().contains(OWNER) && !run.stderr().contains(OWNER));
    }
    assert!(trademind_tests::leak::files_containing(&data, OWNER).is_empty());
    agent.shutdown().await;
}

#[tokio::test]
async fn link_watch_prints_states_and_frames_until_sigint() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let profile = profile_with_machine().await;
    let url = agent.base_url();
    let lines = tokio::task::spawn_blocking(move || {
        let mut child = profile
            .command(&binary())
            .args(["link", "watch", "--agent-url", &url])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut lines = Vec::new();
        let mut interrupted = false;
        let mut live = false;
        for line in stdout.lines() {
            let line = line.unwrap();
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            live |= value["view"]["state"]["state"] == "live";
            let is_metrics = value["frame"]["type"] == "metrics";
            lines.push(value);
            if live && is_metrics && !interrupted {
                let pid = child.id().to_string();
                let sent = std::process::Command::new("kill")
                    .args(["-INT", &pid])
                    .status();
                assert!(sent.unwrap().success());
                interrupted = true;
            }
            assert!(Instant::now() < deadline, "no metrics frame: {lines:?}");
        }
        let status = child.wait().unwrap();
        assert!(status.success(), "exit {status:?}");
        lines
    })
    .await
    .unwrap();
    let states: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "state")
        .map(|l| l["view"]["state"]["state"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"live"), "{states:?}");
    assert_eq!(states.last(), Some(&"offline"), "disconnected on SIGINT");
    assert!(lines.iter().any(|l| l["frame"]["type"] == "metrics"));
    assert!(!serde_json::to_string(&lines).unwrap().contains(OWNER));
    agent.shutdown().await;
}
