//! The report's charts: the agent's 24 h history ([`AgentHistory`] samples, one a minute)
//! drawn with [`crate::chart`] as SVG and PNG, like the dashboard's 24 h charts (times in UTC).
//! With no history every chart is drawn empty ("No data for the last 24 hours").

use crate::chart::{render_chart, render_chart_png, ChartData, ChartSize};
use crate::error::Result;
use crate::inspect::view::{AgentHistory, HistorySample};
use crate::store::metrics::{MetricName, MetricPoint, MetricsRange};

/// The report's chart size.
pub const SIZE: ChartSize = ChartSize {
    width: 900,
    height: 280,
};

/// The charts, in the order the report shows them, with their file names.
pub const CHARTS: [(MetricName, &str); 9] = [
    (MetricName::CpuPercent, "cpu"),
    (MetricName::MemoryBytes, "memory"),
    (MetricName::LastCandleAgeSeconds, "candle-age"),
    (MetricName::EvaluationsPerMinute, "evaluations"),
    (MetricName::QueueDepth, "queue-depth"),
    (MetricName::ErrorsTotal, "errors"),
    (MetricName::SignalsTotal, "signals"),
    (MetricName::ActiveTraders, "active-traders"),
    (MetricName::StreamsConnected, "streams"),
];

/// One drawn chart.
#[derive(Debug)]
pub struct Chart {
    pub metric: MetricName,
    /// `charts/cpu.svg`.
    pub svg_path: String,
    pub png_path: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Every chart of [`CHARTS`] over the 24 h before `end_ms`.
pub fn render_all(history: Option<&AgentHistory>, end_ms: i64) -> Result<Vec<Chart>> {
    let (samples, limit) = timed(history);
    CHARTS
        .iter()
        .map(|&(metric, name)| {
            let points = points(&samples, metric);
            let data = ChartData {
                end_ms,
                points: &points,
                limit,
                utc_offset_minutes: 0,
            };
            Ok(Chart {
                metric,
                svg_path: format!("charts/{name}.svg"),
                png_path: format!("charts/{name}.png"),
                svg: render_chart(metric, MetricsRange::Hours24, &data, SIZE)?,
                png: render_chart_png(metric, MetricsRange::Hours24, &data, SIZE)?,
            })
        })
        .collect()
}

/// The support window's charts (SVG only, the dashboard's size): the first `count` of
/// [`CHARTS`] over the 24 h before `end_ms`, each with its latest value.
pub fn views(
    history: Option<&AgentHistory>,
    end_ms: i64,
    count: usize,
) -> Result<Vec<crate::api::dashboard::ChartView>> {
    let (samples, limit) = timed(history);
    CHARTS
        .iter()
        .take(count)
        .map(|&(metric, _)| {
            let points = points(&samples, metric);
            let shown = crate::chart::display(metric);
            let data = ChartData {
                end_ms,
                points: &points,
                limit,
                utc_offset_minutes: 0,
            };
            Ok(crate::api::dashboard::ChartView {
                metric,
                title: shown.title.to_owned(),
                latest: points
                    .last()
                    .map(|p| crate::chart::with_unit(p.value * shown.scale, shown.unit)),
                svg: render_chart(metric, MetricsRange::Hours24, &data, VIEW_SIZE)?,
            })
        })
        .collect()
}

/// The support window's chart size (the dashboard's).
const VIEW_SIZE: ChartSize = ChartSize {
    width: 560,
    height: 200,
};

/// The samples with their times (unparseable ones left out), in time order, and the latest
/// memory limit (for the memory chart's limit line).
fn timed(history: Option<&AgentHistory>) -> (Vec<(i64, &HistorySample)>, Option<f64>) {
    let mut samples: Vec<(i64, &HistorySample)> = history
        .map(|h| h.samples.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Some((parse_ms(&s.at)?, s)))
        .collect();
    samples.sort_by_key(|(at, _)| *at);
    let limit = samples
        .iter()
        .rev()
        .map(|(_, s)| s.memory_limit_bytes)
        .find(|l| *l > 0)
        .map(|l| l as f64);
    (samples, limit)
}

/// RFC 3339 as ms since the epoch.
pub fn parse_ms(at: &str) -> Option<i64> {
    screener::agent::history::parse_time(at).map(|d| d.timestamp_millis())
}

/// `metric`'s values in time order; samples without it (no candle yet) are left out.
fn points(samples: &[(i64, &HistorySample)], metric: MetricName) -> Vec<MetricPoint> {
    samples
        .iter()
        .filter_map(|(at_ms, s)| {
            let value = match metric {
                MetricName::CpuPercent => s.cpu_percent,
                MetricName::MemoryBytes => s.memory_bytes as f64,
                MetricName::LastCandleAgeSeconds => s.last_candle_age_seconds?,
                MetricName::QueueDepth => f64::from(s.queue_depth),
                MetricName::EvaluationsPerMinute => s.evaluations_per_minute as f64,
                MetricName::ActiveTraders => f64::from(s.active_traders),
                MetricName::StreamsConnected => f64::from(s.streams_connected),
                MetricName::SignalsTotal => s.signals_total as f64,
                MetricName::ErrorsTotal => s.errors_total as f64,
                MetricName::Symbols | MetricName::BinanceWeightUsed => return None,
            };
            Some(MetricPoint {
                at_ms: *at_ms,
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: &str, cpu: f64, candle_age: Option<f64>) -> HistorySample {
        HistorySample {
            at: at.into(),
            cpu_percent: cpu,
            memory_bytes: 300_000_000,
            memory_limit_bytes: 1_073_741_824,
            uptime_seconds: 60,
            streams_connected: 2,
            last_candle_age_seconds: candle_age,
            active_traders: 1,
            evaluations_per_minute: 40,
            queue_depth: 0,
            signals_total: 3,
            errors_total: 1,
        }
    }

    #[test]
    fn samples_become_points_in_time_order() {
        let samples = [
            sample("2026-11-24T00:02:00Z", 30.0, None),
            sample("not a time", 99.0, Some(1.0)),
            sample("2026-11-24T00:01:00+00:00", 20.0, Some(4.5)),
        ];
        let mut parsed: Vec<(i64, &HistorySample)> = samples
            .iter()
            .filter_map(|s| Some((parse_ms(&s.at)?, s)))
            .collect();
        parsed.sort_by_key(|(at, _)| *at);
        let cpu = points(&parsed, MetricName::CpuPercent);
        assert_eq!(
            cpu.iter().map(|p| p.value).collect::<Vec<_>>(),
            [20.0, 30.0]
        );
        assert!(cpu[0].at_ms < cpu[1].at_ms);
        let age = points(&parsed, MetricName::LastCandleAgeSeconds);
        assert_eq!(
            age.len(),
            1,
            "the sample before the first candle has no age"
        );
        assert_eq!(age[0].value, 4.5);
    }

    #[test]
    fn no_history_draws_every_chart_empty() {
        let end = parse_ms("2026-11-24T12:00:00Z").unwrap();
        let charts = render_all(None, end).unwrap();
        assert_eq!(charts.len(), CHARTS.len());
        for chart in &charts {
            assert!(
                chart.svg.contains("No data for the last 24 hours"),
                "{:?}",
                chart.metric
            );
            assert!(chart.png.starts_with(b"\x89PNG"));
        }
    }
}
