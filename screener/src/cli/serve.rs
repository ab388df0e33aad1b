//! `screener serve`: logs to stderr (`SCREENER_LOG`, default `info`; Fly collects stderr),
//! a multi-threaded runtime, the agent until SIGTERM/SIGINT, exit code 0 after a clean drain
//! and 1 with the reason otherwise.

use std::process::ExitCode;

use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use crate::agent::args::Tokens;
use crate::agent::{serve as run_agent, ServeArgs};
use crate::analysis::AnalysisConfig;

pub fn serve(args: ServeArgs) -> ExitCode {
    let filter = EnvFilter::try_from_env("SCREENER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tokens = match Tokens::from_env(args.listen, args.insecure_local) {
        Ok(tokens) => tokens,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let analysis = match AnalysisConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !analysis.enabled() {
        tracing::info!("AI analysis is off: SCREENER_LLM_API_KEY is not set");
    }
    match runtime.block_on(run_agent(args, tokens, analysis, CancellationToken::new())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the agent stopped: {e}");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
