//! The trader record: defaults, the original's field names, and field-named errors.

use screener::trader::Trader;

const MINIMAL: &str = r#"{
  "id": "rsi-bounce", "name": "RSI bounce",
  "filter": { "code": "return true;", "refreshInterval": "15m" }
}"#;

#[test]
fn a_minimal_record_gets_the_contract_defaults() {
    let t = Trader::from_json(MINIMAL).unwrap();
    assert!(t.enabled);
    assert_eq!(t.version, 1);
    assert_eq!(t.filter.cooldown_bars, 50);
    assert_eq!(t.filter.symbols, None);
    assert_eq!(t.strategy.ai_analysis_limit, 100);
    assert_eq!(t.strategy.max_concurrent_analysis, 3);
    assert_eq!(
        t.timeframes()
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>(),
        ["15m"]
    );
    assert!(!t.cloud.enabled_in_cloud);
}

#[test]
fn the_originals_row_names_are_accepted_and_extra_fields_ignored() {
    let row = r#"{
      "id": "b2c1", "name": "Volume spike", "description": "x", "enabled": false,
      "mode": "demo", "isBuiltIn": true, "metrics": {"totalSignals": 3},
      "filter": { "code": "return false;", "interval": "1h", "requiredTimeframes": ["1h", "4h"],
                  "description": ["volume > 3x"], "indicators": [] },
      "strategy": { "instructions": "", "riskManagement": {"stopLoss": 0.02, "takeProfit": 0.04,
                    "maxPositions": 3, "positionSizePercent": 0.1}, "aiAnalysisLimit": 100,
                    "modelTier": "pro", "maxConcurrentAnalysis": 2 },
      "cloud_config": { "enabledInCloud": true, "preferredRegion": "fra" },
      "version": 7
    }"#;
    let t = Trader::from_json(row).unwrap();
    assert_eq!(t.filter.refresh_interval.to_string(), "1h");
    assert_eq!(t.timeframes().len(), 2);
    assert!(t.cloud.enabled_in_cloud);
    assert_eq!(t.version, 7);
    assert!(!t.enabled);
    // Our export uses our names; re-reading it gives the same trader.
    let exported = serde_json::to_string(&t).unwrap();
    assert!(exported.contains("\"refreshInterval\":\"1h\"") && exported.contains("\"cloud\":"));
    assert_eq!(Trader::from_json(&exported).unwrap(), t);
}

#[test]
fn bad_records_name_the_field() {
    let cases = [
        ("not json", "line 1 column 2"),
        (r#"{"id": "x", "name": "n"}"#, "filter"),
        (
            r#"{"id": "x", "name": "n", "filter": {"refreshInterval": "15m"}}"#,
            "code",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "return 1", "refreshInterval": "7m"}}"#,
            "line 1",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "return 1", "refreshInterval": "1w"}}"#,
            "filter.refreshInterval",
        ),
        (
            r#"{"id": "x", "name": "", "filter": {"code": "return 1", "refreshInterval": "1m"}}"#,
            "name",
        ),
        (
            r#"{"id": "a b", "name": "n", "filter": {"code": "return 1", "refreshInterval": "1m"}}"#,
            "id",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "  ", "refreshInterval": "1m"}}"#,
            "filter.code",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "r", "refreshInterval": "1m", "cooldownBars": 0}}"#,
            "filter.cooldownBars",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "r", "refreshInterval": "1m", "symbols": ["btc usdt"]}}"#,
            "filter.symbols",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "r", "refreshInterval": "1m"}, "strategy": {"aiAnalysisLimit": 0}}"#,
            "strategy.aiAnalysisLimit",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "r", "refreshInterval": "1m"}, "strategy": {"maxConcurrentAnalysis": 11}}"#,
            "strategy.maxConcurrentAnalysis",
        ),
        (
            r#"{"id": "x", "name": "n", "filter": {"code": "r", "refreshInterval": "1m"}, "version": 0}"#,
            "version",
        ),
    ];
    for (text, field) in cases {
        let e = Trader::from_json(text).unwrap_err();
        assert!(e.field.starts_with(field), "{text}: {e}");
    }
    let long = format!(
        r#"{{"id": "x", "name": "{}", "filter": {{"code": "r", "refreshInterval": "1m"}}}}"#,
        "n".repeat(61)
    );
    assert_eq!(Trader::from_json(&long).unwrap_err().field, "name");
}

mod validation {
    use std::path::PathBuf;

    use screener::market::CandleFile;
    use screener::trader::validate::{validate, Sample};
    use screener::trader::Trader;

    fn trader(code: &str, timeframes: &[&str]) -> Trader {
        let json = serde_json::json!({"id": "t", "name": "t",
            "filter": {"code": code, "refreshInterval": "5m", "requiredTimeframes": timeframes}});
        Trader::from_json(&json.to_string()).unwrap()
    }

    fn sample_file() -> CandleFile {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data/xrpeth_5m_2019-10-11_2019-10-13.csv");
        CandleFile::load(&path, None, None).unwrap()
    }

    #[test]
    fn a_good_filter_passes_with_a_dry_run() {
        let file = sample_file();
        let t = trader(
            "const k = timeframes['5m'];\nreturn k.length > 20;",
            &["5m"],
        );
        let sample = Sample {
            symbol: "XRPETH",
            interval: file.interval,
            candles: &file.candles[..100],
        };
        let v = validate(&t, Some(sample));
        assert!(v.is_ok(), "{v:?}");
        let dry = v.dry_run.unwrap();
        assert_eq!(
            (dry.evaluations, dry.signals),
            (100, 2),
            "fires at 21 and, after 50 bars of cooldown, at 71"
        );
    }

    #[test]
    fn undeclared_and_unused_timeframes_are_reported() {
        let t = trader(
            "return timeframes['1h'].length > 0 && timeframes['5m'].length > 0;",
            &["5m", "4h"],
        );
        let v = validate(&t, None);
        assert_eq!(v.timeframes.undeclared, ["1h"]);
        assert_eq!(
            v.timeframes
                .unused
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>(),
            ["4h"]
        );
        assert!(!v.is_ok());
    }

    #[test]
    fn syntax_errors_skip_the_dry_run() {
        let file = sample_file();
        let t = trader("const a = 1;\nreturn a +;", &["5m"]);
        let v = validate(
            &t,
            Some(Sample {
                symbol: "XRPETH",
                interval: file.interval,
                candles: &file.candles,
            }),
        );
        let e = v.syntax.unwrap();
        assert_eq!(e.line, Some(2));
        assert!(v.dry_run.is_none());
    }

    #[test]
    fn runtime_errors_in_the_dry_run_are_listed_with_lines() {
        let file = sample_file();
        let t = trader(
            "const k = timeframes['5m'];\nif (k.length > 3) return k[0].nope.x;\nreturn false;",
            &["5m"],
        );
        let v = validate(
            &t,
            Some(Sample {
                symbol: "XRPETH",
                interval: file.interval,
                candles: &file.candles[..30],
            }),
        );
        assert!(!v.is_ok());
        let dry = v.dry_run.unwrap();
        assert_eq!(dry.errors.len(), 20, "capped at 20");
        assert_eq!(dry.errors[0].line, Some(2));
        assert_eq!(dry.errors[0].symbol.as_deref(), Some("XRPETH"));
    }
}
