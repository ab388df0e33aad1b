//! Readers for recorded candles: the `shared/data` CSV layout, data.binance.vision kline CSVs
//! (ms or µs timestamps, with or without a header) and Binance REST klines JSON, with the
//! format detected from the content and the symbol and interval inferred from the file name.
//!
//! Every problem is a [`ReadError`] naming the file, the 1-based line and what is wrong.
//! Rows must have strictly increasing open times; gaps are kept as they are. Readers never
//! drop the last candle on their own: a REST response's still-forming candle is removed with
//! [`drop_incomplete`] given the time the data was fetched.

mod csv;
mod fields;
mod file_name;
mod rest_json;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::market::candle::Candle;
use crate::market::interval::Interval;

pub use fields::Field;
pub use file_name::infer_symbol_interval;

/// A file layout the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `open_time_ms,open,high,low,close,volume` with that header (the `shared/data` layout).
    SharedCsv,
    /// data.binance.vision kline CSV: 12 columns, no header (spot) or a header (futures).
    VisionCsv,
    /// `GET /api/v3/klines` output: a JSON array of 12-element arrays.
    RestJson,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::SharedCsv => "shared CSV",
            Format::VisionCsv => "data.binance.vision CSV",
            Format::RestJson => "Binance REST klines JSON",
        })
    }
}

/// What is wrong at one place of a file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("the file is empty")]
    Empty,
    #[error(
        "unrecognised format: expected the header `open_time_ms,open,high,low,close,volume`, \
         12-column data.binance.vision rows or a JSON array of klines; found `{found}`"
    )]
    UnknownFormat { found: String },
    #[error("unexpected header `{found}`; expected `open_time_ms,open,high,low,close,volume`")]
    Header { found: String },
    #[error("expected {expected} columns, found {found}")]
    ColumnCount { expected: usize, found: usize },
    #[error("{field}: `{value}` is not a finite decimal number")]
    NotANumber { field: Field, value: String },
    #[error("{field}: `{value}` is not a non-negative integer")]
    NotAnInteger { field: Field, value: String },
    #[error("{field}: expected {expected}, found {found}")]
    WrongType {
        field: Field,
        expected: &'static str,
        found: String,
    },
    #[error(
        "{field}: {value} is neither epoch milliseconds (13 digits) nor microseconds (16 digits)"
    )]
    Timestamp { field: Field, value: i64 },
    #[error("{field} is negative ({value})")]
    Negative { field: Field, value: f64 },
    #[error("high {high} is below low {low}")]
    HighBelowLow { high: f64, low: f64 },
    #[error("{field} {value} lies outside [low, high] = [{low}, {high}]")]
    OutsideRange {
        field: Field,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error("close time {close_time} does not fit a {interval} candle opened at {open_time}")]
    CloseTime {
        open_time: i64,
        close_time: i64,
        interval: Interval,
    },
    #[error("duplicate open time {open_time} (same as the previous row)")]
    Duplicate { open_time: i64 },
    #[error("open time {open_time} is not after the previous row's {previous}; rows must be sorted by time")]
    NotIncreasing { open_time: i64, previous: i64 },
    #[error("invalid JSON: {message}")]
    Json { message: String },
    #[error("expected a JSON array of 12-element kline arrays, found {found}")]
    NotKlines { found: String },
    #[error("the file holds a Binance error response, not klines: code {code}, {message}")]
    BinanceError { code: i64, message: String },
}

/// Why candles could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The content is wrong at `line` (1-based) of `file`.
    #[error("{file}:{line}: {problem}")]
    Invalid {
        file: String,
        line: usize,
        problem: Problem,
    },
    /// The symbol or interval was not given and the file name does not tell.
    #[error(
        "{}: cannot infer the symbol and interval from the file name: {reason}; \
         pass --symbol and --interval",
        path.display()
    )]
    FileName { path: PathBuf, reason: String },
}

impl ReadError {
    /// The 1-based line of an [`ReadError::Invalid`] error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ReadError::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The problem of an [`ReadError::Invalid`] error.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ReadError::Invalid { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// Builds [`ReadError::Invalid`] for one file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Location<'a> {
    file: &'a str,
}

impl Location<'_> {
    pub(crate) fn at(&self, line: usize, problem: Problem) -> ReadError {
        ReadError::Invalid {
            file: self.file.to_owned(),
            line,
            problem,
        }
    }
}

/// Detects the format from the content: `[`/`{` first → REST JSON; otherwise the first
/// non-empty line's column count (6 → shared CSV, 12 → data.binance.vision CSV).
pub fn detect_format(text: &str, file: &str) -> Result<Format, ReadError> {
    let at = Location { file };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some((index, line)) = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
    else {
        return Err(at.at(1, Problem::Empty));
    };
    let line = line.trim();
    if line.starts_with('[') || line.starts_with('{') {
        return Ok(Format::RestJson);
    }
    match line.split(',').count() {
        6 => Ok(Format::SharedCsv),
        12 => Ok(Format::VisionCsv),
        _ => Err(at.at(
            index + 1,
            Problem::UnknownFormat {
                found: line.chars().take(80).collect(),
            },
        )),
    }
}

/// Parses candles of `interval` from `text` (named `file` in errors), detecting the format
/// unless `format` is given.
pub fn parse_candles(
    text: &str,
    file: &str,
    interval: Interval,
    format: Option<Format>,
) -> Result<(Format, Vec<Candle>), ReadError> {
    let format = match format {
        Some(format) => format,
        None => detect_format(text, file)?,
    };
    let at = Location { file };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let candles = match format {
        Format::SharedCsv => csv::parse(text, at, interval, csv::Layout::Shared)?,
        Format::VisionCsv => csv::parse(text, at, interval, csv::Layout::Vision)?,
        Format::RestJson => rest_json::parse(text, at, interval)?,
    };
    Ok((format, candles))
}

/// Reads and parses the file at `path` (format detected from the content).
pub fn read_candles(path: &Path, interval: Interval) -> Result<(Format, Vec<Candle>), ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_candles(&text, &path.display().to_string(), interval, None)
}

/// Removes every candle that had not closed at `now_ms` (close time ≥ `now_ms`), such as the
/// live candle Binance's REST API returns last; returns how many were removed.
pub fn drop_incomplete(candles: &mut Vec<Candle>, now_ms: i64) -> usize {
    let before = candles.len();
    candles.retain(|c| c.is_closed_at(now_ms));
    before - candles.len()
}

/// A loaded file: its candles and the symbol, interval and format they were read as.
#[derive(Debug, Clone)]
pub struct CandleFile {
    pub path: PathBuf,
    /// Upper-case symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    pub interval: Interval,
    pub format: Format,
    /// Oldest first, strictly increasing open times.
    pub candles: Vec<Candle>,
}

impl CandleFile {
    /// Loads `path`. The symbol and interval are taken from the arguments when given and
    /// otherwise inferred from the file name (`btcusdt_5m_….csv`, `ADABTC-1m-2021-11-27.csv`).
    pub fn load(
        path: &Path,
        symbol: Option<&str>,
        interval: Option<Interval>,
    ) -> Result<CandleFile, ReadError> {
        let (symbol, interval) = match (symbol, interval) {
            (Some(symbol), Some(interval)) => (symbol.to_ascii_uppercase(), interval),
            _ => {
                let (name_symbol, name_interval) = infer_symbol_interval(path)?;
                (
                    symbol.map_or(name_symbol, str::to_ascii_uppercase),
                    interval.unwrap_or(name_interval),
                )
            }
        };
        let (format, candles) = read_candles(path, interval)?;
        Ok(CandleFile {
            path: path.to_owned(),
            symbol,
            interval,
            format,
            candles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        let shared = "open_time_ms,open,high,low,close,volume\n1,2,3,4,5,6\n";
        assert_eq!(detect_format(shared, "f").ok(), Some(Format::SharedCsv));
        let vision = "\u{feff}\n1637971200000,1,1,1,1,1,1637971259999,1,1,1,1,0\n";
        assert_eq!(detect_format(vision, "f").ok(), Some(Format::VisionCsv));
        assert_eq!(detect_format("  [[1]]", "f").ok(), Some(Format::RestJson));
        let err = detect_format("\n\na;b;c\n", "x.csv").err();
        assert_eq!(err.as_ref().and_then(ReadError::line), Some(3));
        assert!(matches!(
            detect_format(" \n", "x.csv"),
            Err(ReadError::Invalid {
                line: 1,
                problem: Problem::Empty,
                ..
            })
        ));
    }

    #[test]
    fn drop_incomplete_uses_close_time() {
        let t = 1_672_677_900_000;
        let mut candles: Vec<Candle> = (0..3)
            .map(|i| Candle::new(t + i * 60_000, Interval::M1, 1.0, 1.0, 1.0, 1.0, 1.0))
            .collect();
        assert_eq!(drop_incomplete(&mut candles, t + 3 * 60_000), 0);
        assert_eq!(drop_incomplete(&mut candles, t + 2 * 60_000 + 30_000), 1);
        assert_eq!(candles.len(), 2);
    }
}
