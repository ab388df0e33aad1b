//! The agent's metrics over time: the history of one metric (for the UI's own drawing and the
//! latest figures) and the same as an SVG chart.
//!
//! Frames are recorded by [`crate::link::recorder`] under [`machine_key`]: the Fly app's name
//! (stable when the machine is replaced), or `local` before there is one.

use serde::Serialize;
use ts_rs::TS;

use crate::api::Core;
use crate::chart::{self, ChartData, ChartSize};
use crate::error::{Error, Result};
use crate::store::metrics::{MetricName, MetricPoint, MetricsRange};
use crate::store::Store;

/// The smallest and largest chart side, in pixels.
pub const CHART_SIDE: std::ops::RangeInclusive<u32> = 100..=4096;

/// One metric over a range, with the agent's latest figures.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricsHistory {
    pub metric: MetricName,
    pub range: MetricsRange,
    /// The chart caption, e.g. `CPU`.
    pub title: String,
    /// The unit of `points` as shown (`%`, `MB`, `s`, `/min`, or empty for counts). Memory
    /// points are in bytes; the UI divides by 1 000 000 for MB.
    pub unit: String,
    /// The nominal time between points: 2 s (full rate) or 60 s (minute roll-ups). A longer
    /// silence than 3 of these is a gap in the data.
    pub interval_seconds: u32,
    /// In time order.
    pub points: Vec<MetricPoint>,
    /// The metric in the newest frame kept (within the last hour), if any.
    pub latest: Option<f64>,
    /// When that frame arrived, ms since the epoch.
    pub latest_at_ms: Option<i64>,
    /// The memory limit in the newest frame (bytes).
    pub memory_limit_bytes: Option<u64>,
    /// The vCPUs the agent recommends for its load (1–8) in the newest frame.
    pub scale_recommendation: Option<u32>,
}

/// The key metrics are recorded under: the Fly app, or `local` without one.
pub async fn machine_key(store: &Store) -> Result<String> {
    Ok(store
        .machine()
        .await?
        .map(|m| m.app)
        .unwrap_or_else(|| "local".to_owned()))
}

/// The history of `metric` (a name such as `cpuPercent`) over `range` (`15m`, `1h`, `24h`,
/// `7d`) up to now. Unknown names are `invalid_input`, with the valid ones in the hint.
pub async fn metrics_history(core: &Core, metric: &str, range: &str) -> Result<MetricsHistory> {
    let metric = MetricName::parse(metric)?;
    let range = MetricsRange::parse(range)?;
    let machine = machine_key(core.store()).await?;
    history_at(core.store(), &machine, metric, range, now_ms()).await
}

/// The same history drawn as an SVG chart of `width` × `height` pixels (each 100–4096), with
/// time labels in the local time zone.
pub async fn metrics_chart(
    core: &Core,
    metric: &str,
    range: &str,
    width: u32,
    height: u32,
) -> Result<String> {
    let metric = MetricName::parse(metric)?;
    let range = MetricsRange::parse(range)?;
    let size = chart_size(width, height)?;
    let machine = machine_key(core.store()).await?;
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    chart_at(
        core.store(),
        &machine,
        metric,
        range,
        size,
        now_ms(),
        offset,
    )
    .await
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn chart_size(width: u32, height: u32) -> Result<ChartSize> {
    for (what, side) in [("width", width), ("height", height)] {
        if !CHART_SIDE.contains(&side) {
            return Err(Error::InvalidInput(format!(
                "the chart {what} must be {}–{} pixels, not {side}",
                CHART_SIDE.start(),
                CHART_SIDE.end()
            )));
        }
    }
    Ok(ChartSize { width, height })
}

/// [`metrics_history`] for `machine` at `now_ms`.
pub async fn history_at(
    store: &Store,
    machine: &str,
    metric: MetricName,
    range: MetricsRange,
    now_ms: i64,
) -> Result<MetricsHistory> {
    let points = store
        .metrics_history(machine, metric, range, now_ms)
        .await?;
    let latest = store.latest_metrics(machine).await?;
    let shown = chart::display(metric);
    Ok(MetricsHistory {
        metric,
        range,
        title: shown.title.to_owned(),
        unit: shown.unit.to_owned(),
        interval_seconds: (range.interval_ms() / 1000) as u32,
        points,
        latest: latest.as_ref().and_then(|l| metric.value(&l.metrics)),
        latest_at_ms: latest.as_ref().map(|l| l.at_ms),
        memory_limit_bytes: latest.as_ref().map(|l| l.metrics.memory_limit_bytes),
        scale_recommendation: latest.as_ref().map(|l| l.metrics.scale_recommendation),
    })
}

/// [`metrics_chart`] for `machine` at `now_ms`, labels `utc_offset_minutes` from UTC.
pub async fn chart_at(
    store: &Store,
    machine: &str,
    metric: MetricName,
    range: MetricsRange,
    size: ChartSize,
    now_ms: i64,
    utc_offset_minutes: i32,
) -> Result<String> {
    let history = history_at(store, machine, metric, range, now_ms).await?;
    let data = ChartData {
        end_ms: now_ms,
        points: &history.points,
        limit: history.memory_limit_bytes.map(|l| l as f64),
        utc_offset_minutes,
    };
    chart::render_chart(metric, range, &data, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::paths::Paths;

    #[tokio::test]
    async fn history_and_chart_of_recorded_frames() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        let t0 = 1_795_478_400_000;
        for i in 0..30 {
            let m = screener::protocol::Metrics {
                cpu_percent: f64::from(i),
                memory_bytes: 500_000_000,
                memory_limit_bytes: 2_000_000_000,
                scale_recommendation: 3,
                ..Default::default()
            };
            store
                .record_metrics("app", t0 + i64::from(i) * 2_000, &m)
                .await
                .unwrap();
        }
        let now = t0 + 60_000;
        let h = history_at(
            &store,
            "app",
            MetricName::CpuPercent,
            MetricsRange::Minutes15,
            now,
        )
        .await
        .unwrap();
        assert_eq!(h.points.len(), 30);
        assert_eq!(h.latest, Some(29.0));
        assert_eq!(h.latest_at_ms, Some(t0 + 58_000));
        assert_eq!(h.scale_recommendation, Some(3));
        assert_eq!(h.memory_limit_bytes, Some(2_000_000_000));
        assert_eq!(h.unit, "%");
        assert_eq!(h.interval_seconds, 2);
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(json["metric"], "cpuPercent");
        assert_eq!(json["range"], "15m");
        assert_eq!(json["points"][0]["atMs"], t0);
        assert_eq!(json["scaleRecommendation"], 3);

        let size = chart_size(640, 240).unwrap();
        let svg = chart_at(
            &store,
            "app",
            MetricName::MemoryBytes,
            MetricsRange::Hour1,
            size,
            now,
            0,
        )
        .await
        .unwrap();
        assert!(
            svg.contains("limit 2000 MB"),
            "the limit from the newest frame"
        );

        // Nothing recorded for another machine: an empty history, and no latest figures.
        let empty = history_at(
            &store,
            "other",
            MetricName::CpuPercent,
            MetricsRange::Days7,
            now,
        )
        .await
        .unwrap();
        assert!(empty.points.is_empty() && empty.latest.is_none());
    }

    #[tokio::test]
    async fn bad_names_and_sizes_are_invalid_input() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(Paths::for_data_dir(dir.path().to_path_buf()).unwrap())
            .await
            .unwrap();
        let err = metrics_history(&core, "cpu_percent", "1h")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.hint().unwrap().contains("cpuPercent"));
        let err = metrics_chart(&core, "cpuPercent", "1w", 640, 240)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.hint().unwrap().contains("7d"));
        let err = metrics_chart(&core, "cpuPercent", "1h", 0, 240)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("width"), "{err}");
        // Valid names with nothing recorded: an empty chart, not an error.
        let svg = metrics_chart(&core, "cpuPercent", "1h", 640, 240)
            .await
            .unwrap();
        assert!(svg.contains("No data for the last hour"));
        core.close().await;
    }
}
