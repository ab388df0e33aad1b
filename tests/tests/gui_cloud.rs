//! The trader's whole cloud path in the real window (WebDriver under Xvfb), with nothing
//! simulated but Fly's and Binance's servers: the fake Fly runs the REAL `screener serve` as
//! the user's machine (process mode), following the fake Binance, which replays recorded 5m
//! candles (`shared/data`) arranged so that the built-in "Volume spike" fires on known closes.
//!
//! Paste a token → Start → every step appears and the state becomes started → the link is
//! live → the CPU chart updates → the built-in trader is deployed with its cloud toggle → its
//! signals appear → the network to the agent is cut and the agent SIGKILLed → the link shows
//! it is reconnecting → Fly restarts the agent, which journals new signals while the app cannot
//! reach it → the network comes back → the missed signals arrive, none twice → Stop → the
//! cloud toggles are disabled. The Fly token never reaches the web view.
//!
//! Needs `target/debug/{trademind,screener}` built (`scripts/test.sh` does it) and the keyring:
//! `scripts/with-keyring.sh cargo test -p trademind-tests --test gui_cloud`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fake_binance::agent::Client;
use fake_binance::{data, FakeBinance, FakeConfig as BinanceConfig};
use screener::engine::{replay, Engine, EngineConfig};
use screener::market::{Candle, Interval};
use trademind_tests::app::{binary, Profile};
use trademind_tests::display::Xvfb;
use trademind_tests::fake_fly::{
    free_listen_addr, screener_binary, AgentSpec, FakeConfig, FakeFly, TokenKind,
};
use trademind_tests::keyring::require_real_keyring;
use trademind_tests::partition::Partition;
use trademind_tests::webdriver::{Driver, Session};
use trademind_tests::window::{app_env, artifacts, attribute, count, page_state};

const UI_TIMEOUT: Duration = Duration::from_secs(30);
const TRADER: &str = "builtin-volume-spike";
const FIVE_MIN: i64 = 5 * 60_000;
/// Candles each symbol has before the one that fires.
const LEAD: usize = 150;
/// Symbols whose spike closes first (before the crash), and second (while the app is cut off).
const FIRST: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
const SECOND: [&str; 2] = ["BNBUSDT", "XRPUSDT"];

/// Where recorded candles fire the built-in: indexes of its signal candles in the file.
fn spike_candles(candles: &[Candle]) -> Vec<usize> {
    let trader = screener::trader::builtins::builtins()
        .into_iter()
        .find(|t| t.id == TRADER)
        .expect("the built-in exists");
    let mut engine = Engine::new(EngineConfig {
        workers: 1,
        ..EngineConfig::default()
    })
    .expect("engine");
    engine.upsert_trader(trader).expect("trader");
    let mut opens = Vec::new();
    replay(
        &mut engine,
        "BTCUSDT",
        Interval::M5,
        candles,
        |s| opens.push(s.open_time),
        |_| {},
    );
    candles
        .iter()
        .enumerate()
        .filter(|(_, c)| opens.contains(&c.open_time))
        .map(|(i, _)| i)
        .collect()
}

/// A fake Binance where each symbol of [`FIRST`] fires on its candle `LEAD` and each of
/// [`SECOND`] on its candle `LEAD + 1` (windows of the recorded file around spikes with no
/// other spike near them), with the clock inside candle `LEAD`.
fn spiking_market() -> FakeBinance {
    let candles = data::recorded("btcusdt_5m_2023-01-02_2023-02-09.csv", Interval::M5)
        .expect("recorded 5m candles in shared/data");
    let spikes = spike_candles(&candles);
    let isolated: Vec<usize> = spikes
        .iter()
        .copied()
        .filter(|&i| i > LEAD + 1 && i + 40 < candles.len())
        .filter(|&i| !spikes.iter().any(|&j| j != i && j.abs_diff(i) <= 40))
        .collect();
    assert!(isolated.len() >= FIRST.len() + SECOND.len(), "{isolated:?}");
    let base = Interval::M5.bucket_start(fake_binance::DEFAULT_NOW);
    let fake = FakeBinance::start(BinanceConfig::fast());
    let windows = FIRST
        .iter()
        .map(|s| (*s, 0))
        .chain(SECOND.iter().map(|s| (*s, 1)));
    for ((symbol, late), spike) in windows.zip(isolated) {
        let window = &candles[spike - LEAD - late..spike + 40];
        fake.load(symbol, Interval::M5, data::rebased(window, base));
    }
    fake.set_now(base + LEAD as i64 * FIVE_MIN + 30_000);
    fake
}

/// The signal rows shown, by seq (cloud rows only).
fn cloud_rows(session: &Session) -> Vec<u64> {
    let found = session.execute(
        "return Array.from(document.querySelectorAll('[data-testid^=signal-row-]'))\
         .map(e => e.getAttribute('data-testid').slice('signal-row-'.length));",
    );
    let mut seqs: Vec<u64> = found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect();
    seqs.sort_unstable();
    seqs
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what} after {timeout:?}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn open(session: &Session, area: &str) {
    session.click(&session.wait_for(&format!("[data-testid=nav-{area}]"), UI_TIMEOUT));
}

/// The agent's journal, asked directly (not through the app): its last seq.
fn journaled_seq(agent: SocketAddr, owner_token: &str) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut client = Client::connect(agent, Some(owner_token))
            .await
            .expect("the agent answers directly");
        client.hello().await.last_seq
    })
}

/// The status of the agent's `GET /history` for `token`, asked directly (0: no answer).
fn history_status(agent: SocketAddr, token: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&agent, Duration::from_secs(1))
    else {
        return 0;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /history HTTP/1.0\r\nHost: agent\r\nAuthorization: Bearer {token}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// The agent's own `/health` answers 200 (`ready` or `degraded`), asked directly.
fn agent_healthy(agent: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&agent, Duration::from_secs(1))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: agent\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

#[test]
fn the_cloud_path_in_the_real_window_survives_a_crash_and_a_partition_without_losing_signals() {
    require_real_keyring();
    let market = spiking_market();
    let symbols: Vec<&str> = FIRST.iter().chain(SECOND.iter()).copied().collect();
    let root = tempfile::tempdir().expect("temp dir");
    let agent_addr = free_listen_addr();
    let mut spec = AgentSpec::new(
        screener_binary(),
        agent_addr,
        market.rest_url(),
        market.ws_url(),
        &symbols,
        root.path(),
    );
    spec.extra_args = [
        "--intervals",
        "5m",
        "--history",
        "200",
        "--workers",
        "1",
        "--metrics-interval",
        "1",
    ]
    .map(str::to_string)
    .to_vec();
    spec.restart_delay = Duration::from_millis(500);
    let fly = FakeFly::start(FakeConfig::with_agent(spec));
    let fly_token = fly.add_token(TokenKind::Org);
    // The app reaches the agent through a forwarder the test can cut.
    let network = Partition::start(agent_addr);

    let profile = Profile::new();
    let xvfb = Xvfb::start();
    let mut env = app_env(&profile, &xvfb);
    env.push(("TRADEMIND_FLY_API_URL", fly.base_url().into()));
    env.push(("TRADEMIND_AGENT_URL", network.url().into()));
    env.push(("TRADEMIND_AGENT_READY_TIMEOUT", "60".into()));
    env.push(("TRADEMIND_BINANCE_URL", market.rest_url().into()));
    let driver = Driver::start(&env, &artifacts().join("driver-cloud.log"));
    let session = driver.session(&binary(), &[]);

    // The Fly token, pasted in Settings.
    open(&session, "settings");
    let input = session.wait_for("[data-testid=settings-token-input]", UI_TIMEOUT);
    session.type_text(&input, &fly_token);
    session.click(&session.wait_for("[data-testid=settings-token-save]", UI_TIMEOUT));
    session.wait_for_text("[data-testid=settings-token-state]", UI_TIMEOUT, |t| {
        t.starts_with("Token stored")
    });

    // Machine → Start: every step done, Fly says started, then the link goes live.
    open(&session, "machine");
    session.wait_for("[data-testid=machine-state]", UI_TIMEOUT);
    session.click(&session.wait_for("[data-testid=machine-start]:not([disabled])", UI_TIMEOUT));
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
    session.wait_for("[data-testid=link-state][data-state=live]", UI_TIMEOUT);
    session.screenshot(&artifacts().join("20-cloud-machine-started.png"));
    let app = fly.apps()[0].name.clone();
    let (secrets, _) = fly.secrets(&app);
    let owner_token = secrets["SCREENER_OWNER_TOKEN"].clone();

    // Dashboard: the CPU chart is redrawn as metrics arrive.
    open(&session, "dashboard");
    let chart = "[data-testid=metrics-chart-cpu]";
    session.wait_for(chart, UI_TIMEOUT);
    let mut seen = std::collections::BTreeSet::new();
    wait_until("two CPU chart updates", UI_TIMEOUT, || {
        if let Some(at) = attribute(&session, chart, "data-updated").filter(|a| !a.is_empty()) {
            seen.insert(at);
        }
        seen.len() >= 2
    });
    assert!(count(&session, "[data-testid=metrics-chart-memory]") == 1);
    session.screenshot(&artifacts().join("21-cloud-dashboard.png"));

    // Traders: the built-in goes to the cloud with its toggle.
    open(&session, "traders");
    let toggle = format!("[data-testid=trader-cloud-toggle-{TRADER}]:not([disabled])");
    session.click(&session.wait_for(&toggle, UI_TIMEOUT));
    session.wait_for(
        &format!("[data-testid=trader-badge-{TRADER}][data-placement=cloud]"),
        UI_TIMEOUT,
    );
    session.screenshot(&artifacts().join("22-cloud-trader-deployed.png"));

    // A 5m close: the first symbols spike; their signals appear in the feed.
    market.advance(Interval::M5, 1);
    open(&session, "signals");
    session.wait_for("[data-testid=signals-feed]", UI_TIMEOUT);
    let first: Vec<u64> = (1..=FIRST.len() as u64).collect();
    wait_until("the first signals in the feed", UI_TIMEOUT, || {
        cloud_rows(&session) == first
    });
    session.screenshot(&artifacts().join("23-cloud-signals.png"));

    // The network to the agent is cut and the agent crashes; the link says so.
    network.cut();
    let old_pid = fly.kill_agent(&app).expect("the agent runs");
    session.wait_for(
        "[data-testid=link-state]:not([data-state=live])",
        UI_TIMEOUT,
    );
    let new_pid = fly
        .wait_agent_pid(&app, Some(old_pid), UI_TIMEOUT)
        .expect("Fly restarts the agent");
    assert_ne!(new_pid, old_pid);
    // The restarted agent (same journal, on the volume) screens the next close, which the
    // app cannot see yet.
    wait_until(
        "the restarted agent is ready",
        Duration::from_secs(60),
        || agent_healthy(agent_addr),
    );
    market.advance(Interval::M5, 1);
    let total = (FIRST.len() + SECOND.len()) as u64;
    wait_until("the agent journaled the second signals", UI_TIMEOUT, || {
        journaled_seq(agent_addr, &owner_token) == total
    });
    let state = attribute(&session, "[data-testid=link-state]", "data-state");
    assert_ne!(state.as_deref(), Some("live"), "the app is cut off");
    assert_eq!(
        cloud_rows(&session),
        first,
        "nothing new reached the app yet"
    );
    session.screenshot(&artifacts().join("24-cloud-reconnecting.png"));

    // The network is back: the link resumes from its last seq and the missed signals arrive,
    // each exactly once.
    network.restore();
    // Reconnect if the link still waits; it may go live by itself meanwhile (the button goes).
    session.click_if_present("[data-testid=link-reconnect]");
    session.wait_for(
        "[data-testid=link-state][data-state=live]",
        Duration::from_secs(60),
    );
    let all: Vec<u64> = (1..=total).collect();
    wait_until("the missed signals in the feed", UI_TIMEOUT, || {
        cloud_rows(&session) == all
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(cloud_rows(&session), all, "no signal twice");
    session.screenshot(&artifacts().join("25-cloud-resumed.png"));

    // Support's live access ends from the Support area: a new viewer token on Fly, the
    // machine restarted so the agent refuses the old one, and the link live again.
    let old_viewer = fly.secrets(&app).0["SCREENER_VIEWER_TOKEN"].clone();
    open(&session, "support");
    session.click(&session.wait_for(
        "[data-testid=viewer-token-replace]:not([disabled])",
        UI_TIMEOUT,
    ));
    session.click(&session.wait_for("[data-testid=viewer-token-replace-confirm]", UI_TIMEOUT));
    session.wait_for("[data-testid=viewer-token-done]", Duration::from_secs(90));
    let new_viewer = fly.secrets(&app).0["SCREENER_VIEWER_TOKEN"].clone();
    assert_ne!(new_viewer, old_viewer);
    assert_eq!(
        history_status(agent_addr, &old_viewer),
        401,
        "the old viewer token"
    );
    assert_eq!(
        history_status(agent_addr, &new_viewer),
        200,
        "the new viewer token"
    );
    session.wait_for(
        "[data-testid=link-state][data-state=live]",
        Duration::from_secs(60),
    );
    // The replacement is among support's recent looks, from the real audit log.
    session.wait_for_text("[data-testid=support-looks]", UI_TIMEOUT, |t| {
        t.contains("viewer-token replaced")
    });
    session.screenshot(&artifacts().join("25b-cloud-viewer-token-replaced.png"));
    let page = page_state(&session);
    assert!(!page.contains(&new_viewer) && !page.contains(&old_viewer));

    // Stop: the machine stops, the link goes offline, the cloud toggles are disabled.
    open(&session, "machine");
    session.click(&session.wait_for("[data-testid=machine-stop]:not([disabled])", UI_TIMEOUT));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !session.exists("[data-testid=machine-state][data-state=stopped]") {
        if Instant::now() > deadline {
            session.screenshot(&artifacts().join("26-cloud-stop-failed.png"));
            let log: String = std::fs::read_dir(profile.log_dir())
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "not stopped; Fly: {:?}\napp log tail: {:#?}\nagent log: {}",
                fly.machines(&app)
                    .iter()
                    .map(|m| m.json["state"].clone())
                    .collect::<Vec<_>>(),
                tail,
                fly.agent_log_text(&app)
                    .lines()
                    .rev()
                    .take(15)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    session.wait_for("[data-testid=link-state][data-state=offline]", UI_TIMEOUT);
    open(&session, "traders");
    session.wait_for(
        &format!("[data-testid=trader-cloud-toggle-{TRADER}][disabled]"),
        UI_TIMEOUT,
    );
    session.screenshot(&artifacts().join("26-cloud-stopped.png"));
    let page = page_state(&session);
    assert!(
        !page.contains(&fly_token),
        "the Fly token reached the web view"
    );
    assert!(
        !page.contains(&owner_token),
        "the agent token reached the web view"
    );
    session.quit();
}
