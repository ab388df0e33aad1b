//! The support window in the real web view (`trademind --support` under Xvfb and
//! WebKitWebDriver): only the support window opens, with its read-only banner; support's
//! read-only Fly token comes from the environment (described, never shown); a user's machine
//! is found by app name and inspected (state, Fly's exit events, the diagnosis); Fly's logs are
//! read and filtered; the diagnostics report is written and summarized. The window cannot call
//! an owner command — Tauri's ACL refuses `machine_stop` for this window's capability — and
//! support's requests to Fly are all reads.
//!
//! Needs `target/debug/trademind` built and the keyring:
//! `scripts/with-keyring.sh cargo test -p trademind-tests --test gui_support`.

use std::time::{Duration, Instant};

use trademind_tests::app::{binary, Profile};
use trademind_tests::display::Xvfb;
use trademind_tests::fake_fly::{FakeConfig, FakeFly, LogLevel, TokenKind};
use trademind_tests::fly_profile::FlyProfile;
use trademind_tests::keyring::require_real_keyring;
use trademind_tests::webdriver::{Driver, Session};
use trademind_tests::window::{app_env, artifacts, attribute, count, page_state};

const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `invoke(command)` in the page and returns `ok` or the error text.
fn invoke(session: &Session, command: &str) -> String {
    session.execute(&format!(
        "window.__probe = null; window.__TAURI_INTERNALS__.invoke('{command}', {{}}).then(\
         () => window.__probe = 'ok', e => window.__probe = 'err: ' + JSON.stringify(e)); return null;"
    ));
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        if let Some(answer) = session.execute("return window.__probe;").as_str() {
            return answer.to_owned();
        }
        assert!(Instant::now() < deadline, "{command} never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_support_window_inspects_a_machine_read_only() {
    require_real_keyring();
    // The user's machine, made by the user's own trademind against the fake Fly.
    let fly = FakeFly::start(FakeConfig::fast());
    let user_token = fly.add_token(TokenKind::Org);
    let user = FlyProfile::new(&fly, &user_token);
    let (app, machine_id) = user.start_machine();
    fly.push_log(
        &app,
        &machine_id,
        LogLevel::Info,
        "agent listening on :8080",
    );
    fly.push_log(
        &app,
        &machine_id,
        LogLevel::Error,
        "journal: file is not a database",
    );
    fly.push_log(&app, &machine_id, LogLevel::Info, "market stream connected");

    // Support, on their own computer.
    let readonly = fly.add_token(TokenKind::ReadOnly);
    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let mut env = app_env(&profile, &xvfb);
    env.push(("TRADEMIND_FLY_API_URL", fly.base_url().into()));
    env.push((
        "TRADEMIND_AGENT_URL",
        format!("{}/agents/{{app}}", fly.base_url()).into(),
    ));
    env.push(("TRADEMIND_SUPPORT_FLY_TOKEN", readonly.clone().into()));
    let driver = Driver::start(&env, &artifacts().join("driver-support.log"));
    let session = driver.session(&binary(), &["--support"]);

    session.wait_for("[data-testid=support-mode-banner]", UI_TIMEOUT);
    assert_eq!(
        count(&session, "[data-testid^=nav-]"),
        0,
        "no owner navigation"
    );
    session.wait_for_text("[data-testid=support-fly-token-state]", UI_TIMEOUT, |t| {
        t.contains('…') && t.to_lowercase().contains("environment")
    });

    // Find by app name, pick it, read the inspection.
    let input = session.wait_for("[data-testid=support-find-input]", UI_TIMEOUT);
    session.type_text(&input, &app);
    session.click(&session.wait_for("[data-testid=support-find-submit]", UI_TIMEOUT));
    let target = format!("[data-testid='support-target-{app}-{machine_id}']");
    session.click(&session.wait_for(&target, UI_TIMEOUT));
    session.wait_for(
        "[data-testid=support-machine-state][data-state=started]",
        UI_TIMEOUT,
    );
    session.wait_for("[data-testid=support-findings]", UI_TIMEOUT);
    session.wait_for("[data-testid=support-events]", UI_TIMEOUT);
    assert!(count(&session, "[data-testid=support-event]") >= 1);

    // Logs: the backlog, then only errors.
    session.wait_for_text("[data-testid=support-logs]", UI_TIMEOUT, |t| {
        t.contains("journal: file is not a database") && t.contains("market stream connected")
    });
    session.execute(
        "const s = document.querySelector('[data-testid=support-log-level]');\
         const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;\
         set.call(s, 'error'); s.dispatchEvent(new Event('change', {bubbles: true})); return null;",
    );
    session.click(&session.wait_for("[data-testid=support-log-apply]", UI_TIMEOUT));
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let levels = session.execute(
            "return Array.from(document.querySelectorAll('[data-testid=support-log-line]'))\
             .map(e => e.dataset.level);",
        );
        let levels: Vec<String> = serde_json::from_value(levels).unwrap();
        if !levels.is_empty() && levels.iter().all(|l| l == "error") {
            break;
        }
        assert!(Instant::now() < deadline, "error filter: {levels:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The live tail (on by default) brings new lines that pass the filter, and only those.
    fly.push_log(
        &app,
        &machine_id,
        LogLevel::Info,
        "an info line the filter hides",
    );
    fly.push_log(
        &app,
        &machine_id,
        LogLevel::Error,
        "fresh error: Binance answered 451",
    );
    session.wait_for_text("[data-testid=support-logs]", UI_TIMEOUT, |t| {
        t.contains("fresh error: Binance answered 451")
    });
    assert!(!session
        .text(&session.wait_for("[data-testid=support-logs]", UI_TIMEOUT))
        .contains("an info line the filter hides"));
    session.screenshot(&artifacts().join("40-support-window.png"));

    // The report.
    let report_dir = profile.home().join("support-report");
    let dir = session.wait_for("[data-testid=support-report-dir]", UI_TIMEOUT);
    session.type_text(&dir, report_dir.to_str().unwrap());
    session.click(&session.wait_for("[data-testid=support-report-submit]", UI_TIMEOUT));
    session.wait_for("[data-testid=support-report-result]", UI_TIMEOUT);
    let index = std::fs::read_to_string(report_dir.join("index.html")).unwrap();
    assert!(index.contains(&machine_id) && index.contains("journal: file is not a database"));
    assert!(!index.contains(readonly.trim_start_matches("FlyV1 ")));

    // The window cannot reach owner commands: Tauri's ACL refuses them for its capability.
    for command in [
        "machine_stop",
        "token_store",
        "trader_save",
        "budget_set",
        "machine_status",
    ] {
        let answer = invoke(&session, command);
        assert!(answer.starts_with("err:"), "{command}: {answer}");
        assert!(answer.contains("not allowed"), "{command}: {answer}");
    }
    assert_eq!(invoke(&session, "support_access").as_str(), "ok");
    // No secret in the page.
    let page = page_state(&session);
    assert!(!page.contains(readonly.trim_start_matches("FlyV1 ")));
    assert_eq!(
        attribute(&session, "[data-testid=support-mode-banner]", "data-testid").as_deref(),
        Some("support-mode-banner")
    );
    session.quit();

    let writes: Vec<String> = fly
        .requests()
        .iter()
        .filter(|r| r.token_kind == Some(TokenKind::ReadOnly) && r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(
        fly.requests()
            .iter()
            .any(|r| r.token_kind == Some(TokenKind::ReadOnly) && r.path.ends_with("/logs")),
        "the logs came from Fly's logs API"
    );
}
