//! Chart rendering time for a full hour at 2 s (1 800 points) and a week of minute roll-ups
//! (10 080 points), and the metrics store's insert throughput (one frame per transaction, as
//! the recorder writes them, including the once-a-minute roll-up and prune).
//!
//! `cargo bench -p trademind --bench metrics`. With `METRICS_BENCH_SVG=dir` the two charts
//! are also written there, to look at.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use screener::protocol::Metrics;
use trademind::chart::{render_chart, ChartData, ChartSize};
use trademind::store::metrics::{MetricName, MetricPoint, MetricsRange};
use trademind::store::Store;

const T0: i64 = 1_795_478_400_000;

fn points(n: i64, step: i64, end: i64) -> Vec<MetricPoint> {
    (0..n)
        .map(|i| MetricPoint {
            at_ms: end - (n - 1 - i) * step,
            // A wavy memory figure between about 300 and 500 MB.
            value: 400e6 + 100e6 * ((i as f64) / 50.0).sin(),
        })
        .collect()
}

fn charts(c: &mut Criterion) {
    let size = ChartSize {
        width: 960,
        height: 320,
    };
    let mut group = c.benchmark_group("render_chart");
    group.measurement_time(Duration::from_secs(5));
    for (range, n, step) in [
        (MetricsRange::Hour1, 1_800, 2_000),
        (MetricsRange::Days7, 10_080, 60_000),
    ] {
        let end = T0 + 7 * 24 * 3_600_000;
        let pts = points(n, step, end);
        let data = ChartData {
            end_ms: end,
            points: &pts,
            limit: Some(1_073_741_824.0),
            utc_offset_minutes: 60,
        };
        if let Ok(dir) = std::env::var("METRICS_BENCH_SVG") {
            let svg = render_chart(MetricName::MemoryBytes, range, &data, size).unwrap();
            std::fs::write(format!("{dir}/memory-{}.svg", range.as_str()), svg).unwrap();
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("memory", n), &data, |b, data| {
            b.iter(|| render_chart(MetricName::MemoryBytes, range, data, size).unwrap())
        });
    }
    group.finish();
}

fn inserts(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(Store::open(&dir.path().join("bench.sqlite")))
        .unwrap();
    let frame = Metrics {
        cpu_percent: 12.5,
        memory_bytes: 400_000_000,
        memory_limit_bytes: 1_073_741_824,
        last_candle_age_seconds: Some(2.0),
        scale_recommendation: 1,
        ..Default::default()
    };
    // Frames 2 s apart, continuing across iterations: a roll-up + prune every 30th insert,
    // and after the first simulated hour, a steady 1 800-row full-rate table.
    let mut at = T0;
    let mut group = c.benchmark_group("store");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("record_metrics", |b| {
        b.iter(|| {
            at += 2_000;
            rt.block_on(store.record_metrics("bench", at, &frame))
                .unwrap();
        })
    });
    group.finish();
    let (samples, minutes) = rt.block_on(store.metrics_row_counts("bench")).unwrap();
    eprintln!("after the run: {samples} full-rate rows, {minutes} minute rows");
}

criterion_group!(benches, charts, inserts);
criterion_main!(benches);
