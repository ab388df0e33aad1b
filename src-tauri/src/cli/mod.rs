//! `trademind <subcommand>`: the headless command line, in the same binary as the app.
//!
//! Without a subcommand the desktop window opens ([`crate::shell::run`]). With one, nothing
//! graphical is touched: the subcommand calls the [`crate::api`] layer and prints either text
//! or, with `--json`, the operation's JSON on stdout and `{code, message, hint}` on stderr.
//!
//! Exit codes: 0 success; 2 the user's to fix (bad input, a missing or read-only token, an
//! unconfirmed destroy — and clap's usage errors); 3 Fly or the agent failed after retries;
//! 1 a local failure (keyring, database, files).

mod costs;
mod deadman;
mod inspect;
mod link;
mod local;
mod machine;
mod parking;
mod signals;
mod traders;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::api::{self, token::TokenStatus, Actor, Core, Mode};
use crate::error::{ApiError, Blame, Error, Result};
use crate::logging::{self, Console};
use crate::paths::Paths;
use crate::sensitive::Sensitive;

/// Most bytes `login --token-stdin` reads: far above any real token, bounded against a pipe
/// that never ends.
const STDIN_LIMIT: u64 = 64 * 1024;

/// How long `events` waits for the agent's record of support's looks.
const ACCESS_IMPORT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// TradeMind: control panel for your screener machine on Fly.io.
///
/// Run without a subcommand to open the desktop app.
#[derive(Debug, Parser)]
#[command(name = "trademind", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (database, logs); overrides TRADEMIND_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Machine-readable output: the result as JSON on stdout, errors as JSON on stderr.
    #[arg(long, global = true)]
    json: bool,

    /// Support mode: read-only. Every command that would change a machine, a trader or a
    /// setting is refused with `forbidden`; without a subcommand the support window opens.
    #[arg(long, global = true)]
    support: bool,

    /// Fly Machines API base URL; overrides TRADEMIND_FLY_API_URL (default https://api.machines.dev).
    #[arg(long, global = true, value_name = "URL")]
    fly_api_url: Option<String>,

    /// The agent's base URL (`{app}` is replaced by the app name); overrides
    /// TRADEMIND_AGENT_URL (default https://<app>.fly.dev).
    #[arg(long, global = true, value_name = "URL")]
    agent_url: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Store a Fly API token in the OS keyring (read from standard input, never from argv).
    Login {
        /// Read the token from standard input, e.g. `fly tokens create org | trademind login --token-stdin`.
        #[arg(long, required = true)]
        token_stdin: bool,
    },
    /// Remove the stored Fly API token from the OS keyring.
    Logout,
    /// Show the version, paths, database and keyring health, and the token in use.
    Status,
    /// Show the audit log, newest first.
    Events {
        /// How many events to show (1–500).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
    },
    /// Your screener machine on Fly: start, stop, restart, status, events, destroy.
    Machine {
        #[command(subcommand)]
        action: machine::MachineCommand,
    },
    /// Fly regions (and where Binance answers) and machine sizes with estimated costs.
    Regions,
    /// Your traders and the built-ins: list, show, check, import, export.
    Traders {
        #[command(subcommand)]
        action: traders::TradersCommand,
    },
    /// Signals from the cloud and from local screening, newest first.
    Signals(signals::SignalsArgs),
    /// Auto-stop: park the machine when no cloud trader runs for a while or outside a
    /// schedule.
    Autostop {
        #[command(subcommand)]
        action: parking::AutoStopCommand,
    },
    /// The dead-man's switch: how long the agent may be silent (or its candles old) before
    /// the desktop alerts.
    Deadman {
        #[command(subcommand)]
        action: deadman::DeadManCommand,
    },
    /// Screening on this computer (no Fly token needed).
    Local {
        #[command(subcommand)]
        action: local::LocalCommand,
    },
    /// The live link to your agent: one greeting (`status`) or a live feed (`watch`).
    Link {
        #[command(subcommand)]
        action: link::LinkCommand,
    },
    /// What your machine cost this month (or `--month YYYY-MM`), per day; price overrides.
    Costs(costs::CostsArgs),
    /// The monthly budget: warnings at 80 % and 100 %, optional hard stop.
    Budget {
        #[command(subcommand)]
        action: costs::BudgetCommand,
    },
    /// Support mode (read-only): find a user's machine and inspect it, its logs and its live
    /// agent, or write a diagnostics report. Needs a read-only Fly token (and the agent's
    /// viewer token for metrics, traders and signals).
    Inspect {
        #[command(subcommand)]
        action: inspect::InspectCommand,
    },
}

/// Every subcommand that changes a machine, a trader, a token or a setting, as an argument
/// list that parses: support mode refuses each one (see the tests, and
/// `tests/tests/support_mode.rs`, which runs them all against a read-only setup).
pub const CHANGES: &[&[&str]] = &[
    &["login", "--token-stdin"],
    &["logout"],
    &["machine", "start"],
    &["machine", "stop"],
    &["machine", "restart"],
    &["machine", "resize", "--size", "shared-cpu-2x"],
    &["machine", "destroy", "--yes"],
    &["machine", "replace-viewer-token"],
    &["traders", "import", "traders.json"],
    &["autostop", "set", "--idle", "30m"],
    &["autostop", "off"],
    &["deadman", "set", "--silence", "3m"],
    &["deadman", "reset"],
    &["costs", "price", "set", "shared-cpu-1x", "0.01"],
    &["costs", "price", "clear", "shared-cpu-1x"],
    &["budget", "set", "50"],
    &["budget", "clear"],
];

/// Every subcommand that only reads (or only touches support's own credentials).
pub const READS: &[&str] = &[
    "status",
    "events",
    "machine status",
    "machine events",
    "machine viewer-token",
    "regions",
    "traders list",
    "traders show",
    "traders check",
    "traders export",
    "signals",
    "autostop show",
    "deadman show",
    "local run",
    "link status",
    "link watch",
    "costs",
    "budget show",
    "inspect login",
    "inspect logout",
    "inspect status",
    "inspect find",
    "inspect show",
    "inspect logs",
    "inspect watch",
];

/// Entry point of the `trademind` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = match &cli.data_dir {
        Some(dir) => Paths::for_data_dir(dir.clone()),
        None => Paths::from_env(),
    };
    let mode = match (&cli.command, cli.support) {
        (Some(Command::Inspect { .. }), _) | (_, true) => Mode::Support,
        _ => Mode::Owner,
    };
    match cli.command {
        None => crate::shell::run(paths, mode),
        Some(command) => {
            let json = cli.json;
            let endpoints = (cli.fly_api_url, cli.agent_url);
            match headless(paths, json, endpoints, command, mode) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    print_error(&error, json);
                    exit_code(&error)
                }
            }
        }
    }
}

/// The process exit code for an error (see the module doc).
fn exit_code(error: &ApiError) -> ExitCode {
    match error.code.blame() {
        Blame::User => ExitCode::from(2),
        Blame::Remote => ExitCode::from(3),
        Blame::Local => ExitCode::FAILURE,
    }
}

fn headless(
    paths: Result<Paths>,
    json: bool,
    (fly_api_url, agent_url): (Option<String>, Option<String>),
    command: Command,
    mode: Mode,
) -> std::result::Result<(), ApiError> {
    let paths = paths?;
    paths.ensure_dirs()?;
    let _log = logging::init(&paths.log_dir, Console::Warn)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the async runtime: {e}")))?;
    runtime.block_on(async move {
        let mut core = Core::open_as(paths, mode).await?;
        core.override_endpoints(fly_api_url.as_deref(), agent_url.as_deref())?;
        let outcome = run_command(&core, json, command).await;
        core.close().await;
        outcome
    })
}

async fn run_command(
    core: &Core,
    json: bool,
    command: Command,
) -> std::result::Result<(), ApiError> {
    match command {
        Command::Login { token_stdin: _ } => {
            let raw = read_stdin_token().await?;
            let status = api::token::store(core, Actor::Cli, raw).await?;
            output(json, &status, || {
                describe_token("Stored in the OS keyring", &status)
            });
        }
        Command::Logout => {
            let status = api::token::remove(core, Actor::Cli).await?;
            output(json, &status, || {
                describe_token("The OS keyring holds no Fly token now", &status)
            });
        }
        Command::Status => {
            let report = api::status::report(core).await;
            output(json, &report, || describe_status(&report));
        }
        Command::Events { limit } => {
            // Support's looks at the agent (with the viewer token), into this audit log first.
            match tokio::time::timeout(ACCESS_IMPORT_DEADLINE, api::access::import(core)).await {
                Ok(Err(e)) => tracing::debug!(error = %e, "support accesses not imported"),
                Err(_) => tracing::debug!("support accesses not imported: the agent was slow"),
                Ok(Ok(_)) => {}
            }
            let events = api::status::recent_events(core, limit).await?;
            output(json, &events, || describe_events(&events));
        }
        Command::Machine { action } => machine::run(core, json, action).await?,
        Command::Link { action } => link::run(core, json, action).await?,
        Command::Regions => {
            let view = api::regions::list(core).await?;
            output(json, &view, || machine::describe_regions(&view));
        }
        Command::Traders { action } => traders::run(core, json, action).await?,
        Command::Signals(args) => signals::run(core, json, args).await?,
        Command::Local { action } => local::run(core, json, action).await?,
        Command::Costs(args) => costs::run(core, json, args).await?,
        Command::Budget { action } => costs::run_budget(core, json, action).await?,
        Command::Autostop { action } => parking::run(core, json, action).await?,
        Command::Deadman { action } => deadman::run(core, json, action).await?,
        Command::Inspect { action } => inspect::run(core, json, action).await?,
    }
    Ok(())
}

pub(crate) async fn read_stdin_token() -> Result<Sensitive<String>> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::new();
    tokio::io::stdin()
        .take(STDIN_LIMIT)
        .read_to_end(&mut buffer)
        .await
        .map_err(|e| Error::io("reading the token from standard input", e))?;
    let text = String::from_utf8(buffer).map_err(|_| Error::InvalidToken {
        reason: "standard input is not UTF-8 text".into(),
    })?;
    Ok(Sensitive::new(text))
}

pub(crate) fn output<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: serializing the result: {e}"),
        }
    } else {
        println!("{}", text());
    }
}

fn print_error(error: &ApiError, json: bool) {
    if json {
        eprintln!("{}", serde_json::to_string(error).unwrap_or_default());
    } else {
        eprintln!("error: {}", error.message);
        if let Some(hint) = &error.hint {
            eprintln!("hint: {hint}");
        }
    }
}

fn describe_token(headline: &str, status: &TokenStatus) -> String {
    let mut lines = vec![format!("{headline}.")];
    lines.push(format!("token: {}", token_line(status)));
    if let Some(warning) = &status.env_warning {
        lines.push(format!("warning: {warning}"));
    }
    lines.join("\n")
}

fn token_line(status: &TokenStatus) -> String {
    let describe = |info: &api::token::TokenInfo| {
        let kind = match info.kind {
            crate::secrets::TokenKind::Macaroon => "Fly macaroon token",
            crate::secrets::TokenKind::User => "Fly user token",
        };
        match &info.env_var {
            Some(var) => format!("{kind} …{} from {var} (not stored)", info.last4),
            None => format!("{kind} …{} in the OS keyring", info.last4),
        }
    };
    match (&status.active, &status.stored) {
        (None, _) => "none".to_owned(),
        (Some(active), Some(stored)) if active != stored => {
            format!(
                "{} (overrides the stored {})",
                describe(active),
                describe(stored)
            )
        }
        (Some(active), _) => describe(active),
    }
}

fn describe_status(report: &api::status::AppStatus) -> String {
    let check = |c: &api::status::Check| match (&c.detail, &c.error) {
        (Some(detail), _) if c.ok => format!("ok ({detail})"),
        (_, Some(e)) => format!("FAILED: {e}"),
        _ => "unknown".to_owned(),
    };
    let mut lines = vec![
        format!("TradeMind {}", report.version),
        format!("data dir:  {}", report.data_dir),
        format!("log dir:   {}", report.log_dir),
        format!("database:  {}", check(&report.database)),
        format!("keyring:   {}", check(&report.keyring)),
    ];
    if let Some(token) = &report.token {
        lines.push(format!("token:     {}", token_line(token)));
        if let Some(warning) = &token.env_warning {
            lines.push(format!("warning:   {warning}"));
        }
    }
    lines.join("\n")
}

fn describe_events(events: &[crate::store::events::AuditEvent]) -> String {
    if events.is_empty() {
        return "No events recorded yet.".to_owned();
    }
    events
        .iter()
        .map(|e| {
            let machine = e.machine_id.as_deref().unwrap_or("-");
            format!(
                "{}  {:<4} {:<16} {:<14} {}",
                e.at, e.actor, e.kind, machine, e.details
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every leaf subcommand's path, e.g. `machine stop`.
    fn leaves(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let subcommands: Vec<_> = command
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subcommands.is_empty() {
            out.push(prefix.trim().to_owned());
        }
        for sub in subcommands {
            leaves(sub, &format!("{prefix} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_subcommand_is_classified_as_a_change_or_a_read() {
        let mut all = Vec::new();
        leaves(&Cli::command(), "", &mut all);
        all.retain(|path| !path.is_empty());
        for path in &all {
            let change = CHANGES.iter().any(|argv| {
                let words: Vec<&str> = path.split(' ').collect();
                argv.starts_with(&words)
            });
            let read = READS.contains(&path.as_str());
            assert!(
                change ^ read,
                "`{path}` must be listed exactly once in cli::CHANGES or cli::READS"
            );
        }
        // And every listed change parses (so the support-mode test really runs it).
        for argv in CHANGES {
            let args = std::iter::once("trademind").chain(argv.iter().copied());
            Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn login_requires_token_stdin() {
        let err = Cli::try_parse_from(["trademind", "login"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        assert!(Cli::try_parse_from(["trademind", "login", "--token-stdin"]).is_ok());
    }

    #[test]
    fn json_and_data_dir_are_global() {
        let cli =
            Cli::try_parse_from(["trademind", "status", "--json", "--data-dir", "/x"]).unwrap();
        assert!(cli.json);
        assert_eq!(cli.data_dir, Some(PathBuf::from("/x")));
    }

    #[test]
    fn events_limit_is_bounded() {
        assert!(Cli::try_parse_from(["trademind", "events", "--limit", "0"]).is_err());
        assert!(Cli::try_parse_from(["trademind", "events", "--limit", "501"]).is_err());
        assert!(Cli::try_parse_from(["trademind", "events", "--limit", "500"]).is_ok());
    }

    #[test]
    fn no_subcommand_means_the_window() {
        let cli = Cli::try_parse_from(["trademind"]).unwrap();
        assert!(cli.command.is_none());
    }
}
