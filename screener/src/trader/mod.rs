//! Traders: the record (`trader-filters.md`), its validation, and the static checks the
//! editor runs on a filter's code.
//!
//! - [`builtins`]: the built-in traders.
//! - [`record`]: the trader record, read leniently, validated strictly.
//! - [`timeframes`]: which timeframes the code reads.
//! - [`validate`]: the editor's check on save (syntax, timeframes, dry run).

pub mod builtins;
pub mod record;
pub mod timeframes;
pub mod validate;

pub use record::{Trader, TraderError};
