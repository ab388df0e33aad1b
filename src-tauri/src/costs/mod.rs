//! What the user's Fly machine costs: runtime from recorded state changes ([`ledger`]) priced
//! by size and region ([`price`]), per UTC day and month, and a monthly budget with warnings
//! at 80 % and 100 % and an optional hard stop ([`budget`]).
//!
//! Accounting rules:
//! - a machine costs its started price (its size's and region's hourly price, or the user's
//!   override for the size) from each `started` state to the next state that is not a running
//!   one; `stopping` and `replacing` count as started (Fly bills until the machine is stopped);
//!   a change of size or region while started closes one interval and opens the next;
//! - storage (the agent's 1 GB volume at $0.15 per GB per 30 days) accrues from the machine's
//!   first recorded state to its `destroyed` state, started or not;
//! - intervals are split at UTC day (and so month) boundaries;
//! - the interval still running counts up to "now" (the clock).

pub mod budget;
pub mod ledger;
pub mod price;
pub mod view;

pub use budget::{Budget, Clock, SystemClock};
pub use ledger::StateChange;
pub use price::PriceTable;

#[cfg(test)]
mod tests;
