//! The `responseSchema` sent with every request: the [`Analysis`](super::Analysis) shape in
//! Gemini's OpenAPI 3.0 subset (`type` in capitals, `enum`, `nullable`, `minimum`/`maximum`,
//! `maxItems`, `required`, `propertyOrdering`). Gemini emits required properties in the order
//! listed, so the reasoning comes before the numbers derived from it.
//!
//! The schema guides the model; it does not replace [`validate`](super::validate), which
//! checks every reply anyway.

use serde_json::{json, Value};

use super::verdict::{Decision, Direction, MAX_LEVELS};

/// The response schema of a verdict.
pub fn verdict_schema() -> Value {
    let price =
        |description: &str| json!({"type": "NUMBER", "nullable": true, "description": description});
    let prices = |description: &str| {
        json!({
            "type": "ARRAY",
            "items": {"type": "NUMBER"},
            "maxItems": MAX_LEVELS.to_string(),
            "description": description,
        })
    };
    let text = |description: &str| json!({"type": "STRING", "description": description});
    let names = |all: &[&str]| all.iter().map(|s| json!(s)).collect::<Vec<_>>();
    json!({
        "type": "OBJECT",
        "properties": {
            "reasoning": text("Why, citing the candles and indicator values given (at most ~150 words)."),
            "decision": {
                "type": "STRING",
                "enum": names(&Decision::ALL.map(Decision::as_str)),
                "description": "enter_trade: clear setup, risk:reward at least 2; wait: needs confirmation; bad_setup: otherwise.",
            },
            "direction": {
                "type": "STRING",
                "enum": names(&Direction::ALL.map(Direction::as_str)),
                "description": "Side of the trade; none only with wait or bad_setup.",
            },
            "confidence": {
                "type": "INTEGER",
                "minimum": 0,
                "maximum": 100,
                "description": "Confidence in the decision, 0-100.",
            },
            "keyLevels": {
                "type": "OBJECT",
                "properties": {
                    "entry": price("Entry price."),
                    "stopLoss": price("Stop-loss price: below the entry for long, above for short."),
                    "takeProfit": prices("Targets, nearest first: above the entry for long, below for short."),
                    "support": prices("Support prices below the current price, nearest first."),
                    "resistance": prices("Resistance prices above the current price, nearest first."),
                },
                "required": ["entry", "stopLoss", "takeProfit", "support", "resistance"],
                "propertyOrdering": ["entry", "stopLoss", "takeProfit", "support", "resistance"],
            },
            "tradePlan": {
                "type": "OBJECT",
                "properties": {
                    "setup": text("The pattern or situation traded."),
                    "entryTrigger": text("What must happen to enter."),
                    "invalidation": text("What proves the idea wrong."),
                    "timeHorizon": text("Expected duration, e.g. 4-12 hours."),
                    "riskReward": {"type": "NUMBER", "nullable": true, "description": "Reward over risk to the first target."},
                },
                "required": ["setup", "entryTrigger", "invalidation", "timeHorizon", "riskReward"],
                "propertyOrdering": ["setup", "entryTrigger", "invalidation", "timeHorizon", "riskReward"],
            },
        },
        "required": ["reasoning", "decision", "direction", "confidence", "keyLevels", "tradePlan"],
        "propertyOrdering": ["reasoning", "decision", "direction", "confidence", "keyLevels", "tradePlan"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_property_is_defined_and_ordered() {
        let schema = verdict_schema();
        for object in [
            &schema,
            &schema["properties"]["keyLevels"],
            &schema["properties"]["tradePlan"],
        ] {
            let required = object["required"].as_array().cloned().unwrap_or_default();
            assert_eq!(object["propertyOrdering"], Value::Array(required.clone()));
            for name in &required {
                let name = name.as_str().unwrap_or_default();
                assert!(object["properties"].get(name).is_some(), "{name}");
            }
        }
        assert_eq!(
            schema["properties"]["decision"]["enum"],
            json!(["enter_trade", "wait", "bad_setup"])
        );
    }
}
