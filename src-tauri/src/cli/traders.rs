//! `trademind traders list|show|check|import|export`.

use std::path::PathBuf;

use clap::Subcommand;
use screener::trader::Trader;

use super::output;
use crate::api::{self, Actor, Core};
use crate::error::{Error, Result};
use crate::traders::{TraderCard, TraderCheck};

#[derive(Debug, Subcommand)]
pub enum TradersCommand {
    /// Every trader with where it runs (local, cloud, deploying, …).
    List,
    /// One trader's record and card.
    Show { id: String },
    /// Check a trader record file (one record or an array) and dry-run it on recorded candles.
    Check { file: PathBuf },
    /// Import trader records from a JSON file (an array, one record, or JSON Lines).
    Import { file: PathBuf },
    /// Export your traders (all of them when no id is given) as a JSON array.
    Export {
        ids: Vec<String>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub async fn run(core: &Core, json: bool, command: TradersCommand) -> Result<()> {
    match command {
        TradersCommand::List => {
            let cards = api::traders::list(core).await?;
            output(json, &cards, || {
                cards.iter().map(card_line).collect::<Vec<_>>().join("\n")
            });
        }
        TradersCommand::Show { id } => {
            let card = api::traders::card(core, &id).await?;
            output(json, &card, || {
                let record = serde_json::to_string_pretty(&card.trader).unwrap_or_default();
                format!("{}\n{record}", card_line(&card))
            });
        }
        TradersCommand::Check { file } => {
            let text = read(&file).await?;
            let records: Vec<serde_json::Value> = match serde_json::from_str(&text) {
                Ok(serde_json::Value::Array(items)) => items,
                Ok(one) => vec![one],
                Err(e) => {
                    return Err(Error::InvalidInput(format!(
                        "{}: not JSON: {e}",
                        file.display()
                    )))
                }
            };
            let mut checks = Vec::new();
            for record in records {
                let trader: Trader = serde_json::from_value(record).map_err(|e| {
                    Error::InvalidInput(format!("{}: not a trader record: {e}", file.display()))
                })?;
                let check = api::traders::check(trader.clone()).await?;
                checks.push((trader.id, check));
            }
            let failed = checks.iter().filter(|(_, c)| !c.ok).count();
            let values: Vec<_> = checks
                .iter()
                .map(|(id, c)| serde_json::json!({"id": id, "check": c}))
                .collect();
            output(json, &values, || {
                checks
                    .iter()
                    .map(|(id, c)| describe_check(id, c))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            if failed > 0 {
                return Err(Error::InvalidInput(format!(
                    "{failed} of {} trader(s) have problems",
                    checks.len()
                )));
            }
        }
        TradersCommand::Import { file } => {
            let text = read(&file).await?;
            let report = api::traders::import(core, Actor::Cli, text).await?;
            output(json, &report, || {
                let mut lines = vec![format!("{} imported", report.imported.len())];
                lines.extend(report.imported.iter().map(|id| format!("  + {id}")));
                lines.extend(
                    report
                        .skipped
                        .iter()
                        .map(|s| format!("  skipped {}: {}", s.name, s.reason)),
                );
                lines.join("\n")
            });
        }
        TradersCommand::Export { ids, output: file } => {
            let text = api::traders::export(core, &ids).await?;
            match file {
                Some(path) => tokio::fs::write(&path, text.as_bytes())
                    .await
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?,
                None => println!("{text}"),
            }
        }
    }
    Ok(())
}

async fn read(file: &PathBuf) -> Result<String> {
    tokio::fs::read_to_string(file)
        .await
        .map_err(|e| Error::io(format!("reading {}", file.display()), e))
}

fn card_line(card: &TraderCard) -> String {
    let placement = serde_json::to_value(card.placement)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "{:<36} v{:<3} {:<11} {:<8} {}{}{}",
        card.trader.id,
        card.trader.version,
        placement,
        if card.trader.enabled {
            "enabled"
        } else {
            "disabled"
        },
        card.trader.name,
        if card.builtin { " (built-in)" } else { "" },
        card.error
            .as_ref()
            .map(|e| format!(" — {e}"))
            .unwrap_or_default(),
    )
}

fn describe_check(id: &str, check: &TraderCheck) -> String {
    let mut lines = vec![format!(
        "{id}: {}",
        if check.ok { "ok" } else { "PROBLEMS" }
    )];
    for p in &check.problems {
        let at = match (p.line, p.column) {
            (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
            (Some(l), None) => format!(" (line {l})"),
            _ => String::new(),
        };
        lines.push(format!("  error {}{at}: {}", p.field, p.message));
    }
    lines.extend(check.warnings.iter().map(|w| format!("  warning: {w}")));
    if let Some(run) = &check.dry_run {
        lines.push(format!(
            "  dry run on {}: {} evaluations, {} signals, {} errors in {:.0} ms",
            run.sample,
            run.evaluations,
            run.signals,
            run.errors.len(),
            run.duration_ms
        ));
    }
    lines.join("\n")
}
