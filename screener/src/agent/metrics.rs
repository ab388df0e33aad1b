//! The `metrics` snapshot, sampled every `--metrics-interval` seconds and broadcast, and its
//! Prometheus text form for `GET /metrics`.
//!
//! CPU and memory are the agent process's own (sysinfo), CPU as a share of all the machine's
//! CPUs; the memory limit is the cgroup's when there is one (a Fly machine's guest memory),
//! else the machine's. Evaluations per minute count over a sliding minute.

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::scale::ScaleAdvisor;
use super::state::{lock, Counters, Shared};
use crate::protocol::{Metrics, ServerFrame};

/// Samples the process and the agent's counters.
pub struct Sampler {
    system: System,
    pid: Pid,
    cpus: u32,
    evaluations: VecDeque<(Instant, u64)>,
    advisor: ScaleAdvisor,
}

impl Sampler {
    pub fn new(sample_secs: u64) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        Self {
            system: System::new(),
            pid: Pid::from_u32(std::process::id()),
            cpus,
            evaluations: VecDeque::new(),
            advisor: ScaleAdvisor::new(cpus, sample_secs),
        }
    }

    /// One snapshot of everything `metrics` reports.
    pub fn sample(&mut self, shared: &Shared, queued_analyses: u32) -> Metrics {
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[self.pid]),
            true,
            ProcessRefreshKind::nothing().with_cpu().with_memory(),
        );
        self.system.refresh_memory();
        let (cpu, memory) = self
            .system
            .process(self.pid)
            .map_or((0.0, 0), |p| (f64::from(p.cpu_usage()), p.memory()));
        let cpu_percent = (cpu / f64::from(self.cpus)).clamp(0.0, 100.0);
        let memory_limit = self
            .system
            .cgroup_limits()
            .map(|c| c.total_memory)
            .filter(|m| *m > 0)
            .unwrap_or_else(|| self.system.total_memory());
        let now = Instant::now();
        let total = Counters::get(&shared.counters.evaluations);
        self.evaluations.push_back((now, total));
        while self
            .evaluations
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > Duration::from_secs(60))
        {
            self.evaluations.pop_front();
        }
        let per_minute = self.evaluations.front().map_or(0, |(at, first)| {
            let span = now.duration_since(*at).as_secs_f64();
            if span < 1.0 {
                0
            } else {
                ((total - first) as f64 * 60.0 / span).round() as u64
            }
        });
        let backlog = shared
            .counters
            .queued_candles
            .load(Ordering::Relaxed)
            .max(0);
        let market = shared.market();
        Metrics {
            cpu_percent,
            memory_bytes: memory,
            memory_limit_bytes: memory_limit,
            uptime_seconds: shared.uptime_seconds(),
            symbols: market.symbols,
            streams_connected: market.streams_connected,
            last_candle_age_seconds: market.last_candle.map(|t| t.elapsed().as_secs_f64()),
            active_traders: Counters::get(&shared.counters.active_traders) as u32,
            evaluations_per_minute: per_minute,
            queue_depth: backlog as u32 + queued_analyses,
            signals_total: Counters::get(&shared.counters.signals),
            errors_total: Counters::get(&shared.counters.errors),
            binance_weight_used: market.weight_used,
            scale_recommendation: self.advisor.sample(cpu_percent, self.cpus, backlog),
        }
    }
}

/// Samples every `period` until shutdown, keeping the latest snapshot and broadcasting it.
pub async fn run(
    shared: std::sync::Arc<Shared>,
    period: Duration,
    queued_analyses: impl Fn() -> u32,
) {
    let mut sampler = Sampler::new(period.as_secs().max(1));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let metrics = sampler.sample(&shared, queued_analyses());
        *lock(&shared.metrics) = metrics.clone();
        shared.broadcast(ServerFrame::Metrics(metrics));
    }
}

/// The Prometheus text exposition (version 0.0.4) of a snapshot.
pub fn prometheus(m: &Metrics) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(out, "# HELP screener_{name} {help}");
        let _ = writeln!(out, "# TYPE screener_{name} {kind}");
        let _ = writeln!(out, "screener_{name} {value}");
    };
    metric(
        "cpu_percent",
        "gauge",
        "CPU used by the agent, percent of all CPUs.",
        m.cpu_percent,
    );
    metric(
        "memory_bytes",
        "gauge",
        "Resident memory of the agent.",
        m.memory_bytes as f64,
    );
    metric(
        "memory_limit_bytes",
        "gauge",
        "Memory available to the agent.",
        m.memory_limit_bytes as f64,
    );
    metric(
        "uptime_seconds",
        "counter",
        "Seconds since the agent started.",
        m.uptime_seconds as f64,
    );
    metric(
        "symbols",
        "gauge",
        "Symbols followed.",
        f64::from(m.symbols),
    );
    metric(
        "streams_connected",
        "gauge",
        "Binance kline streams connected.",
        f64::from(m.streams_connected),
    );
    metric(
        "last_candle_age_seconds",
        "gauge",
        "Seconds since the newest closed candle (-1 before the first).",
        m.last_candle_age_seconds.unwrap_or(-1.0),
    );
    metric(
        "active_traders",
        "gauge",
        "Deployed, enabled traders.",
        f64::from(m.active_traders),
    );
    metric(
        "evaluations_per_minute",
        "gauge",
        "Trader evaluations over the last minute.",
        m.evaluations_per_minute as f64,
    );
    metric(
        "queue_depth",
        "gauge",
        "Closed candles and analyses waiting.",
        f64::from(m.queue_depth),
    );
    metric(
        "signals_total",
        "counter",
        "Signals journaled since start.",
        m.signals_total as f64,
    );
    metric(
        "errors_total",
        "counter",
        "Filter and analysis errors since start.",
        m.errors_total as f64,
    );
    metric(
        "binance_weight_used",
        "gauge",
        "Binance request weight used in the current minute.",
        f64::from(m.binance_weight_used),
    );
    metric(
        "scale_recommendation_vcpus",
        "gauge",
        "vCPUs the sustained load calls for (1-8).",
        f64::from(m.scale_recommendation),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_has_help_type_and_value_for_every_metric() {
        let text = prometheus(&Metrics {
            cpu_percent: 12.5,
            memory_bytes: 1024,
            last_candle_age_seconds: None,
            scale_recommendation: 2,
            ..Metrics::default()
        });
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(samples.len(), 14);
        assert!(samples.contains(&"screener_cpu_percent 12.5"));
        assert!(samples.contains(&"screener_memory_bytes 1024"));
        assert!(samples.contains(&"screener_last_candle_age_seconds -1"));
        assert!(samples.contains(&"screener_scale_recommendation_vcpus 2"));
        for sample in samples {
            let name = sample.split(' ').next().unwrap();
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{name}"
            );
        }
    }
}
