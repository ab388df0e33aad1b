//! Binance combined kline streams (docs/binance-data.md §2), sharded over connections, with
//! exactly-once delivery of closed candles across reconnects.
//!
//! - [`plan`]: stream names, shards of at most `max_streams_per_connection`, URL + SUBSCRIBE.
//! - [`frame`]: parsing text frames.
//! - `connection`: one WebSocket — dial, subscribe (paced under Binance's 5 messages per
//!   second), keep reading so pings are answered, notice silence, close on request.
//! - [`ledger`]: the newest delivered candle per series; duplicates out, gaps detected.
//! - `shard`: one shard's life — reconnect with capped, jittered backoff; roll over to a
//!   fresh connection before Binance's 24 h cut or on `serverShutdown` (new one first, then
//!   the old one closes); REST gap repair after every (re)connect and whenever a stream skips
//!   a candle.

mod connection;
pub mod frame;
pub mod ledger;
pub mod plan;
pub(crate) mod shard;

use std::time::Duration;

use super::backoff::Backoff;

/// Binance's market-data-only stream host (docs §2.1); combined streams are under `/stream`.
pub const DEFAULT_WS_URL: &str = "wss://data-stream.binance.vision";

/// How streams are connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// Without `/stream`, e.g. `wss://data-stream.binance.vision` or a fake's `ws://…`.
    pub base_url: String,
    /// Streams per connection (Binance allows 1024).
    pub max_streams_per_connection: usize,
    /// Longest path and query put in a stream URL; further streams are subscribed by message.
    pub max_url_length: usize,
    /// Streams per SUBSCRIBE message.
    pub subscribe_batch: usize,
    /// Pause between SUBSCRIBE messages (Binance drops connections sending more than 5
    /// messages a second, pongs included).
    pub subscribe_pacing: Duration,
    /// Deadline of the WebSocket handshake.
    pub connect_timeout: Duration,
    /// Deadline for every SUBSCRIBE to be acknowledged.
    pub subscribe_timeout: Duration,
    /// A connection on which nothing (not even a ping) arrives for this long is dead.
    pub idle_timeout: Duration,
    /// Connections are replaced after this long (Binance cuts them at 24 h).
    pub max_connection_age: Duration,
    /// Backoff between reconnect attempts.
    pub reconnect: Backoff,
    /// Whether provisional (`"x": false`) updates are passed on as [`super::FeedEvent::Live`].
    pub live_updates: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_WS_URL.to_owned(),
            max_streams_per_connection: 1024,
            max_url_length: 4000,
            subscribe_batch: 200,
            subscribe_pacing: Duration::from_millis(300),
            connect_timeout: Duration::from_secs(10),
            subscribe_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(23 * 3600 + 50 * 60),
            reconnect: Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(60),
            },
            live_updates: false,
        }
    }
}
