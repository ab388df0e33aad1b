//! Local screening against `screener run` (parity), and its run slot: start, status,
//! finish, stop, a trader leaving for the cloud, and the traders it picks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use screener::cli::run::{run, RunArgs};
use screener::market::Interval;
use screener::trader::Trader;
use serde_json::Value;

use super::replay::{load_files, replay_files, Collect};
use super::{LocalMode, LocalScreening, Source};
use crate::signals::{SignalBus, SignalFilter, SignalSource};
use crate::store::Store;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/binance_btcbusd_1m_2022-12-13.csv")
}

/// Traders that signal often on the sample: two built-ins and two simple ones (5m and 15m
/// aggregated from 1m, one reading two timeframes).
fn traders() -> Vec<Trader> {
    let mut all: Vec<Trader> = screener::trader::builtins::builtins()
        .into_iter()
        .filter(|t| t.filter.refresh_interval.duration_ms() <= Interval::M15.duration_ms())
        .take(2)
        .collect();
    let mut green = all[0].clone();
    green.id = "green-5m".into();
    green.filter.refresh_interval = Interval::M5;
    green.filter.required_timeframes = vec![Interval::M5];
    green.filter.cooldown_bars = 3;
    green.filter.code = "const c = timeframes['5m']; const k = c[c.length - 1]; \
                         return Number(k[4]) > Number(k[1]);"
        .into();
    let mut two = green.clone();
    two.id = "two-frames".into();
    two.filter.refresh_interval = Interval::M15;
    two.filter.required_timeframes = vec![Interval::M5, Interval::M15];
    two.filter.code = "const a = timeframes['15m']; const b = timeframes['5m']; \
                       return a.length > 3 && Number(a[a.length-1][4]) > Number(b[b.length-2][4]);"
        .into();
    all.push(green);
    all.push(two);
    all
}

type Key = (String, String, String, i64, String);

fn key(v: &Value) -> Key {
    (
        v["traderId"].as_str().unwrap().to_owned(),
        v["symbol"].as_str().unwrap().to_owned(),
        v["interval"].as_str().unwrap().to_owned(),
        v["openTime"].as_i64().unwrap(),
        format!("{}", v["price"].as_f64().unwrap()),
    )
}

#[test]
fn recorded_mode_matches_screener_run() {
    let dir = tempfile::tempdir().unwrap();
    let traders_file = dir.path().join("traders.json");
    std::fs::write(&traders_file, serde_json::to_string(&traders()).unwrap()).unwrap();
    let args = RunArgs {
        data: sample(),
        traders: traders_file,
        symbol: None,
        interval: None,
        history: screener::trader::record::DEFAULT_HISTORY,
        json: true,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert!(
        run(&args, &mut out, &mut err).unwrap(),
        "{}",
        String::from_utf8_lossy(&err)
    );
    let expected: Vec<Key> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("summary").is_none())
        .map(|v| key(&v))
        .collect();
    assert!(
        expected.len() > 10,
        "the sample gives signals: {}",
        expected.len()
    );

    let mut engine = screener::engine::Engine::new(Default::default()).unwrap();
    for trader in traders() {
        engine.upsert_trader(trader).unwrap();
    }
    let files = load_files(&sample()).unwrap();
    let mut collect = Collect::default();
    assert!(replay_files(&mut engine, &files, &mut collect));
    let got: Vec<Key> = collect
        .signals
        .iter()
        .map(|s| key(&serde_json::to_value(s).unwrap()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(collect.candles, 1440);
}

#[test]
fn bad_data_paths_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("missing"), dir.path().to_owned()] {
        let err = load_files(&path).unwrap_err();
        assert_eq!(
            err.code(),
            crate::error::ErrorCode::InvalidInput,
            "{path:?}"
        );
    }
    let bad = dir.path().join("BTCUSDT-1m-x.csv");
    std::fs::write(&bad, "not,a,candle\n").unwrap();
    assert!(load_files(&bad).is_err());
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..600 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_run_stores_publishes_finishes_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
    let bus = SignalBus::default();
    let mut live = bus.subscribe();
    let screening = LocalScreening::default();
    let files = load_files(&sample()).unwrap();
    let status = screening
        .start(
            store.clone(),
            bus.clone(),
            traders(),
            Source::Recorded {
                label: "sample".into(),
                files: files.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(status.mode, LocalMode::Recorded);
    // Bad input: a second start while one runs.
    assert!(screening
        .start(
            store.clone(),
            bus.clone(),
            traders(),
            Source::Recorded {
                label: "x".into(),
                files
            }
        )
        .await
        .is_err());
    until("the replay to finish", || screening.status().finished).await;
    let first = live.recv().await.unwrap();
    assert_eq!(first.source, SignalSource::Local);
    let stopped = screening.stop().await;
    assert_eq!(stopped.mode, LocalMode::Off);
    assert_eq!(stopped.candles, 1440);
    assert_eq!(stopped.symbols, 1);
    let stored = crate::signals::feed::list(
        &store,
        &SignalFilter {
            source: Some(SignalSource::Local),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(stored.len() as u64, stopped.signals);
    assert!(stopped.signals > 10);
    // The detail of a local signal comes from the run's files (no network).
    assert!(
        screening
            .recorded_candles("btcbusd", Interval::M5)
            .unwrap()
            .len()
            >= 287
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trader_moved_to_the_cloud_stops_signalling_locally() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
    let screening = LocalScreening::default();
    // Excluded before the first candle: it never signals.
    let files = load_files(&sample()).unwrap();
    screening
        .start(
            store.clone(),
            SignalBus::default(),
            traders(),
            Source::Recorded {
                label: "sample".into(),
                files,
            },
        )
        .await
        .unwrap();
    screening.exclude("green-5m");
    assert!(!screening.status().traders.contains(&"green-5m".to_owned()));
    until("the replay to finish", || screening.status().finished).await;
    screening.stop().await;
    let green = crate::signals::feed::list(
        &store,
        &SignalFilter {
            trader_id: Some("green-5m".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The exclusion may race the first few candles, never a whole day of green 5m candles.
    assert!(
        green.len() <= 1,
        "{} signals after the exclusion",
        green.len()
    );
}
