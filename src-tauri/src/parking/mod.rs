//! Auto-stop ("parking"): the app stops the machine after a set period with no enabled cloud
//! trader, or outside the user's schedule, and shows it as parked with the reason. It never
//! stops while an operation is in flight: a machine lock held, a deploy or undeploy waiting
//! in the outbox, or a Fly lease on the machine.
//!
//! - [`schedule`]: the days and daily window, parsed from `mon-fri 08:00-22:00`.
//! - [`decide`]: the pure decision with the time passed in.
//! - [`record`]: the settings, parked reason and dead-man alert rows.
//! - [`task`]: the once-a-minute look that applies the decision.

pub mod decide;
pub mod record;
pub mod schedule;
pub mod task;

pub use decide::{AutoStopSettings, InFlight, ParkReason};
pub use schedule::{Day, Schedule};

#[cfg(test)]
mod tests;
