//! What can go wrong with a trader's filter, named so a user can find and fix it: which trader,
//! which symbol (when it happened during an evaluation), what happened and on which line of the
//! filter code.

use std::fmt;

/// The kind of failure, for metrics and for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterErrorKind {
    /// The code does not parse.
    Syntax,
    /// The code threw (a `TypeError`, a `throw`, …).
    Runtime,
    /// The evaluation ran past its deadline (an endless loop, a huge computation).
    Timeout,
    /// The runtime's memory cap was reached.
    OutOfMemory,
    /// The code returned something other than a boolean or `{match, conditions}`.
    BadReturn,
    /// The code awaited a promise that can never settle (there are no timers or I/O).
    NeverSettles,
    /// The engine paused the trader after it kept exceeding its limits.
    Quarantined,
}

/// A filter failure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterError {
    pub kind: FilterErrorKind,
    pub trader_id: String,
    /// The symbol being evaluated, when the failure happened during an evaluation.
    pub symbol: Option<String>,
    pub message: String,
    /// 1-based line in the trader's own filter code, when known.
    pub line: Option<u32>,
}

impl FilterError {
    /// The same error, attributed to a symbol.
    pub fn on_symbol(mut self, symbol: &str) -> Self {
        self.symbol = Some(symbol.to_owned());
        self
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trader {}", self.trader_id)?;
        if let Some(symbol) = &self.symbol {
            write!(f, " on {symbol}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_trader_symbol_message_and_line() {
        let e = FilterError {
            kind: FilterErrorKind::Runtime,
            trader_id: "rsi-bounce".into(),
            symbol: None,
            message: "TypeError: cannot read property 'x' of undefined".into(),
            line: Some(4),
        }
        .on_symbol("BTCUSDT");
        assert_eq!(
            e.to_string(),
            "trader rsi-bounce on BTCUSDT: TypeError: cannot read property 'x' of undefined (line 4)"
        );
    }
}
