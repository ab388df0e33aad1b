//! `trademind local run`: local screening of recorded candles in the foreground, one line per
//! signal (with `--json`, the same JSON lines as `screener run --json`), then a summary.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use screener::engine::{Engine, EngineConfig, Signal};

use crate::api::{self, Core};
use crate::error::{Error, Result};
use crate::local::replay::{load_files, replay_files, ReplayControl};

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Replay recorded candle files through your traders on this computer.
    Run {
        /// A candle file, or a folder of .csv/.json candle files.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// A trader to run (repeatable); default: every enabled trader not in the cloud.
        #[arg(long = "trader", value_name = "ID")]
        traders: Vec<String>,
    },
}

pub async fn run(core: &Core, json: bool, command: LocalCommand) -> Result<()> {
    let LocalCommand::Run { data, traders } = command;
    let traders = api::traders::local_traders(core, &traders).await?;
    if traders.is_empty() {
        return Err(Error::InvalidInput(
            "no trader to run (every one is disabled or in the cloud)".into(),
        ));
    }
    let (candles, signals) = tokio::task::spawn_blocking(move || -> Result<(u64, u64)> {
        let files = load_files(&data)?;
        let mut engine = Engine::new(EngineConfig::default())
            .map_err(|e| Error::Internal(format!("the engine: {e}")))?;
        for trader in traders {
            engine
                .upsert_trader(trader)
                .map_err(|e| Error::InvalidInput(e.to_string()))?;
        }
        let mut printer = Printer {
            json,
            candles: 0,
            signals: 0,
        };
        replay_files(&mut engine, &files, &mut printer);
        Ok((printer.candles, printer.signals))
    })
    .await
    .map_err(|e| Error::Internal(format!("local run: {e}")))??;
    // A closed pipe (`| head`) ends the output quietly.
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"summary": {"candles": candles, "signals": signals}})
        )
    } else {
        writeln!(out, "{candles} candles, {signals} signals")
    };
    Ok(())
}

struct Printer {
    json: bool,
    candles: u64,
    signals: u64,
}

impl ReplayControl for Printer {
    fn stopped(&self) -> bool {
        false
    }
    fn removals(&mut self) -> Vec<String> {
        Vec::new()
    }
    fn candle(&mut self, _: &str) {
        self.candles += 1;
    }
    fn signal(&mut self, signal: &Signal) {
        self.signals += 1;
        let _ = screener::cli::run::write_signal(&mut std::io::stdout().lock(), signal, self.json);
    }
}
