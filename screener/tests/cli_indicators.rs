//! `screener indicators` end to end through the binary, on every file in shared/data.

use std::path::PathBuf;
use std::process::{Command, Output};

use screener::market::CandleFile;

const SPECS: [&str; 12] = [
    "sma:20",
    "ema:20",
    "wma:20",
    "rsi:14",
    "macd:12,26,9",
    "bbands:20,2",
    "atr:14",
    "stoch:14,3,3",
    "stochrsi:14,14,3,3",
    "adx:14",
    "obv",
    "vwap",
];

fn screener(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_screener"))
        .args(args)
        .output()
        .expect("run screener")
}

fn data_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn run_all(file: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["indicators", "--input", file.to_str().unwrap(), "--json"];
    for spec in SPECS {
        args.extend(["--indicator", spec]);
    }
    args.extend(extra);
    let out = screener(&args);
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn series<'a>(
    value: &'a serde_json::Value,
    spec: &str,
    field: Option<&str>,
) -> &'a Vec<serde_json::Value> {
    let v = &value[spec];
    field
        .map_or(v, |f| &v[f])
        .as_array()
        .unwrap_or_else(|| panic!("{spec} {field:?}"))
}

#[test]
fn every_file_every_spec_aligned_with_the_candles() {
    let expected_fields: [(&str, &[&str]); 4] = [
        ("macd:12,26,9", &["macd", "signal", "histogram"]),
        ("bbands:20,2", &["upper", "middle", "lower"]),
        ("stoch:14,3,3", &["k", "d"]),
        ("adx:14", &["adx", "plusDI", "minusDI"]),
    ];
    for file in data_files() {
        let candles = CandleFile::load(&file, None, None).unwrap().candles;
        let out = run_all(&file, &[]);
        for spec in SPECS {
            let fields: Vec<Option<&str>> = match expected_fields.iter().find(|(s, _)| *s == spec) {
                Some((_, names)) => names.iter().map(|n| Some(*n)).collect(),
                None if spec == "stochrsi:14,14,3,3" => vec![Some("k"), Some("d")],
                None => vec![None],
            };
            for field in fields {
                assert_eq!(
                    series(&out, spec, field).len(),
                    candles.len(),
                    "{} {spec} {field:?}",
                    file.display()
                );
            }
        }
        // TA-Lib lookbacks: the first computable index.
        let first = |spec: &str, field: Option<&str>| {
            series(&out, spec, field).iter().position(|v| !v.is_null())
        };
        if candles.len() > 100 {
            assert_eq!(first("sma:20", None), Some(19), "{}", file.display());
            assert_eq!(first("rsi:14", None), Some(14));
            assert_eq!(first("macd:12,26,9", Some("macd")), Some(33));
            assert_eq!(first("adx:14", Some("adx")), Some(27));
            assert_eq!(first("obv", None), Some(0));
        }
    }
}

#[test]
fn last_n_keeps_the_tail() {
    let file = &data_files()[1];
    let full = run_all(file, &[]);
    let tail = run_all(file, &["--last", "5"]);
    let all = series(&full, "rsi:14", None);
    assert_eq!(
        series(&tail, "rsi:14", None),
        &all[all.len() - 5..].to_vec()
    );
    assert_eq!(series(&tail, "macd:12,26,9", Some("signal")).len(), 5);
}

#[test]
fn bad_input_is_named_and_fails() {
    let file = data_files()[0].clone();
    let f = file.to_str().unwrap();
    for (spec, expected) in [
        ("foo:3", "indicator SPEC `foo:3`: unknown indicator"),
        (
            "rsi:0",
            "indicator SPEC `rsi:0`: parameter 1 must be at least 1",
        ),
        ("macd:26,12", "fast period 26 must be below slow 12"),
    ] {
        let out = screener(&["indicators", "--input", f, "--indicator", spec, "--json"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let missing = screener(&[
        "indicators",
        "--input",
        "/nonexistent.csv",
        "--indicator",
        "rsi",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent.csv"));
    let bad_rows =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/market/ethbtc_5m_bad_rows.csv");
    let out = screener(&[
        "indicators",
        "--input",
        bad_rows.to_str().unwrap(),
        "--indicator",
        "rsi",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ethbtc_5m_bad_rows.csv:4:"));
    let usage = screener(&["indicators", "--input", f]);
    assert_eq!(usage.status.code(), Some(2), "--indicator is required");
}
