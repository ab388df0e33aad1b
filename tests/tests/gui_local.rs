//! Local screening in the real window, with no Fly token at all: the Signals area replays a
//! recorded candle file through the built-in traders, and the feed shows exactly the signals
//! `screener run` prints for the same file and traders. Then a signal's detail (its candles
//! and indicators) opens, and every area is visited for a screenshot of a fresh install.
//!
//! Needs `target/debug/{trademind,screener}` built (`scripts/test.sh` does it) and the keyring:
//! `scripts/with-keyring.sh cargo test -p trademind-tests --test gui_local`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use trademind_tests::app::{binary, Profile};
use trademind_tests::display::Xvfb;
use trademind_tests::fake_fly::screener_binary;
use trademind_tests::keyring::require_real_keyring;
use trademind_tests::webdriver::{Driver, Session};
use trademind_tests::window::{app_env, artifacts, count};

const UI_TIMEOUT: Duration = Duration::from_secs(30);
const FILE: &str = "xrpeth_5m_2019-10-11_2019-10-13.csv";

/// (trader, symbol, interval, open time, price) — what identifies a signal across tools.
type Key = (String, String, String, i64, String);

/// What `screener run --json` prints for `data` and the built-ins.
fn screener_run(data: &std::path::Path, traders: &std::path::Path) -> BTreeSet<Key> {
    let out = std::process::Command::new(screener_binary())
        .args(["run", "--json", "--data"])
        .arg(data)
        .arg("--traders")
        .arg(traders)
        .output()
        .expect("run screener");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("seq").is_some())
        .map(|v| {
            (
                v["traderId"].as_str().unwrap_or_default().to_owned(),
                v["symbol"].as_str().unwrap_or_default().to_owned(),
                v["interval"].as_str().unwrap_or_default().to_owned(),
                v["openTime"].as_i64().unwrap_or_default(),
                format!("{}", v["price"].as_f64().unwrap_or_default()),
            )
        })
        .collect()
}

/// The feed's rows as keys (from their data attributes).
fn feed(session: &Session) -> Vec<Key> {
    let rows = session.execute(
        "return Array.from(document.querySelectorAll('[data-testid^=signal-row-local-]'))\
         .map(e => [e.dataset.trader, e.dataset.symbol, e.dataset.interval, \
                    Number(e.dataset.openTime), Number(e.dataset.price)]);",
    );
    rows.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let r = r.as_array()?;
            Some((
                r[0].as_str()?.to_owned(),
                r[1].as_str()?.to_owned(),
                r[2].as_str()?.to_owned(),
                r[3].as_i64()?,
                format!("{}", r[4].as_f64()?),
            ))
        })
        .collect()
}

fn open(session: &Session, area: &str) {
    session.click(&session.wait_for(&format!("[data-testid=nav-{area}]"), UI_TIMEOUT));
}

#[test]
fn local_mode_on_recorded_data_shows_the_signals_screener_run_prints() {
    require_real_keyring();
    let shared = fake_binance::data::shared_data_dir().expect("shared/data");
    let work = tempfile::tempdir().expect("temp dir");
    let data = work.path().join("data");
    let traders = work.path().join("traders");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&traders).unwrap();
    std::fs::copy(shared.join(FILE), data.join(FILE)).expect("copy the recorded file");
    for trader in screener::trader::builtins::builtins() {
        let json = serde_json::to_string(&trader).unwrap();
        std::fs::write(traders.join(format!("{}.json", trader.id)), json).unwrap();
    }
    let expected = screener_run(&data, &traders);
    assert!(
        expected.len() >= 10,
        "the file fires the built-ins: {expected:?}"
    );

    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let driver = Driver::start(
        &app_env(&profile, &xvfb),
        &artifacts().join("driver-local.log"),
    );
    let session = driver.session(&binary(), &[]);

    // A fresh install, area by area.
    for (area, shot) in [
        ("dashboard", "30-dashboard-empty.png"),
        ("traders", "31-traders.png"),
        ("machine", "32-machine-none.png"),
        ("events", "33-events.png"),
    ] {
        open(&session, area);
        session.wait_for(&format!("[data-testid=area-{area}]"), UI_TIMEOUT);
        std::thread::sleep(Duration::from_millis(700));
        session.screenshot(&artifacts().join(shot));
    }

    // Signals → Local screening on the recorded folder.
    open(&session, "signals");
    session.click(&session.wait_for("[data-testid=local-source-recorded]", UI_TIMEOUT));
    let dir = session.wait_for("[data-testid=local-data-dir]", UI_TIMEOUT);
    session.type_text(&dir, &data.to_string_lossy());
    session.click(&session.wait_for(
        "[data-testid=local-mode-toggle]:not([disabled])",
        UI_TIMEOUT,
    ));
    session.wait_for("[data-testid=local-mode][data-mode=recorded]", UI_TIMEOUT);
    session.wait_for("[data-testid=local-finished]", Duration::from_secs(60));
    let deadline = Instant::now() + UI_TIMEOUT;
    while count(&session, "[data-testid^=signal-row-local-]") < expected.len() {
        assert!(
            Instant::now() < deadline,
            "{} rows of {}",
            count(&session, "[data-testid^=signal-row-local-]"),
            expected.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let shown = feed(&session);
    let unique: BTreeSet<Key> = shown.iter().cloned().collect();
    assert_eq!(shown.len(), unique.len(), "no signal twice");
    assert_eq!(unique, expected, "local mode = screener run");
    session.screenshot(&artifacts().join("34-signals-local.png"));

    // A signal's detail: its candles drawn, the indicator values at its candle.
    // (WebKitWebDriver does not click table rows themselves, only their cells.)
    let first = session.wait_for(
        "[data-testid^=signal-row-local-] td:nth-child(2)",
        UI_TIMEOUT,
    );
    session.click(&first);
    session.wait_for("[data-testid=signal-detail] img", UI_TIMEOUT);
    session.screenshot(&artifacts().join("35-signal-detail.png"));
    session.quit();
}
