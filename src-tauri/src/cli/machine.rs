//! `trademind machine …` and `trademind regions`: the machine operations of [`crate::api`],
//! with step progress streamed as it happens (one JSON object per line with `--json`).

use std::io::Write;
use std::sync::Arc;

use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::output;
use crate::api::machine::MachineOutcome;
use crate::api::regions::RegionsView;
use crate::api::{self, Actor, Core};
use crate::error::Result;
use crate::machine::lifecycle::FlyEventView;
use crate::machine::provision::StartOptions;
use crate::machine::status::MachineStatus;
use crate::machine::{Progress, ProgressSink, StepState};

#[derive(Debug, Subcommand)]
pub enum MachineCommand {
    /// Create or start your machine and wait until its agent is ready (resumes a failed or
    /// interrupted start from the step where it stopped).
    Start {
        /// Fly region, e.g. sin, ams, fra (default: the nearest where Binance answers).
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// CPU priority (low, normal, high) or a Fly preset such as performance-2x.
        #[arg(long, value_name = "SIZE")]
        size: Option<String>,
    },
    /// Stop the machine (the agent drains first); only its disk is billed while stopped.
    Stop,
    /// Restart the machine and wait for the agent.
    Restart,
    /// Change the machine's size (a running machine restarts on the new size).
    Resize {
        /// CPU priority (low, normal, high) or a Fly preset such as performance-2x.
        #[arg(long, value_name = "SIZE")]
        size: String,
    },
    /// The machine's state as Fly reports it, with the next action.
    Status,
    /// Fly's events for the machine, newest first.
    Events {
        /// How many events (1–50).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=50))]
        limit: u32,
    },
    /// Print the agent's viewer token, to give support staff read-only access to the live
    /// agent (metrics, traders, signals, history). Recorded in the audit log.
    ViewerToken,
    /// Replace the agent's viewer token, ending the live access it gave: the new token is set
    /// on Fly and kept in the keyring, and a started machine restarts so the old one stops
    /// working. Print the new one with `machine viewer-token`.
    ReplaceViewerToken,
    /// Destroy the machine and delete its data volume with the agent's journal (the app and
    /// its secrets are kept).
    Destroy {
        /// Confirm the destruction (required).
        #[arg(long)]
        yes: bool,
    },
}

/// Runs a machine subcommand.
pub async fn run(core: &Core, json: bool, command: MachineCommand) -> Result<()> {
    match command {
        MachineCommand::Start { region, size } => {
            let options = StartOptions { region, size };
            let outcome =
                api::machine::start(core, Actor::Cli, options, progress_printer(json)).await?;
            if json {
                print_line(
                    &json!({"type": "result", "message": outcome.message, "status": outcome.status}),
                );
            } else {
                println!("{}", describe_outcome(&outcome));
            }
        }
        MachineCommand::Stop => {
            let outcome = api::machine::stop(core, Actor::Cli, None).await?;
            output(json, &outcome, || describe_outcome(&outcome));
        }
        MachineCommand::Restart => {
            let outcome = api::machine::restart(core, Actor::Cli, None).await?;
            output(json, &outcome, || describe_outcome(&outcome));
        }
        MachineCommand::Resize { size } => {
            let outcome = api::machine::resize(core, Actor::Cli, &size).await?;
            output(json, &outcome, || describe_outcome(&outcome));
        }
        MachineCommand::Status => {
            let status = api::machine::status(core, Actor::Cli).await?;
            output(json, &status, || describe_status(&status));
        }
        MachineCommand::Events { limit } => {
            let events = api::machine::events(core, Actor::Cli, limit).await?;
            output(json, &events, || describe_events(&events));
        }
        MachineCommand::ViewerToken => {
            let token = api::machine::viewer_token(core, Actor::Cli).await?;
            // Asked for explicitly: to standard output only, never to the log.
            if json {
                println!("{}", serde_json::json!({ "viewerToken": token.expose() }));
            } else {
                println!("{}", token.expose());
            }
        }
        MachineCommand::ReplaceViewerToken => {
            let outcome = api::machine::replace_viewer_token(core, Actor::Cli, None).await?;
            output(json, &outcome, || describe_outcome(&outcome));
        }
        MachineCommand::Destroy { yes } => {
            let outcome = api::machine::destroy(core, Actor::Cli, yes, None).await?;
            output(json, &outcome, || describe_outcome(&outcome));
        }
    }
    Ok(())
}

/// Prints each progress event as it happens: a JSON line, or an aligned text line.
fn progress_printer(json: bool) -> ProgressSink {
    Arc::new(move |event: Progress| {
        if json {
            let mut value = serde_json::to_value(&event).unwrap_or_default();
            value["type"] = json!("progress");
            print_line(&value);
        } else {
            let mark = match event.state {
                StepState::Pending => "…",
                StepState::Running => "→",
                StepState::Done => "✓",
                StepState::Failed => "✗",
            };
            let elapsed = event.elapsed_ms as f64 / 1000.0;
            println!(
                "{mark} {:<8} {:>6.1}s  {}",
                event.step.as_str(),
                elapsed,
                event.line
            );
            let _ = std::io::stdout().flush();
        }
    })
}

/// One compact JSON object on its own line, flushed.
fn print_line<T: Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(value) {
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

fn describe_outcome(outcome: &MachineOutcome) -> String {
    format!(
        "{}\n\n{}",
        outcome.message,
        describe_status(&outcome.status)
    )
}

/// The status as a few aligned lines.
pub fn describe_status(s: &MachineStatus) -> String {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut state = s.state.clone();
    if s.stuck {
        state.push_str(" (STUCK)");
    }
    if s.crash_looping {
        state.push_str(" (crash-looping)");
    }
    if let Some(since) = &s.since {
        state.push_str(&format!(" since {since}"));
    }
    let mut lines = vec![
        format!("state:    {state}"),
        format!("machine:  {}", or_dash(&s.machine_id)),
        format!("app:      {}", or_dash(&s.app)),
        format!("region:   {}", or_dash(&s.region)),
        format!("size:     {}", or_dash(&s.size)),
        format!("image:    {}", or_dash(&s.image)),
    ];
    if let Some(cost) = &s.cost {
        lines.push(format!(
            "cost:     ${:.4}/hour, ${:.2}/day while started (estimate)",
            cost.usd_per_hour, cost.usd_per_day
        ));
    }
    if let Some(url) = &s.agent_url {
        let agent = match (&s.agent, &s.agent_problem) {
            (Some(health), _) => format!(
                "{} {}",
                health.status,
                health.agent_version.as_deref().unwrap_or("")
            ),
            (None, Some(problem)) => format!("not ready ({problem})"),
            _ => "-".into(),
        };
        lines.push(format!("agent:    {url} — {}", agent.trim()));
    }
    if let Some(drift) = &s.drift {
        lines.push(format!("changed:  {drift}"));
    }
    if let Some(run) = &s.last_run {
        let failed = run.steps.iter().find(|st| st.state == StepState::Failed);
        let mut line = format!(
            "last run: #{} {} in {} at size {} (started {})",
            run.id,
            run.status.as_str(),
            run.region,
            run.size,
            run.started_at
        );
        if let Some(step) = failed {
            let message = step.error.as_ref().map_or("", |e| e.message.as_str());
            line.push_str(&format!(" — failed at {}: {message}", step.step));
        }
        lines.push(line);
    }
    lines.push(format!("next:     {}", s.advice));
    lines.join("\n")
}

fn describe_events(events: &[FlyEventView]) -> String {
    if events.is_empty() {
        return "Fly reports no events for the machine.".into();
    }
    events
        .iter()
        .map(|e| {
            let mut line = format!("{}  {:<8} {:<10} {}", e.at, e.kind, e.status, e.source);
            if let Some(code) = e.exit_code {
                line.push_str(&format!("  exit code {code}"));
            }
            if e.oom_killed == Some(true) {
                line.push_str("  (out of memory)");
            }
            if let Some(count) = e.restart_count {
                line.push_str(&format!("  restart #{count}"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Regions, then sizes with costs.
pub fn describe_regions(view: &RegionsView) -> String {
    let mut lines = Vec::new();
    if let Some(warning) = &view.warning {
        lines.push(format!("warning: {warning}"));
    }
    lines.push(format!(
        "Regions ({}; default {}{}):",
        if view.source == "fly" {
            "from Fly"
        } else {
            "documented"
        },
        view.default_region,
        view.nearest
            .as_ref()
            .map(|n| format!(", nearest {n}"))
            .unwrap_or_default()
    ));
    for region in &view.regions {
        let mut notes = Vec::new();
        if !region.binance {
            notes.push("Binance refuses (US)");
        }
        if region.requires_paid_plan {
            notes.push("paid plan");
        }
        let mark = if region.code == view.default_region {
            "*"
        } else {
            " "
        };
        lines.push(format!(
            " {mark} {}  {:<28} {}",
            region.code,
            region.name,
            notes.join(", ")
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "Sizes (estimated USD while started in {}; default {}):",
        view.default_region, view.default_size
    ));
    for size in &view.sizes {
        lines.push(format!(
            "   {:<16} {:>2} {:<11} {:>6} MB  ${:.4}/h  ${:>6.2}/day  ${:>7.2}/month{}",
            size.name,
            size.cpus,
            size.cpu_kind,
            size.memory_mb,
            size.usd_per_hour,
            size.usd_per_day,
            size.usd_per_month,
            if size.published_price {
                ""
            } else {
                "  (extrapolated)"
            }
        ));
    }
    lines.join("\n")
}
