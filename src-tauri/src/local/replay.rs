//! Recorded mode: candle files replayed through the engine exactly as `screener run` does
//! (files in name order, each its own series, larger intervals aggregated from it, closing in
//! the same round as the candle that closed them), but one candle at a time so that a stop
//! or a trader moving to the cloud takes effect between candles. Blocking: run it on its own
//! thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use screener::engine::{Engine, SeriesReplay, Signal};
use screener::market::CandleFile;

use crate::error::{Error, Result};

/// The candle files of `path`: the file itself, or the `.csv` and `.json` files in it in
/// name order (as `screener run` reads them). Bad files are an error naming them.
pub fn load_files(path: &Path) -> Result<Vec<CandleFile>> {
    let mut paths: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("json")
                    })
            })
            .collect()
    } else if path.is_file() {
        vec![path.to_owned()]
    } else {
        return Err(Error::InvalidInput(format!(
            "{}: no such file or directory",
            path.display()
        )));
    };
    paths.sort();
    if paths.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no .csv or .json candle files",
            path.display()
        )));
    }
    paths
        .iter()
        .map(|p| CandleFile::load(p, None, None).map_err(|e| Error::InvalidInput(e.to_string())))
        .collect()
}

/// What the replay does between candles: stop, drop traders, count.
pub trait ReplayControl {
    /// True to stop now.
    fn stopped(&self) -> bool;
    /// Trader ids to remove from the engine before the next candle.
    fn removals(&mut self) -> Vec<String>;
    /// A source candle was replayed.
    fn candle(&mut self, symbol: &str);
    fn signal(&mut self, signal: &Signal);
}

/// Replays `files` through `engine` until done or stopped; true when every file was
/// replayed.
pub fn replay_files(
    engine: &mut Engine,
    files: &[CandleFile],
    control: &mut impl ReplayControl,
) -> bool {
    for file in files {
        let mut series = SeriesReplay::new(engine, &file.symbol, file.interval);
        for candle in &file.candles {
            if control.stopped() {
                return false;
            }
            for id in control.removals() {
                let _ = engine.remove_trader(&id);
            }
            let report = engine.close_candles(&series.closes(candle));
            control.candle(&file.symbol);
            for signal in &report.signals {
                control.signal(signal);
            }
            for error in &report.errors {
                tracing::debug!(error = %error, "local screening: filter error");
            }
        }
    }
    true
}

/// A [`ReplayControl`] that never stops and collects the signals (the CLI, tests).
#[derive(Debug, Default)]
pub struct Collect {
    pub candles: u64,
    pub signals: Vec<Signal>,
}

impl ReplayControl for Collect {
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
        self.signals.push(signal.clone());
    }
}

/// A flag shared with the thread that stops it.
#[derive(Debug, Default)]
pub struct StopFlag(AtomicBool);

impl StopFlag {
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
