//! `trademind signals`: the stored signals of both sources, newest first.

use clap::Args;

use super::output;
use crate::api::{self, Core};
use crate::error::Result;
use crate::signals::{SignalFilter, SignalSource};

#[derive(Debug, Args)]
pub struct SignalsArgs {
    /// Only this trader's signals.
    #[arg(long, value_name = "ID")]
    trader: Option<String>,
    /// Only this symbol (any case).
    #[arg(long)]
    symbol: Option<String>,
    /// Only `cloud` or `local` signals.
    #[arg(long, value_parser = ["cloud", "local"])]
    source: Option<String>,
    /// How many (1–1000; 0 means 200).
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub async fn run(core: &Core, json: bool, args: SignalsArgs) -> Result<()> {
    let filter = SignalFilter {
        trader_id: args.trader,
        symbol: args.symbol,
        source: args.source.map(|s| {
            if s == "cloud" {
                SignalSource::Cloud
            } else {
                SignalSource::Local
            }
        }),
        limit: args.limit,
        before_ms: None,
    };
    let signals = api::signals::list(core, &filter).await?;
    output(json, &signals, || {
        if signals.is_empty() {
            return "No signals.".into();
        }
        signals
            .iter()
            .map(|s| {
                let at = chrono::DateTime::from_timestamp_millis(s.open_time)
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                let decision = s
                    .decision
                    .as_ref()
                    .map(|d| format!("  [{d}]"))
                    .unwrap_or_default();
                format!(
                    "{at}  {:<5} {:<28} {:<10} {:<4} @ {}{decision}",
                    match s.source {
                        SignalSource::Cloud => "cloud",
                        SignalSource::Local => "local",
                    },
                    s.trader_name,
                    s.symbol,
                    s.interval,
                    s.price
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
