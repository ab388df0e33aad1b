//! The user's Fly machine: what it should be ([`plan`]) and the named provisioning steps with
//! their progress events ([`step`]).
//!
//! Runs and steps are persisted by [`crate::store::provision`], the machine as last seen by
//! [`crate::store::machine`].

pub mod plan;
pub mod step;

pub use step::{Progress, ProgressSink, Step, StepState};
