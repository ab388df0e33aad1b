//! `screener`: the engine's command line. Subcommands (`run`, `indicators`, `serve`) arrive
//! with the engine and agent issues; today it reports its version.

use clap::Parser;

/// TradeMind screener engine and agent.
#[derive(Debug, Parser)]
#[command(name = "screener", version = screener::build::VERSION, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!(
        "{}: no subcommand yet — `run`, `indicators` and `serve` arrive with the engine and agent",
        screener::build::identity()
    );
    std::process::exit(2);
}
