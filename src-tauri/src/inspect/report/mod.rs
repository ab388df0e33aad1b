//! The diagnostics report: one folder a support engineer can read offline — `index.html`
//! (summary, findings, machine, events, health, agent, traders, signals, error summary,
//! charts, logs, audit), `inspection.json`, `logs.txt`, `app-log.txt` and the 24 h charts as
//! `charts/<metric>.svg` and `.png`.
//!
//! - [`folder`]: where it goes (refuses a file or someone else's folder, marks reports);
//! - [`redact`]: every text written passes through a [`Redactor`];
//! - [`html`] and [`index`]: the page; [`errors`]: the error summary; [`charts`]: the charts;
//! - [`tail`]: the app's own recent log lines;
//! - `sample` (tests and the benchmark only): a day of a machine's life with planted secrets.
//!
//! Writing is blocking file I/O and CPU (charts): callers run [`write`] on `spawn_blocking`.

pub mod charts;
pub mod errors;
pub mod folder;
pub mod html;
pub mod index;
pub mod redact;
#[cfg(any(test, feature = "bench-fixtures"))]
#[doc(hidden)]
pub mod sample;
pub mod tail;

use std::path::Path;

use crate::error::{Error, Result};
use crate::inspect::view::{Inspection, LogLine, LogsView, ReportSummary};
use crate::sensitive::Sensitive;
use crate::store::events::AuditEvent;

pub use folder::MARKER;
pub use redact::Redactor;
pub use tail::app_log_tail;

/// The index page.
pub const INDEX_FILE: &str = "index.html";
/// The inspection as JSON.
pub const INSPECTION_FILE: &str = "inspection.json";
/// Fly's log lines of the machine.
pub const LOGS_FILE: &str = "logs.txt";
/// The app's own log lines.
pub const APP_LOG_FILE: &str = "app-log.txt";

/// Everything a report is made of (the caller gathers it; writing is pure file I/O).
pub struct ReportInput<'a> {
    pub inspection: &'a Inspection,
    /// Recent Fly log lines of the machine.
    pub logs: &'a LogsView,
    /// The app's own recent log lines (already read, see [`app_log_tail`]).
    pub app_log: &'a [String],
    /// The recent audit log.
    pub audit: &'a [AuditEvent],
    /// Known secret values to redact.
    pub secrets: &'a [Sensitive<String>],
}

/// Writes the report into `dir` (created if missing; a non-empty folder that is not a previous
/// TradeMind report is refused, so a typo never mixes files into someone's folder) and returns
/// what it wrote.
pub fn write(input: &ReportInput<'_>, dir: &Path) -> Result<ReportSummary> {
    let redactor = Redactor::new(input.secrets);
    let end_ms = report_end_ms(input.inspection);
    let history = input
        .inspection
        .agent
        .as_ref()
        .and_then(|a| a.history.as_ref());
    // Drawn before the folder is touched: a drawing failure leaves nothing behind.
    let charts = charts::render_all(history, end_ms)?;

    let mut folder = folder::Folder::prepare(dir)?;
    let json = serde_json::to_value(input.inspection)
        .map_err(|e| Error::Internal(format!("serializing the inspection: {e}")))?;
    let json = serde_json::to_string_pretty(&redactor.redact_json(json))
        .map_err(|e| Error::Internal(format!("serializing the inspection: {e}")))?;
    folder.put(INSPECTION_FILE, json.as_bytes())?;
    let logs: String = input
        .logs
        .lines
        .iter()
        .map(|l| redactor.redact(&log_line(l)) + "\n")
        .collect();
    folder.put(LOGS_FILE, logs.as_bytes())?;
    let app_log: String = input
        .app_log
        .iter()
        .map(|l| redactor.redact(l) + "\n")
        .collect();
    folder.put(APP_LOG_FILE, app_log.as_bytes())?;
    for chart in &charts {
        folder.put(&chart.svg_path, chart.svg.as_bytes())?;
        folder.put(&chart.png_path, &chart.png)?;
    }
    let page = index::render(input, &charts, &redactor);
    folder.put(INDEX_FILE, page.as_bytes())?;

    let dir_text = folder.dir().display().to_string();
    let index = folder.dir().join(INDEX_FILE).display().to_string();
    let files = folder.finish()?;
    Ok(ReportSummary {
        dir: dir_text,
        index,
        files,
        redactions: redactor.count(),
        findings: u32::try_from(input.inspection.findings.len()).unwrap_or(u32::MAX),
    })
}

/// One Fly log line as text: `time level region/instance message`.
pub fn log_line(l: &LogLine) -> String {
    format!(
        "{} {:<5} {}/{} {}",
        l.at, l.level, l.region, l.instance, l.message
    )
}

/// The charts end at the inspection's time (else the newest sample, else now).
fn report_end_ms(inspection: &Inspection) -> i64 {
    charts::parse_ms(&inspection.generated_at)
        .or_else(|| {
            inspection
                .agent
                .as_ref()
                .and_then(|a| a.history.as_ref())
                .and_then(|h| {
                    h.samples
                        .iter()
                        .filter_map(|s| charts::parse_ms(&s.at))
                        .max()
                })
        })
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
}

#[cfg(test)]
mod tests;
