//! Binance REST klines JSON, as `GET /api/v3/klines` returns it: an array of 12-element arrays
//! `[openTime, "open", "high", "low", "close", "volume", closeTime, "quoteVolume", trades,
//! "takerBuyBase", "takerBuyQuote", "0"]`. Times may be ms or µs (`X-MBX-TIME-UNIT`).
//! Decimals are accepted as strings (Binance's form) or JSON numbers.
//!
//! Errors give the line on which the offending kline starts. A saved Binance error body
//! (`{"code":-1121,"msg":"Invalid symbol."}`) is reported as such.

use serde_json::Value;

use crate::market::candle::Candle;
use crate::market::interval::Interval;

use super::fields::{self, Field, RowOrder};
use super::{Location, Problem, ReadError};

pub(super) fn parse(
    text: &str,
    at: Location<'_>,
    interval: Interval,
) -> Result<Vec<Candle>, ReadError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        at.at(
            e.line().max(1),
            Problem::Json {
                message: e.to_string(),
            },
        )
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(object) if object.contains_key("code") => {
            let code = object.get("code").and_then(Value::as_i64).unwrap_or(0);
            let message = object
                .get("msg")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Err(at.at(1, Problem::BinanceError { code, message }));
        }
        other => {
            return Err(at.at(
                1,
                Problem::NotKlines {
                    found: describe(&other),
                },
            ))
        }
    };
    let lines = element_lines(text);
    let mut order = RowOrder::default();
    let mut candles = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let line = lines.get(index).copied().unwrap_or(1);
        let candle = parse_kline(item, interval)
            .and_then(|candle| {
                order.check(candle.open_time)?;
                Ok(candle)
            })
            .map_err(|problem| at.at(line, problem))?;
        candles.push(candle);
    }
    Ok(candles)
}

fn parse_kline(item: &Value, interval: Interval) -> Result<Candle, Problem> {
    let Value::Array(values) = item else {
        return Err(Problem::NotKlines {
            found: format!("an element that is {}", describe(item)),
        });
    };
    if values.len() != 12 {
        return Err(Problem::ColumnCount {
            expected: 12,
            found: values.len(),
        });
    }
    let value = |field: Field| values.get(field.0).unwrap_or(&Value::Null);
    let decimal = |field: Field| match value(field) {
        Value::String(text) => fields::decimal(field, text),
        Value::Number(number) => {
            number
                .as_f64()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Problem::NotANumber {
                    field,
                    value: number.to_string(),
                })
        }
        other => Err(wrong_type(field, "a decimal string", other)),
    };
    let integer = |field: Field| match value(field) {
        Value::Number(number) => number.as_i64().ok_or_else(|| Problem::NotAnInteger {
            field,
            value: number.to_string(),
        }),
        other => Err(wrong_type(field, "an integer", other)),
    };
    let trades = integer(Field::TRADES)?;
    let candle = Candle {
        open_time: fields::timestamp_ms(Field::OPEN_TIME, integer(Field::OPEN_TIME)?)?,
        close_time: fields::timestamp_ms(Field::CLOSE_TIME, integer(Field::CLOSE_TIME)?)?,
        open: decimal(Field::OPEN)?,
        high: decimal(Field::HIGH)?,
        low: decimal(Field::LOW)?,
        close: decimal(Field::CLOSE)?,
        volume: decimal(Field::VOLUME)?,
        quote_volume: Some(decimal(Field::QUOTE_VOLUME)?),
        trades: Some(u64::try_from(trades).map_err(|_| Problem::NotAnInteger {
            field: Field::TRADES,
            value: trades.to_string(),
        })?),
        taker_buy_base_volume: Some(decimal(Field::TAKER_BUY_BASE)?),
        taker_buy_quote_volume: Some(decimal(Field::TAKER_BUY_QUOTE)?),
    };
    fields::check_candle(&candle, interval)?;
    Ok(candle)
}

fn wrong_type(field: Field, expected: &'static str, found: &Value) -> Problem {
    Problem::WrongType {
        field,
        expected,
        found: describe(found),
    }
}

fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let text: String = value.to_string().chars().take(40).collect();
    format!("{kind} `{text}`")
}

/// The 1-based line on which each element of the top-level array starts. Only called on text
/// that already parsed as JSON, so a small scanner that skips strings is enough.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expecting = false;
    for byte in text.bytes() {
        if byte == b'\n' {
            line += 1;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if depth == 1 && expecting && !byte.is_ascii_whitespace() && byte != b']' {
            lines.push(line);
            expecting = false;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                expecting = depth == 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_lines_skip_strings_and_nesting() {
        let text = "[\n  [1, \"a]\\\",\", [2]],\n\n  [3],\n  {\"x\": [4]}, 5\n]";
        assert_eq!(element_lines(text), vec![2, 4, 5, 5]);
        assert_eq!(element_lines("[]"), Vec::<usize>::new());
    }

    #[test]
    fn binance_error_body_is_named() {
        let err = parse(
            r#"{"code":-1121,"msg":"Invalid symbol."}"#,
            Location { file: "e.json" },
            Interval::M1,
        );
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("e.json:1: the file holds a Binance error response, not klines: code -1121, Invalid symbol.")
        );
    }
}
