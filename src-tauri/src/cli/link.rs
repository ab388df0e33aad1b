//! `trademind link status` and `trademind link watch`: the live link to the agent for support
//! and tests — one greeting, or the link's state changes and frames as JSON lines until
//! Ctrl-C.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::output;
use crate::api::{self, Core};
use crate::error::{Error, Result};

/// The longest `--deadline` accepted, in seconds.
const MAX_DEADLINE_SECS: u64 = 300;

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Connect to the agent once and show its greeting (role, last signal seq, versions).
    Status {
        /// Seconds to connect and be greeted within (1–300).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_DEADLINE_SECS))]
        deadline: u64,
    },
    /// Keep the link up and print its state changes and the agent's frames as JSON lines
    /// until Ctrl-C.
    Watch,
}

/// Runs a link subcommand.
pub async fn run(core: &Core, json: bool, command: LinkCommand) -> Result<()> {
    match command {
        LinkCommand::Status { deadline } => {
            let probe = api::link::probe(core, Duration::from_secs(deadline)).await?;
            output(json, &probe, || {
                let h = &probe.hello;
                // The protocol's spelling (`owner`, `viewer`).
                let role = serde_json::to_value(h.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!(
                    "link:      {} ({})\nrole:      {}\nlast seq:  {}\nagent:     {} on {} since {}\njournal:   {}\nprotocol:  v{} ({})",
                    probe.state,
                    probe.agent_url,
                    role,
                    h.last_seq,
                    h.agent_version,
                    h.machine_id,
                    h.started_at,
                    h.journal_id,
                    h.protocol_version,
                    h.capabilities.join(", ")
                )
            });
        }
        LinkCommand::Watch => watch(core).await?,
    }
    Ok(())
}

async fn watch(core: &Core) -> Result<()> {
    let mut views = core.cloud().view();
    let mut frames = core.cloud().frames();
    api::link::connect(core).await?;
    loop {
        let view = views.borrow_and_update().clone();
        print_line(&json!({"type": "state", "view": view}))?;
        loop {
            tokio::select! {
                // A state change is printed before the frames that follow it.
                biased;
                _ = tokio::signal::ctrl_c() => {
                    api::link::disconnect(core).await;
                    let view = api::link::view(core);
                    return print_line(&json!({"type": "state", "view": view}));
                }
                changed = views.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    break;
                }
                frame = frames.recv() => match frame {
                    Ok(frame) => print_line(&json!({"type": "frame", "frame": frame}))?,
                    Err(RecvError::Lagged(missed)) => {
                        print_line(&json!({"type": "lagged", "missed": missed}))?;
                    }
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}

/// One JSON object per line, flushed (a closed pipe ends the watch).
fn print_line(value: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}")
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("writing to standard output", e))
}
