//! The engine on recorded candles: what filters see (history window, the just-closed candle
//! last, aggregated larger intervals, derived ticker), the cooldown rule, signal numbering,
//! error isolation, and traders changed while running — each against an independent
//! computation from the file.

use std::path::PathBuf;

use screener::engine::{replay, Engine, EngineConfig, Signal};
use screener::market::{aggregate, CandleFile, Interval, LeadingPartial};
use screener::trader::Trader;

fn data(name: &str) -> CandleFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(name);
    CandleFile::load(&path, None, None).unwrap_or_else(|e| panic!("{e}"))
}

fn trader(id: &str, interval: &str, timeframes: &[&str], cooldown: u32, code: &str) -> Trader {
    let json = serde_json::json!({
        "id": id, "name": id, "version": 1,
        "filter": { "code": code, "refreshInterval": interval,
                    "requiredTimeframes": timeframes, "cooldownBars": cooldown }
    });
    Trader::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn engine(history: usize) -> Engine {
    Engine::new(EngineConfig {
        history,
        workers: 2,
        ..EngineConfig::default()
    })
    .unwrap()
}

fn run(engine: &mut Engine, file: &CandleFile, take: usize) -> (Vec<Signal>, Vec<String>) {
    let mut signals = Vec::new();
    let mut errors = Vec::new();
    let candles = &file.candles[..take.min(file.candles.len())];
    replay(
        engine,
        &file.symbol,
        file.interval,
        candles,
        |s| signals.push(s.clone()),
        |e| errors.push(e.to_string()),
    );
    (signals, errors)
}

#[test]
fn filters_see_the_history_window_ending_with_the_just_closed_candle() {
    let file = data("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let mut e = engine(100);
    e.upsert_trader(trader(
        "probe",
        "5m",
        &["5m"],
        1,
        "const k = timeframes['5m'];\n\
         return { match: true, conditions: [String(k.length), String(k[0][0]), String(k[k.length - 1][0]), k[k.length - 1][4], ticker.s] };",
    ))
    .unwrap();
    let (signals, errors) = run(&mut e, &file, 300);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        signals.len(),
        300,
        "one evaluation and signal per candle (cooldown 1)"
    );
    for (i, s) in signals.iter().enumerate() {
        let c = &file.candles[i];
        let first = &file.candles[(i + 1).saturating_sub(100)];
        let expected = [
            (i + 1).min(100).to_string(),
            first.open_time.to_string(),
            c.open_time.to_string(),
            screener::market::decimal::shortest(c.close),
            "BTCUSDT".to_owned(),
        ];
        assert_eq!(s.conditions, expected, "candle {i}");
        assert_eq!(
            (s.open_time, s.close_time, s.price),
            (c.open_time, c.close_time, c.close)
        );
        assert_eq!(s.seq, i as u64 + 1, "seq increases by one per signal");
        assert_eq!(s.interval, Interval::M5);
    }
}

#[test]
fn larger_intervals_are_aggregated_and_run_on_their_own_close() {
    let file = data("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let hourly = aggregate(
        &file.candles,
        Interval::M5,
        Interval::H1,
        LeadingPartial::Skip,
    )
    .unwrap();
    let mut e = engine(500);
    // Fires when the closed hour is green; reports the hour and the last 5m candle it sees.
    e.upsert_trader(trader(
        "green-hour",
        "1h",
        &["1h", "5m"],
        1,
        "const h = timeframes['1h']; const m = timeframes['5m'];\n\
         const last = h[h.length - 1];\n\
         return { match: parseFloat(last[4]) > parseFloat(last[1]), conditions: [String(last[0]), String(m[m.length - 1][0])] };",
    ))
    .unwrap();
    let (signals, errors) = run(&mut e, &file, 2000);
    assert!(errors.is_empty(), "{errors:?}");
    let seen_until = file.candles[1999].open_time;
    let expected: Vec<_> = hourly
        .iter()
        .filter(|h| h.close_time <= seen_until + 5 * 60_000 && h.close > h.open)
        .collect();
    assert!(expected.len() > 50, "the test data has green hours");
    assert_eq!(signals.len(), expected.len());
    for (s, h) in signals.iter().zip(&expected) {
        assert_eq!(s.open_time, h.open_time);
        assert_eq!(s.interval, Interval::H1);
        assert_eq!(s.conditions[0], h.open_time.to_string());
        // The 5m series seen is the one whose last candle closed the hour.
        assert_eq!(s.conditions[1], (h.close_time + 1 - 5 * 60_000).to_string());
        assert_eq!(s.price, h.close);
    }
}

#[test]
fn cooldown_bars_follow_the_rule() {
    let file = data("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let code = "const k = timeframes['5m']; if (k.length < 2) return false;\n\
                return parseFloat(k[k.length - 1][4]) > parseFloat(k[k.length - 2][4]);";
    let mut e = engine(50);
    e.upsert_trader(trader("up", "5m", &["5m"], 7, code))
        .unwrap();
    let (signals, _) = run(&mut e, &file, 3000);
    // Independent: matches are rising closes; a signal at i blocks i+1 … i+6.
    let mut expected = Vec::new();
    let mut last: Option<usize> = None;
    for i in 1..3000 {
        if file.candles[i].close > file.candles[i - 1].close && last.is_none_or(|l| i >= l + 7) {
            expected.push(file.candles[i].open_time);
            last = Some(i);
        }
    }
    let got: Vec<i64> = signals.iter().map(|s| s.open_time).collect();
    assert_eq!(got, expected);
    assert_eq!(e.stats()["up"].evaluations, 3000);
    assert_eq!(e.stats()["up"].signals as usize, expected.len());
}

#[test]
fn the_ticker_is_the_rolling_24h_of_the_candles() {
    let file = data("binance_btcbusd_1m_2022-12-13.csv");
    let mut e = engine(10);
    e.upsert_trader(trader(
        "tick",
        "1m",
        &["1m"],
        1,
        "return { match: true, conditions: [ticker.s, ticker.c, ticker.h, ticker.l, ticker.o] };",
    ))
    .unwrap();
    let (signals, _) = run(&mut e, &file, 1440);
    let last = signals.last().unwrap();
    let c = &file.candles;
    let high = c.iter().map(|x| x.high).fold(f64::MIN, f64::max);
    let low = c.iter().map(|x| x.low).fold(f64::MAX, f64::min);
    let text = |v: f64| screener::market::decimal::shortest(v);
    assert_eq!(
        last.conditions,
        [
            "BTCBUSD".to_owned(),
            text(c[1439].close),
            text(high),
            text(low),
            text(c[0].open)
        ]
    );
}

#[test]
fn one_bad_trader_never_stops_the_others() {
    let file = data("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let mut e = engine(100);
    e.upsert_trader(trader("ok", "5m", &["5m"], 1, "return true;"))
        .unwrap();
    e.upsert_trader(trader(
        "thrower",
        "5m",
        &["5m"],
        1,
        "const k = timeframes['5m'];\nif (k.length > 10) throw new Error('late');\nreturn false;",
    ))
    .unwrap();
    e.upsert_trader(trader(
        "looper",
        "5m",
        &["5m"],
        1,
        "if (timeframes['5m'].length === 3) { while (true) {} }\nreturn false;",
    ))
    .unwrap();
    e.upsert_trader(trader("needs-1m", "5m", &["1m"], 1, "return true;"))
        .unwrap();
    let (signals, errors) = run(&mut e, &file, 50);
    assert_eq!(signals.iter().filter(|s| s.trader_id == "ok").count(), 50);
    let stats = e.stats();
    assert_eq!((stats["ok"].evaluations, stats["ok"].errors), (50, 0));
    assert_eq!(
        (stats["thrower"].evaluations, stats["thrower"].errors),
        (50, 40)
    );
    assert_eq!(stats["looper"].errors, 1);
    assert_eq!(
        stats["needs-1m"].errors, 1,
        "a missing timeframe is reported once"
    );
    assert!(
        errors
            .iter()
            .any(|e| e == "trader thrower on XRPETH: Error: late (line 2)"),
        "{errors:?}"
    );
    assert!(errors
        .iter()
        .any(|e| e.starts_with("trader looper on XRPETH: the filter ran longer")));
    assert!(errors
        .iter()
        .any(|e| e.contains("no 1m candles for XRPETH")));
}

#[test]
fn syntax_errors_are_refused_at_load() {
    let mut e = engine(10);
    let err = e
        .upsert_trader(trader("bad", "5m", &["5m"], 1, "return (;"))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid trader: trader bad: SyntaxError"),
        "{err}"
    );
    assert_eq!(e.traders().count(), 0);
}

#[test]
fn traders_change_while_running_and_the_engine_pauses() {
    let file = data("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let c = &file.candles;
    let mut e = engine(50);
    let mut signals = Vec::new();
    let feed = |e: &mut Engine, range: std::ops::Range<usize>, out: &mut Vec<Signal>| {
        replay(
            e,
            "XRPETH",
            Interval::M5,
            &c[range],
            |s| out.push(s.clone()),
            |_| {},
        );
    };
    e.upsert_trader(trader(
        "t",
        "5m",
        &["5m"],
        1,
        "return { match: true, conditions: ['v1'] };",
    ))
    .unwrap();
    feed(&mut e, 0..5, &mut signals);
    let mut v2 = trader(
        "t",
        "5m",
        &["5m"],
        1,
        "return { match: true, conditions: ['v2'] };",
    );
    v2.version = 2;
    e.upsert_trader(v2).unwrap();
    let stale = trader("t", "5m", &["5m"], 1, "return false;");
    assert!(e
        .upsert_trader(stale)
        .unwrap_err()
        .to_string()
        .contains("older"));
    feed(&mut e, 5..10, &mut signals);
    e.pause();
    feed(&mut e, 10..15, &mut signals);
    e.resume();
    e.set_trader_enabled("t", false).unwrap();
    feed(&mut e, 15..20, &mut signals);
    e.set_trader_enabled("t", true).unwrap();
    feed(&mut e, 20..25, &mut signals);
    e.remove_trader("t").unwrap();
    feed(&mut e, 25..30, &mut signals);
    let versions: Vec<&str> = signals.iter().map(|s| s.conditions[0].as_str()).collect();
    assert_eq!(versions, [["v1"; 5], ["v2"; 5], ["v2"; 5]].concat());
    let seqs: Vec<u64> = signals.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (1..=15).collect::<Vec<_>>());
    let times: Vec<i64> = signals.iter().map(|s| s.open_time).collect();
    let expected: Vec<i64> = (0..10).chain(20..25).map(|i| c[i].open_time).collect();
    assert_eq!(
        times, expected,
        "nothing evaluated while paused or disabled"
    );
}

#[test]
fn replays_are_deterministic() {
    let file = data("ethbtc_5m_2018-01-10_2018-01-30.csv");
    let code = "const k = timeframes['5m']; return k.length > 1 && parseFloat(k[k.length-1][5]) > 2 * parseFloat(k[k.length-2][5]);";
    let once = |workers| {
        let mut e = Engine::new(EngineConfig {
            history: 50,
            workers,
            ..EngineConfig::default()
        })
        .unwrap();
        for n in 0..4 {
            e.upsert_trader(trader(&format!("t{n}"), "5m", &["5m"], 3 + n, code))
                .unwrap();
        }
        run(&mut e, &file, 1500).0
    };
    let a = once(1);
    assert!(!a.is_empty());
    assert_eq!(
        a,
        once(2),
        "same signals, same order and seq, whatever the worker count"
    );
}

/// One round of the same candle for `symbols` symbols.
fn round(symbols: usize, candle: screener::market::Candle) -> Vec<screener::engine::ClosedCandle> {
    (0..symbols)
        .map(|s| screener::engine::ClosedCandle {
            symbol: format!("S{s:02}USDT"),
            interval: Interval::M5,
            candle,
        })
        .collect()
}

#[test]
fn a_runaway_filter_is_skipped_for_the_rest_of_the_round_then_quarantined() {
    let file = data("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let mut e = Engine::new(EngineConfig {
        history: 20,
        workers: 1,
        ..EngineConfig::default()
    })
    .unwrap();
    e.upsert_trader(trader("ok", "5m", &["5m"], 1, "return true;"))
        .unwrap();
    e.upsert_trader(trader("loop", "5m", &["5m"], 1, "while (true) {}"))
        .unwrap();

    let started = std::time::Instant::now();
    let first = e.close_candles(&round(10, file.candles[0]));
    // Two deadlines (50 ms each), not ten: the other eight symbols are skipped.
    assert!(
        started.elapsed() < std::time::Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        first.signals.len(),
        10,
        "the good trader ran on every symbol"
    );
    assert_eq!(
        (e.stats()["loop"].errors, e.stats()["loop"].skipped),
        (2, 8)
    );

    e.close_candles(&round(10, file.candles[1]));
    assert!(!e.stats()["loop"].quarantined);
    let third = e.close_candles(&round(10, file.candles[2]));
    assert!(e.stats()["loop"].quarantined);
    let paused = third
        .errors
        .iter()
        .find(|x| x.kind == screener::filter::FilterErrorKind::Quarantined)
        .unwrap();
    assert!(paused.to_string().starts_with(
        "trader loop: paused: the filter exceeded its time or memory limits in 3 rounds"
    ));

    let fourth = e.close_candles(&round(10, file.candles[3]));
    assert!(
        fourth.errors.is_empty() && fourth.signals.len() == 10,
        "quarantined: not run at all"
    );
    assert_eq!(
        e.stats()["loop"].errors,
        7,
        "2 per round for 3 rounds, and the pause notice"
    );

    // A fixed version resumes it.
    let mut fixed = trader("loop", "5m", &["5m"], 1, "return true;");
    fixed.version = 2;
    e.upsert_trader(fixed).unwrap();
    let fifth = e.close_candles(&round(10, file.candles[4]));
    assert_eq!(fifth.signals.len(), 20);
    assert!(!e.stats()["loop"].quarantined);
}

#[test]
fn an_occasional_timeout_does_not_quarantine() {
    let file = data("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let mut e = Engine::new(EngineConfig {
        history: 50,
        workers: 1,
        ..EngineConfig::default()
    })
    .unwrap();
    // Loops on every other close only.
    e.upsert_trader(trader(
        "flaky",
        "5m",
        &["5m"],
        1,
        "if (timeframes['5m'].length % 2 === 0) { while (true) {} }\nreturn false;",
    ))
    .unwrap();
    for candle in &file.candles[..8] {
        e.close_candles(&round(1, *candle));
    }
    let stats = &e.stats()["flaky"];
    assert_eq!((stats.evaluations, stats.errors), (8, 4));
    assert!(!stats.quarantined);
}
