//! The `screener` command line's logic, as library code the binary calls and tests exercise.
//!
//! - [`spec`]: indicator SPECs (`rsi:14`, `macd:12,26,9`, …).
//! - [`indicators`]: `screener indicators`, indicator series of a candle file as JSON.
//! - [`run`]: `screener run`, the replay of recorded candles through the engine.
//! - [`traders`]: loading trader records from files.
//! - [`serve`]: `screener serve`, the agent's process: logging, runtime, exit code.

pub mod indicators;
pub mod run;
pub mod serve;
pub mod spec;
pub mod traders;

pub use spec::{IndicatorSpec, SpecError};
