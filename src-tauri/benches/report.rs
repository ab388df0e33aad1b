//! The diagnostics report: how long support waits for one, and what redaction costs.
//!
//! - `report/write`: a whole report folder for a day of a machine's life — 1 440 one-minute
//!   samples drawn as 9 charts (SVG and PNG), 1 000 Fly log lines, 500 app log lines, the
//!   inspection as JSON and the HTML index, every text redacted — written over the previous one.
//! - `report/charts`: the 9 charts alone.
//! - `redact/log`: the redactor over 1 000 Fly log lines (known secrets in all their encodings
//!   and every secret shape), in bytes per second.
//!
//! `cargo bench -p trademind --bench report --features bench-fixtures`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trademind::inspect::report::{self, charts, sample, Redactor, ReportInput};
use trademind::inspect::view::LogsView;

/// The sample's Fly log lines, repeated to `n`.
fn fly_logs(n: usize) -> LogsView {
    let few = sample::logs();
    let lines = few.lines.iter().cycle().take(n).cloned().collect();
    LogsView {
        lines,
        next_token: None,
        scanned: n as u32,
    }
}

fn app_log(n: usize) -> Vec<String> {
    sample::app_log().into_iter().cycle().take(n).collect()
}

fn whole_report(c: &mut Criterion) {
    let inspection = sample::inspection(1_440);
    let (logs, app_log, audit, secrets) = (
        fly_logs(1_000),
        app_log(500),
        sample::audit(),
        sample::secrets(),
    );
    let input = ReportInput {
        inspection: &inspection,
        logs: &logs,
        app_log: &app_log,
        audit: &audit,
        secrets: &secrets,
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let summary = report::write(&input, &out).unwrap();
    let bytes: u64 = walk(&out);
    eprintln!(
        "report: {} files, {:.1} KiB, {} redactions",
        summary.files.len(),
        bytes as f64 / 1024.0,
        summary.redactions
    );
    let mut group = c.benchmark_group("report");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("write", |b| b.iter(|| report::write(&input, &out).unwrap()));
    let history = inspection.agent.as_ref().and_then(|a| a.history.as_ref());
    let end = charts::parse_ms(&inspection.generated_at).unwrap();
    group.bench_function("charts", |b| {
        b.iter(|| charts::render_all(history, end).unwrap())
    });
    group.finish();
}

fn redaction(c: &mut Criterion) {
    let secrets = sample::secrets();
    let text: String = fly_logs(1_000)
        .lines
        .iter()
        .map(|l| report::log_line(l) + "\n")
        .collect();
    let mut group = c.benchmark_group("redact");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("log", |b| b.iter(|| Redactor::new(&secrets).redact(&text)));
    group.finish();
}

/// The bytes of every file under `dir`.
fn walk(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

criterion_group!(benches, whole_report, redaction);
criterion_main!(benches);
