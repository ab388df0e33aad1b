//! Local screening and trader editing through the api layer on an opened installation
//! (`Core`), offline: recorded mode end to end, live mode refused when Binance does not
//! answer, saving with versions, import of a taken id, export round trip.

use std::path::Path;
use std::time::Duration;

use trademind::api::{self, Actor, Core};
use trademind::error::ErrorCode;
use trademind::local::{LocalMode, LocalStart};
use trademind::paths::Paths;
use trademind::signals::{SignalFilter, SignalSource};

fn sample_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../src-tauri/samples")
        .display()
        .to_string()
}

async fn core(dir: &Path) -> Core {
    Core::open(Paths::for_data_dir(dir.to_owned()).unwrap())
        .await
        .unwrap()
}

fn green() -> screener::trader::Trader {
    serde_json::from_value(serde_json::json!({
        "id": "", "name": "Green 5m",
        "filter": {"code": "const c = timeframes['5m']; const k = c[c.length - 1]; return Number(k[4]) > Number(k[1]);",
                   "refreshInterval": "5m", "requiredTimeframes": ["5m"], "cooldownBars": 3}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_local_screening_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let card = api::traders::save(&core, Actor::Cli, green())
        .await
        .unwrap();
    let id = card.trader.id.clone();
    assert!(id.starts_with("user-"));
    let mut bus = core.signals().subscribe();
    let status = api::local::start(
        &core,
        LocalStart {
            traders: vec![id.clone()],
            data_dir: Some(sample_dir()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (status.mode, status.traders.clone()),
        (LocalMode::Recorded, vec![id.clone()])
    );
    let first = tokio::time::timeout(Duration::from_secs(20), bus.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.trader_name.as_str(), first.source),
        ("Green 5m", SignalSource::Local)
    );
    for _ in 0..1000 {
        if api::local::status(&core).finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = api::local::stop(&core).await;
    assert!(done.finished && done.mode == LocalMode::Off, "{done:?}");
    // Both sample files: 1440 one-minute and 120 one-hour candles.
    assert_eq!(done.candles, 1560);
    let listed = api::signals::list(
        &core,
        &SignalFilter {
            trader_id: Some(id.clone()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.len() as u64, done.signals);
    // The detail of a local signal: candles from the run's files, indicators, a chart.
    let detail = api::signals::detail(&core, &listed[0].key).await.unwrap();
    assert!(detail.note.is_none(), "{:?}", detail.note);
    assert_eq!(
        detail.candles.last().unwrap().open_time,
        listed[0].open_time
    );
    assert!(detail.chart_svg.starts_with("<svg"));
    assert_eq!(detail.indicators.len(), 6);
    // The card shows the last signal.
    let card = api::traders::card(&core, &id).await.unwrap();
    assert_eq!(card.last_signal.unwrap().key, listed[0].key);
    core.close().await;
}

#[tokio::test]
async fn live_mode_without_binance_is_market_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("TRADEMIND_BINANCE_URL", "http://127.0.0.1:9");
    let core = core(dir.path()).await;
    let err = api::local::start(&core, LocalStart::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MarketUnreachable);
    assert_eq!(api::local::status(&core).mode, LocalMode::Off);
    // Bad input: unknown trader, missing folder.
    let err = api::local::start(
        &core,
        LocalStart {
            traders: vec!["nobody".into()],
            data_dir: Some(sample_dir()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let err = api::local::start(
        &core,
        LocalStart {
            traders: vec![],
            data_dir: Some("/no/such/folder".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    core.close().await;
}

#[tokio::test]
async fn saving_importing_and_exporting() {
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path()).await;
    let card = api::traders::save(&core, Actor::Gui, green())
        .await
        .unwrap();
    let mut edited = card.trader.clone();
    edited.name = "Green, renamed".into();
    let saved = api::traders::save(&core, Actor::Gui, edited.clone())
        .await
        .unwrap();
    assert_eq!(saved.trader.version, 2);
    // Bad input: the stale copy again, code that does not compile, a built-in.
    let stale = api::traders::save(&core, Actor::Gui, edited.clone())
        .await
        .unwrap_err();
    assert_eq!(stale.code(), ErrorCode::VersionConflict);
    let mut broken = saved.trader.clone();
    broken.filter.code = "return (;".into();
    let err = api::traders::save(&core, Actor::Gui, broken)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let builtin = screener::trader::builtins::builtins().remove(0);
    let err = api::traders::save(&core, Actor::Gui, builtin)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);

    // Export, then import the same file: the taken id is imported as a copy.
    let exported = api::traders::export(&core, &[]).await.unwrap();
    let report = api::traders::import(&core, Actor::Gui, exported.clone())
        .await
        .unwrap();
    assert_eq!(report.imported.len(), 1);
    assert_ne!(report.imported[0], saved.trader.id);
    let copy = api::traders::card(&core, &report.imported[0])
        .await
        .unwrap();
    assert_eq!(copy.trader.name, "Green, renamed");
    assert_eq!(copy.trader.filter, saved.trader.filter);
    // Export of an unknown id is refused; delete at a stale version too.
    assert!(api::traders::export(&core, &["nobody".into()])
        .await
        .is_err());
    let err = api::traders::delete(&core, Actor::Gui, &saved.trader.id, 1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::VersionConflict);
    api::traders::delete(&core, Actor::Gui, &saved.trader.id, 2)
        .await
        .unwrap();
    let events = core
        .store()
        .events_of_kind("trader.import", 5)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    core.close().await;
}
