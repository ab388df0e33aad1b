//! The `screener` command line's logic, as library code the binary calls and tests exercise.
//!
//! - [`spec`]: indicator SPECs (`rsi:14`, `macd:12,26,9`, …).
//! - [`run`]: `screener run`, the replay of recorded candles through the engine.
//! - [`traders`]: loading trader records from files.

pub mod run;
pub mod spec;
pub mod traders;

pub use spec::{IndicatorSpec, SpecError};
