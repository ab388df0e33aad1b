//! The value a filter returns, read by the contract: `true`/`false`, or
//! `{ match: boolean, conditions?: string[] }`. Anything else is an error of that trader.

use rquickjs::{Ctx, Value};

/// A filter's verdict for one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    pub matched: bool,
    /// The conditions the filter reports as met (may be empty).
    pub conditions: Vec<String>,
}

/// Longest condition text kept, and most conditions kept: bounded output per signal.
const MAX_CONDITION_LEN: usize = 200;
const MAX_CONDITIONS: usize = 32;

/// Reads a returned value; `Err` explains what was returned instead.
pub fn read_verdict<'js>(_ctx: &Ctx<'js>, value: &Value<'js>) -> Result<Verdict, String> {
    if let Some(matched) = value.as_bool() {
        return Ok(Verdict {
            matched,
            conditions: Vec::new(),
        });
    }
    let object = value
        .as_object()
        .filter(|_| !value.is_array() && !value.is_function());
    let Some(object) = object else {
        return Err(format!(
            "the filter returned {}; it must return true/false or {{match, conditions}}",
            describe(value)
        ));
    };
    let matched: Value = object.get("match").map_err(|e| e.to_string())?;
    let Some(matched) = matched.as_bool() else {
        return Err(format!(
            "the filter returned an object whose `match` is {}; it must be true or false",
            describe(&matched)
        ));
    };
    let conditions: Value = object.get("conditions").map_err(|e| e.to_string())?;
    let conditions = if conditions.is_undefined() || conditions.is_null() {
        Vec::new()
    } else {
        let Some(array) = conditions.as_array() else {
            return Err("`conditions` must be an array of strings".into());
        };
        let mut out = Vec::new();
        for item in array.iter::<Value>().take(MAX_CONDITIONS) {
            let item = item.map_err(|e| e.to_string())?;
            let Some(text) = item.as_string() else {
                return Err("`conditions` must be an array of strings".into());
            };
            let mut text = text.to_string().map_err(|e| e.to_string())?;
            truncate(&mut text, MAX_CONDITION_LEN);
            out.push(text);
        }
        out
    };
    Ok(Verdict {
        matched,
        conditions,
    })
}

fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
}

/// A short description of a JS value's type for error messages.
fn describe(value: &Value) -> String {
    if value.is_undefined() {
        "undefined (is a `return` missing?)".into()
    } else if value.is_null() {
        "null".into()
    } else if value.is_number() {
        "a number".into()
    } else if value.is_string() {
        "a string".into()
    } else if value.is_array() {
        "an array".into()
    } else if value.is_function() {
        "a function".into()
    } else {
        format!("a value of type {}", value.type_name())
    }
}
