//! Support mode on the real `trademind` binary (real keyring, real SQLite) against the fake
//! Fly with a READ-ONLY token: every subcommand that would change something
//! (`trademind::cli::CHANGES`, which a unit test keeps complete) exits 2 with `forbidden`
//! under `--support`, before any request reaches Fly; each refusal is in the audit log with
//! actor `support`. Support's own credentials go to the keyring and are only ever described;
//! bad credentials are refused without being echoed; `inspect` without a Fly token says how
//! to provide one.
//!
//! Run: `scripts/with-keyring.sh cargo test -p trademind-tests --test support_mode`.

use std::time::Duration;

use trademind_tests::fake_fly::{FakeConfig, FakeFly, LogLevel, TokenKind};
use trademind_tests::fly_profile::FlyProfile;

#[test]
fn every_change_is_refused_in_support_mode_and_nothing_reaches_fly() {
    let fly = FakeFly::start(FakeConfig::fast());
    let readonly = fly.add_token(TokenKind::ReadOnly);
    let support = FlyProfile::new(&fly, &readonly);
    let traders = support.profile.data_dir().join("import.json");
    std::fs::create_dir_all(support.profile.data_dir()).unwrap();
    std::fs::write(&traders, "[]").unwrap();
    let traders = traders.display().to_string();

    for argv in trademind::cli::CHANGES {
        let mut args = vec!["--support", "--json"];
        args.extend(argv.iter().map(|a| {
            if *a == "traders.json" {
                traders.as_str()
            } else {
                a
            }
        }));
        let run = support.cli(&args);
        let error = run.json_error();
        assert_eq!(error["code"], "forbidden", "{argv:?}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("support mode"),
            "{argv:?}: {error}"
        );
        assert!(error["hint"].is_string(), "{argv:?}");
    }
    assert!(
        fly.requests().is_empty(),
        "support mode sent requests to Fly: {:#?}",
        fly.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );

    let events = support.cli(&["--support", "--json", "events", "--limit", "200"]);
    events.assert_ok();
    let refused: Vec<serde_json::Value> = events
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "support.refused")
        .cloned()
        .collect();
    assert!(
        refused.len() >= trademind::cli::CHANGES.len(),
        "{} refusals for {} commands: {refused:#?}",
        refused.len(),
        trademind::cli::CHANGES.len()
    );
    assert!(refused.iter().all(|e| e["actor"] == "support"));
    for operation in [
        "machine destroy",
        "budget set",
        "traders import",
        "token store",
    ] {
        assert!(
            refused
                .iter()
                .any(|e| e["details"]["operation"] == operation),
            "{operation} not audited"
        );
    }
}

#[test]
fn support_credentials_are_kept_in_the_keyring_and_only_described() {
    let fly = FakeFly::start(FakeConfig::fast());
    let readonly = fly.add_token(TokenKind::ReadOnly);
    let mut support = FlyProfile::new(&fly, "");
    support.env.push(("FLY_API_TOKEN".into(), String::new()));

    // Without a token, inspect says how to give one.
    let missing = support
        .cli(&["--json", "inspect", "find", "anything"])
        .json_error();
    assert_eq!(missing["code"], "invalid_input", "{missing}");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("inspect login"),
        "{missing}"
    );

    // Bad credentials: refused, never echoed.
    let bad_viewer = "tmv_has spaces inside it 0123456789";
    let run = support.profile.cli_with(
        &["--json", "inspect", "login", "--viewer", "--token-stdin"],
        bad_viewer.as_bytes(),
        |_| {},
    );
    let error = run.json_error();
    assert_eq!(error["code"], "invalid_input");
    assert!(!run.stderr().contains(bad_viewer) && !run.stdout().contains(bad_viewer));
    let run = support.profile.cli_with(
        &["--json", "inspect", "login", "--token-stdin"],
        b"not a token",
        |_| {},
    );
    assert_eq!(run.json_error()["code"], "invalid_token");

    // Good ones: stored, described by their last four characters.
    let run = support.profile.cli_with(
        &["--json", "inspect", "login", "--token-stdin"],
        readonly.as_bytes(),
        |_| {},
    );
    run.assert_ok();
    let viewer = "tmv_0123456789abcdefghijklmnopqrstuv";
    let run = support.profile.cli_with(
        &["--json", "inspect", "login", "--viewer", "--token-stdin"],
        viewer.as_bytes(),
        |_| {},
    );
    run.assert_ok();
    let access = run.json();
    assert_eq!(access["mode"], "support");
    assert_eq!(access["viewerToken"]["last4"], "…stuv");
    assert_eq!(access["viewerToken"]["source"], "keyring");
    assert_eq!(access["flyToken"]["source"], "keyring");
    assert!(!run.stdout().contains(viewer) && !run.stdout().contains(&readonly));

    // Nothing of either token in the data dir (database, logs).
    for entry in walk(&support.profile.data_dir()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(viewer),
            "viewer token in {}",
            entry.display()
        );
        assert!(
            !text.contains(readonly.trim_start_matches("FlyV1 ")),
            "Fly token in {}",
            entry.display()
        );
    }

    // Logout forgets both.
    let run = support
        .profile
        .cli_with(&["--json", "inspect", "logout"], b"", |_| {});
    run.assert_ok();
    assert!(run.json()["flyToken"].is_null() && run.json()["viewerToken"].is_null());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn logs_are_tailed_live_with_the_filter_applied() {
    let fly = FakeFly::start(FakeConfig::fast());
    let user_token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &user_token);
    let (app, machine) = user.start_machine();
    fly.push_log(&app, &machine, LogLevel::Info, "backlog info");
    fly.push_log(&app, &machine, LogLevel::Error, "backlog error");

    let readonly = fly.add_token(TokenKind::ReadOnly);
    let mut support = FlyProfile::new(&fly, "");
    support
        .env
        .push(("TRADEMIND_SUPPORT_FLY_TOKEN".into(), readonly.clone()));
    let mut tail = support.spawn(&[
        "--json", "inspect", "logs", &app, "--level", "error", "--follow",
    ]);
    let first = tail
        .read_until(Duration::from_secs(20), |l| l["message"] == "backlog error")
        .expect("the backlog's error line");
    assert_eq!(first["level"], "error");
    fly.push_log(&app, &machine, LogLevel::Info, "live info, filtered out");
    fly.push_log(
        &app,
        &machine,
        LogLevel::Error,
        "live error: journal is locked",
    );
    let live = tail
        .read_until(Duration::from_secs(20), |l| {
            l["message"] == "live error: journal is locked"
        })
        .expect("the new error line, tailed");
    assert_eq!(live["instance"], machine.as_str());
    tail.kill();
    let messages: Vec<&str> = tail
        .seen
        .iter()
        .filter_map(|(_, l)| l["message"].as_str())
        .collect();
    assert!(!messages.iter().any(|m| m.contains("info")), "{messages:?}");
    // The tail polled Fly's logs API with the read-only token, after the first page's token.
    let polls = fly
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/logs") && r.token_kind == Some(TokenKind::ReadOnly))
        .collect::<Vec<_>>();
    assert!(polls.len() >= 2, "{}", polls.len());
    assert!(polls
        .iter()
        .skip(1)
        .all(|r| r.query.iter().any(|(k, _)| k == "next_token")));
}
