//! `trademind costs` (the month's machine costs per day, price overrides) and
//! `trademind budget` (the monthly budget and its hard stop).

use clap::{Args, Subcommand};

use super::output;
use crate::api::{self, Actor, Core};
use crate::costs::view::{CostReport, PriceOverride};
use crate::costs::SystemClock;
use crate::error::Result;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CostsArgs {
    /// The month, YYYY-MM (UTC); default: this month.
    #[arg(long, value_name = "YYYY-MM")]
    month: Option<String>,
    #[command(subcommand)]
    action: Option<CostsCommand>,
}

#[derive(Debug, Subcommand)]
enum CostsCommand {
    /// Override the price of a size (USD per started hour), or go back to Fly's.
    Price {
        #[command(subcommand)]
        action: PriceCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PriceCommand {
    /// Use this price for a size: `costs price set normal 0.02`.
    #[command(allow_negative_numbers = true)]
    Set { size: String, usd_per_hour: f64 },
    /// Use Fly's documented price for a size again.
    Clear { size: String },
}

#[derive(Debug, Subcommand)]
pub enum BudgetCommand {
    /// Set the monthly budget in USD (warnings at 80 % and 100 %).
    #[command(allow_negative_numbers = true)]
    Set {
        monthly_usd: f64,
        /// Stop the machine when the month's spend reaches the budget.
        #[arg(long)]
        hard_stop: bool,
    },
    /// Remove the monthly budget.
    Clear,
    /// Show the budget against this month's spend.
    Show,
}

pub async fn run(core: &Core, json: bool, args: CostsArgs) -> Result<()> {
    match args.action {
        None => {
            let report = api::costs::report(core, args.month.as_deref(), &SystemClock).await?;
            output(json, &report, || describe(&report));
        }
        Some(CostsCommand::Price { action }) => {
            let overrides = match action {
                PriceCommand::Set { size, usd_per_hour } => {
                    api::costs::set_price(core, Actor::Cli, &size, Some(usd_per_hour)).await?
                }
                PriceCommand::Clear { size } => {
                    api::costs::set_price(core, Actor::Cli, &size, None).await?
                }
            };
            output(json, &overrides, || describe_overrides(&overrides));
        }
    }
    Ok(())
}

pub async fn run_budget(core: &Core, json: bool, command: BudgetCommand) -> Result<()> {
    match command {
        BudgetCommand::Set {
            monthly_usd,
            hard_stop,
        } => {
            api::costs::set_budget(core, Actor::Cli, monthly_usd, hard_stop).await?;
        }
        BudgetCommand::Clear => api::costs::clear_budget(core, Actor::Cli).await?,
        BudgetCommand::Show => {}
    }
    let report = api::costs::report(core, None, &SystemClock).await?;
    output(json, &report.budget, || match &report.budget {
        None => "No monthly budget (`trademind budget set <usd>`).".into(),
        Some(b) => format!(
            "Budget ${:.2}/month{}: ${:.2} spent in {} ({:.0} %, {})",
            b.monthly_usd,
            if b.hard_stop { " with hard stop" } else { "" },
            b.spent_usd,
            report.month,
            b.percent,
            serde_json::to_value(b.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
    });
    Ok(())
}

fn describe(report: &CostReport) -> String {
    let mut lines = vec![format!(
        "Costs for {} (UTC, to {}): ${:.2} (compute ${:.2}, storage ${:.2})",
        report.month, report.as_of, report.total_usd, report.compute_usd, report.storage_usd
    )];
    for day in report.days.iter().filter(|d| d.total_usd > 0.0) {
        lines.push(format!(
            "{}  {:>5.1} h  ${:>7.2}",
            day.date, day.started_hours, day.total_usd
        ));
    }
    if let Some(b) = &report.budget {
        lines.push(format!(
            "budget: ${:.2}/month, {:.0} % spent{}",
            b.monthly_usd,
            b.percent,
            if b.hard_stop { ", hard stop on" } else { "" }
        ));
    }
    if !report.overrides.is_empty() {
        lines.push(describe_overrides(&report.overrides));
    }
    if !report.unpriced.is_empty() {
        lines.push(format!(
            "warning: no price for {} (counted as $0; set one with `trademind costs price set`)",
            report.unpriced.join(", ")
        ));
    }
    lines.join("\n")
}

fn describe_overrides(overrides: &[PriceOverride]) -> String {
    if overrides.is_empty() {
        return "No price overrides: Fly's documented prices apply.".into();
    }
    overrides
        .iter()
        .map(|o| format!("price override: {} ${}/h", o.size, o.usd_per_hour))
        .collect::<Vec<_>>()
        .join("\n")
}
