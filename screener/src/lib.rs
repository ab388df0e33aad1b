//! The TradeMind screener: market data, indicators, sandboxed trader filters, the evaluation
//! engine and the agent that serves it over WebSocket on the user's Fly machine.
//!
//! This crate has no Tauri and no desktop concerns; the desktop app links it for local,
//! offline screening and for the shared desktop⇄agent protocol types.
//!
//! Layout (grows with the engine and agent issues):
//! - [`build`]: what this build is (name and version).
//! - [`market`]: candles, intervals, the bounded candle store, aggregation, file readers.
//! - [`indicators`]: TA-Lib-exact indicators, batch and incremental.

pub mod build;
pub mod indicators;
pub mod market;
