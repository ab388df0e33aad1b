//! The trader editor's check on save: does the filter compile, does `requiredTimeframes`
//! match what the code reads, and what happens when it runs on sample data.

use std::time::Duration;

use serde::Serialize;

use super::record::Trader;
use super::timeframes::scan;
use crate::engine::{replay, Engine, EngineConfig};
use crate::filter::{FilterError, Limits, Sandbox};
use crate::market::{Candle, Interval};

/// Recorded candles for the dry run.
pub struct Sample<'a> {
    pub symbol: &'a str,
    pub interval: Interval,
    pub candles: &'a [Candle],
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// The compile error, if the code does not compile.
    pub syntax: Option<FilterError>,
    pub timeframes: TimeframeCheck,
    /// The dry run, when the code compiles and a sample was given.
    pub dry_run: Option<DryRun>,
}

impl Validation {
    /// No error: it compiles, reads only declared timeframes, and the dry run had no errors.
    pub fn is_ok(&self) -> bool {
        self.syntax.is_none()
            && self.timeframes.undeclared.is_empty()
            && self.dry_run.as_ref().is_none_or(|d| d.errors.is_empty())
    }
}

/// `requiredTimeframes` against the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeframeCheck {
    /// Keys the code reads that are not declared (an error: they would be `undefined`).
    pub undeclared: Vec<String>,
    /// Declared timeframes the code never reads literally (a warning).
    pub unused: Vec<Interval>,
    /// The code indexes `timeframes` with a computed key, so the check is incomplete.
    pub dynamic: bool,
}

/// The filter run on the sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    pub evaluations: usize,
    pub signals: usize,
    /// The first errors (at most 20).
    pub errors: Vec<FilterError>,
    pub duration_ms: f64,
}

const MAX_ERRORS: usize = 20;

/// Checks a trader; `sample` (optional) is replayed through a private one-worker engine.
pub fn validate(trader: &Trader, sample: Option<Sample<'_>>) -> Validation {
    let timeframes = check_timeframes(trader);
    let syntax = Sandbox::new(Limits::default())
        .map_err(|e| internal(trader, e))
        .and_then(|mut s| s.compile(&trader.id, trader.version, &trader.filter.code))
        .err();
    let dry_run = match (&syntax, sample) {
        (None, Some(sample)) => Some(dry_run(trader, &sample)),
        _ => None,
    };
    Validation {
        syntax,
        timeframes,
        dry_run,
    }
}

fn check_timeframes(trader: &Trader) -> TimeframeCheck {
    let found = scan(&trader.filter.code);
    let declared = trader.timeframes();
    let undeclared = found
        .literal
        .iter()
        .filter(|key| !declared.iter().any(|d| d.as_str() == key.as_str()))
        .cloned()
        .collect();
    let unused = declared
        .iter()
        .filter(|d| !found.literal.contains(d.as_str()))
        .copied()
        .collect();
    TimeframeCheck {
        undeclared,
        unused,
        dynamic: found.dynamic,
    }
}

fn dry_run(trader: &Trader, sample: &Sample<'_>) -> DryRun {
    let mut errors = Vec::new();
    let config = EngineConfig {
        workers: 1,
        ..EngineConfig::default()
    };
    let mut engine = match Engine::new(config) {
        Ok(engine) => engine,
        Err(e) => {
            return DryRun {
                evaluations: 0,
                signals: 0,
                errors: vec![internal(trader, e.to_string())],
                duration_ms: 0.0,
            }
        }
    };
    let mut preview = trader.clone();
    preview.enabled = true;
    preview.filter.symbols = None;
    if let Err(e) = engine.upsert_trader(preview) {
        errors.push(internal(trader, e.to_string()));
    }
    let summary = replay(
        &mut engine,
        sample.symbol,
        sample.interval,
        sample.candles,
        |_| {},
        |e| {
            if errors.len() < MAX_ERRORS {
                errors.push(e.clone());
            }
        },
    );
    DryRun {
        evaluations: summary.evaluations,
        signals: summary.signals,
        errors,
        duration_ms: duration_ms(summary.wall_time),
    }
}

fn internal(trader: &Trader, message: String) -> FilterError {
    FilterError {
        kind: crate::filter::FilterErrorKind::Runtime,
        trader_id: trader.id.clone(),
        symbol: None,
        message,
        line: None,
    }
}

fn duration_ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
