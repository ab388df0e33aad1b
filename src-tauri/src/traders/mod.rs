//! The desktop's traders: the built-ins and the user's own, stored with their versions,
//! checked with the engine's validation, and placed either locally or in the cloud (never
//! both at once).

pub mod check;
pub mod cloud;
pub mod placement;
pub mod sample;
pub mod transfer;
pub mod view;

pub use view::{
    ConflictChoice, DryRunView, ImportReport, ImportSkip, Placement, TraderCard, TraderCheck,
    TraderConflict, TraderProblem,
};
