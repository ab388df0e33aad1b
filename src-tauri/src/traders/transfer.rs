//! Import and export of trader records as JSON: an array, one record, or one record per line
//! (JSON Lines), read leniently like the original's exported rows ([`Trader::from_json`]).
//! Every bad record is skipped with its reason; the good ones are kept.

use std::collections::HashSet;

use rand::RngCore;
use screener::filter::{Limits, Sandbox};
use screener::trader::Trader;
use serde_json::Value;

use super::view::ImportSkip;

/// What a file held: the usable records (ids not yet matched with the store) and the skips.
#[derive(Debug, Default)]
pub struct Parsed {
    pub traders: Vec<Trader>,
    pub skipped: Vec<ImportSkip>,
}

/// Reads `text`; `builtin_ids` are refused (a built-in cannot be replaced). Compiles every
/// filter: CPU-bound, call it on a blocking thread.
pub fn parse_import(text: &str, builtin_ids: &HashSet<String>) -> Parsed {
    let mut parsed = Parsed::default();
    let records: Vec<(String, Result<Value, String>)> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("record {}", i + 1), Ok(v)))
            .collect(),
        Ok(value) => vec![("record 1".into(), Ok(value))],
        Err(whole) => {
            let lines: Vec<_> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            if lines.len() <= 1 {
                parsed
                    .skipped
                    .push(skip("the file", format!("not JSON: {whole}")));
                return parsed;
            }
            lines
                .into_iter()
                .map(|(i, line)| {
                    let value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"));
                    (format!("line {}", i + 1), value)
                })
                .collect()
        }
    };
    let mut sandbox = Sandbox::new(Limits::default()).ok();
    let mut seen = HashSet::new();
    for (position, value) in records {
        let value = match value {
            Ok(value) => value,
            Err(reason) => {
                parsed.skipped.push(skip(&position, reason));
                continue;
            }
        };
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or(position);
        if !value.is_object() {
            parsed.skipped.push(skip(
                &name,
                "not an object (a trader record is a JSON object)".into(),
            ));
            continue;
        }
        let mut value = value;
        let id_missing = value
            .get("id")
            .and_then(Value::as_str)
            .is_none_or(|id| id.trim().is_empty());
        if id_missing {
            value["id"] = Value::String(new_id());
        }
        let trader = match Trader::from_json(&value.to_string()) {
            Ok(trader) => trader,
            Err(e) => {
                parsed.skipped.push(skip(&name, format!("invalid: {e}")));
                continue;
            }
        };
        if builtin_ids.contains(&trader.id) {
            parsed.skipped.push(skip(
                &name,
                format!("`{}` is a built-in trader's id", trader.id),
            ));
            continue;
        }
        if !seen.insert(trader.id.clone()) {
            parsed.skipped.push(skip(
                &name,
                format!("duplicate id `{}` in the file", trader.id),
            ));
            continue;
        }
        if let Some(sandbox) = sandbox.as_mut() {
            if let Err(e) = sandbox.compile(&trader.id, trader.version, &trader.filter.code) {
                let at = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                parsed.skipped.push(skip(
                    &name,
                    format!("the filter code does not compile{at}: {}", e.message),
                ));
                continue;
            }
        }
        parsed.traders.push(trader);
    }
    parsed
}

/// Pretty JSON array of `traders`, as [`parse_import`] reads it back.
pub fn export(traders: &[Trader]) -> String {
    serde_json::to_string_pretty(traders).unwrap_or_else(|_| "[]".into())
}

/// A fresh user trader id: `user-` and 12 hex digits.
pub fn new_id() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("user-{hex}")
}

fn skip(name: &str, reason: String) -> ImportSkip {
    ImportSkip {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, name: &str) -> Value {
        json!({"id": id, "name": name, "filter": {"code": "return false;", "interval": "15m"}})
    }

    fn builtin_ids() -> HashSet<String> {
        screener::trader::builtins::builtins()
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    #[test]
    fn bad_records_are_skipped_with_reasons_and_the_rest_kept() {
        let builtin = screener::trader::builtins::builtins()[0].id.clone();
        let file = json!([
            record("a", "Good A"),
            "just a string",
            {"id": "b", "name": "No filter"},
            record("a", "Duplicate A"),
            record(&builtin, "Takes a built-in's id"),
            {"id": "c", "name": "Broken code", "filter": {"code": "return (;", "refreshInterval": "1h"}},
            {"name": "No id", "filter": {"code": "return true;", "refreshInterval": "5m"}, "cloud_config": {"notify_on_signal": true}, "extra": 1},
        ]);
        let parsed = parse_import(&file.to_string(), &builtin_ids());
        let ids: Vec<_> = parsed.traders.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), 2, "{parsed:?}");
        assert_eq!(ids[0], "a");
        assert!(
            ids[1].starts_with("user-"),
            "an id is made for a record without one"
        );
        let reasons: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.name, s.reason))
            .collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(
            reasons[0].starts_with("record 2: not an object"),
            "{reasons:?}"
        );
        assert!(reasons[1].starts_with("No filter: invalid"), "{reasons:?}");
        assert!(reasons[2].contains("duplicate id `a`"), "{reasons:?}");
        assert!(reasons[3].contains("built-in"), "{reasons:?}");
        assert!(reasons[4].contains("does not compile"), "{reasons:?}");
    }

    #[test]
    fn one_record_json_lines_and_garbage() {
        let one = parse_import(&record("x", "X").to_string(), &HashSet::new());
        assert_eq!(one.traders.len(), 1);
        let lines = format!(
            "{}\nnot json at all\n{}\n",
            record("y", "Y"),
            record("z", "Z")
        );
        let parsed = parse_import(&lines, &HashSet::new());
        assert_eq!(parsed.traders.len(), 2);
        assert_eq!(parsed.skipped.len(), 1);
        assert!(
            parsed.skipped[0].name == "line 2" && parsed.skipped[0].reason.starts_with("not JSON")
        );
        let garbage = parse_import("{{{", &HashSet::new());
        assert!(garbage.traders.is_empty());
        assert!(garbage.skipped[0].reason.starts_with("not JSON"));
    }

    #[test]
    fn export_round_trips() {
        let traders = screener::trader::builtins::builtins();
        let text = export(&traders);
        let back = parse_import(&text, &HashSet::new());
        assert!(back.skipped.is_empty(), "{:?}", back.skipped);
        assert_eq!(back.traders, traders);
    }
}
