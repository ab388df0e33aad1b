//! `trademind inspect …`: support mode on the command line. Always read-only (the core runs
//! in [`crate::api::Mode::Support`]); every look is audited.
//!
//! ```text
//! fly tokens create readonly | trademind inspect login --token-stdin
//! printf %s "$VIEWER" | trademind inspect login --viewer --token-stdin
//! trademind inspect find ana@example.com
//! trademind inspect show ana@example.com [--report DIR]
//! trademind inspect logs trademind-1a2b3c4d5e --level warn --search binance [--follow]
//! trademind inspect watch trademind-1a2b3c4d5e
//! ```

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;

use super::output;
use crate::api::{self, Core};
use crate::error::{Error, Result};
use crate::inspect::{
    InspectTarget, Inspection, LogLevel, LogQuery, LogsView, SupportAccess, SupportCredential,
    SupportFrame,
};

#[derive(Debug, Subcommand)]
pub enum InspectCommand {
    /// Store a support credential in the OS keyring (from standard input, never argv): the
    /// read-only Fly token, or with --viewer the agent's viewer token.
    Login {
        #[arg(long, required = true)]
        token_stdin: bool,
        /// The agent's viewer token instead of the Fly token.
        #[arg(long)]
        viewer: bool,
    },
    /// Remove the stored support credentials (both, or one with --fly / --viewer).
    Logout {
        #[arg(long, conflicts_with = "viewer")]
        fly: bool,
        #[arg(long)]
        viewer: bool,
    },
    /// Which support credentials are set (described, never shown).
    Status,
    /// Find a user's app and agent machine by app name, machine id or user id (email).
    Find { query: String },
    /// Everything about a user's machine: Fly state, config, events, the agent's health,
    /// metrics, traders, signals, errors, and the diagnosis; --report writes the report.
    Show {
        /// App name, machine id or user id.
        query: String,
        /// Which machine, when the app has several.
        #[arg(long, value_name = "ID")]
        machine: Option<String>,
        /// Write the diagnostics report (HTML index, charts, logs) into this folder.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
    },
    /// The machine's logs from Fly: the recent backlog, filtered; --follow keeps tailing.
    Logs {
        query: String,
        #[arg(long, value_name = "ID")]
        machine: Option<String>,
        /// At least this severe.
        #[arg(long, value_enum)]
        level: Option<LevelArg>,
        /// Only lines containing this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Keep printing new lines until Ctrl-C.
        #[arg(long)]
        follow: bool,
    },
    /// The agent's live state, metrics and signals as a viewer, until Ctrl-C.
    Watch {
        query: String,
        #[arg(long, value_name = "ID")]
        machine: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Debug,
    Info,
    Warn,
    Error,
}

impl From<LevelArg> for LogLevel {
    fn from(level: LevelArg) -> Self {
        match level {
            LevelArg::Debug => Self::Debug,
            LevelArg::Info => Self::Info,
            LevelArg::Warn => Self::Warn,
            LevelArg::Error => Self::Error,
        }
    }
}

pub async fn run(core: &Core, json: bool, command: InspectCommand) -> Result<()> {
    match command {
        InspectCommand::Login { viewer, .. } => {
            let which = if viewer {
                SupportCredential::Viewer
            } else {
                SupportCredential::Fly
            };
            let raw = super::read_stdin_token().await?;
            let access = api::inspect::login(core, which, raw).await?;
            output(json, &access, || describe_access(&access));
        }
        InspectCommand::Logout { fly, viewer } => {
            let which = match (fly, viewer) {
                (true, _) => Some(SupportCredential::Fly),
                (_, true) => Some(SupportCredential::Viewer),
                _ => None,
            };
            let access = api::inspect::logout(core, which).await?;
            output(json, &access, || describe_access(&access));
        }
        InspectCommand::Status => {
            let access = api::inspect::access(core).await?;
            output(json, &access, || describe_access(&access));
        }
        InspectCommand::Find { query } => {
            let targets = api::inspect::find(core, &query).await?;
            output(json, &targets, || describe_targets(&targets));
        }
        InspectCommand::Show {
            query,
            machine,
            report,
        } => {
            let target = pick(core, &query, machine).await?;
            let machine = target.machine_id.as_deref();
            match report {
                Some(dir) => {
                    let summary = api::report::report(core, &target.app, machine, &dir).await?;
                    output(json, &summary, || {
                        format!(
                            "Wrote the report ({} files, {} findings, {} secrets redacted).\nOpen {}",
                            summary.files.len(),
                            summary.findings,
                            summary.redactions,
                            summary.index
                        )
                    });
                }
                None => {
                    let inspection = api::inspect::inspect(core, &target.app, machine).await?;
                    output(json, &inspection, || describe_inspection(&inspection));
                }
            }
        }
        InspectCommand::Logs {
            query,
            machine,
            level,
            search,
            follow,
        } => {
            let target = pick(core, &query, machine).await?;
            let machine = target.machine_id.as_deref();
            let mut query = LogQuery {
                min_level: level.map(Into::into),
                search,
                after: None,
            };
            let page = api::inspect::logs(core, &target.app, machine, &query).await?;
            if follow {
                // A stream: one line (one JSON object with --json) per log line.
                print_logs(json, &page);
            } else {
                output(json, &page, || describe_logs(&page));
            }
            if follow {
                query.after = page.next_token.clone();
                let cancel = ctrl_c();
                api::inspect::follow_logs(core, &target.app, machine, query, cancel, |view| {
                    print_logs(json, &view)
                })
                .await?;
            }
        }
        InspectCommand::Watch { query, machine } => {
            let target = pick(core, &query, machine).await?;
            let cancel = ctrl_c();
            api::inspect::watch(
                core,
                &target.app,
                target.machine_id.as_deref(),
                cancel,
                |frame| print_frame(json, &frame),
            )
            .await?;
        }
    }
    Ok(())
}

/// The one target `query` names (with `machine` choosing among several).
async fn pick(core: &Core, query: &str, machine: Option<String>) -> Result<InspectTarget> {
    let targets = api::inspect::find(core, query).await?;
    let chosen: Vec<&InspectTarget> = targets
        .iter()
        .filter(|t| machine.is_none() || t.machine_id == machine)
        .collect();
    match chosen.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::InvalidInput(format!(
            "{query:?} has no agent machine {}",
            machine.unwrap_or_default()
        ))),
        many => Err(Error::InvalidInput(format!(
            "{query:?} matches {} machines ({}): choose one with --machine",
            many.len(),
            many.iter()
                .map(|t| format!("{} in {}", t.machine_id.as_deref().unwrap_or("-"), t.app))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Cancelled on Ctrl-C or SIGTERM.
fn ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            if let Ok(mut term) = signal(SignalKind::terminate()) {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        token.cancel();
    });
    cancel
}

/// Prints log lines (JSON lines with --json); `false` once stdout is closed.
fn print_logs(json: bool, view: &LogsView) -> bool {
    let mut out = std::io::stdout().lock();
    for line in &view.lines {
        let written = if json {
            writeln!(out, "{}", serde_json::to_string(line).unwrap_or_default())
        } else {
            writeln!(out, "{}", log_line(line))
        };
        if written.is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

fn describe_logs(view: &LogsView) -> String {
    if view.lines.is_empty() {
        return format!("No matching lines ({} read).", view.scanned);
    }
    view.lines
        .iter()
        .map(log_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One log line as text: time, level, machine, message.
fn log_line(line: &crate::inspect::LogLine) -> String {
    format!(
        "{}  {:<5} {}  {}",
        line.at,
        line.level.to_uppercase(),
        line.instance,
        line.message
    )
}

fn print_frame(json: bool, frame: &SupportFrame) -> bool {
    let text = if json {
        serde_json::to_string(frame).unwrap_or_default()
    } else {
        match frame {
            SupportFrame::Link { state, detail } => {
                format!("link {state}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())
            }
            SupportFrame::Metrics(m) => format!(
                "cpu {:.1} %  mem {} MB  candle age {}  evals/min {}  queue {}  signals {}  errors {}",
                m.cpu_percent,
                m.memory_bytes / 1_000_000,
                m.last_candle_age_seconds.map_or("-".into(), |a| format!("{a:.0} s")),
                m.evaluations_per_minute,
                m.queue_depth,
                m.signals_total,
                m.errors_total
            ),
            SupportFrame::Status(s) => format!("status {:?}{}", s.state, s.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()),
            SupportFrame::TraderState(t) => format!("trader {} v{} {:?}", t.trader_id, t.version, t.state),
            SupportFrame::Signal(s) => format!("signal #{} {} {} at {}", s.seq, s.trader_id, s.symbol, s.price),
            SupportFrame::Logs(view) => return print_logs(false, view),
            SupportFrame::TailEnded { detail } => format!("log tail ended: {detail}"),
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").is_ok() && out.flush().is_ok()
}

fn describe_access(access: &SupportAccess) -> String {
    let describe = |c: &Option<crate::inspect::CredentialInfo>| match c {
        Some(info) => format!("{} ({:?})", info.last4, info.source).to_lowercase(),
        None => "not set".to_owned(),
    };
    format!(
        "read-only Fly token: {}\nagent viewer token:  {}",
        describe(&access.fly_token),
        describe(&access.viewer_token)
    )
}

fn describe_targets(targets: &[InspectTarget]) -> String {
    targets
        .iter()
        .map(|t| {
            format!(
                "{:<24} machine {:<16} {:<10} {:<5} user {}  (matched by {:?})",
                t.app,
                t.machine_id.as_deref().unwrap_or("-"),
                t.state.as_deref().unwrap_or("-"),
                t.region.as_deref().unwrap_or("-"),
                t.user.as_deref().unwrap_or("-"),
                t.matched_by
            )
            .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The inspection as text: diagnosis first, then the evidence.
pub fn describe_inspection(i: &Inspection) -> String {
    let mut out = vec![format!(
        "{} / machine {}  (inspected {})",
        i.target.app,
        i.target.machine_id.as_deref().unwrap_or("none"),
        i.generated_at
    )];
    out.push(format!(
        "versions: app {} (protocol {}), agent {} (protocol {}), image {}",
        i.versions.app,
        i.versions.app_protocol,
        i.versions.agent.as_deref().unwrap_or("?"),
        i.versions
            .agent_protocol
            .map_or("?".into(), |p| p.to_string()),
        i.versions.image.as_deref().unwrap_or("?")
    ));
    out.push(String::new());
    if i.findings.is_empty() {
        out.push("Diagnosis: nothing wrong found.".into());
    } else {
        out.push("Diagnosis:".into());
        for f in &i.findings {
            out.push(
                format!(
                    "  [{:?}] {} ({}): {}",
                    f.severity, f.title, f.code, f.detail
                )
                .to_string(),
            );
            out.push(format!("      → {}", f.advice));
        }
    }
    if let Some(m) = &i.machine {
        out.push(String::new());
        out.push(format!(
            "Machine {} ({}) is {} in {}",
            m.id, m.name, m.state, m.region
        ));
        if let Some(c) = &m.config {
            out.push(format!(
                "  {} · {} {} CPU · {} MB · restart {}",
                c.image,
                c.cpu_kind.as_deref().unwrap_or("?"),
                c.cpus.unwrap_or_default(),
                c.memory_mb.unwrap_or_default(),
                c.restart.as_deref().unwrap_or("-")
            ));
            for s in &c.services {
                out.push(format!(
                    "  service {} :{} → {}",
                    s.protocol,
                    s.internal_port,
                    s.ports.join(", ")
                ));
            }
            for check in &c.checks {
                out.push(format!(
                    "  check {} {} {}",
                    check.name,
                    check.path.as_deref().unwrap_or(""),
                    check.status.as_deref().unwrap_or("")
                ));
            }
        }
        out.push("  events (newest first):".into());
        for e in m.events.iter().take(12) {
            let exit = e
                .exit_code
                .map(|c| format!(" exit {c}"))
                .unwrap_or_default();
            out.push(format!(
                "    {} {:<8} {:<10} {}{}",
                e.at, e.kind, e.status, e.source, exit
            ));
        }
    }
    if let Some(a) = &i.agent {
        out.push(String::new());
        match (&a.health, &a.health_error) {
            (Some(h), _) => out.push(format!(
                "Agent health: {} (HTTP {}), uptime {} s, last candle {} s ago, {} traders",
                h.status,
                h.http_status,
                h.uptime_seconds.unwrap_or_default(),
                h.last_candle_age_seconds
                    .map_or("-".into(), |a| format!("{a:.0}")),
                h.active_traders.unwrap_or_default()
            )),
            (_, Some(e)) => out.push(format!("Agent health: unreachable ({})", e.message)),
            _ => {}
        }
        if let Some(e) = &a.link_error {
            out.push(format!("Viewer link: {}", e.message));
        }
        if let Some(m) = &a.metrics {
            out.push(format!(
                "Metrics: cpu {:.1} %, memory {} / {} MB, streams {}, evals/min {}, queue {}, signals {}, errors {}",
                m.cpu_percent,
                m.memory_bytes / 1_000_000,
                m.memory_limit_bytes / 1_000_000,
                m.streams_connected,
                m.evaluations_per_minute,
                m.queue_depth,
                m.signals_total,
                m.errors_total
            ));
        }
        for t in &a.traders {
            out.push(format!(
                "Trader {} v{} {:?}{}",
                t.trader_id,
                t.version,
                t.state,
                t.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ));
        }
        for s in a.signals.iter().rev().take(10) {
            out.push(format!(
                "Signal #{} {} {} {} at {}",
                s.seq,
                s.trader_id,
                s.symbol,
                s.interval.as_str(),
                s.price
            ));
        }
        if let Some(h) = &a.history {
            out.push(format!(
                "History: {} samples, {} boots, {} errors in 24 h",
                h.samples.len(),
                h.boots.len(),
                h.errors.len()
            ));
            for e in h.errors.iter().rev().take(10) {
                out.push(format!("  error {} [{}] {}", e.at, e.source, e.message));
            }
        } else if let Some(e) = &a.history_error {
            out.push(format!("History: {}", e.message));
        }
    }
    out.join("\n")
}
