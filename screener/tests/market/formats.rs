//! Readers: µs archives, REST JSON, kline arrays, bad inputs and file names.

use std::path::Path;

use screener::market::{
    drop_incomplete, parse_candles, read_candles, CandleFile, Format, Interval, Problem, ReadError,
};
use serde_json::Value;

use super::{fixture, load, shared_data, utc, MINUTE};

#[test]
fn microsecond_archive_rows_are_normalised_to_milliseconds() {
    let file = load(&fixture("BTCUSDT-1m-2025-01-01.csv"));
    assert_eq!(
        (file.symbol.as_str(), file.interval, file.format),
        ("BTCUSDT", Interval::M1, Format::VisionCsv)
    );
    let opens: Vec<i64> = file.candles.iter().map(|c| c.open_time).collect();
    let t0 = utc(2025, 1, 1, 0, 0);
    assert_eq!(
        opens,
        vec![t0, t0 + MINUTE, t0 + 3 * MINUTE, t0 + 4 * MINUTE],
        "gap at 00:02 kept"
    );
    assert!(file
        .candles
        .iter()
        .all(|c| c.close_time == c.open_time + MINUTE - 1));
    assert_eq!(file.candles[0].trades, Some(1570));
    assert_eq!(file.candles[0].quote_volume, Some(768_978.305_479_5));

    // Rows of one file may mix units (a merge of 2024 and 2025 archives).
    let mixed = "1735689540000,1,1,1,1,1,1735689599999,1,1,1,1,0\n\
                 1735689600000000,1,1,1,1,1,1735689659999999,1,1,1,1,0\n";
    let (_, candles) =
        parse_candles(mixed, "mixed.csv", Interval::M1, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        candles.iter().map(|c| c.open_time).collect::<Vec<_>>(),
        vec![t0 - MINUTE, t0]
    );
}

#[test]
fn rest_klines_json_with_the_live_candle_last() {
    let path = fixture("btcusdt_1m_rest.json");
    let file = load(&path);
    assert_eq!(
        (file.symbol.as_str(), file.interval, file.format),
        ("BTCUSDT", Interval::M1, Format::RestJson)
    );
    assert_eq!(file.candles.len(), 4);
    let t0 = utc(2025, 1, 1, 0, 0);
    let c = file.candles[1];
    assert_eq!(
        (c.open_time, c.close_time),
        (t0 + MINUTE, t0 + 2 * MINUTE - 1)
    );
    assert_eq!(
        (c.open, c.high, c.low, c.close, c.volume),
        (93610.93, 93652.0, 93606.34, 93650.0, 12.5)
    );
    assert_eq!(
        (c.quote_volume, c.trades, c.taker_buy_base_volume),
        (Some(1_170_386.45), Some(2011), Some(7.25))
    );

    // Fetched at 00:03:30: the 00:03 candle is still forming.
    let mut candles = file.candles.clone();
    assert_eq!(drop_incomplete(&mut candles, t0 + 3 * MINUTE + 30_000), 1);
    assert_eq!(candles.last().map(|c| c.open_time), Some(t0 + 2 * MINUTE));

    // Each candle's kline array carries the same numbers as the source array.
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let source: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let number = |v: &Value| -> f64 {
        match v {
            Value::String(s) => s.parse().unwrap_or(f64::NAN),
            other => other.as_f64().unwrap_or(f64::NAN),
        }
    };
    for (candle, original) in file
        .candles
        .iter()
        .zip(source.as_array().into_iter().flatten())
    {
        let kline = candle.to_kline_json();
        for i in 0..12 {
            assert_eq!(
                kline[i].is_string(),
                original[i].is_string(),
                "field {i} type"
            );
            assert_eq!(number(&kline[i]), number(&original[i]), "field {i}");
        }
    }
}

#[test]
fn vision_rows_round_trip_through_kline_arrays() {
    let path = shared_data("binance_vision_ADABTC-1m-2021-11-27.csv");
    let file = load(&path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    for (candle, row) in file.candles.iter().zip(text.lines()) {
        let kline = candle.to_kline_json();
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(
            kline[0].as_i64().map(|t| t.to_string()).as_deref(),
            Some(cells[0])
        );
        assert_eq!(
            kline[6].as_i64().map(|t| t.to_string()).as_deref(),
            Some(cells[6])
        );
        assert_eq!(
            kline[8].as_u64().map(|t| t.to_string()).as_deref(),
            Some(cells[8])
        );
        for i in [1, 2, 3, 4, 5, 7, 9, 10] {
            let ours: Option<f64> = kline[i].as_str().and_then(|s| s.parse().ok());
            assert_eq!(ours, cells[i].parse().ok(), "field {i} of {row}");
            assert!(
                !kline[i].as_str().unwrap_or("e").contains('e'),
                "no exponent"
            );
        }
    }
    assert_eq!(
        file.candles[0].to_kline_json()[1],
        Value::from("0.00002853")
    );
}

/// Parses `text` as `file` (5m) and returns the error's display.
fn error_of(text: &str, file: &str, interval: Interval) -> (Option<usize>, String) {
    match parse_candles(text, file, interval, None) {
        Ok((format, candles)) => panic!(
            "{file}: expected an error, got {format} with {} candles",
            candles.len()
        ),
        Err(e) => (e.line(), e.to_string()),
    }
}

#[test]
fn bad_inputs_name_the_file_line_and_problem() {
    const HEADER: &str = "open_time_ms,open,high,low,close,volume\n";
    let row = |minute: i64, rest: &str| {
        format!("{},{rest}\n", utc(2023, 1, 2, 16, 45) + minute * 5 * MINUTE)
    };
    let good = row(0, "10,11,9,10,5");
    let cases: Vec<(String, usize, &str)> = vec![
        (
            format!("{HEADER}{good}{}", "1672678200000,10,11,9,10\n"),
            3,
            "expected 6 columns, found 5",
        ),
        (
            format!("{HEADER}{good}{}", row(1, "10,11,9,ten,5")),
            3,
            "field 5 (close): `ten` is not a finite decimal number",
        ),
        (
            format!("{HEADER}{good}{good}"),
            3,
            "duplicate open time 1672677900000",
        ),
        (
            format!("{HEADER}{}{good}", row(1, "10,11,9,10,5")),
            3,
            "is not after the previous row's",
        ),
        (
            format!("{HEADER}{good}\n{}", row(1, "10,11,9,10,-5")),
            4,
            "field 6 (volume) is negative (-5)",
        ),
        (
            format!("{HEADER}{}", row(0, "10,9,11,10,5")),
            2,
            "high 9 is below low 11",
        ),
        (
            format!("{HEADER}{}", row(0, "12,11,9,10,5")),
            2,
            "field 2 (open) 12 lies outside [low, high]",
        ),
        (
            format!("{HEADER}{}", "1672677900,10,11,9,10,5\n"),
            2,
            "is neither epoch milliseconds",
        ),
        (
            "open,high,low,close,volume,time\n".to_owned(),
            1,
            "unexpected header",
        ),
        ("\n\n".to_owned(), 1, "the file is empty"),
        ("a;b;c\n".to_owned(), 1, "unrecognised format"),
    ];
    for (text, line, message) in &cases {
        let (found_line, display) = error_of(text, "bad.csv", Interval::M5);
        assert_eq!(found_line, Some(*line), "{display}");
        assert!(
            display.starts_with(&format!("bad.csv:{line}: ")),
            "{display}"
        );
        assert!(display.contains(message), "{display} should say {message}");
    }

    // A 1m archive read as 5m: its close times do not fit.
    let vision = "1637971200000,1,1,1,1,1,1637971259999,1,1,1,1,0\n";
    let (line, display) = error_of(vision, "ADABTC-5m.csv", Interval::M5);
    assert_eq!(line, Some(1));
    assert!(
        display.contains("close time 1637971259999 does not fit a 5m candle"),
        "{display}"
    );

    // REST JSON: the line where the bad kline starts.
    let json = "[\n  [1637971200000,\"1\",\"1\",\"1\",\"1\",\"1\",1637971259999,\"1\",1,\"1\",\"1\",\"0\"],\n  \
                [1637971260000,\"1\",\"1\",\"1\",\"1\",\"1\",1637971319999,\"1\",1,\"1\",\"1\"]\n]";
    let (line, display) = error_of(json, "k.json", Interval::M1);
    assert_eq!(line, Some(3));
    assert!(
        display.starts_with("k.json:3: expected 12 columns, found 11"),
        "{display}"
    );
    let wrong_type = json
        .replace("1637971260000,", "\"1637971260000\",")
        .replace("\"1\"]\n]", "\"1\",\"0\"]\n]");
    let (line, display) = error_of(&wrong_type, "k.json", Interval::M1);
    assert_eq!(line, Some(3));
    assert!(
        display.contains("field 1 (open time): expected an integer, found a string"),
        "{display}"
    );
    let (line, display) = error_of("[\n[1,\n", "k.json", Interval::M1);
    assert!(
        line.is_some_and(|l| l >= 2) && display.contains("invalid JSON"),
        "{display}"
    );

    // Read from disk: the path is named.
    let path = fixture("ethbtc_5m_bad_rows.csv");
    let err = read_candles(&path, Interval::M5).err();
    let display = err.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(
        display.starts_with(&format!("{}:4: ", path.display())),
        "{display}"
    );
    assert!(matches!(
        err.as_ref().and_then(ReadError::problem),
        Some(Problem::Negative { .. })
    ));
    let missing = fixture("nope_5m.csv");
    let err = CandleFile::load(&missing, None, None).err();
    assert!(matches!(err, Some(ReadError::Io { .. })), "{err:?}");
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("nope_5m.csv"));
}

#[test]
fn file_names_that_say_nothing_need_explicit_symbol_and_interval() {
    let path = fixture("BTCUSDT-1m-2025-01-01.csv");
    let err = CandleFile::load(Path::new("/tmp/candles.csv"), None, None).err();
    let display = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        display.contains("candles.csv") && display.contains("--symbol and --interval"),
        "{display}"
    );
    // Explicit values win over the name.
    let file = CandleFile::load(&path, Some("btcfdusd"), Some(Interval::M1))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (file.symbol.as_str(), file.interval),
        ("BTCFDUSD", Interval::M1)
    );
    let file = CandleFile::load(&path, Some("ethusdt"), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (file.symbol.as_str(), file.interval),
        ("ETHUSDT", Interval::M1)
    );
}
