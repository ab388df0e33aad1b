//! The screener engine: traders evaluated on candle close, in parallel, into signals.
//!
//! - [`core`]: the engine — rounds of closed candles in, signals and errors out.
//! - [`registry`]: loaded traders by id and version.
//! - [`replay`]: recorded candles through the engine.
//! - [`cooldown`]: the de-duplication rule.
//! - [`signal`]: the signal record.
//! - `worker`: evaluation threads, each with its own sandbox.
//! - `resident`: candles kept inside each worker's JavaScript realm.

pub mod cooldown;
pub mod core;
pub mod registry;
pub mod replay;
mod resident;
pub mod signal;
mod worker;

pub use self::core::{ClosedCandle, Engine, EngineConfig, EngineError, RoundReport, TraderStats};
pub use registry::{Change, RegistryError};
pub use replay::{replay, ReplaySummary, SeriesReplay};
pub use signal::Signal;
