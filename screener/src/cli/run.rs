//! `screener run`: replays recorded candles through the engine and prints one JSON line per
//! signal and a final `{"summary": …}` line (or readable text without `--json`).
//!
//! Files are replayed one after another in name order, each as its own (symbol, interval)
//! series. Bad files and bad traders are reported on stderr and skipped; the exit code is
//! non-zero only when nothing could run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use super::traders::{files, load_traders};
use crate::engine::{replay, Engine, EngineConfig, Signal};
use crate::market::{CandleFile, Interval};

/// Arguments of `screener run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    pub data: PathBuf,
    pub traders: PathBuf,
    pub symbol: Option<String>,
    pub interval: Option<Interval>,
    pub history: usize,
    pub json: bool,
}

/// Runs the replay; returns whether anything ran.
pub fn run(args: &RunArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let started = Instant::now();
    let loaded = load_traders(&args.traders);
    let mut problems = loaded.problems;
    let mut engine = match Engine::new(EngineConfig {
        history: args.history,
        ..EngineConfig::default()
    }) {
        Ok(engine) => engine,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(false);
        }
    };
    for trader in loaded.traders {
        if let Err(e) = engine.upsert_trader(trader) {
            problems.push(e.to_string());
        }
    }
    let mut data_files = Vec::new();
    for path in data_files_in(&args.data, &mut problems) {
        match CandleFile::load(&path, args.symbol.as_deref(), args.interval) {
            Ok(file) => data_files.push(file),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for problem in &problems {
        writeln!(err, "error: {problem}")?;
    }
    if engine.traders().count() == 0 || data_files.is_empty() {
        writeln!(
            err,
            "error: nothing to run ({} trader(s), {} data file(s) loaded)",
            engine.traders().count(),
            data_files.len()
        )?;
        return Ok(false);
    }

    let mut totals = (0usize, 0usize, 0usize, 0usize);
    let mut written: std::io::Result<()> = Ok(());
    for file in &data_files {
        let summary = replay(
            &mut engine,
            &file.symbol,
            file.interval,
            &file.candles,
            |signal| {
                if written.is_ok() {
                    written = write_signal(out, signal, args.json);
                }
            },
            |error| {
                let _ = writeln!(err, "error: {error}");
            },
        );
        totals.0 += summary.candles;
        totals.1 += summary.evaluations;
        totals.2 += summary.signals;
        totals.3 += summary.errors;
    }
    written?;
    let per_trader: BTreeMap<_, _> = engine
        .stats()
        .iter()
        .map(|(id, s)| (id.clone(), s.clone()))
        .collect();
    let wall = started.elapsed();
    let summary = json!({ "summary": {
        "files": data_files.iter().map(|f| json!({"file": f.path.display().to_string(), "symbol": f.symbol, "interval": f.interval, "candles": f.candles.len()})).collect::<Vec<_>>(),
        "candles": totals.0, "evaluations": totals.1, "signals": totals.2, "errors": totals.3,
        "traders": per_trader, "problems": problems, "wallTimeMs": millis(wall),
    }});
    if args.json {
        writeln!(out, "{summary}")?;
    } else {
        writeln!(
            out,
            "{} candles, {} evaluations, {} signals, {} errors in {:.0} ms",
            totals.0,
            totals.1,
            totals.2,
            totals.3,
            millis(wall)
        )?;
    }
    Ok(true)
}

fn data_files_in(path: &Path, problems: &mut Vec<String>) -> Vec<PathBuf> {
    if !path.is_dir() {
        return files(path, "csv", problems);
    }
    let mut ignored = Vec::new();
    let mut all = files(path, "csv", &mut ignored);
    all.extend(files(path, "json", &mut ignored));
    all.sort();
    if all.is_empty() {
        problems.push(format!("{}: no .csv or .json candle files", path.display()));
    }
    all
}

/// One signal as `screener run` prints it: a JSON line with `json`, else a readable line.
/// `trademind local run` prints the same lines.
pub fn write_signal(out: &mut impl Write, signal: &Signal, json: bool) -> std::io::Result<()> {
    if json {
        let line = serde_json::to_string(signal).map_err(std::io::Error::other)?;
        writeln!(out, "{line}")
    } else {
        writeln!(
            out,
            "#{} {} {} {} @ {} {}",
            signal.seq,
            signal.trader_id,
            signal.symbol,
            signal.interval,
            signal.price,
            signal.conditions.join("; ")
        )
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
