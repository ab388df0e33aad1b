//! The user's Fly machine: what it should be, bringing it up through named steps, keeping its
//! true state, and changing it.
//!
//! - [`plan`]: app name, pinned image, the machine config; [`size`]: guest sizes and costs.
//! - [`endpoints`]: the Fly API, agent and image addresses (environment and flags).
//! - [`step`]: the named steps and their progress events.
//! - [`session`]: what an operation works with (database, keyring, Fly client, actor).
//! - [`lock`]: one process at a time changes the machine.
//! - [`provision`] and [`steps`]: `machine start`, resumable step by step.
//! - [`health`]: the agent's `/health`.
//! - [`status`]: reconciliation with Fly, the state to show and the next action.
//! - [`lifecycle`]: stop, restart, destroy, and Fly's machine events.
//! - [`viewer`]: a new viewer token for the agent, ending support's live access.
//!
//! Runs and steps are persisted by [`crate::store::provision`], the machine as last seen by
//! [`crate::store::machine`].

pub mod endpoints;
pub mod health;
pub mod lifecycle;
pub mod lock;
pub mod operation;
pub mod plan;
pub mod provision;
pub mod session;
pub mod size;
pub mod status;
pub mod step;
pub mod steps;
pub mod viewer;

pub use endpoints::Endpoints;
pub use session::Session;
pub use step::{Progress, ProgressSink, Step, StepState};
