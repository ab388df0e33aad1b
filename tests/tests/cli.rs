//! The `trademind` CLI against a real SQLite database and the real Secret Service keyring:
//! login/logout/status/events, the environment token, bad inputs, and secrets never on disk.

use trademind_tests::app::Profile;
use trademind_tests::keyring::{keyring_dir, require_real_keyring};
use trademind_tests::{leak, unique_token};

#[test]
fn version_is_printed_without_touching_anything() {
    let profile = Profile::new();
    let run = profile.cli(&["--version"], b"");
    assert_eq!(run.code(), Some(0));
    assert_eq!(
        run.stdout().trim(),
        format!("trademind {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        !profile.data_dir().exists(),
        "--version created the data dir"
    );
}

#[test]
fn status_of_a_fresh_profile_reports_paths_database_and_no_token() {
    require_real_keyring();
    let profile = Profile::new();
    let status = profile.cli(&["status", "--json"], b"").json();
    assert_eq!(status["dataDir"], profile.data_dir().display().to_string());
    assert_eq!(status["logDir"], profile.log_dir().display().to_string());
    assert_eq!(status["database"]["ok"], true, "{status}");
    assert!(status["database"]["detail"]
        .as_str()
        .unwrap()
        .contains("journal wal"));
    assert_eq!(status["keyring"]["ok"], true, "{status}");
    assert_eq!(status["token"]["present"], false);
    // SQLite header bytes 18/19 (read/write format version) are 2 for a WAL database.
    let header = std::fs::read(profile.data_dir().join("trademind.sqlite")).unwrap();
    assert_eq!(&header[..16], b"SQLite format 3\0");
    assert_eq!(
        (header[18], header[19]),
        (2, 2),
        "database is not in WAL mode"
    );
}

#[test]
fn login_status_logout_round_trip_with_audit_events() {
    require_real_keyring();
    let profile = Profile::new();
    let token = unique_token("ROUNDTRIP");
    let last4 = &token[token.len() - 4..];

    let stored = profile.cli(
        &["login", "--token-stdin", "--json"],
        format!("FlyV1 {token}\n").as_bytes(),
    );
    let stored = stored.json();
    assert_eq!(stored["present"], true);
    assert_eq!(stored["stored"]["kind"], "macaroon");
    assert_eq!(stored["stored"]["source"], "keyring");
    assert_eq!(stored["stored"]["last4"], last4);

    // A separate process reads it back from the keyring.
    let status = profile.cli(&["status", "--json"], b"").json();
    assert_eq!(status["token"]["active"]["last4"], last4);
    let text = profile.cli(&["status"], b"").stdout();
    assert!(
        text.contains(&format!("Fly macaroon token …{last4} in the OS keyring")),
        "{text}"
    );

    let removed = profile.cli(&["logout", "--json"], b"").json();
    assert_eq!(removed["present"], false);
    assert_eq!(removed["stored"], serde_json::Value::Null);
    assert_eq!(
        profile.cli(&["status", "--json"], b"").json()["token"]["present"],
        false
    );

    // Removing again is not an error and records nothing.
    assert_eq!(
        profile.cli(&["logout", "--json"], b"").json()["present"],
        false
    );

    let events = profile.cli(&["events", "--json"], b"").json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["token.removed", "token.stored"]);
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == "cli"));
}

#[test]
fn bad_tokens_get_clear_errors_and_lose_nothing() {
    require_real_keyring();
    let profile = Profile::new();
    let good = unique_token("KEEP");
    profile
        .cli(&["login", "--token-stdin"], good.as_bytes())
        .assert_ok();

    let long = "fm2_".to_owned() + &"A".repeat(20_000);
    let cases: [(&[u8], &str); 9] = [
        (b"", "it is empty"),
        (b"   \n\t  \n", "it is empty"),
        (b"FlyV1 \n", "scheme prefix but no token"),
        (b"fm2_tooshort", "too short"),
        (
            b"fm2_aaaaaaaaaaaaaaaaaaaaaaaa fm2_bbbbbbbbbbbbbbbbbbbbbbbbbb",
            "space or line break inside",
        ),
        (
            b"fm2_aaaaaaaaaaaaaaaaaaaaaaaa,,fm2_bbbbbbbbbbbbbbbbbbbbbbb",
            "empty part between commas",
        ),
        (
            "fm2_aaaaaaaaaaaaaaaaaaaaaaaa€".as_bytes(),
            "character no Fly token contains",
        ),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (long.as_bytes(), "longer than any Fly token"),
    ];
    for (input, expected) in cases {
        let error = profile
            .cli(&["login", "--token-stdin", "--json"], input)
            .json_error();
        assert_eq!(error["code"], "invalid_token", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{error} for {input:?}"
        );
        assert!(error["hint"]
            .as_str()
            .unwrap()
            .contains("fly tokens create"));
    }

    // Human-readable form: message and hint on stderr.
    let human = profile.cli(&["login", "--token-stdin"], b"nope");
    assert_eq!(human.code(), Some(2), "bad input is a user error");
    assert!(human
        .stderr()
        .contains("error: that is not a Fly API token"));
    assert!(human.stderr().contains("hint: "));

    // The good token survived every rejected attempt.
    let status = profile.cli(&["status", "--json"], b"").json();
    assert_eq!(status["token"]["stored"]["last4"], &good[good.len() - 4..]);
    let events = profile.cli(&["events", "--json"], b"").json();
    assert_eq!(
        events.as_array().unwrap().len(),
        1,
        "rejected tokens recorded nothing"
    );
}

#[test]
fn whitespace_padded_token_is_trimmed_and_stored() {
    require_real_keyring();
    let profile = Profile::new();
    let token = unique_token("PAD");
    let stored = profile
        .cli(
            &["login", "--token-stdin", "--json"],
            format!("\n\t  {token}  \r\n").as_bytes(),
        )
        .json();
    assert_eq!(stored["stored"]["last4"], &token[token.len() - 4..]);
}

#[test]
fn environment_token_is_used_and_never_persisted() {
    require_real_keyring();
    let profile = Profile::new();
    let token = unique_token("ENVONLY");
    let with_env = |cmd: &mut std::process::Command| {
        cmd.env("FLY_API_TOKEN", &token);
    };
    let status = profile
        .cli_with(&["status", "--json"], b"", with_env)
        .json();
    assert_eq!(status["token"]["present"], true);
    assert_eq!(status["token"]["active"]["source"], "environment");
    assert_eq!(status["token"]["active"]["envVar"], "FLY_API_TOKEN");
    assert_eq!(
        status["token"]["stored"],
        serde_json::Value::Null,
        "env token was stored"
    );

    // Without the variable, nothing is left behind.
    let after = profile.cli(&["status", "--json"], b"").json();
    assert_eq!(after["token"]["present"], false);
    assert_no_leak(&profile, &token);

    // A malformed variable is reported, not used, and not quoted.
    let bad = profile
        .cli_with(&["status", "--json"], b"", |cmd| {
            cmd.env("FLY_API_TOKEN", "not a token");
        })
        .json();
    assert_eq!(bad["token"]["present"], false);
    let warning = bad["token"]["envWarning"].as_str().unwrap();
    assert!(
        warning.starts_with("FLY_API_TOKEN is set but ignored"),
        "{warning}"
    );
    assert!(!warning.contains("not a token"));
}

#[test]
fn keyring_unavailable_is_a_clear_error_not_a_crash() {
    let profile = Profile::new();
    let no_bus = |cmd: &mut std::process::Command| {
        cmd.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/trademind-no-bus",
        );
    };
    let token = unique_token("NOBUS");
    let login = profile.cli_with(
        &["login", "--token-stdin", "--json"],
        token.as_bytes(),
        no_bus,
    );
    let error = login.json_error_with(1);
    assert_eq!(error["code"], "keyring_unavailable", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("FLY_API_TOKEN"));

    // status still answers, reporting the keyring problem.
    let status = profile.cli_with(&["status", "--json"], b"", no_bus).json();
    assert_eq!(status["database"]["ok"], true);
    assert_eq!(status["keyring"]["ok"], false);
    assert_eq!(status["keyring"]["error"]["code"], "keyring_unavailable");
    assert_eq!(status["token"], serde_json::Value::Null);
    assert_no_leak(&profile, &token);
}

#[test]
fn profiles_do_not_share_tokens() {
    require_real_keyring();
    let a = Profile::new();
    let b = Profile::new();
    a.cli(
        &["login", "--token-stdin"],
        unique_token("PROFA").as_bytes(),
    )
    .assert_ok();
    assert_eq!(
        a.cli(&["status", "--json"], b"").json()["token"]["present"],
        true
    );
    assert_eq!(
        b.cli(&["status", "--json"], b"").json()["token"]["present"],
        false
    );
    a.cli(&["logout"], b"").assert_ok();
}

#[test]
fn stored_token_never_reaches_disk_logs_or_home() {
    require_real_keyring();
    let profile = Profile::new();
    let token = unique_token("LEAKCHECK");
    profile
        .cli(&["login", "--token-stdin"], token.as_bytes())
        .assert_ok();
    // Verbose logging must not reveal it either.
    let debug = |cmd: &mut std::process::Command| {
        cmd.env("TRADEMIND_LOG", "trace");
    };
    let status = profile.cli_with(&["status"], b"", debug);
    assert!(!status.stdout().contains(&token) && !status.stderr().contains(&token));
    profile.cli_with(&["events"], b"", debug).assert_ok();
    assert!(
        leak::file_count(&profile.log_dir()) > 0,
        "a log file was written"
    );
    assert_no_leak(&profile, &token);
    if let Some(dir) = keyring_dir() {
        assert!(
            leak::files_containing(&dir, &token).is_empty(),
            "the keyring file holds the token in clear text"
        );
    }
    profile.cli(&["logout"], b"").assert_ok();
}

fn assert_no_leak(profile: &Profile, token: &str) {
    for dir in [profile.data_dir(), profile.log_dir(), profile.home()] {
        let hits = leak::files_containing(&dir, token);
        assert!(hits.is_empty(), "token found in {hits:?}");
    }
}
