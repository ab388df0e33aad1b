//! The report's `index.html`: the summary (target, time, versions, findings) on top, then the
//! machine, Fly's events, the agent's health, status, metrics, traders and signals, the error
//! summary, the charts, the logs and the audit trail. Every section has a stable `id`.

use serde::Serialize;

use crate::inspect::view::{AgentInspection, MachineInspection};

use super::charts::Chart;
use super::errors;
use super::html::Page;
use super::redact::Redactor;
use super::{ReportInput, APP_LOG_FILE, INSPECTION_FILE, LOGS_FILE};

/// The index page of a report with `charts`.
pub fn render(input: &ReportInput<'_>, charts: &[Chart], redactor: &Redactor) -> String {
    let mut page = Page::new(redactor);
    let inspection = input.inspection;
    summary(&mut page, input);
    findings(&mut page, input);
    machine(&mut page, inspection.machine.as_ref());
    events(&mut page, inspection.machine.as_ref());
    let agent = inspection.agent.as_ref();
    health(&mut page, agent);
    agent_state(&mut page, agent);
    traders(&mut page, agent);
    signals(&mut page, agent);
    error_summary(&mut page, input);
    charts_section(&mut page, charts, agent);
    logs(&mut page, input);
    audit(&mut page, input);
    page.finish(&format!(
        "TradeMind diagnostics — {}",
        inspection.target.app
    ))
}

/// An enum or other value as its wire word (`running`, `critical`).
fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn opt<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|v| v.to_string())
}

fn ms_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

fn summary(page: &mut Page<'_>, input: &ReportInput<'_>) {
    let i = input.inspection;
    let t = &i.target;
    page.raw("<header id=\"summary\">\n");
    page.raw(&format!(
        "<h1>TradeMind diagnostics report</h1>\n<p>{}</p>\n",
        page.value(&t.app)
    ));
    page.raw(&format!(
        "<nav>{} {} {} {}</nav>\n",
        Page::link(INSPECTION_FILE, "inspection.json"),
        Page::link(LOGS_FILE, "logs.txt"),
        Page::link(APP_LOG_FILE, "app-log.txt"),
        Page::link("#charts", "charts"),
    ));
    page.facts(&[
        ("Generated", Some(i.generated_at.clone())),
        ("App", Some(t.app.clone())),
        ("Machine", t.machine_id.clone()),
        ("Machine name", t.machine_name.clone()),
        ("Region", t.region.clone()),
        ("State", t.state.clone()),
        ("User", t.user.clone()),
        ("Found by", Some(word(&t.matched_by))),
        ("App version", Some(i.versions.app.clone())),
        ("App protocol", Some(i.versions.app_protocol.to_string())),
        ("Agent version", i.versions.agent.clone()),
        ("Agent protocol", opt(i.versions.agent_protocol)),
        ("Image", i.versions.image.clone()),
    ]);
    page.raw("</header>\n");
}

fn findings(page: &mut Page<'_>, input: &ReportInput<'_>) {
    page.section("findings", "Findings");
    let findings = &input.inspection.findings;
    if findings.is_empty() {
        page.raw("<p class=\"muted\">Nothing wrong was found.</p>\n");
    }
    for f in findings {
        let severity = word(&f.severity);
        page.raw(&format!(
            "<p><span class=\"{}\">{}</span> <strong>{}</strong> <span class=\"muted\">({})</span><br>{}<br><em>{}</em></p>\n",
            page.value(&severity),
            page.value(&severity.to_uppercase()),
            page.value(&f.title),
            page.value(&f.code),
            page.value(&f.detail),
            page.value(&f.advice),
        ));
    }
    page.end_section();
}

fn machine(page: &mut Page<'_>, machine: Option<&MachineInspection>) {
    page.section("machine", "Machine");
    let Some(m) = machine else {
        page.raw("<p class=\"muted\">The app has no machine.</p>\n");
        page.end_section();
        return;
    };
    page.facts(&[
        ("Id", Some(m.id.clone())),
        ("Name", Some(m.name.clone())),
        ("State", Some(m.state.clone())),
        ("Region", Some(m.region.clone())),
        ("Instance", m.instance_id.clone()),
        ("Created", m.created_at.clone()),
        ("Updated", m.updated_at.clone()),
    ]);
    page.heading("Config");
    let Some(c) = &m.config else {
        page.raw("<p class=\"muted\">Fly returned no config.</p>\n");
        page.end_section();
        return;
    };
    page.facts(&[
        ("Image", Some(c.image.clone())),
        ("CPU kind", c.cpu_kind.clone()),
        ("CPUs", opt(c.cpus)),
        ("Memory (MB)", opt(c.memory_mb)),
        ("Restart", c.restart.clone()),
        ("Mounts", Some(c.mounts.join(", "))),
        ("Environment (names only)", Some(c.env_names.join(", "))),
    ]);
    let services: Vec<Vec<String>> = c
        .services
        .iter()
        .map(|s| {
            vec![
                s.protocol.clone(),
                s.internal_port.to_string(),
                s.ports.join(", "),
                s.autostop.clone().unwrap_or_default(),
            ]
        })
        .collect();
    page.heading("Services");
    page.table(
        &["Protocol", "Internal port", "Ports", "Autostop"],
        &services,
        "No services.",
    );
    let checks: Vec<Vec<String>> = c
        .checks
        .iter()
        .map(|k| {
            vec![
                k.name.clone(),
                k.kind.clone().unwrap_or_default(),
                k.path.clone().unwrap_or_default(),
                k.interval.clone().unwrap_or_default(),
                k.status.clone().unwrap_or_default(),
                k.output.clone().unwrap_or_default(),
            ]
        })
        .collect();
    page.heading("Checks");
    page.table(
        &["Name", "Kind", "Path", "Interval", "Status", "Output"],
        &checks,
        "No checks.",
    );
    let metadata: Vec<Vec<String>> = c
        .metadata
        .iter()
        .map(|e| vec![e.key.clone(), e.value.clone()])
        .collect();
    page.heading("Metadata");
    page.table(&["Key", "Value"], &metadata, "No metadata.");
    page.end_section();
}

fn events(page: &mut Page<'_>, machine: Option<&MachineInspection>) {
    page.section("events", "Fly events (newest first)");
    let rows: Vec<Vec<String>> = machine
        .map(|m| m.events.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.kind.clone(),
                e.status.clone(),
                e.source.clone(),
                e.exit_code.map(|c| c.to_string()).unwrap_or_default(),
                e.oom_killed.map(|o| o.to_string()).unwrap_or_default(),
                e.restart_count.map(|r| r.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    page.table(
        &[
            "At",
            "Kind",
            "Status",
            "Source",
            "Exit code",
            "OOM killed",
            "Restarts",
        ],
        &rows,
        "No events.",
    );
    page.end_section();
}

fn health(page: &mut Page<'_>, agent: Option<&AgentInspection>) {
    page.section("health", "Agent health");
    match agent {
        None => page.raw("<p class=\"muted\">The agent was not asked (no machine).</p>\n"),
        Some(a) => {
            page.note("Agent URL: {}", &a.url);
            if let Some(h) = &a.health {
                page.facts(&[
                    ("HTTP status", Some(h.http_status.to_string())),
                    ("Status", Some(h.status.clone())),
                    ("Agent version", h.agent_version.clone()),
                    ("Uptime (s)", opt(h.uptime_seconds)),
                    ("Symbols", opt(h.symbols)),
                    ("Last candle age (s)", opt(h.last_candle_age_seconds)),
                    ("Active traders", opt(h.active_traders)),
                    ("Machine", h.machine_id.clone()),
                ]);
            }
            if let Some(e) = &a.health_error {
                page.note("The health check failed: {}", &e.message);
            }
        }
    }
    page.end_section();
}

fn agent_state(page: &mut Page<'_>, agent: Option<&AgentInspection>) {
    page.section("agent", "Agent status and metrics");
    let Some(a) = agent else {
        page.raw("<p class=\"muted\">No agent.</p>\n");
        page.end_section();
        return;
    };
    if let Some(e) = &a.link_error {
        page.note("The viewer connection failed: {}", &e.message);
    }
    if let Some(g) = &a.greeting {
        page.heading("Greeting");
        page.facts(&[
            ("Agent version", Some(g.agent_version.clone())),
            ("Protocol", Some(g.protocol_version.to_string())),
            ("Machine", Some(g.machine_id.clone())),
            ("Started", Some(g.started_at.clone())),
            ("Capabilities", Some(g.capabilities.join(", "))),
            ("Last signal seq", Some(g.last_seq.to_string())),
        ]);
    }
    if let Some(s) = &a.status {
        page.heading("Status");
        page.facts(&[
            ("State", Some(word(&s.state))),
            ("Reason", s.reason.clone()),
        ]);
    }
    if let Some(m) = &a.metrics {
        page.heading("Metrics");
        page.facts(&[
            ("CPU (%)", Some(format!("{:.1}", m.cpu_percent))),
            (
                "Memory (MB)",
                Some(format!(
                    "{:.0} of {:.0}",
                    m.memory_bytes as f64 / 1e6,
                    m.memory_limit_bytes as f64 / 1e6
                )),
            ),
            ("Uptime (s)", Some(m.uptime_seconds.to_string())),
            ("Symbols", Some(m.symbols.to_string())),
            ("Streams connected", Some(m.streams_connected.to_string())),
            ("Last candle age (s)", opt(m.last_candle_age_seconds)),
            ("Active traders", Some(m.active_traders.to_string())),
            (
                "Evaluations per minute",
                Some(m.evaluations_per_minute.to_string()),
            ),
            ("Queue depth", Some(m.queue_depth.to_string())),
            ("Signals (total)", Some(m.signals_total.to_string())),
            ("Errors (total)", Some(m.errors_total.to_string())),
            (
                "Binance weight used",
                Some(m.binance_weight_used.to_string()),
            ),
            (
                "Scale recommendation (vCPUs)",
                Some(m.scale_recommendation.to_string()),
            ),
        ]);
    }
    page.end_section();
}

fn traders(page: &mut Page<'_>, agent: Option<&AgentInspection>) {
    page.section("traders", "Deployed traders");
    let traders: Vec<Vec<String>> = agent
        .map(|a| a.traders.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|t| {
            vec![
                t.trader_id.clone(),
                t.version.to_string(),
                word(&t.state),
                t.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    page.table(
        &["Trader", "Version", "State", "Error"],
        &traders,
        "No traders.",
    );
    page.end_section();
}

fn signals(page: &mut Page<'_>, agent: Option<&AgentInspection>) {
    page.section("signals", "Recent signals (newest last)");
    let signals: Vec<Vec<String>> = agent
        .map(|a| a.signals.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|s| {
            vec![
                s.seq.to_string(),
                s.trader_id.clone(),
                s.symbol.clone(),
                word(&s.interval),
                ms_time(s.close_time),
                s.price.to_string(),
                s.conditions.join(", "),
            ]
        })
        .collect();
    page.table(
        &[
            "Seq",
            "Trader",
            "Symbol",
            "Interval",
            "Candle close",
            "Price",
            "Conditions",
        ],
        &signals,
        "No recent signals.",
    );
    page.end_section();
}

fn error_summary(page: &mut Page<'_>, input: &ReportInput<'_>) {
    page.section("errors", "Error summary");
    let agent = input.inspection.agent.as_ref();
    let history = agent.and_then(|a| a.history.as_ref());
    if let Some(e) = agent.and_then(|a| a.history_error.as_ref()) {
        page.note("The agent's history could not be read: {}", &e.message);
    }
    let groups = errors::group(history.map(|h| h.errors.as_slice()).unwrap_or_default());
    let rows: Vec<Vec<String>> = groups
        .into_iter()
        .map(|g| vec![g.count.to_string(), g.source, g.message, g.first, g.last])
        .collect();
    page.heading("Agent errors");
    page.table(
        &["Count", "Source", "Message", "First", "Last"],
        &rows,
        "No agent errors recorded.",
    );
    page.note(
        "Fly log lines at warning or error level: {}",
        &format!(
            "{} of {}",
            errors::warn_or_error_lines(&input.logs.lines),
            input.logs.lines.len()
        ),
    );
    page.note(
        "App log lines at warning or error level: {}",
        &format!(
            "{} of {}",
            errors::warn_or_error_app_lines(input.app_log),
            input.app_log.len()
        ),
    );
    let boots: Vec<Vec<String>> = history
        .map(|h| h.boots.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|b| vec![b.at.clone(), b.agent_version.clone()])
        .collect();
    page.heading("Agent starts");
    page.table(&["At", "Agent version"], &boots, "No starts recorded.");
    page.end_section();
}

fn charts_section(page: &mut Page<'_>, charts: &[Chart], agent: Option<&AgentInspection>) {
    page.section("charts", "The last 24 hours (UTC)");
    let samples = agent
        .and_then(|a| a.history.as_ref())
        .map_or(0, |h| h.samples.len());
    page.note(
        "One sample a minute from the agent's history: {} samples.",
        &samples.to_string(),
    );
    for chart in charts {
        let title = crate::chart::display(chart.metric).title;
        page.raw(&format!(
            "<figure><img src=\"{}\" alt=\"{} over the last 24 hours\" width=\"{}\" height=\"{}\">\
             <figcaption>{} — {} {}</figcaption></figure>\n",
            super::html::escape(&chart.svg_path),
            super::html::escape(title),
            super::charts::SIZE.width,
            super::charts::SIZE.height,
            super::html::escape(title),
            Page::link(&chart.svg_path, "SVG"),
            Page::link(&chart.png_path, "PNG"),
        ));
    }
    page.end_section();
}

fn logs(page: &mut Page<'_>, input: &ReportInput<'_>) {
    page.section("logs", "Fly logs of the machine");
    page.raw(&format!("<p>{}</p>\n", Page::link(LOGS_FILE, "logs.txt")));
    let lines: Vec<String> = input.logs.lines.iter().map(super::log_line).collect();
    page.lines(&lines, "No log lines.");
    page.end_section();
    page.section("app-log", "The app's log");
    page.raw(&format!(
        "<p>{}</p>\n",
        Page::link(APP_LOG_FILE, "app-log.txt")
    ));
    page.lines(input.app_log, "No app log lines.");
    page.end_section();
}

fn audit(page: &mut Page<'_>, input: &ReportInput<'_>) {
    page.section("audit", "Audit log");
    let rows: Vec<Vec<String>> = input
        .audit
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.actor.clone(),
                e.kind.clone(),
                e.machine_id.clone().unwrap_or_default(),
                e.details.to_string(),
            ]
        })
        .collect();
    page.table(
        &["At", "Actor", "Kind", "Machine", "Details"],
        &rows,
        "No audit events.",
    );
    page.end_section();
}
