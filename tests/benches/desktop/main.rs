//! The desktop app's performance figures (issue 6): cold start to interactive, idle memory of
//! all its processes (PSS), and memory, lag and responsiveness under a sustained agent load.
//!
//! ```text
//! scripts/with-keyring.sh cargo bench -p trademind-tests --bench desktop -- [cold] [idle] [load]
//!     [--runs N] [--idle-secs N] [--minutes N] [--sample-secs N]
//! ```
//!
//! With no mode, `cold` and `idle` run. The app measured is `TRADEMIND_BIN`, else the
//! `trademind` next to this bench (`target/release/trademind` for `cargo bench`: build it with
//! `cargo build --release -p trademind`; `--profile dev` measures `target/debug/trademind`).
//! Tables go to stdout, figures to `target/desktop-bench.json`. Needs Xvfb, WebKitWebDriver
//! (load) and the test keyring (`scripts/with-keyring.sh`).

mod cold;
mod idle;
mod launch;
mod load;
mod report;

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{json, Map, Value};

const USAGE: &str = "usage: desktop [cold] [idle] [load] [--runs N] [--idle-secs N] \
                     [--minutes N] [--sample-secs N]";

/// What to run, from the command line.
#[derive(Debug)]
struct Options {
    modes: Vec<String>,
    runs: usize,
    idle: Duration,
    minutes: f64,
    every: Duration,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        modes: Vec::new(),
        runs: 5,
        idle: Duration::from_secs(15),
        minutes: 10.0,
        every: Duration::from_secs(15),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<f64, String> {
            let value = args.next().ok_or(format!("{name} needs a value"))?;
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or(format!("{name}: {value:?} is not a positive number"))
        };
        match arg.as_str() {
            "cold" | "idle" | "load" => options.modes.push(arg.clone()),
            "--runs" => options.runs = number("--runs")?.ceil() as usize,
            "--idle-secs" => options.idle = Duration::from_secs_f64(number("--idle-secs")?),
            "--minutes" => options.minutes = number("--minutes")?,
            "--sample-secs" => options.every = Duration::from_secs_f64(number("--sample-secs")?),
            // cargo bench passes `--bench` to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.modes.is_empty() {
        options.modes = vec!["cold".into(), "idle".into()];
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if std::env::var("TRADEMIND_TEST_KEYRING").as_deref() != Ok("1") {
        eprintln!("the app needs the test keyring: run the bench through scripts/with-keyring.sh");
        return ExitCode::from(2);
    }
    let binary = trademind_tests::app::binary();
    println!("app: {}", binary.display());
    let mut entries = Map::new();
    entries.insert("binary".into(), json!(binary));
    entries.insert(
        "cpus".into(),
        json!(std::thread::available_parallelism().map_or(0, |n| n.get())),
    );
    let mut failed = false;
    for mode in &options.modes {
        let outcome = match mode.as_str() {
            "cold" => cold::run(options.runs),
            "idle" => idle::run(options.idle),
            _ => load::run(options.minutes, options.every),
        };
        let entry = outcome.unwrap_or_else(|e| {
            eprintln!("{mode}: {e}");
            failed = true;
            json!({ "error": e })
        });
        entries.insert(mode.clone(), with_time(entry));
    }
    match report::save(entries) {
        Ok(path) => println!("\nfigures: {}", path.display()),
        Err(e) => {
            eprintln!("writing the report: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Stamps an entry with when it was measured (seconds since the epoch) and the machine's
/// load average then (other work on the machine slows start-up and the page).
fn with_time(mut entry: Value) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok());
    if let Some(object) = entry.as_object_mut() {
        object.insert("measuredAt".into(), json!(now));
        object.insert("loadAverage1m".into(), json!(load));
    }
    entry
}
