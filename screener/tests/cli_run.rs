//! `screener run` end to end through the binary: every file in shared/data, JSON lines and the
//! summary, bad traders and bad files reported by name while the rest runs, and the exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

fn screener(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_screener"))
        .args(args)
        .output()
        .expect("run screener")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const RISING: &str = r#"{"id": "rising", "name": "Rising close", "filter": {"refreshInterval": "5m", "requiredTimeframes": ["5m"], "cooldownBars": 12,
  "code": "const k = timeframes['5m']; if (k.length < 2) return false;\nreturn { match: parseFloat(k[k.length-1][4]) > parseFloat(k[k.length-2][4]) * 1.002, conditions: ['close up 0.2%'] };"}}"#;

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn replays_every_recorded_file_with_good_and_bad_traders() {
    let traders = tempfile::tempdir().unwrap();
    write(traders.path(), "a_rising.json", RISING);
    write(traders.path(), "b_not_json.json", "{ nope");
    write(
        traders.path(),
        "c_bad_field.json",
        r#"{"id": "x", "name": "n", "filter": {"code": "return 1", "refreshInterval": "7m"}}"#,
    );
    write(
        traders.path(),
        "d_syntax.json",
        r#"{"id": "syntax", "name": "n", "filter": {"code": "return (;", "refreshInterval": "5m"}}"#,
    );
    write(
        traders.path(),
        "e_loop.json",
        r#"{"id": "loop", "name": "n", "filter": {"code": "while (true) {}", "refreshInterval": "1h", "requiredTimeframes": ["1h"], "symbols": ["BTCBUSD"]}}"#,
    );
    write(
        traders.path(),
        "f_hog.json",
        r#"{"id": "hog", "name": "n", "filter": {"code": "const a = []; for (;;) a.push(new Array(1e5).fill(1));", "refreshInterval": "1h", "requiredTimeframes": ["1h"], "symbols": ["BTCBUSD"]}}"#,
    );
    let data = shared_data();
    let output = screener(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--traders",
        traders.path().to_str().unwrap(),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for expected in [
        "b_not_json.json: not JSON",
        "c_bad_field.json: line 1",
        "invalid trader: trader syntax: SyntaxError",
        "trader loop on BTCBUSD: the filter ran longer than its 50 ms deadline",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }

    // The hog is stopped by whichever limit it reaches first (the memory cap, or the deadline
    // in a slow debug build); the cap alone is covered by the sandbox tests.
    assert!(
        stderr
            .contains("trader hog on BTCBUSD: the filter exceeded the sandbox's 64 MiB memory cap")
            || stderr
                .contains("trader hog on BTCBUSD: the filter ran longer than its 50 ms deadline"),
        "{stderr}"
    );
    let all = lines(&output);
    let (signals, summary) = all.split_at(all.len() - 1);
    let summary = &summary[0]["summary"];
    assert_eq!(
        summary["files"].as_array().unwrap().len(),
        9,
        "every shared/data file replayed"
    );
    assert_eq!(summary["candles"], 23_435);
    assert_eq!(summary["signals"].as_u64().unwrap() as usize, signals.len());
    let rising = &summary["traders"]["rising"];
    assert_eq!(rising["signals"].as_u64().unwrap() as usize, signals.len());
    // BTCBUSD's 1m day makes 24 hourly closes; a filter stopped at its limits in 3 rounds in a
    // row is paused (3 errors and the pause notice), so it does not cost a deadline every hour.
    for runaway in ["loop", "hog"] {
        assert_eq!(summary["traders"][runaway]["errors"], 4, "{runaway}");
        assert_eq!(
            summary["traders"][runaway]["quarantined"], true,
            "{runaway}"
        );
    }
    assert!(stderr.contains(
        "trader loop: paused: the filter exceeded its time or memory limits in 3 rounds in a row"
    ));
    assert!(summary["wallTimeMs"].as_f64().unwrap() > 0.0);
    let mut seq = 0;
    for s in signals {
        assert_eq!(s["traderId"], "rising");
        assert_eq!(s["interval"], "5m");
        assert_eq!(s["conditions"][0], "close up 0.2%");
        assert!(s["seq"].as_u64().unwrap() > seq, "seq increases");
        seq = s["seq"].as_u64().unwrap();
        assert!(s["closeTime"].as_i64().unwrap() == s["openTime"].as_i64().unwrap() + 299_999);
    }
    for symbol in ["BTCUSDT", "ETHBTC", "XRPETH", "BTCBUSD"] {
        assert!(
            signals.iter().any(|s| s["symbol"] == symbol),
            "no signal for {symbol}"
        );
    }
}

#[test]
fn nothing_to_run_is_a_failure_with_reasons() {
    let traders = tempfile::tempdir().unwrap();
    write(traders.path(), "t.json", RISING);
    let missing = screener(&[
        "run",
        "--data",
        "/nonexistent/x.csv",
        "--traders",
        traders.path().to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("/nonexistent/x.csv: no such file or directory"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nothing to run (1 trader(s), 0 data file(s) loaded)"),
        "{stderr}"
    );

    let data = shared_data().join("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let empty = tempfile::tempdir().unwrap();
    let no_traders = screener(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--traders",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(no_traders.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_traders.stderr).contains("no .json files"));
}

#[test]
fn malformed_rows_name_file_and_line() {
    let traders = tempfile::tempdir().unwrap();
    write(traders.path(), "t.json", RISING);
    let bad =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/market/ethbtc_5m_bad_rows.csv");
    let output = screener(&[
        "run",
        "--data",
        bad.to_str().unwrap(),
        "--traders",
        traders.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ethbtc_5m_bad_rows.csv:4:"), "{stderr}");
}

#[test]
fn symbol_and_interval_come_from_the_file_name_or_the_flags() {
    let traders = tempfile::tempdir().unwrap();
    write(traders.path(), "t.json", RISING);
    let original = shared_data().join("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let renamed = tempfile::tempdir().unwrap();
    let copy = renamed.path().join("candles.csv");
    std::fs::copy(&original, &copy).unwrap();
    let t = traders.path().to_str().unwrap();

    let unnamed = screener(&[
        "run",
        "--data",
        copy.to_str().unwrap(),
        "--traders",
        t,
        "--json",
    ]);
    assert_eq!(unnamed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unnamed.stderr).contains("--symbol"),
        "the error suggests the flags"
    );

    let flagged = screener(&[
        "run",
        "--data",
        copy.to_str().unwrap(),
        "--traders",
        t,
        "--symbol",
        "XRPETH",
        "--interval",
        "5m",
        "--json",
    ]);
    assert!(flagged.status.success());
    let named = screener(&[
        "run",
        "--data",
        original.to_str().unwrap(),
        "--traders",
        t,
        "--json",
    ]);
    let strip = |o: &Output| -> Vec<serde_json::Value> {
        lines(o)
            .into_iter()
            .filter(|l| l.get("summary").is_none())
            .collect()
    };
    assert_eq!(strip(&flagged), strip(&named));
    assert!(!strip(&named).is_empty());
}
