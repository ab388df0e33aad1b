//! The dashboard stream (`trademind::api::dashboard`): a frame at once, redraws throttled to
//! 4 a second under a 10-frames-a-second feed with the last frame always drawn, every chart
//! from the recorded history, ranges, and the scale advice against the machine's size.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use screener::protocol::{Metrics, ServerFrame};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use trademind::api::dashboard::{self, DashboardFrame, MAX_REDRAWS_PER_SECOND};
use trademind::error::ErrorCode;
use trademind::store::machine::MachineRecord;
use trademind::store::metrics::{MetricName, MetricsRange};
use trademind::store::Store;

fn metrics(cpu: f64, scale: u32) -> Metrics {
    Metrics {
        cpu_percent: cpu,
        memory_bytes: 400_000_000,
        memory_limit_bytes: 2_000_000_000,
        scale_recommendation: scale,
        ..Default::default()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn record(size: &str) -> MachineRecord {
    MachineRecord {
        app: "trademind-dash".into(),
        org_slug: "personal".into(),
        machine_id: Some("m1".into()),
        instance_id: None,
        region: "fra".into(),
        size: size.into(),
        image: "registry.fly.io/agent:1".into(),
        state: Some("started".into()),
        seen_at: None,
        secrets_version: None,
        secrets_fingerprint: None,
    }
}

async fn store_with_history(now_ms: i64) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
    for i in 0..120 {
        let at = now_ms - (120 - i) * 2_000;
        store
            .record_metrics("app", at, &metrics(f64::from(i as i32 % 50), 2))
            .await
            .unwrap();
    }
    (store, dir)
}

#[tokio::test]
async fn every_chart_is_drawn_with_latest_figures_and_advice() {
    let now = now_ms();
    let (store, _dir) = store_with_history(now).await;
    let rec = record("normal");
    let started = Instant::now();
    let frame = dashboard::render(
        &store,
        "app",
        Some(&rec),
        MetricsRange::Minutes15,
        None,
        now,
        0,
    )
    .await
    .unwrap();
    let took = started.elapsed();
    eprintln!("one dashboard frame (11 charts, 120 points): {took:?}");
    assert_eq!(frame.range, MetricsRange::Minutes15);
    let drawn: Vec<MetricName> = frame.charts.iter().map(|c| c.metric).collect();
    assert_eq!(
        drawn,
        MetricName::ALL.to_vec(),
        "one chart per metric, in order"
    );
    assert!(frame.charts.iter().all(|c| c.svg.starts_with("<svg")));
    let cpu = &frame.charts[0];
    assert_eq!(cpu.title, "CPU");
    assert_eq!(
        cpu.latest.as_deref(),
        Some("19%"),
        "the newest stored frame (i = 119)"
    );
    assert_eq!(frame.charts[1].latest.as_deref(), Some("400 MB"));
    assert_eq!(frame.latest.as_ref().unwrap().cpu_percent, 19.0);
    let advice = frame.recommendation.unwrap();
    assert!(
        !advice.differs,
        "2 CPUs recommended, 2 shared CPUs now: {advice:?}"
    );

    // A frame the stream saw after the newest stored one wins for `latest`.
    let seen = (metrics(77.0, 4), now + 1);
    let frame = dashboard::render(
        &store,
        "app",
        Some(&rec),
        MetricsRange::Hour1,
        Some(&seen),
        now,
        0,
    )
    .await
    .unwrap();
    assert_eq!(frame.charts[0].latest.as_deref(), Some("77%"));
    assert_eq!(frame.latest_at_ms, Some(now + 1));
    let advice = frame.recommendation.unwrap();
    assert!(advice.differs);
    assert_eq!(advice.recommended_size, "shared-cpu-4x");

    // Another range, and a machine with no history: drawn, empty, no advice without a record.
    let frame = dashboard::render(&store, "none", None, MetricsRange::Days7, None, now, 0)
        .await
        .unwrap();
    assert_eq!(frame.range, MetricsRange::Days7);
    assert!(frame.latest.is_none() && frame.recommendation.is_none());
    assert!(
        frame.charts[0].svg.contains("No data for the last 7 days"),
        "{}",
        &frame.charts[0].svg[..200]
    );
    assert!(frame.charts.iter().all(|c| c.latest.is_none()));
}

#[test]
fn scale_advice_follows_the_cpu_kind_and_prices_both_sizes() {
    let advice = |size, cpus| dashboard::scale_advice(size, "fra", cpus).unwrap();
    let up = advice("normal", 4);
    assert_eq!((up.current_cpus, up.recommended_cpus), (2, 4));
    assert_eq!(up.recommended_size, "shared-cpu-4x");
    assert!(up.recommended_cost_per_hour > 0.0 && up.current_cost_per_hour > 0.0);
    let down = advice("normal", 1);
    assert_eq!(down.recommended_size, "low");
    assert!(down.recommended_cost_per_hour < down.current_cost_per_hour);
    let dedicated = advice("high", 2);
    assert_eq!(dedicated.recommended_size, "performance-2x");
    assert!(!advice("shared-cpu-8x", 8).differs);
    // Out-of-range recommendations are clamped to 1–8; odd counts round up to a preset.
    assert_eq!(advice("low", 0).recommended_cpus, 1);
    assert!(!advice("low", 0).differs);
    assert_eq!(advice("low", 99).recommended_cpus, 8);
    assert_eq!(advice("low", 3).recommended_size, "shared-cpu-4x");
    // An unknown current size gives no advice.
    assert!(dashboard::scale_advice("custom", "fra", 2).is_none());
    assert!(dashboard::scale_advice("", "fra", 2).is_none());
}

#[test]
fn bad_ranges_are_invalid_input() {
    for bad in ["", "1w", "15M", "15 m", "1h ", "all"] {
        let err = dashboard::parse_range(bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
    for good in ["15m", "1h", "24h", "7d"] {
        assert_eq!(dashboard::parse_range(good).unwrap().as_str(), good);
    }
}

/// Feeds 10 metrics frames a second for 3 s into the stream and records each redraw's start
/// and what was sent.
#[tokio::test]
async fn redraws_are_throttled_and_the_last_frame_is_drawn() {
    let now = now_ms();
    let (store, _dir) = store_with_history(now).await;
    let rec = record("normal");
    let (tx, rx) = broadcast::channel(64);
    let cancel = CancellationToken::new();
    let starts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let sent: Arc<Mutex<Vec<DashboardFrame>>> = Arc::default();
    let stream = {
        let (store, starts, sent, cancel) =
            (store.clone(), starts.clone(), sent.clone(), cancel.clone());
        tokio::spawn(async move {
            let rec = &rec;
            let store = &store;
            let starts = &starts;
            dashboard::run_stream(
                rx,
                cancel,
                dashboard::SLOW_TICK,
                |seen| async move {
                    starts.lock().unwrap().push(Instant::now());
                    let now = now_ms();
                    dashboard::render(
                        store,
                        "app",
                        Some(rec),
                        MetricsRange::Minutes15,
                        seen.as_ref(),
                        now,
                        0,
                    )
                    .await
                },
                |frame| {
                    sent.lock().unwrap().push(frame);
                    true
                },
            )
            .await;
        })
    };
    // The first frame comes at once, before any metrics frame.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sent.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no frame at once");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fed_from = Instant::now();
    for i in 0..30 {
        tx.send(ServerFrame::Metrics(metrics(f64::from(i), 2)))
            .unwrap();
        tx.send(ServerFrame::Pong).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fed = fed_from.elapsed();
    // The trailing redraw of the burst comes within one gap.
    tokio::time::sleep(Duration::from_millis(600)).await;
    cancel.cancel();
    stream.await.unwrap();

    let starts = starts.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert_eq!(starts.len(), sent.len());
    let min_gap = Duration::from_secs(1) / MAX_REDRAWS_PER_SECOND;
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap + Duration::from_millis(1) >= min_gap,
            "redraws {gap:?} apart"
        );
    }
    // At most 4 a second over the feed, plus the first one and the trailing one.
    let allowed = (fed.as_secs_f64() * f64::from(MAX_REDRAWS_PER_SECOND)).ceil() as usize + 2;
    assert!(sent.len() <= allowed, "{} frames in {fed:?}", sent.len());
    assert!(
        sent.len() >= 8,
        "redraws keep coming under load: {}",
        sent.len()
    );
    let last = sent.last().unwrap();
    assert_eq!(
        last.latest.as_ref().unwrap().cpu_percent,
        29.0,
        "the last frame fed"
    );
    assert_eq!(last.charts[0].latest.as_deref(), Some("29%"));
}

/// Without frames the stream still redraws every slow tick (here 100 ms), and a closed
/// window (send → false) ends it.
#[tokio::test]
async fn slow_ticks_redraw_and_a_gone_window_ends_the_stream() {
    let (_tx, rx) = broadcast::channel::<ServerFrame>(4);
    let count = Arc::new(Mutex::new(0u32));
    let counted = count.clone();
    let blank = DashboardFrame {
        range: MetricsRange::Hour1,
        latest: None,
        latest_at_ms: None,
        charts: vec![],
        recommendation: None,
    };
    let started = Instant::now();
    let tick = Duration::from_millis(100);
    dashboard::run_stream(
        rx,
        CancellationToken::new(),
        tick,
        |_| {
            let frame = blank.clone();
            async move { Ok(frame) }
        },
        |_| {
            let mut n = counted.lock().unwrap();
            *n += 1;
            *n < 3
        },
    )
    .await;
    assert_eq!(*count.lock().unwrap(), 3);
    // The first at once, then two slow ticks.
    let took = started.elapsed();
    assert!(
        took >= 2 * tick && took < 2 * tick + Duration::from_millis(150),
        "{took:?}"
    );
}
