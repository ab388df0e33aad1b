//! The Fly Machines API client: typed, transient-only retries, idempotent create, looped
//! waits, always-released leases. Written against `docs/fly-machines-api.md` (the shared
//! reference); the section numbers in comments point there.
//!
//! Layout:
//! - [`client`]: [`FlyClient`] (base URL, auth header, timeouts, logging) and its options.
//! - [`retry`]: [`RetryPolicy`] and [`PropagationPolicy`] and the retry loop.
//! - [`error`]: [`FlyError`], classified from status and body, with hints.
//! - [`types`]: the API's JSON types.
//! - [`apps`], [`machines`], [`create`], [`wait`], [`lease`], [`secrets`], [`volumes`],
//!   [`platform`]: the endpoints, as methods of [`FlyClient`].
//! - [`sizes`]: guest presets, prices and cost estimates, the documented region table.
//!
//! The token lives only inside the client, in a [`crate::sensitive::Sensitive`] header value;
//! nothing here logs headers or bodies.

pub mod apps;
pub mod client;
pub mod create;
pub mod error;
pub mod lease;
pub mod logs;
pub mod machines;
pub mod platform;
pub mod retry;
pub mod secrets;
pub mod sizes;
pub mod types;
pub mod volumes;
pub mod wait;

pub use client::{ClientOptions, FlyClient, DEFAULT_BASE_URL, LEASE_NONCE_HEADER};
pub use create::{CreateRequestId, REQUEST_ID_METADATA_KEY};
pub use error::{FlyError, Reply};
pub use lease::DEFAULT_LEASE_TTL;
pub use logs::{LogEntry, LogPage, LogRequest};
pub use machines::{ListMachines, RestartOptions, StopOptions};
pub use retry::{PropagationPolicy, RetryPolicy};
pub use wait::{WaitFor, WaitOutcome};

#[cfg(test)]
mod tests;
