//! The TradeMind screener: market data, indicators, sandboxed trader filters, the evaluation
//! engine and the agent that serves it over WebSocket on the user's Fly machine.
//!
//! This crate has no Tauri and no desktop concerns; the desktop app links it for local,
//! offline screening and for the shared desktop⇄agent protocol types.
//!
//! Layout (grows with the engine and agent issues):
//! - [`build`]: what this build is (name and version).
//! - [`cli`]: the `screener` command line's logic.
//! - [`market`]: candles, intervals, the bounded candle store, aggregation, file readers.
//! - [`indicators`]: TA-Lib-exact indicators, batch and incremental.
//! - [`filter`]: the sandbox that runs traders' JavaScript filters.
//! - [`trader`]: the trader record and the editor's checks.
//! - [`engine`]: traders evaluated on candle close into signals.
//! - [`protocol`]: the desktop⇄agent WebSocket frames (v1).
//! - [`agent`]: `screener serve`, the machine-side service.
//! - [`binance`]: live Binance market data — universe, REST backfill and repair, kline
//!   streams — delivering closed candles to the engine.
//! - [`analysis`]: AI analysis of signals (Gemini), queued apart from screening.

pub mod agent;
pub mod analysis;
pub mod binance;
pub mod build;
pub mod cli;
pub mod engine;
pub mod filter;
pub mod indicators;
pub mod market;
pub mod protocol;
pub mod trader;
