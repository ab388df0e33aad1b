//! The inspector's diagnosis: plain rules over what Fly and the agent reported, each a
//! [`Finding`] with a title, the evidence and what to do. The rules are the failures the
//! original system met (`original-system.md`): a crash-looping agent, candles that stopped,
//! an agent nobody can reach, a machine that is not running, memory running out, traders in
//! error, a viewer token that no longer works.

use chrono::{DateTime, Utc};
use screener::agent::history::parse_time;

use super::view::{AgentInspection, Finding, MachineInspection, Severity};
use crate::error::ErrorCode;

/// Exits (or boots) within [`LOOP_WINDOW_MINUTES`] that make a crash loop.
pub const CRASH_LOOP_EXITS: usize = 3;
pub const LOOP_WINDOW_MINUTES: i64 = 30;
/// A candle older than this is stale whatever the interval (the dead-man threshold).
pub const STALE_CANDLE_SECS: f64 = 600.0;
/// Memory use above this share of the limit is a warning.
const MEMORY_PRESSURE: f64 = 0.9;

/// Every finding, most severe first.
pub fn diagnose(
    machine: Option<&MachineInspection>,
    agent: Option<&AgentInspection>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let Some(machine) = machine else {
        found.push(finding(
            Severity::Critical,
            "no_machine",
            "The app has no agent machine",
            "Fly lists no TradeMind agent machine in this app (never started, or destroyed)."
                .into(),
            "Ask the user to press Start in the Machine area.",
        ));
        return found;
    };
    machine_state(machine, &mut found);
    crash_loop(machine, agent, now, &mut found);
    if let Some(agent) = agent {
        agent_findings(machine, agent, now, &mut found);
    }
    found.sort_by_key(|f| f.severity);
    found
}

fn finding(severity: Severity, code: &str, title: &str, detail: String, advice: &str) -> Finding {
    Finding {
        severity,
        code: code.to_owned(),
        title: title.to_owned(),
        detail,
        advice: advice.to_owned(),
    }
}

fn machine_state(machine: &MachineInspection, found: &mut Vec<Finding>) {
    match machine.state.as_str() {
        "started" => {}
        "failed" | "launch_failed" => found.push(finding(
            Severity::Critical,
            "machine_failed",
            "The machine failed",
            format!("Fly reports the machine as {}.", machine.state),
            "Check the Fly events and logs below; a restart from the user's app usually \
             recovers it, a repeated failure needs a new image or region.",
        )),
        state => found.push(finding(
            Severity::Warning,
            "machine_not_started",
            "The machine is not running",
            format!("Fly reports the machine as {state}; nothing screens in the cloud now."),
            "If the user did not stop it, check the audit log for auto-stop or a budget stop.",
        )),
    }
    for check in machine.config.iter().flat_map(|c| &c.checks) {
        if check.status.as_deref() == Some("critical") {
            found.push(finding(
                Severity::Warning,
                "check_failing",
                "A Fly health check is failing",
                format!(
                    "Check {} is critical{}.",
                    check.name,
                    check
                        .output
                        .as_deref()
                        .map(|o| format!(": {o}"))
                        .unwrap_or_default()
                ),
                "Fly's proxy stops routing to the machine while it fails; see the agent's \
                 health below.",
            ));
        }
    }
}

fn crash_loop(
    machine: &MachineInspection,
    agent: Option<&AgentInspection>,
    now: DateTime<Utc>,
    found: &mut Vec<Finding>,
) {
    let since = now - chrono::Duration::minutes(LOOP_WINDOW_MINUTES);
    let exits: Vec<_> = machine
        .events
        .iter()
        .filter(|e| e.kind == "exit" && e.exit_code.is_some_and(|c| c != 0))
        .filter(|e| parse_time(&e.at).is_some_and(|t| t >= since))
        .collect();
    let boots = agent.and_then(|a| a.history.as_ref()).map_or(0, |h| {
        h.boots
            .iter()
            .filter(|b| parse_time(&b.at).is_some_and(|t| t >= since))
            .count()
    });
    if let Some(oom) = machine.events.iter().find(|e| e.oom_killed == Some(true)) {
        found.push(finding(
            Severity::Critical,
            "oom_killed",
            "The agent ran out of memory",
            format!("Fly killed the agent for memory at {}.", oom.at),
            "Ask the user to choose a larger machine size, or to deploy fewer traders.",
        ));
    }
    if exits.len() >= CRASH_LOOP_EXITS || boots > CRASH_LOOP_EXITS {
        let last = exits.first();
        let restarts = machine.events.iter().filter_map(|e| e.restart_count).max();
        let mut detail = format!(
            "{} crash exits and {} agent starts in the last {} minutes",
            exits.len(),
            boots,
            LOOP_WINDOW_MINUTES
        );
        if let Some(last) = last {
            detail.push_str(&format!(
                "; the last at {} with exit code {}",
                last.at,
                last.exit_code.unwrap_or_default()
            ));
        }
        if let Some(restarts) = restarts {
            detail.push_str(&format!("; Fly's restart count is {restarts}"));
        }
        detail.push('.');
        found.push(finding(
            Severity::Critical,
            "crash_loop",
            "The agent is crash-looping",
            detail,
            "Read the error lines in the logs just before each exit (filter: error). Fly \
             stops restarting after 10 attempts; once the cause is fixed the user restarts \
             the machine.",
        ));
    }
}

fn agent_findings(
    machine: &MachineInspection,
    agent: &AgentInspection,
    now: DateTime<Utc>,
    found: &mut Vec<Finding>,
) {
    let running = machine.state == "started";
    match (&agent.health, &agent.health_error) {
        (_, Some(error)) if running => found.push(finding(
            Severity::Critical,
            "agent_unreachable",
            "The agent does not answer",
            format!("GET /health failed: {}", error.message),
            "The machine runs but the agent is down or not listening: look for crashes in \
             the events and errors in the logs.",
        )),
        (Some(health), _) => {
            let age = health.last_candle_age_seconds.or_else(|| {
                agent
                    .metrics
                    .as_ref()
                    .and_then(|m| m.last_candle_age_seconds)
            });
            match health.status.as_str() {
                "starting" => found.push(finding(
                    Severity::Warning,
                    "agent_starting",
                    "The agent is still starting",
                    "The first backfill from Binance has not finished.".into(),
                    "Wait a minute; if it stays here, the logs show what the backfill waits on.",
                )),
                "degraded" | "ready" => {
                    let draining = agent
                        .status
                        .as_ref()
                        .is_some_and(|s| s.state == screener::protocol::AgentState::Draining);
                    let streams = agent.metrics.as_ref().map_or(1, |m| m.streams_connected);
                    // The agent calls itself degraded when its newest candle is older than two
                    // of its shortest interval (and a minute); with streams connected and not
                    // draining, that is candles that stopped.
                    let agent_says_stale =
                        health.status == "degraded" && !draining && streams > 0 && age.is_some();
                    if age.is_some_and(|a| a > STALE_CANDLE_SECS) || agent_says_stale {
                        found.push(finding(
                            Severity::Critical,
                            "stale_candles",
                            "Candles stopped arriving",
                            format!(
                                "The newest closed candle is {:.0} s old (agent status {}, {} \
                                 streams connected); traders are not evaluated on fresh data.",
                                age.unwrap_or_default(),
                                health.status,
                                streams
                            ),
                            "Look for Binance errors in the logs (rate limits, 451 from a US \
                             region, network). A restart reconnects the streams; a region \
                             Binance refuses needs a move.",
                        ));
                    } else if health.status == "degraded" {
                        found.push(finding(
                            Severity::Warning,
                            "agent_degraded",
                            "The agent reports degraded",
                            "It is draining or has no Binance stream connected.".into(),
                            "See the logs around the time it changed.",
                        ));
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    if let Some(metrics) = &agent.metrics {
        if metrics.streams_connected == 0 && metrics.symbols > 0 && running {
            found.push(finding(
                Severity::Warning,
                "streams_down",
                "No Binance stream is connected",
                format!("0 streams for {} symbols.", metrics.symbols),
                "Check the logs for Binance connection errors.",
            ));
        }
        if metrics.memory_limit_bytes > 0
            && metrics.memory_bytes as f64 > metrics.memory_limit_bytes as f64 * MEMORY_PRESSURE
        {
            found.push(finding(
                Severity::Warning,
                "memory_pressure",
                "Memory is nearly full",
                format!(
                    "{} MB of {} MB in use.",
                    metrics.memory_bytes / 1_000_000,
                    metrics.memory_limit_bytes / 1_000_000
                ),
                "A larger machine size avoids an out-of-memory kill.",
            ));
        }
    }
    let errored: Vec<_> = agent
        .traders
        .iter()
        .filter(|t| t.state == screener::protocol::DeployState::Error)
        .collect();
    if !errored.is_empty() {
        found.push(finding(
            Severity::Warning,
            "trader_errors",
            "Deployed traders are in error",
            errored
                .iter()
                .map(|t| {
                    format!(
                        "{} v{}: {}",
                        t.trader_id,
                        t.version,
                        t.error.as_deref().unwrap_or("error")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            "The user can fix the filter in the Traders area and deploy it again.",
        ));
    }
    if let Some(history) = &agent.history {
        let hour_ago = now - chrono::Duration::hours(1);
        let recent: Vec<_> = history
            .errors
            .iter()
            .filter(|e| parse_time(&e.at).is_some_and(|t| t >= hour_ago))
            .collect();
        if let Some(last) = recent.last() {
            found.push(finding(
                Severity::Warning,
                "agent_errors",
                "The agent reported errors in the last hour",
                format!(
                    "{} errors; the last ({}, {}): {}",
                    recent.len(),
                    last.at,
                    last.source,
                    last.message
                ),
                "The error summary and the logs show the whole sequence.",
            ));
        }
    }
    if let Some(error) = &agent.link_error {
        if error.code == ErrorCode::Unauthorized {
            found.push(finding(
                Severity::Warning,
                "viewer_token_rejected",
                "The agent refused the viewer token",
                "Live metrics, traders, signals and history need a current viewer token.".into(),
                "Ask the user for the viewer token again (`trademind machine viewer-token`).",
            ));
        }
    }
    if let Some(greeting) = &agent.greeting {
        if greeting.protocol_version != screener::protocol::PROTOCOL_VERSION {
            found.push(finding(
                Severity::Warning,
                "protocol_mismatch",
                "The agent speaks another protocol version",
                format!(
                    "Agent protocol {}, this app {}.",
                    greeting.protocol_version,
                    screener::protocol::PROTOCOL_VERSION
                ),
                "Update the app or the agent image so both speak the same protocol.",
            ));
        }
    }
}

#[cfg(test)]
mod tests;
