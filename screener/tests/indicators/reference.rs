//! Loads the recorded candles (`../shared/data`), the committed reference values
//! (`tests/data/reference`, written by `tools/talib_reference.py`) and compares series with
//! the tolerance rule below.
//!
//! Tolerance rule: a computed value `a` agrees with the reference `b` when
//! `|a - b| <= 1e-9 * max(|b|, floor)`, where `floor` is a thousandth of the largest
//! magnitude that reference series reaches in that file. Values are thus compared relative to
//! themselves, except near zero: series that cross zero (MACD, its signal and histogram,
//! OBV) are differences of much larger numbers, and their rounding scales with those numbers,
//! not with the small result. `None` must match `None` exactly.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

/// One input series set: a recorded file or a synthetic series.
pub struct Case {
    pub name: String,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    pub taker_buy: Option<Vec<f64>>,
    reference: HashMap<String, Vec<Option<f64>>>,
}

/// One reference high-volume node: `[price, volume, buy, sell, strength, low, high]`.
pub type NodeRow = [f64; 7];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data_dir() -> PathBuf {
    manifest().join("../../shared/data")
}

fn reference_dir() -> PathBuf {
    manifest().join("tests/data/reference")
}

fn number(field: &str) -> Option<f64> {
    if field.is_empty() {
        None
    } else {
        Some(
            field
                .parse()
                .unwrap_or_else(|e| panic!("bad number {field:?}: {e}")),
        )
    }
}

fn read_gz(path: &Path) -> String {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    GzDecoder::new(file).read_to_string(&mut text).unwrap();
    text
}

/// `name -> series` from a reference file (one line per series).
fn read_reference(stem: &str) -> HashMap<String, Vec<Option<f64>>> {
    let text = read_gz(&reference_dir().join(format!("{stem}.csv.gz")));
    text.lines()
        .map(|line| {
            let mut fields = line.split(',');
            let name = fields.next().unwrap().to_string();
            (name, fields.map(number).collect())
        })
        .collect()
}

/// Stems of the recorded CSV files.
pub fn data_stems() -> Vec<String> {
    let dir = data_dir();
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|e| panic!("shared data at {}: {e}", dir.display()));
    let mut stems: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".csv").map(str::to_string))
        .collect();
    stems.sort();
    stems
}

/// Stems of the reference files.
pub fn reference_stems() -> Vec<String> {
    let mut stems: Vec<String> = fs::read_dir(reference_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".csv.gz").map(str::to_string))
        .collect();
    stems.sort();
    stems
}

fn load_recorded(stem: &str) -> Case {
    let path = data_dir().join(format!("{stem}.csv"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut columns: [Vec<f64>; 6] = Default::default();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        if !fields[0].starts_with(|c: char| c.is_ascii_digit()) {
            continue; // header
        }
        for (k, column) in columns.iter_mut().enumerate().take(5) {
            column.push(fields[k + 1].parse().unwrap());
        }
        if let Some(buy) = fields.get(9) {
            columns[5].push(buy.parse().unwrap());
        }
    }
    let [open, high, low, close, volume, buy] = columns;
    let taker_buy = (!buy.is_empty()).then_some(buy);
    Case {
        name: stem.to_string(),
        open,
        high,
        low,
        close,
        volume,
        taker_buy,
        reference: read_reference(stem),
    }
}

fn load_synthetic(stem: &str) -> Case {
    let mut reference = read_reference(stem);
    let mut input = |name: &str| -> Vec<f64> {
        let series = reference
            .remove(name)
            .unwrap_or_else(|| panic!("{stem}: no {name} line"));
        series
            .into_iter()
            .map(|v| v.expect("inputs are complete"))
            .collect()
    };
    Case {
        name: stem.to_string(),
        open: input("open"),
        high: input("high"),
        low: input("low"),
        close: input("close"),
        volume: input("volume"),
        taker_buy: None,
        reference,
    }
}

/// Every recorded file, then every synthetic series.
pub fn cases() -> Vec<Case> {
    let mut all: Vec<Case> = data_stems().iter().map(|s| load_recorded(s)).collect();
    all.extend(
        reference_stems()
            .iter()
            .filter(|s| s.starts_with("synthetic_"))
            .map(|s| load_synthetic(s)),
    );
    assert!(all.len() >= 12, "expected 9 recorded and 3 synthetic cases");
    all
}

impl Case {
    /// The reference series `name`.
    pub fn reference(&self, name: &str) -> &[Option<f64>] {
        let series = self
            .reference
            .get(name)
            .unwrap_or_else(|| panic!("{}: no reference series {name}", self.name));
        assert_eq!(
            series.len(),
            self.close.len(),
            "{}: {name} length",
            self.name
        );
        series
    }

    /// Reference high-volume nodes for `lookback`.
    pub fn reference_nodes(&self, lookback: usize) -> Vec<NodeRow> {
        let path = reference_dir().join(format!("{}.hvn.csv", self.name));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        text.lines()
            .skip(1)
            .filter_map(|line| {
                let mut fields = line.split(',');
                let lb: usize = fields.next().unwrap().parse().unwrap();
                let row: Vec<f64> = fields.map(|f| f.parse().unwrap()).collect();
                (lb == lookback).then(|| row.try_into().unwrap())
            })
            .collect()
    }

    /// Asserts `ours` agrees with the reference series `name` (module tolerance rule).
    pub fn check(&self, name: &str, ours: &[Option<f64>]) {
        assert_close(
            &format!("{}: {name}", self.name),
            ours,
            self.reference(name),
        );
    }
}

/// Relative tolerance of the reference comparison.
pub const TOLERANCE: f64 = 1e-9;

/// Asserts the tolerance rule between `ours` and `reference`.
pub fn assert_close(what: &str, ours: &[Option<f64>], reference: &[Option<f64>]) {
    assert_eq!(ours.len(), reference.len(), "{what}: length");
    let scale = reference
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let floor = 1e-3 * scale;
    let mut bad = Vec::new();
    for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
        let ok = match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => (a - b).abs() <= TOLERANCE * b.abs().max(floor),
            _ => false,
        };
        if !ok {
            bad.push(format!("[{i}] ours {a:?} reference {b:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{what}: {} of {} values disagree, first: {}",
        bad.len(),
        reference.len(),
        bad.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
    );
}

/// Asserts two node values agree within the relative tolerance.
pub fn assert_value(what: &str, ours: f64, reference: f64) {
    assert!(
        (ours - reference).abs() <= TOLERANCE * reference.abs(),
        "{what}: ours {ours} reference {reference}"
    );
}
