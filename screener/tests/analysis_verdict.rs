//! The model's verdict text → `Analysis`: every bad input tried and the problem reported for
//! it, several problems at once, and what is tolerated (fences, unknown fields, whole floats,
//! over-long text cut, a `wait` without levels). Validation through the queue and the fake
//! API is in `analysis.rs`.

#[path = "support/verdicts.rs"]
mod verdicts;

use serde_json::{json, Value};

use screener::analysis::{parse_verdict, Decision, Direction};

use verdicts::valid_verdict;

/// A valid verdict with `value` set at `path`, or the field removed when `None`.
fn edited(path: &[&str], value: Option<Value>) -> String {
    let mut verdict = valid_verdict(100.0);
    let mut at = &mut verdict;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    let last = path[path.len() - 1];
    match (value, at.as_object_mut()) {
        (Some(v), Some(obj)) => {
            obj.insert(last.to_owned(), v);
        }
        (None, Some(obj)) => {
            obj.remove(last);
        }
        _ => panic!("bad path {path:?}"),
    }
    verdict.to_string()
}

#[test]
fn invalid_verdicts_are_rejected_with_what_was_wrong() {
    let with = |path: &[&str], v: Value| edited(path, Some(v));
    let without = |path: &[&str]| edited(path, None);
    let short = edited(&["direction"], Some(json!("short")));
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "the reply is empty"),
        ("The setup looks bullish.".into(), "the reply is not JSON"),
        (
            r#"{"decision": "enter_trade", "confid"#.into(),
            "the reply is not JSON",
        ),
        ("[1, 2]".into(), "the reply is an array, not an object"),
        (
            without(&["decision"]),
            "decision: missing (one of enter_trade, wait, bad_setup)",
        ),
        (
            with(&["decision"], json!("buy")),
            "decision: `buy` is not one of enter_trade, wait, bad_setup",
        ),
        (
            with(&["direction"], json!(1)),
            "direction: expected a string, got a number",
        ),
        (
            with(&["confidence"], json!(0.72)),
            "confidence: 0.72 is not a whole number 0–100 (a 0–1 fraction?)",
        ),
        (
            with(&["confidence"], json!(150)),
            "confidence: 150 is not a whole number 0–100",
        ),
        (
            with(&["confidence"], json!(-5)),
            "confidence: -5 is not a whole number 0–100",
        ),
        (
            with(&["confidence"], json!("high")),
            "confidence: expected a number, got a string",
        ),
        (with(&["reasoning"], json!("   ")), "reasoning: is empty"),
        (without(&["keyLevels"]), "keyLevels: missing (an object)"),
        (
            with(&["tradePlan"], json!("buy the dip")),
            "tradePlan: expected an object, got a string",
        ),
        (
            with(&["direction"], json!("none")),
            "direction: enter_trade needs long or short",
        ),
        (
            with(&["keyLevels", "stopLoss"], Value::Null),
            "keyLevels.stopLoss: enter_trade needs a stop loss",
        ),
        (
            with(&["keyLevels", "takeProfit"], json!([])),
            "keyLevels.takeProfit: enter_trade needs at least one target",
        ),
        (
            with(&["keyLevels", "stopLoss"], json!(101.5)),
            "keyLevels.stopLoss: 101.5 must be below the entry 100 of a long",
        ),
        (
            with(&["keyLevels", "takeProfit"], json!([99.5])),
            "keyLevels.takeProfit[0]: 99.5 must be above the entry 100 of a long",
        ),
        (short, "must be below the entry 100 of a short"),
        (
            with(&["keyLevels", "entry"], json!(-3)),
            "keyLevels.entry: -3 is not a positive price",
        ),
        (
            with(&["keyLevels", "entry"], json!(0)),
            "keyLevels.entry: 0 is not a positive price",
        ),
        (
            with(&["keyLevels", "entry"], json!("100.5")),
            "keyLevels.entry: expected a number, got a string",
        ),
        (
            with(&["keyLevels", "resistance"], json!([1000.0])),
            "keyLevels.resistance[0]: 1000.0 is too far from the signal price 100",
        ),
        (
            with(&["keyLevels", "support"], json!([99, 98, 97, 96, 95, 94])),
            "keyLevels.support: 6 levels, at most 5",
        ),
        (
            with(&["keyLevels", "support"], json!(99)),
            "keyLevels.support: expected an array of prices, got a number",
        ),
        (
            with(&["tradePlan", "riskReward"], json!(-1)),
            "tradePlan.riskReward: -1 is not a ratio in (0, 100]",
        ),
        (
            with(&["tradePlan", "setup"], json!(7)),
            "tradePlan.setup: expected a string, got a number",
        ),
    ];
    for (text, expected) in &cases {
        match parse_verdict(text, 100.0) {
            Ok(a) => panic!("accepted {text}\nas {a:?}"),
            Err(e) => assert!(
                e.to_string().contains(expected),
                "input: {text}\nerror: {e}\nexpected: {expected}"
            ),
        }
    }

    // Every problem is reported at once.
    let many = json!({"decision": "maybe", "direction": "up", "confidence": 1000,
                      "reasoning": "", "keyLevels": {"entry": -1}, "tradePlan": {}});
    let problems = parse_verdict(&many.to_string(), 100.0)
        .err()
        .map(|e| e.problems)
        .unwrap_or_default();
    assert_eq!(problems.len(), 5, "{problems:?}");

    // Tolerated: a Markdown fence, unknown fields, whole floats, long text (cut), and a wait
    // without direction or levels.
    let fenced = format!("```json\n{}\n```", valid_verdict(100.0));
    assert!(parse_verdict(&fenced, 100.0).is_ok());
    let extra = with(&["modelNotes"], json!("ignored"));
    assert!(parse_verdict(&extra, 100.0).is_ok());
    let whole = with(&["confidence"], json!(80.0));
    assert_eq!(
        parse_verdict(&whole, 100.0).map(|a| a.confidence).ok(),
        Some(80)
    );
    let long = with(&["reasoning"], json!("x".repeat(5000)));
    let reasoning = parse_verdict(&long, 100.0)
        .map(|a| a.reasoning)
        .unwrap_or_default();
    assert_eq!(reasoning.chars().count(), 2000);
    assert!(reasoning.ends_with('…'));
    let wait = json!({"decision": "wait", "direction": "none", "confidence": 40,
                      "reasoning": "Needs a retest.", "keyLevels": {"entry": null, "stopLoss": null,
                      "takeProfit": [], "support": [98.2], "resistance": null},
                      "tradePlan": {"setup": "Range", "riskReward": null}});
    let a = parse_verdict(&wait.to_string(), 100.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (a.decision, a.direction),
        (Decision::Wait, Direction::Neither)
    );
    assert_eq!(a.key_levels.support, [98.2]);
    assert!(a.key_levels.resistance.is_empty() && a.trade_plan.entry_trigger.is_empty());
}
