//! `trademind costs` and `trademind budget` against a real SQLite database: the report's
//! JSON shape, the budget and price overrides round trip (audited), and bad inputs (exit 2).

use trademind_tests::app::Profile;

#[test]
fn costs_json_shape_of_a_fresh_profile() {
    let profile = Profile::new();
    let report = profile
        .cli(&["costs", "--month", "2026-02", "--json"], b"")
        .json();
    assert_eq!(report["month"], "2026-02");
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 28);
    assert_eq!(days[0]["date"], "2026-02-01");
    for key in ["startedHours", "computeUsd", "storageUsd", "totalUsd"] {
        assert_eq!(days[27][key], 0.0, "{key}");
    }
    assert_eq!(report["totalUsd"], 0.0);
    assert!(report["budget"].is_null());
    assert!(report["asOf"].as_str().unwrap().ends_with('Z'));
    assert_eq!(report["overrides"], serde_json::json!([]));
    let text = profile.cli(&["costs"], b"");
    text.assert_ok();
    assert!(text.stdout().starts_with("Costs for "), "{}", text.stdout());
}

#[test]
fn budget_and_prices_round_trip_and_are_audited() {
    let profile = Profile::new();
    let shown = profile.cli(&["budget", "show", "--json"], b"").json();
    assert!(shown.is_null());
    let set = profile
        .cli(&["budget", "set", "12.5", "--hard-stop", "--json"], b"")
        .json();
    assert_eq!(set["monthlyUsd"], 12.5);
    assert_eq!(set["hardStop"], true);
    assert_eq!(set["level"], "ok");
    assert_eq!(set["spentUsd"], 0.0);
    let report = profile.cli(&["costs", "--json"], b"").json();
    assert_eq!(report["budget"]["monthlyUsd"], 12.5);
    let prices = profile
        .cli(&["costs", "price", "set", "Normal", "0.02", "--json"], b"")
        .json();
    assert_eq!(
        prices,
        serde_json::json!([{"size": "normal", "usdPerHour": 0.02}])
    );
    let cleared = profile
        .cli(&["costs", "price", "clear", "normal", "--json"], b"")
        .json();
    assert_eq!(cleared, serde_json::json!([]));
    assert!(profile
        .cli(&["budget", "clear", "--json"], b"")
        .json()
        .is_null());
    let events = profile
        .cli(&["events", "--json", "--limit", "10"], b"")
        .json();
    let budget_sets = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "budget.set" && e["actor"] == "cli")
        .count();
    assert_eq!(budget_sets, 4);
}

#[test]
fn bad_inputs_exit_2_with_a_json_error() {
    let profile = Profile::new();
    for args in [
        &["costs", "--month", "2026-13", "--json"][..],
        &["costs", "--month", "11-2026", "--json"],
        &["budget", "set", "-5", "--json"],
        &["budget", "set", "0", "--json"],
        &["costs", "price", "set", "huge", "0.1", "--json"],
        &["costs", "price", "set", "normal", "-1", "--json"],
    ] {
        let error = profile.cli(args, b"").json_error();
        assert_eq!(error["code"], "invalid_input", "{args:?}: {error}");
    }
    // clap's own usage errors (not a number) also exit 2.
    let run = profile.cli(&["budget", "set", "lots"], b"");
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(profile
        .cli(&["budget", "show", "--json"], b"")
        .json()
        .is_null());
}

/// Start and stop through the fake Fly API: the state log feeds the report (a running interval
/// of a few seconds and storage since the machine appeared), and a destroy ends storage.
#[test]
fn a_machine_started_and_stopped_on_fly_is_accounted() {
    use trademind_tests::fake_fly::{FakeConfig, FakeFly, TokenKind};
    use trademind_tests::fly_profile::FlyProfile;
    trademind_tests::keyring::require_real_keyring();
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &token);
    user.cli(&["machine", "start", "--json"]).assert_ok();
    std::thread::sleep(std::time::Duration::from_millis(300));
    user.cli(&["machine", "stop", "--json"]).assert_ok();
    let report = user.cli(&["costs", "--json"]).json();
    let started: f64 = report["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["startedHours"].as_f64().unwrap())
        .sum();
    // At least the 300 ms between start and stop, far less than a minute.
    assert!(started > 0.3 / 3600.0 && started < 1.0 / 60.0, "{report}");
    assert!(report["computeUsd"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["storageUsd"].as_f64().unwrap() > 0.0, "{report}");
    user.cli(&["machine", "destroy", "--yes", "--json"])
        .assert_ok();
    let after = user.cli(&["costs", "--json"]).json();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let later = user.cli(&["costs", "--json"]).json();
    assert_eq!(
        after["storageUsd"], later["storageUsd"],
        "no storage after destroy"
    );
    assert_eq!(
        after["computeUsd"], report["computeUsd"],
        "nothing started since the stop"
    );
}
