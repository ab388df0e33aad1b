//! Live local screening through the api layer (`Core`) against the fake Binance: the engine
//! in-process gets the backfill, then rounds of closes grouped as the agent groups them, and
//! its signals match the agent's on the same market; a stream drop is repaired (no candle
//! screened twice, none missed); an outage and a REST ban show in the status while it keeps
//! retrying; a trader moved to the cloud stops screening; stop leaves no stream open;
//! Binance unreachable or failing at start is `market_unreachable`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use fake_binance::agent::{always, args, market, Agent, Client, MIN, T0, WAIT};
use fake_binance::{Endpoint, FakeBinance, Fault};
use screener::market::Interval;
use screener::protocol::ServerFrame;
use tokio::sync::broadcast;
use trademind::api::{self, Actor, Core};
use trademind::error::ErrorCode;
use trademind::local::{LocalMode, LocalStart, LocalStatus};
use trademind::paths::Paths;
use trademind::signals::{SignalFilter, SignalSource, SignalView};

const SYMBOLS: [&str; 2] = ["BTCUSDT", "ETHUSDT"];

/// The Binance URLs are process-wide variables read by `api::local::start`: one start at a
/// time in this binary.
static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn core(dir: &Path) -> Core {
    Core::open(Paths::for_data_dir(dir.to_owned()).unwrap())
        .await
        .unwrap()
}

/// A user trader that matches every 1m close of `symbols` (all of Binance's when `None`).
async fn save_always(core: &Core, name: &str, symbols: Option<&[&str]>) -> String {
    let mut trader = always("", 1);
    trader.name = name.into();
    trader.filter.symbols = symbols.map(|s| s.iter().map(|s| s.to_string()).collect());
    api::traders::save(core, Actor::Cli, trader)
        .await
        .unwrap()
        .trader
        .id
}

/// Starts live local screening of `traders` against `fake`.
async fn start_live(core: &Core, fake: &FakeBinance, traders: &[&str]) -> LocalStatus {
    let _env = ENV.lock().await;
    std::env::set_var("TRADEMIND_BINANCE_URL", fake.rest_url());
    std::env::set_var("TRADEMIND_BINANCE_STREAM_URL", fake.ws_url());
    api::local::start(
        core,
        LocalStart {
            traders: traders.iter().map(|t| t.to_string()).collect(),
            data_dir: None,
        },
    )
    .await
    .unwrap()
}

/// Waits until the status satisfies `ok`.
async fn status_until(core: &Core, what: &str, ok: impl Fn(&LocalStatus) -> bool) -> LocalStatus {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = api::local::status(core);
        if ok(&status) {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: status still {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Takes `n` signals from the bus.
async fn take(bus: &mut broadcast::Receiver<SignalView>, n: usize) -> Vec<SignalView> {
    let mut out = Vec::new();
    while out.len() < n {
        let signal = tokio::time::timeout(WAIT, bus.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} signals came", out.len()))
            .unwrap();
        out.push(signal);
    }
    out
}

/// Nothing more on the bus for a while.
async fn quiet(bus: &mut broadcast::Receiver<SignalView>) {
    let more = tokio::time::timeout(Duration::from_millis(400), bus.recv()).await;
    assert!(more.is_err(), "an extra signal: {more:?}");
}

fn pairs(signals: &[SignalView]) -> Vec<(String, i64)> {
    let mut pairs: Vec<_> = signals
        .iter()
        .map(|s| (s.symbol.clone(), s.open_time))
        .collect();
    pairs.sort();
    pairs
}

/// (symbol, open time) of every 1m candle of `symbols` opened in minutes `from..to`.
fn minutes(symbols: &[&str], from: i64, to: i64) -> Vec<(String, i64)> {
    let mut out: Vec<_> = symbols
        .iter()
        .flat_map(|s| (from..to).map(move |m| (s.to_string(), T0 + m * MIN)))
        .collect();
    out.sort();
    out
}

async fn listed(core: &Core, trader: &str) -> Vec<SignalView> {
    api::signals::list(
        core,
        &SignalFilter {
            trader_id: Some(trader.into()),
            source: Some(SignalSource::Local),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// The agent's signals until it has `n`.
async fn agent_signals(owner: &mut Client, n: usize) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    while out.len() < n {
        let signal = owner
            .until(|f| match f {
                ServerFrame::Signal(s) => Some((s.symbol.clone(), s.open_time)),
                _ => None,
            })
            .await;
        out.push(signal);
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_local_signals_match_the_agents_and_survive_a_disconnect() {
    let begun = std::time::Instant::now();
    // The clock stands 30 s into minute 400: minutes 0–399 are closed.
    let fake = market(&SYMBOLS);
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, agent_dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner.deploy_and_follow(always("t1", 1)).await;

    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let id = save_always(&core, "Always here", Some(&SYMBOLS)).await;
    let mut bus = core.signals().subscribe();
    let status = start_live(&core, &fake, &[&id]).await;
    assert_eq!(
        (status.mode, status.data.as_deref(), status.traders.clone()),
        (LocalMode::Live, Some("Binance"), vec![id.clone()])
    );
    // Backfilled: the universe is the trader's two symbols; nothing screened yet.
    let ready = status_until(&core, "backfilled", |s| s.symbols == 2).await;
    assert_eq!((ready.candles, ready.signals), (0, 0), "{ready:?}");
    quiet(&mut bus).await;

    // Three minutes close: one signal per symbol and minute, as the agent's.
    fake.advance(Interval::M1, 3);
    let local = take(&mut bus, 6).await;
    assert!(local.iter().all(|s| s.source == SignalSource::Local
        && s.trader_id == id
        && s.trader_name == "Always here"));
    assert_eq!(pairs(&local), minutes(&SYMBOLS, 400, 403));
    assert_eq!(agent_signals(&mut owner, 6).await, pairs(&local));
    let counted = status_until(&core, "counted", |s| s.signals == 6).await;
    assert_eq!((counted.candles, counted.symbols), (6, 2));

    // The streams drop and two minutes close meanwhile: repaired, each screened once.
    fake.kill_connections();
    fake.advance(Interval::M1, 2);
    let repaired = take(&mut bus, 4).await;
    assert_eq!(pairs(&repaired), minutes(&SYMBOLS, 403, 405));
    assert_eq!(agent_signals(&mut owner, 4).await, pairs(&repaired));
    quiet(&mut bus).await;

    // An outage: the error shows while it keeps retrying; the minutes missed come after.
    fake.set_streams_available(false);
    let down = status_until(&core, "outage shown", |s| s.error.is_some()).await;
    let error = down.error.unwrap();
    assert_eq!(error.code, ErrorCode::MarketUnreachable, "{error:?}");
    assert!(error.message.contains("reconnecting"), "{}", error.message);
    fake.advance(Interval::M1, 2);
    fake.set_streams_available(true);
    let after = take(&mut bus, 4).await;
    assert_eq!(pairs(&after), minutes(&SYMBOLS, 405, 407));
    assert_eq!(agent_signals(&mut owner, 4).await, pairs(&after));
    status_until(&core, "error cleared", |s| s.error.is_none()).await;

    // Stored too, each (symbol, minute) exactly once.
    let stored = listed(&core, &id).await;
    assert_eq!(pairs(&stored), minutes(&SYMBOLS, 400, 407));
    let status = api::local::status(&core);
    assert_eq!((status.candles, status.signals), (14, 14), "{status:?}");

    // Stop: its stream closes (the agent's stays), nothing more is screened.
    let connections = fake.connections().len();
    assert_eq!(connections, 2, "the agent's and local screening's");
    let stopped = api::local::stop(&core).await;
    assert_eq!(stopped.mode, LocalMode::Off);
    let deadline = tokio::time::Instant::now() + WAIT;
    while fake.connections().len() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream stayed open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!core.local().is_running().await);
    fake.advance(Interval::M1, 1);
    assert_eq!(
        agent_signals(&mut owner, 2).await,
        minutes(&SYMBOLS, 407, 408)
    );
    quiet(&mut bus).await;
    assert_eq!(listed(&core, &id).await.len(), 14);
    // Stopping twice is harmless.
    assert_eq!(api::local::stop(&core).await.mode, LocalMode::Off);
    agent.shutdown().await;
    core.close().await;
    eprintln!("live round trip: {:?}", begun.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_universe_and_a_trader_moved_to_the_cloud() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    // No symbols: Binance's USDT universe (the fake lists 7 trading USDT pairs; two have
    // candles).
    let staying = save_always(&core, "Staying", None).await;
    let moving = save_always(&core, "Moving", None).await;
    let mut bus = core.signals().subscribe();
    start_live(&core, &fake, &[&staying, &moving]).await;
    let ready = status_until(&core, "backfilled", |s| s.symbols == 7).await;
    assert_eq!(ready.traders.len(), 2);
    fake.advance(Interval::M1, 1);
    let both = take(&mut bus, 4).await;
    let traders: BTreeSet<_> = both.iter().map(|s| s.trader_id.clone()).collect();
    assert_eq!(traders.len(), 2);
    assert_eq!(both.iter().filter(|s| s.trader_id == moving).count(), 2);

    // Moved to the cloud: out of the live engine before its next round.
    core.local().exclude(&moving);
    assert_eq!(api::local::status(&core).traders, vec![staying.clone()]);
    fake.advance(Interval::M1, 2);
    let after = take(&mut bus, 4).await;
    assert!(after.iter().all(|s| s.trader_id == staying), "{after:?}");
    assert_eq!(pairs(&after), minutes(&SYMBOLS, 401, 403));
    quiet(&mut bus).await;
    api::local::stop(&core).await;
    core.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_at_start_shows_while_retrying_then_screening_starts() {
    let fake = market(&SYMBOLS);
    // exchangeInfo answers 418 once; the fake then refuses every call for 2 s.
    fake.inject(Fault::Banned { retry_after: 2 }, Endpoint::ExchangeInfo, 1);
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let id = save_always(&core, "Always", Some(&SYMBOLS)).await;
    let mut bus = core.signals().subscribe();
    let started = std::time::Instant::now();
    start_live(&core, &fake, &[&id]).await;
    let failing = status_until(&core, "ban shown", |s| s.error.is_some()).await;
    let error = failing.error.unwrap();
    assert_eq!(error.code, ErrorCode::MarketUnreachable);
    assert!(error.message.contains("retrying"), "{}", error.message);
    assert_eq!(failing.mode, LocalMode::Live);
    let ready = status_until(&core, "started after the ban", |s| s.symbols == 2).await;
    assert!(ready.error.is_none(), "{ready:?}");
    eprintln!("started after the ban in {:?}", started.elapsed());
    fake.advance(Interval::M1, 1);
    assert_eq!(pairs(&take(&mut bus, 2).await), minutes(&SYMBOLS, 400, 401));
    api::local::stop(&core).await;
    core.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_starts_are_refused_or_shown() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let id = save_always(&core, "Always", Some(&SYMBOLS)).await;
    let start = |url: String| {
        let core = &core;
        let id = id.clone();
        async move {
            let _env = ENV.lock().await;
            std::env::set_var("TRADEMIND_BINANCE_URL", url);
            std::env::set_var("TRADEMIND_BINANCE_STREAM_URL", "ws://127.0.0.1:9");
            api::local::start(
                core,
                LocalStart {
                    traders: vec![id],
                    data_dir: None,
                },
            )
            .await
        }
    };
    // Nothing listens; the fake answers ping with a 503.
    let err = start("http://127.0.0.1:9".into()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MarketUnreachable);
    fake.inject(Fault::ServerError(503), Endpoint::Ping, 1);
    let err = start(fake.rest_url()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MarketUnreachable);
    assert!(err.to_string().contains("503"), "{err}");
    assert!(!core.local().is_running().await);
    assert_eq!(api::local::status(&core).mode, LocalMode::Off);

    // A symbol Binance does not list: the run shows why it cannot follow the market.
    let mut trader = always("", 1);
    trader.name = "Nowhere".into();
    trader.filter.symbols = Some(vec!["NOPEUSDT".into()]);
    let nowhere = api::traders::save(&core, Actor::Cli, trader)
        .await
        .unwrap()
        .trader
        .id;
    start_live(&core, &fake, &[&nowhere]).await;
    let refused = status_until(&core, "refused", |s| s.error.is_some()).await;
    let error = refused.error.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("NOPEUSDT"), "{}", error.message);
    // A second start while one runs is refused.
    let _env = ENV.lock().await;
    let err = api::local::start(&core, LocalStart::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    drop(_env);
    assert_eq!(api::local::stop(&core).await.mode, LocalMode::Off);
    core.close().await;
}

/// A trader on 1m and 5m that matches only when the 5m candle it sees closed with the 1m
/// one: it needs both closes of a five-minute boundary in one round, as the agent screens.
fn on_five_minute_closes(id: &str) -> screener::trader::Trader {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": "Five-minute closes", "version": 1,
        "filter": {"code": "const a = timeframes['1m']; const b = timeframes['5m']; \
                             return b.length > 0 && Number(a[a.length - 1][6]) === Number(b[b.length - 1][6]);",
                   "refreshInterval": "1m", "requiredTimeframes": ["1m", "5m"], "cooldownBars": 1}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closes_of_one_moment_are_one_round_as_in_the_agent() {
    let fake = market(&SYMBOLS);
    for (i, symbol) in SYMBOLS.iter().enumerate() {
        let candles =
            fake_binance::data::synthetic(Interval::M5, T0, 120, 100.0 + i as f64, i as u64 + 7);
        fake.load(symbol, Interval::M5, candles);
    }
    let agent_dir = tempfile::tempdir().unwrap();
    let mut serve = args(&fake, &SYMBOLS, agent_dir.path());
    serve.feed.intervals = vec![Interval::M1, Interval::M5];
    let agent = Agent::start(serve).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner.deploy_and_follow(on_five_minute_closes("t5")).await;

    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let mut trader = on_five_minute_closes("");
    trader.filter.symbols = Some(SYMBOLS.iter().map(|s| s.to_string()).collect());
    let id = api::traders::save(&core, Actor::Cli, trader)
        .await
        .unwrap()
        .trader
        .id;
    let mut bus = core.signals().subscribe();
    start_live(&core, &fake, &[&id]).await;
    status_until(&core, "backfilled", |s| s.symbols == 2).await;
    // Minutes 400–409 close, and with them the 5m candles of minutes 400 and 405.
    fake.advance(Interval::M1, 10);
    let local = take(&mut bus, 4).await;
    let expected: Vec<(String, i64)> = minutes(&SYMBOLS, 404, 405)
        .into_iter()
        .chain(minutes(&SYMBOLS, 409, 410))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(pairs(&local), expected);
    assert_eq!(agent_signals(&mut owner, 4).await, expected);
    quiet(&mut bus).await;
    // 10 one-minute and 2 five-minute closes per symbol.
    let status = status_until(&core, "counted", |s| s.candles == 24).await;
    assert_eq!(status.signals, 4);
    api::local::stop(&core).await;
    agent.shutdown().await;
    core.close().await;
}
