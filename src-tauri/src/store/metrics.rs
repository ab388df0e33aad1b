//! The agent's `metrics` frames over time, for the charts.
//!
//! Two tables (migration `20261124000005_metrics.sql`):
//! - `metrics_samples`: one row per frame, kept for [`FULL_RATE_KEEP_MS`] (1 h);
//! - `metrics_minutes`: one row per minute with samples, kept for [`ROLLUP_KEEP_MS`] (7 d).
//!   Gauges (CPU, memory, candle age, queue depth, evaluations/min, …) are the minute's
//!   average; the cumulative counters `signalsTotal` and `errorsTotal` are the minute's
//!   maximum, i.e. the running total at the minute's end (deltas are not stored: a chart of the
//!   total shows both the level and, by its slope, the rate, and an agent restart — the total
//!   falling back to 0 — stays visible instead of turning into a negative delta).
//!
//! Rolling up and pruning run inside [`Store::record_metrics`], in the same transaction as the
//! insert, only when a frame opens a new minute: the completed minutes since the last roll-up
//! (an index range of about 30 rows) are aggregated, then rows older than the retention are
//! deleted by time-index range. No frame ever costs a full-table scan.
//!
//! Times are ms since the epoch, passed in (the recorder stamps frames when received), so
//! retention and ranges are relative to the newest frame / the caller's clock, and tests
//! control them.

use screener::protocol::Metrics;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::store::Store;

/// How long full-rate samples are kept.
pub const FULL_RATE_KEEP_MS: i64 = 60 * 60 * 1000;
/// How long minute roll-ups are kept.
pub const ROLLUP_KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// One minute.
pub const MINUTE_MS: i64 = 60_000;

/// A metric that can be charted, named as in the agent's `metrics` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MetricName {
    CpuPercent,
    MemoryBytes,
    LastCandleAgeSeconds,
    QueueDepth,
    EvaluationsPerMinute,
    ActiveTraders,
    StreamsConnected,
    Symbols,
    BinanceWeightUsed,
    SignalsTotal,
    ErrorsTotal,
}

/// How a metric is rolled up into minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Averaged.
    Gauge,
    /// A running total: the minute's maximum.
    Counter,
}

impl MetricName {
    pub const ALL: [MetricName; 11] = [
        Self::CpuPercent,
        Self::MemoryBytes,
        Self::LastCandleAgeSeconds,
        Self::QueueDepth,
        Self::EvaluationsPerMinute,
        Self::ActiveTraders,
        Self::StreamsConnected,
        Self::Symbols,
        Self::BinanceWeightUsed,
        Self::SignalsTotal,
        Self::ErrorsTotal,
    ];

    /// The name in the protocol and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CpuPercent => "cpuPercent",
            Self::MemoryBytes => "memoryBytes",
            Self::LastCandleAgeSeconds => "lastCandleAgeSeconds",
            Self::QueueDepth => "queueDepth",
            Self::EvaluationsPerMinute => "evaluationsPerMinute",
            Self::ActiveTraders => "activeTraders",
            Self::StreamsConnected => "streamsConnected",
            Self::Symbols => "symbols",
            Self::BinanceWeightUsed => "binanceWeightUsed",
            Self::SignalsTotal => "signalsTotal",
            Self::ErrorsTotal => "errorsTotal",
        }
    }

    /// The column in both tables (a fixed identifier, never user text).
    fn column(self) -> &'static str {
        match self {
            Self::CpuPercent => "cpu_percent",
            Self::MemoryBytes => "memory_bytes",
            Self::LastCandleAgeSeconds => "last_candle_age_seconds",
            Self::QueueDepth => "queue_depth",
            Self::EvaluationsPerMinute => "evaluations_per_minute",
            Self::ActiveTraders => "active_traders",
            Self::StreamsConnected => "streams_connected",
            Self::Symbols => "symbols",
            Self::BinanceWeightUsed => "binance_weight_used",
            Self::SignalsTotal => "signals_total",
            Self::ErrorsTotal => "errors_total",
        }
    }

    pub fn kind(self) -> MetricKind {
        match self {
            Self::SignalsTotal | Self::ErrorsTotal => MetricKind::Counter,
            _ => MetricKind::Gauge,
        }
    }

    /// The value of this metric in a frame (`None`: the frame has none, e.g. no candle yet).
    pub fn value(self, m: &Metrics) -> Option<f64> {
        Some(match self {
            Self::CpuPercent => m.cpu_percent,
            Self::MemoryBytes => m.memory_bytes as f64,
            Self::LastCandleAgeSeconds => return m.last_candle_age_seconds,
            Self::QueueDepth => m.queue_depth.into(),
            Self::EvaluationsPerMinute => m.evaluations_per_minute as f64,
            Self::ActiveTraders => m.active_traders.into(),
            Self::StreamsConnected => m.streams_connected.into(),
            Self::Symbols => m.symbols.into(),
            Self::BinanceWeightUsed => m.binance_weight_used.into(),
            Self::SignalsTotal => m.signals_total as f64,
            Self::ErrorsTotal => m.errors_total as f64,
        })
    }

    /// Parses an API name; an unknown one is `invalid_input` listing the valid names.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| Error::UnknownName {
                what: "metric",
                got: name.to_owned(),
                expected: Self::ALL.map(Self::as_str).join(", "),
            })
    }
}

/// How far back a history or chart reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum MetricsRange {
    #[serde(rename = "15m")]
    Minutes15,
    #[serde(rename = "1h")]
    Hour1,
    #[serde(rename = "24h")]
    Hours24,
    #[serde(rename = "7d")]
    Days7,
}

impl MetricsRange {
    pub const ALL: [MetricsRange; 4] = [Self::Minutes15, Self::Hour1, Self::Hours24, Self::Days7];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minutes15 => "15m",
            Self::Hour1 => "1h",
            Self::Hours24 => "24h",
            Self::Days7 => "7d",
        }
    }

    /// The range's length.
    pub fn span_ms(self) -> i64 {
        match self {
            Self::Minutes15 => 15 * MINUTE_MS,
            Self::Hour1 => 60 * MINUTE_MS,
            Self::Hours24 => 24 * 60 * MINUTE_MS,
            Self::Days7 => 7 * 24 * 60 * MINUTE_MS,
        }
    }

    /// Whether the range reads the minute roll-ups (else the full-rate samples).
    pub fn uses_rollups(self) -> bool {
        matches!(self, Self::Hours24 | Self::Days7)
    }

    /// The nominal time between points: 2 s (the agent's default metrics interval) at full
    /// rate, 1 min for roll-ups. A longer silence than 3 of these is a gap.
    pub fn interval_ms(self) -> i64 {
        if self.uses_rollups() {
            MINUTE_MS
        } else {
            2_000
        }
    }

    /// Parses an API name; an unknown one is `invalid_input` listing the valid names.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| Error::UnknownName {
                what: "range",
                got: name.to_owned(),
                expected: Self::ALL.map(Self::as_str).join(", "),
            })
    }
}

/// One point of a history: ms since the epoch and the metric's value (bytes for memory).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricPoint {
    pub at_ms: i64,
    pub value: f64,
}

/// The newest full-rate sample of a machine.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestMetrics {
    pub at_ms: i64,
    pub metrics: Metrics,
}

type SampleRow = (
    i64,
    f64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<f64>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

const ALL_COLUMNS: &str = "cpu_percent, memory_bytes, memory_limit_bytes, uptime_seconds, \
     symbols, streams_connected, last_candle_age_seconds, active_traders, \
     evaluations_per_minute, queue_depth, signals_total, errors_total, binance_weight_used, \
     scale_recommendation";

/// The start of the minute `at_ms` falls in.
pub fn minute_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(MINUTE_MS) * MINUTE_MS
}

impl Store {
    /// Stores a `metrics` frame of `machine` received at `at_ms`. When it is the first frame
    /// of a new minute, the completed minutes are rolled up and rows past their retention are
    /// pruned, in the same transaction. A repeat of the same (machine, time) replaces the row.
    pub async fn record_metrics(&self, machine: &str, at_ms: i64, m: &Metrics) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(&format!(
            "INSERT OR REPLACE INTO metrics_samples (machine, at_ms, {ALL_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(machine)
        .bind(at_ms)
        .bind(m.cpu_percent)
        .bind(m.memory_bytes as i64)
        .bind(m.memory_limit_bytes as i64)
        .bind(m.uptime_seconds as i64)
        .bind(i64::from(m.symbols))
        .bind(i64::from(m.streams_connected))
        .bind(m.last_candle_age_seconds)
        .bind(i64::from(m.active_traders))
        .bind(m.evaluations_per_minute as i64)
        .bind(i64::from(m.queue_depth))
        .bind(m.signals_total as i64)
        .bind(m.errors_total as i64)
        .bind(i64::from(m.binance_weight_used))
        .bind(i64::from(m.scale_recommendation))
        .execute(&mut *tx)
        .await?;

        let minute = minute_of(at_ms);
        let rolled_until: Option<i64> =
            sqlx::query_scalar("SELECT rolled_until_ms FROM metrics_rollup WHERE machine = ?")
                .bind(machine)
                .fetch_optional(&mut *tx)
                .await?;
        match rolled_until {
            // The same minute as the frame before: nothing to roll up yet.
            Some(until) if until == minute => {}
            // A new minute: roll up everything completed since the last roll-up, then prune.
            Some(until) if until < minute => {
                roll_up(&mut tx, machine, until, minute).await?;
                set_rolled_until(&mut tx, machine, minute).await?;
                prune(&mut tx, at_ms).await?;
            }
            // A late frame (the clock went back): its minute is rolled up again.
            Some(_) => {
                let late = minute_of(at_ms);
                roll_up(&mut tx, machine, late, late + MINUTE_MS).await?;
            }
            // The machine's first frame ever: nothing completed yet.
            None => {
                set_rolled_until(&mut tx, machine, minute).await?;
                prune(&mut tx, at_ms).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The points of `metric` for `machine` in the `range` ending at `now_ms`: full-rate
    /// samples for 15 min and 1 h, minute roll-ups (stamped with the minute's start) for 24 h
    /// and 7 d. Samples without a value (no candle yet) are left out, i.e. shown as a gap.
    pub async fn metrics_history(
        &self,
        machine: &str,
        metric: MetricName,
        range: MetricsRange,
        now_ms: i64,
    ) -> Result<Vec<MetricPoint>> {
        let column = metric.column();
        let (table, time) = if range.uses_rollups() {
            ("metrics_minutes", "minute_ms")
        } else {
            ("metrics_samples", "at_ms")
        };
        let rows: Vec<(i64, f64)> = sqlx::query_as(&format!(
            "SELECT {time}, CAST({column} AS REAL) FROM {table} \
             WHERE machine = ? AND {time} >= ? AND {time} <= ? AND {column} IS NOT NULL \
             ORDER BY {time}"
        ))
        .bind(machine)
        .bind(now_ms - range.span_ms())
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at_ms, value)| MetricPoint { at_ms, value })
            .collect())
    }

    /// The newest full-rate sample of `machine`, if any is kept.
    pub async fn latest_metrics(&self, machine: &str) -> Result<Option<LatestMetrics>> {
        let row: Option<SampleRow> = sqlx::query_as(&format!(
            "SELECT at_ms, {ALL_COLUMNS} FROM metrics_samples WHERE machine = ? \
             ORDER BY at_ms DESC LIMIT 1"
        ))
        .bind(machine)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(
            |(
                at_ms,
                cpu_percent,
                memory_bytes,
                memory_limit_bytes,
                uptime_seconds,
                symbols,
                streams_connected,
                last_candle_age_seconds,
                active_traders,
                evaluations_per_minute,
                queue_depth,
                signals_total,
                errors_total,
                binance_weight_used,
                scale_recommendation,
            )| LatestMetrics {
                at_ms,
                metrics: Metrics {
                    cpu_percent,
                    memory_bytes: memory_bytes as u64,
                    memory_limit_bytes: memory_limit_bytes as u64,
                    uptime_seconds: uptime_seconds as u64,
                    symbols: symbols as u32,
                    streams_connected: streams_connected as u32,
                    last_candle_age_seconds,
                    active_traders: active_traders as u32,
                    evaluations_per_minute: evaluations_per_minute as u64,
                    queue_depth: queue_depth as u32,
                    signals_total: signals_total as u64,
                    errors_total: errors_total as u64,
                    binance_weight_used: binance_weight_used as u32,
                    scale_recommendation: scale_recommendation as u32,
                },
            },
        ))
    }

    /// Rows kept in (full-rate, minute) tables for `machine`, for tests and diagnostics.
    pub async fn metrics_row_counts(&self, machine: &str) -> Result<(i64, i64)> {
        let samples: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM metrics_samples WHERE machine = ?")
                .bind(machine)
                .fetch_one(self.pool())
                .await?;
        let minutes: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM metrics_minutes WHERE machine = ?")
                .bind(machine)
                .fetch_one(self.pool())
                .await?;
        Ok((samples, minutes))
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Sqlite>;

/// Aggregates `machine`'s samples in [`from_ms`, `to_ms`) into one row per minute (replacing
/// rows of those minutes). Reads only that index range of the primary key.
async fn roll_up(tx: &mut Tx<'_>, machine: &str, from_ms: i64, to_ms: i64) -> Result<()> {
    // Nothing older than the full-rate retention can still be there to roll up.
    let from_ms = from_ms.max(minute_of(to_ms - FULL_RATE_KEEP_MS - MINUTE_MS));
    sqlx::query(
        "INSERT OR REPLACE INTO metrics_minutes (machine, minute_ms, samples, cpu_percent, \
           memory_bytes, memory_limit_bytes, uptime_seconds, symbols, streams_connected, \
           last_candle_age_seconds, active_traders, evaluations_per_minute, queue_depth, \
           signals_total, errors_total, binance_weight_used, scale_recommendation) \
         SELECT machine, (at_ms / 60000) * 60000, COUNT(*), AVG(cpu_percent), \
           AVG(memory_bytes), MAX(memory_limit_bytes), MAX(uptime_seconds), AVG(symbols), \
           AVG(streams_connected), AVG(last_candle_age_seconds), AVG(active_traders), \
           AVG(evaluations_per_minute), AVG(queue_depth), MAX(signals_total), \
           MAX(errors_total), AVG(binance_weight_used), MAX(scale_recommendation) \
         FROM metrics_samples WHERE machine = ? AND at_ms >= ? AND at_ms < ? \
         GROUP BY machine, at_ms / 60000",
    )
    .bind(machine)
    .bind(from_ms)
    .bind(to_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn set_rolled_until(tx: &mut Tx<'_>, machine: &str, until_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO metrics_rollup (machine, rolled_until_ms) VALUES (?, ?) \
         ON CONFLICT (machine) DO UPDATE SET rolled_until_ms = excluded.rolled_until_ms",
    )
    .bind(machine)
    .bind(until_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes full-rate rows older than 1 h and minute rows older than 7 d before `now_ms`, by
/// time-index range (only the expired rows are visited).
async fn prune(tx: &mut Tx<'_>, now_ms: i64) -> Result<()> {
    sqlx::query("DELETE FROM metrics_samples WHERE at_ms < ?")
        .bind(now_ms - FULL_RATE_KEEP_MS)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM metrics_minutes WHERE minute_ms < ?")
        .bind(now_ms - ROLLUP_KEEP_MS)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// 2026-11-24T00:00:00Z, a minute boundary.
    const T0: i64 = 1_795_478_400_000;

    fn frame(cpu: f64, signals: u64) -> Metrics {
        Metrics {
            cpu_percent: cpu,
            memory_bytes: 100_000_000,
            memory_limit_bytes: 1_073_741_824,
            uptime_seconds: 60,
            symbols: 5,
            streams_connected: 5,
            last_candle_age_seconds: Some(3.0),
            active_traders: 2,
            evaluations_per_minute: 120,
            queue_depth: 0,
            signals_total: signals,
            errors_total: 0,
            binance_weight_used: 10,
            scale_recommendation: 1,
        }
    }

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        (store, dir)
    }

    #[test]
    fn t0_is_a_minute_boundary() {
        assert_eq!(minute_of(T0), T0);
        assert_eq!(minute_of(T0 + 59_999), T0);
        assert_eq!(minute_of(T0 - 1), T0 - MINUTE_MS);
    }

    #[tokio::test]
    async fn full_rate_keeps_the_last_hour_only() {
        let (store, _dir) = store().await;
        // 2 h of frames every 2 s.
        let n = 2 * 3600 / 2;
        for i in 0..n {
            store
                .record_metrics("app", T0 + i * 2_000, &frame(i as f64, 0))
                .await
                .unwrap();
        }
        let last = T0 + (n - 1) * 2_000;
        let (samples, minutes) = store.metrics_row_counts("app").await.unwrap();
        // Pruning runs once a minute: at most one minute of frames past the hour is left.
        assert!(
            (1800..=1800 + 30).contains(&samples),
            "{samples} full-rate rows"
        );
        assert_eq!(minutes, 119, "every completed minute rolled up");

        let hour = store
            .metrics_history("app", MetricName::CpuPercent, MetricsRange::Hour1, last)
            .await
            .unwrap();
        assert_eq!(hour.len(), 1801, "1 h at 2 s, both ends included");
        assert_eq!(hour.first().unwrap().at_ms, last - FULL_RATE_KEEP_MS);
        assert_eq!(hour.last().unwrap().at_ms, last);
        assert!(hour.windows(2).all(|w| w[0].at_ms < w[1].at_ms), "ordered");
        let quarter = store
            .metrics_history("app", MetricName::CpuPercent, MetricsRange::Minutes15, last)
            .await
            .unwrap();
        assert_eq!(quarter.len(), 451);
        assert_eq!(quarter.last().unwrap().value, (n - 1) as f64);
    }

    #[tokio::test]
    async fn rollups_average_gauges_and_take_the_max_of_counters() {
        let (store, _dir) = store().await;
        // Minute 0: cpu 10, 20, 30 (avg 20), signals 1, 5, 3 (max 5).
        // Minute 1: cpu 50 at exactly the boundary and 70 just before minute 2.
        let frames = [
            (T0, 10.0, 1),
            (T0 + 20_000, 20.0, 5),
            (T0 + 59_999, 30.0, 3),
            (T0 + MINUTE_MS, 50.0, 6),
            (T0 + 2 * MINUTE_MS - 1, 70.0, 9),
            // Opens minute 2, which rolls up minutes 0 and 1.
            (T0 + 2 * MINUTE_MS, 99.0, 10),
        ];
        for (at, cpu, signals) in frames {
            let mut m = frame(cpu, signals);
            m.last_candle_age_seconds = (cpu < 60.0).then_some(cpu / 10.0);
            store.record_metrics("app", at, &m).await.unwrap();
        }
        let now = T0 + 2 * MINUTE_MS;
        let cpu = store
            .metrics_history("app", MetricName::CpuPercent, MetricsRange::Hours24, now)
            .await
            .unwrap();
        assert_eq!(
            cpu,
            vec![
                MetricPoint {
                    at_ms: T0,
                    value: 20.0
                },
                MetricPoint {
                    at_ms: T0 + MINUTE_MS,
                    value: 60.0
                },
            ],
            "the open minute 2 is not rolled up yet"
        );
        let signals = store
            .metrics_history("app", MetricName::SignalsTotal, MetricsRange::Days7, now)
            .await
            .unwrap();
        assert_eq!(
            signals.iter().map(|p| p.value).collect::<Vec<_>>(),
            vec![5.0, 9.0]
        );
        // A NULL candle age is left out of the average.
        let age = store
            .metrics_history(
                "app",
                MetricName::LastCandleAgeSeconds,
                MetricsRange::Hours24,
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            age.iter().map(|p| p.value).collect::<Vec<_>>(),
            vec![2.0, 5.0]
        );
        let memory = store
            .metrics_history("app", MetricName::MemoryBytes, MetricsRange::Hours24, now)
            .await
            .unwrap();
        assert_eq!(memory[0].value, 100_000_000.0);
    }

    #[tokio::test]
    async fn rollups_older_than_seven_days_are_pruned() {
        let (store, _dir) = store().await;
        // One frame per 10 min for 8 days: each opens a new minute.
        let step = 10 * MINUTE_MS;
        let n = 8 * 24 * 6;
        for i in 0..n {
            store
                .record_metrics("app", T0 + i * step, &frame(1.0, i as u64))
                .await
                .unwrap();
        }
        let last = T0 + (n - 1) * step;
        let week = store
            .metrics_history("app", MetricName::SignalsTotal, MetricsRange::Days7, last)
            .await
            .unwrap();
        assert!(week.first().unwrap().at_ms >= last - ROLLUP_KEEP_MS);
        // Minutes older than 7 d are gone from the table, not only outside the range.
        let oldest: i64 = sqlx::query_scalar("SELECT MIN(minute_ms) FROM metrics_minutes")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(oldest >= last - ROLLUP_KEEP_MS, "{oldest} vs {last}");
        let (samples, minutes) = store.metrics_row_counts("app").await.unwrap();
        assert_eq!(samples, 7, "the last hour of 10-min frames");
        assert_eq!(minutes, 7 * 24 * 6, "7 d of one-frame minutes");
        // A day: 24 h of one point per 10 min (the newest minute still open).
        let day = store
            .metrics_history("app", MetricName::SignalsTotal, MetricsRange::Hours24, last)
            .await
            .unwrap();
        assert_eq!(day.len(), 24 * 6);
    }

    #[tokio::test]
    async fn ranges_read_the_right_table() {
        let (store, _dir) = store().await;
        // Frames every 2 s over 3 minutes: 90 samples, 2 completed minutes.
        for i in 0..90 {
            store
                .record_metrics("app", T0 + i * 2_000, &frame(i as f64, 0))
                .await
                .unwrap();
        }
        let now = T0 + 180_000;
        for range in MetricsRange::ALL {
            let points = store
                .metrics_history("app", MetricName::CpuPercent, range, now)
                .await
                .unwrap();
            let expected = if range.uses_rollups() { 2 } else { 90 };
            assert_eq!(points.len(), expected, "{range:?}");
        }
        // Another machine's frames are not mixed in.
        let other = store
            .metrics_history("other", MetricName::CpuPercent, MetricsRange::Hour1, now)
            .await
            .unwrap();
        assert!(other.is_empty());
        let latest = store.latest_metrics("app").await.unwrap().unwrap();
        assert_eq!(latest.at_ms, T0 + 89 * 2_000);
        assert_eq!(latest.metrics, frame(89.0, 0));
        assert!(store.latest_metrics("other").await.unwrap().is_none());
    }

    #[test]
    fn bad_names_are_invalid_input_with_the_valid_ones() {
        let err = MetricName::parse("cpu").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("unknown metric `cpu`"), "{err}");
        let hint = err.hint().unwrap();
        assert!(
            hint.contains("cpuPercent") && hint.contains("errorsTotal"),
            "{hint}"
        );

        let err = MetricsRange::parse("2h").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("unknown range `2h`"), "{err}");
        assert!(err.hint().unwrap().contains("15m, 1h, 24h, 7d"));

        for m in MetricName::ALL {
            assert_eq!(MetricName::parse(m.as_str()).unwrap(), m);
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::Value::String(m.as_str().into())
            );
        }
        for r in MetricsRange::ALL {
            assert_eq!(MetricsRange::parse(r.as_str()).unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
