//! The real app in a real window: Xvfb + WebKitWebDriver drive the built `trademind` binary.
//!
//! Flow: paste a token in Settings → "Token stored (…last4)" → quit and relaunch → still stored
//! (the keyring kept it) → Remove → gone. Along the way: the token never appears in the page,
//! its storage, the data dir, the logs or HOME. Screenshots and driver logs land in `target/gui/`.

use std::time::Duration;

use trademind_tests::app::{binary, Profile};
use trademind_tests::display::Xvfb;
use trademind_tests::keyring::require_real_keyring;
use trademind_tests::webdriver::{Driver, Session};
use trademind_tests::window::{app_env, artifacts, page_state};
use trademind_tests::{leak, unique_token};

const UI_TIMEOUT: Duration = Duration::from_secs(30);

fn open_settings(session: &Session) {
    let nav = session.wait_for("[data-testid=nav-settings]", UI_TIMEOUT);
    session.click(&nav);
    session.wait_for("[data-testid=token-panel]", UI_TIMEOUT);
}

#[test]
fn token_is_stored_survives_a_relaunch_and_is_removed() {
    require_real_keyring();
    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let driver = Driver::start(
        &app_env(&profile, &xvfb),
        &artifacts().join("driver-token.log"),
    );
    let app = binary();
    let token = unique_token("GUIE2E");
    let last4 = token[token.len() - 4..].to_owned();

    // First launch: the shell, then Settings, paste, store.
    let session = driver.session(&app, &[]);
    session.wait_for("[data-testid=nav-dashboard]", UI_TIMEOUT);
    session.screenshot(&artifacts().join("01-shell.png"));
    open_settings(&session);
    let input = session.wait_for("[data-testid=settings-token-input]", UI_TIMEOUT);
    session.type_text(&input, &format!("  FlyV1 {token}  "));
    session.click(&session.wait_for("[data-testid=settings-token-save]", UI_TIMEOUT));
    let shown = session.wait_for_text("[data-testid=settings-token-state]", UI_TIMEOUT, |t| {
        !t.is_empty()
    });
    assert!(
        shown.starts_with(&format!("Token stored (…{last4})")),
        "{shown}"
    );
    assert!(
        !session.exists("[data-testid=settings-token-input]"),
        "input still shown after storing"
    );
    assert!(
        !page_state(&session).contains(&token),
        "token left in the web view"
    );
    session.wait_for_text("[data-testid=activity-panel]", UI_TIMEOUT, |t| {
        t.contains("token.stored")
    });
    session.screenshot(&artifacts().join("02-token-stored.png"));
    session.quit();

    // Second launch: the keyring kept it.
    let session = driver.session(&app, &[]);
    open_settings(&session);
    let shown = session.wait_for_text("[data-testid=settings-token-state]", UI_TIMEOUT, |t| {
        !t.is_empty()
    });
    assert!(
        shown.starts_with(&format!("Token stored (…{last4})")),
        "after relaunch: {shown}"
    );
    assert!(!page_state(&session).contains(&token));

    // Remove (with confirmation): back to the empty form.
    session.click(&session.wait_for("[data-testid=token-remove]", UI_TIMEOUT));
    session.click(&session.wait_for("[data-testid=token-remove-confirm]", UI_TIMEOUT));
    session.wait_for("[data-testid=settings-token-input]", UI_TIMEOUT);
    assert!(!session.exists("[data-testid=settings-token-state]"));
    session.wait_for_text("[data-testid=activity-panel]", UI_TIMEOUT, |t| {
        t.contains("token.removed")
    });
    session.screenshot(&artifacts().join("03-token-removed.png"));
    session.quit();
    drop(driver);

    // The CLI (same profile) agrees: nothing stored; the GUI's actions are in the audit log.
    let status = profile.cli(&["status", "--json"], b"").json();
    assert_eq!(status["token"]["present"], false, "{status}");
    let events = profile.cli(&["events", "--json"], b"").json();
    let kinds: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("token.removed", "gui"), ("token.stored", "gui")]);

    // The token is nowhere on disk: data dir (database, WAL, logs) and HOME (web view data).
    assert!(leak::file_count(&profile.log_dir()) > 0);
    for dir in [profile.data_dir(), profile.log_dir(), profile.home()] {
        let hits = leak::files_containing(&dir, &token);
        assert!(hits.is_empty(), "token found in {hits:?}");
    }
}

#[test]
fn keyring_failure_shows_message_and_hint_in_the_window() {
    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let mut envs = app_env(&profile, &xvfb);
    envs.push((
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/trademind-no-bus".into(),
    ));
    let driver = Driver::start(&envs, &artifacts().join("driver-keyring-failure.log"));
    let session = driver.session(&binary(), &[]);
    open_settings(&session);
    let message = session.wait_for_text("[data-testid=token-error-message]", UI_TIMEOUT, |t| {
        !t.is_empty()
    });
    assert!(
        message.starts_with("the OS keyring is not available"),
        "{message}"
    );
    let hint = session.wait_for_text("[data-testid=token-error-hint]", UI_TIMEOUT, |t| {
        !t.is_empty()
    });
    assert!(hint.contains("keyring"), "{hint}");
    session.screenshot(&artifacts().join("04-keyring-unavailable.png"));
    session.quit();
}

#[test]
fn sigterm_closes_the_app_through_its_exit_path() {
    require_real_keyring();
    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let mut cmd = profile.command(&binary());
    for (key, value) in app_env(&profile, &xvfb) {
        cmd.env(key, value);
    }
    let mut app = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the app");
    let log_text = || {
        std::fs::read_dir(profile.log_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect::<String>()
    };
    let deadline = std::time::Instant::now() + UI_TIMEOUT;
    while !log_text().contains("opened TradeMind data") {
        assert!(
            std::time::Instant::now() < deadline,
            "the app did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2)); // let the window come up
    let pid = app.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = app.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the app ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status:?}");
    let log = log_text();
    assert!(log.contains("SIGTERM received, exiting"), "{log}");
    assert!(
        log.contains("TradeMind stopped"),
        "exit path not taken: {log}"
    );
}

#[test]
fn machine_area_provisions_and_stops_against_the_fake_fly_in_the_real_window() {
    use trademind_tests::fake_fly::{FakeConfig, FakeFly, TokenKind};

    require_real_keyring();
    let fly = FakeFly::start(FakeConfig::fast());
    let fly_token = fly.add_token(TokenKind::Org);
    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let mut env = app_env(&profile, &xvfb);
    env.push(("TRADEMIND_FLY_API_URL", fly.base_url().into()));
    env.push((
        "TRADEMIND_AGENT_URL",
        format!("{}/agents/{{app}}", fly.base_url()).into(),
    ));
    env.push(("TRADEMIND_AGENT_READY_TIMEOUT", "30".into()));
    let driver = Driver::start(&env, &artifacts().join("driver-machine.log"));
    let session = driver.session(&binary(), &[]);

    // The Fly token, pasted in Settings.
    open_settings(&session);
    let input = session.wait_for("[data-testid=settings-token-input]", UI_TIMEOUT);
    session.type_text(&input, &fly_token);
    session.click(&session.wait_for("[data-testid=settings-token-save]", UI_TIMEOUT));
    session.wait_for_text("[data-testid=settings-token-state]", UI_TIMEOUT, |t| {
        t.starts_with("Token stored")
    });

    // Machine → Start: every step appears and ends done; Fly's state becomes started.
    session.click(&session.wait_for("[data-testid=nav-machine]", UI_TIMEOUT));
    session.wait_for("[data-testid=machine-state]", UI_TIMEOUT);
    session.screenshot(&artifacts().join("10-machine-none.png"));
    session.click(&session.wait_for("[data-testid=machine-start]", UI_TIMEOUT));
    for step in [
        "token", "app", "secrets", "volume", "machine", "started", "ready", "done",
    ] {
        session.wait_for(
            &format!("[data-testid=provision-step-{step}][data-state=done]"),
            Duration::from_secs(90),
        );
    }
    session.wait_for(
        "[data-testid=machine-state][data-state=started]",
        UI_TIMEOUT,
    );
    session.screenshot(&artifacts().join("11-machine-started.png"));
    assert_eq!(fly.apps().len(), 1, "one app");

    // Stop: the state follows Fly's.
    session.click(&session.wait_for("[data-testid=machine-stop]", UI_TIMEOUT));
    session.wait_for(
        "[data-testid=machine-state][data-state=stopped]",
        Duration::from_secs(60),
    );
    session.screenshot(&artifacts().join("12-machine-stopped.png"));
    assert!(
        !page_state(&session).contains(&fly_token),
        "the Fly token reached the web view"
    );
    session.quit();
}
