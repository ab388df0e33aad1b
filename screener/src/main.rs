//! `screener`: the engine's command line — `serve` (the agent), `run` (replay recorded candles
//! through traders) and `indicators` (indicator series as JSON). The logic lives in
//! [`screener::cli`] and [`screener::agent`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use screener::cli::indicators::{indicators, IndicatorArgs};
use screener::cli::run::{run, RunArgs};
use screener::market::Interval;

/// TradeMind screener engine.
#[derive(Debug, Parser)]
#[command(name = "screener", version = screener::build::VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent: follow Binance live, run the deployed traders, serve HTTP and the
    /// WebSocket protocol (tokens from SCREENER_OWNER_TOKEN / SCREENER_VIEWER_TOKEN).
    Serve(screener::agent::ServeArgs),
    /// Replay recorded candles through traders; one JSON line per signal, then a summary.
    Run {
        /// A candle file (shared/data CSV, data.binance.vision CSV, REST klines JSON) or a directory of them.
        #[arg(long, value_name = "FILE_OR_DIR")]
        data: PathBuf,
        /// A trader JSON file (one trader or an array) or a directory of them.
        #[arg(long, value_name = "FILE_OR_DIR")]
        traders: PathBuf,
        /// Symbol of the data (default: from the file name).
        #[arg(long)]
        symbol: Option<String>,
        /// Interval of the data (default: from the file name).
        #[arg(long)]
        interval: Option<Interval>,
        /// Candles per interval a filter sees (1–1500).
        #[arg(long, default_value_t = 500)]
        history: usize,
        /// JSON lines on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Indicator series of a candle file, aligned with its candles (null where not computable).
    Indicators {
        /// A candle file (shared/data CSV, data.binance.vision CSV, REST klines JSON).
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// sma:20, ema:20, wma:20, rsi:14, macd:12,26,9, bbands:20,2, atr:14, stoch:14,3,3,
        /// stochrsi:14,14,3,3, adx:14, obv, vwap (repeatable).
        #[arg(long = "indicator", value_name = "SPEC", required = true)]
        specs: Vec<String>,
        /// Keep only the last N values of each series.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
        /// Interval of the data (default: from the file name).
        #[arg(long)]
        interval: Option<Interval>,
        /// One JSON object on stdout (otherwise a table of the last rows).
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Serve(args) = cli.command {
        // Not under the locks below: the agent logs to stderr from many threads.
        return screener::cli::serve::serve(args);
    }
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let ran = match cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Run {
            data,
            traders,
            symbol,
            interval,
            history,
            json,
        } => {
            let args = RunArgs {
                data,
                traders,
                symbol,
                interval,
                history,
                json,
            };
            run(&args, &mut out, &mut err)
        }
        Command::Indicators {
            input,
            specs,
            last,
            interval,
            json,
        } => {
            let args = IndicatorArgs {
                input,
                specs,
                last,
                interval,
                json,
            };
            match indicators(&args, &mut out) {
                Ok(()) => Ok(true),
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(false)
                }
            }
        }
    };
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: writing output: {e}");
            ExitCode::FAILURE
        }
    }
}
