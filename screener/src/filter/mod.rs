//! Trader filters: the JavaScript contract of `trader-filters.md` run in an embedded QuickJS
//! sandbox with no I/O, a per-evaluation deadline and a per-runtime memory cap.
//!
//! - [`sandbox`]: compiling filters and running them under limits.
//! - [`outcome`]: reading what a filter returns.
//! - `realm`: keeping traders that share a realm from affecting each other.
//! - [`error`]: failures named by trader, symbol, message and line.
//! - [`helpers`]: the native indicator helpers filters call.

pub mod error;
pub mod helpers;
pub mod outcome;
mod realm;
pub mod sandbox;

pub use error::{FilterError, FilterErrorKind};
pub use outcome::Verdict;
pub use sandbox::{Limits, Sandbox};
