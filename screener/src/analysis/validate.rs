//! The model's text → an [`Analysis`], or [`InvalidOutput`] listing everything wrong with it.
//!
//! Structured output makes the model follow the response schema most of the time, not always
//! (truncated replies, `0.72` for a 0–100 confidence, a stop above the entry of a long). So the
//! reply is read as untyped JSON and every field is checked by hand: each problem is reported
//! with its field path, all at once. Unknown fields are ignored; over-long text is cut; levels
//! must be finite, positive, within [`LEVEL_BAND`] of the signal's price and on the right side
//! of the entry for the direction.

use serde_json::{Map, Value};

use super::verdict::{
    Analysis, Decision, Direction, KeyLevels, TradePlan, LEVEL_BAND, MAX_LEVELS, MAX_PLAN_CHARS,
    MAX_REASONING_CHARS, MAX_RISK_REWARD,
};

/// A reply that is not a usable verdict: one entry per problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("; "))]
pub struct InvalidOutput {
    pub problems: Vec<String>,
}

/// Parses and checks the model's reply `text` for a signal at `price`.
pub fn parse_verdict(text: &str, price: f64) -> Result<Analysis, InvalidOutput> {
    let fail = |problem: String| InvalidOutput {
        problems: vec![problem],
    };
    let text = strip_fences(text);
    if text.is_empty() {
        return Err(fail("the reply is empty".into()));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| fail(format!("the reply is not JSON: {e}")))?;
    let Value::Object(root) = value else {
        return Err(fail(format!(
            "the reply is {}, not an object",
            kind(&value)
        )));
    };
    let mut check = Checker {
        problems: Vec::new(),
        price,
    };
    let decision = check.choice(&root, "decision", &Decision::ALL, Decision::as_str);
    let direction = check.choice(&root, "direction", &Direction::ALL, Direction::as_str);
    let confidence = check.confidence(&root);
    let reasoning = check.text(&root, "reasoning", "reasoning", MAX_REASONING_CHARS, true);
    let key_levels = check.key_levels(&root);
    let trade_plan = check.trade_plan(&root);
    if let (Some(decision), Some(direction), Some(levels)) = (decision, direction, &key_levels) {
        check.consistency(decision, direction, levels);
    }
    match (decision, direction, confidence, key_levels, trade_plan) {
        (Some(decision), Some(direction), Some(confidence), Some(key_levels), Some(trade_plan))
            if check.problems.is_empty() =>
        {
            Ok(Analysis {
                decision,
                direction,
                confidence,
                reasoning,
                key_levels,
                trade_plan,
            })
        }
        _ => Err(InvalidOutput {
            problems: check.problems,
        }),
    }
}

/// The JSON inside a Markdown code fence, or the text itself, trimmed.
fn strip_fences(text: &str) -> &str {
    let text = text.trim();
    let Some(inner) = text.strip_prefix("```") else {
        return text;
    };
    let inner = inner.strip_prefix("json").unwrap_or(inner);
    inner.strip_suffix("```").unwrap_or(inner).trim()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Cuts `text` (trimmed) to `max` characters, marking a cut with `…`.
fn bounded(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((end, _)) if text.chars().count() > max => format!("{}…", text[..end].trim_end()),
        _ => text.to_owned(),
    }
}

struct Checker {
    problems: Vec<String>,
    price: f64,
}

impl Checker {
    fn problem(&mut self, field: &str, what: impl std::fmt::Display) {
        self.problems.push(format!("{field}: {what}"));
    }

    fn choice<T: Copy>(
        &mut self,
        obj: &Map<String, Value>,
        field: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let allowed = || all.iter().map(|t| name(*t)).collect::<Vec<_>>().join(", ");
        match obj.get(field) {
            None | Some(Value::Null) => {
                self.problem(field, format!("missing (one of {})", allowed()))
            }
            Some(Value::String(s)) => {
                let wanted = s.trim().to_ascii_lowercase();
                match all.iter().find(|t| name(**t) == wanted) {
                    Some(t) => return Some(*t),
                    None => self.problem(
                        field,
                        format!("`{}` is not one of {}", bounded(s, 40), allowed()),
                    ),
                }
            }
            Some(other) => self.problem(field, format!("expected a string, got {}", kind(other))),
        }
        None
    }

    fn confidence(&mut self, obj: &Map<String, Value>) -> Option<u8> {
        let field = "confidence";
        match obj.get(field) {
            None | Some(Value::Null) => self.problem(field, "missing (a whole number 0–100)"),
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                if v.fract() != 0.0 || !(0.0..=100.0).contains(&v) {
                    let hint = if v > 0.0 && v < 1.0 {
                        " (a 0–1 fraction?)"
                    } else {
                        ""
                    };
                    self.problem(field, format!("{n} is not a whole number 0–100{hint}"));
                } else {
                    return u8::try_from(v as i64).ok();
                }
            }
            Some(other) => self.problem(field, format!("expected a number, got {}", kind(other))),
        }
        None
    }

    fn text(
        &mut self,
        obj: &Map<String, Value>,
        field: &str,
        path: &str,
        max: usize,
        required: bool,
    ) -> String {
        match obj.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() || !required => bounded(s, max),
            Some(Value::String(_)) => {
                self.problem(path, "is empty");
                String::new()
            }
            None | Some(Value::Null) if !required => String::new(),
            None | Some(Value::Null) => {
                self.problem(path, "missing");
                String::new()
            }
            Some(other) => {
                self.problem(path, format!("expected a string, got {}", kind(other)));
                String::new()
            }
        }
    }

    /// A price: finite, positive and within [`LEVEL_BAND`] of the signal's price.
    fn level(&mut self, value: &Value, path: &str) -> Option<f64> {
        let Value::Number(n) = value else {
            self.problem(path, format!("expected a number, got {}", kind(value)));
            return None;
        };
        let v = n.as_f64().unwrap_or(f64::NAN);
        if !v.is_finite() || v <= 0.0 {
            self.problem(path, format!("{n} is not a positive price"));
            return None;
        }
        let (low, high) = (self.price / LEVEL_BAND, self.price * LEVEL_BAND);
        if self.price > 0.0 && !(low..=high).contains(&v) {
            self.problem(
                path,
                format!(
                    "{n} is too far from the signal price {} (allowed {low}–{high})",
                    self.price
                ),
            );
            return None;
        }
        Some(v)
    }

    fn optional_level(&mut self, obj: &Map<String, Value>, field: &str) -> Option<f64> {
        match obj.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => self.level(value, &format!("keyLevels.{field}")),
        }
    }

    fn level_list(&mut self, obj: &Map<String, Value>, field: &str) -> Vec<f64> {
        let path = format!("keyLevels.{field}");
        match obj.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.len() > MAX_LEVELS => {
                self.problem(
                    &path,
                    format!("{} levels, at most {MAX_LEVELS}", items.len()),
                );
                Vec::new()
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.level(item, &format!("{path}[{i}]")))
                .collect(),
            Some(other) => {
                self.problem(
                    &path,
                    format!("expected an array of prices, got {}", kind(other)),
                );
                Vec::new()
            }
        }
    }

    fn key_levels(&mut self, root: &Map<String, Value>) -> Option<KeyLevels> {
        let obj = self.object(root, "keyLevels")?;
        Some(KeyLevels {
            entry: self.optional_level(obj, "entry"),
            stop_loss: self.optional_level(obj, "stopLoss"),
            take_profit: self.level_list(obj, "takeProfit"),
            support: self.level_list(obj, "support"),
            resistance: self.level_list(obj, "resistance"),
        })
    }

    fn trade_plan(&mut self, root: &Map<String, Value>) -> Option<TradePlan> {
        let obj = self.object(root, "tradePlan")?;
        let mut text = |field: &str| {
            self.text(
                obj,
                field,
                &format!("tradePlan.{field}"),
                MAX_PLAN_CHARS,
                false,
            )
        };
        let (setup, entry_trigger) = (text("setup"), text("entryTrigger"));
        let (invalidation, time_horizon) = (text("invalidation"), text("timeHorizon"));
        let risk_reward = match obj.get("riskReward") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(v) if v.is_finite() && v > 0.0 && v <= MAX_RISK_REWARD => Some(v),
                _ => {
                    self.problem(
                        "tradePlan.riskReward",
                        format!("{n} is not a ratio in (0, {MAX_RISK_REWARD}]"),
                    );
                    None
                }
            },
            Some(other) => {
                self.problem(
                    "tradePlan.riskReward",
                    format!("expected a number, got {}", kind(other)),
                );
                None
            }
        };
        Some(TradePlan {
            setup,
            entry_trigger,
            invalidation,
            time_horizon,
            risk_reward,
        })
    }

    fn object<'a>(
        &mut self,
        root: &'a Map<String, Value>,
        field: &str,
    ) -> Option<&'a Map<String, Value>> {
        match root.get(field) {
            Some(Value::Object(obj)) => Some(obj),
            None | Some(Value::Null) => {
                self.problem(field, "missing (an object)");
                None
            }
            Some(other) => {
                self.problem(field, format!("expected an object, got {}", kind(other)));
                None
            }
        }
    }

    /// Decision, direction and levels must tell one story.
    fn consistency(&mut self, decision: Decision, direction: Direction, levels: &KeyLevels) {
        if decision == Decision::EnterTrade {
            if direction == Direction::Neither {
                self.problem("direction", "enter_trade needs long or short");
            }
            if levels.entry.is_none() {
                self.problem("keyLevels.entry", "enter_trade needs an entry");
            }
            if levels.stop_loss.is_none() {
                self.problem("keyLevels.stopLoss", "enter_trade needs a stop loss");
            }
            if levels.take_profit.is_empty() {
                self.problem(
                    "keyLevels.takeProfit",
                    "enter_trade needs at least one target",
                );
            }
        }
        let Some(entry) = levels.entry else { return };
        let (long, name) = match direction {
            Direction::Long => (true, "long"),
            Direction::Short => (false, "short"),
            Direction::Neither => return,
        };
        let beyond = |a: f64, b: f64| if long { a > b } else { a < b };
        if let Some(stop) = levels.stop_loss {
            if !beyond(entry, stop) {
                let side = if long { "below" } else { "above" };
                self.problem(
                    "keyLevels.stopLoss",
                    format!("{stop} must be {side} the entry {entry} of a {name}"),
                );
            }
        }
        for (i, target) in levels.take_profit.iter().enumerate() {
            if !beyond(*target, entry) {
                let side = if long { "above" } else { "below" };
                self.problem(
                    &format!("keyLevels.takeProfit[{i}]"),
                    format!("{target} must be {side} the entry {entry} of a {name}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_stripped_and_text_is_bounded() {
        assert_eq!(strip_fences("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(strip_fences("  {\"a\":1} "), "{\"a\":1}");
        assert_eq!(bounded("  abcdef ", 4), "abc…");
        assert_eq!(bounded("abcd", 4), "abcd");
        assert_eq!(bounded("ééééé", 3), "éé…");
    }
}
