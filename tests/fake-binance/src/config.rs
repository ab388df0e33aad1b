//! [`FakeConfig`]: the limits and timings the fake enforces. [`FakeConfig::binance`] holds the
//! values `docs/binance-data.md` documents (weight 6000 per minute, 1024 streams per
//! connection, a ping every 20 s, 60 s to pong, 5 incoming messages per second, 24 h per
//! connection); [`FakeConfig::fast`] shortens the timings so tests run in milliseconds.

use std::time::Duration;

/// What the fake enforces and how it behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeConfig {
    /// `REQUEST_WEIGHT` per window (Binance: 6000 per minute).
    pub weight_limit: u32,
    /// The length of one weight window. Windows are aligned to the Unix epoch, like Binance's
    /// minutes; the header is still called `X-MBX-USED-WEIGHT-1M`.
    pub weight_window: Duration,
    /// How long an IP stays banned (HTTP 418) after ignoring a 429 (Binance: 2 min and up).
    pub ban_duration: Duration,
    /// Streams one WebSocket connection may carry (Binance: 1024).
    pub max_streams_per_connection: usize,
    /// Longest request target (path and query) accepted on the stream endpoint; longer is
    /// refused with 414 (Binance cuts stream URLs at about 8000 characters).
    pub max_url_length: usize,
    /// Incoming WebSocket messages (text, ping, pong) per second before the connection is
    /// dropped (Binance: 5).
    pub max_incoming_per_second: u32,
    /// How often the server pings (Binance: 20 s).
    pub ping_interval: Duration,
    /// How long without a pong echoing a ping before the server drops the client (Binance:
    /// 1 min).
    pub pong_timeout: Duration,
    /// How long a connection lives before the server closes it (Binance: 24 h).
    pub max_connection_age: Duration,
    /// Provisional (`"x": false`) updates sent per candle before its closing update.
    pub updates_per_candle: u32,
    /// Closed klines per stream re-sent on every new connection, so clients must deduplicate.
    pub replay_closed_on_connect: usize,
}

impl FakeConfig {
    /// Binance's documented limits and timings.
    pub fn binance() -> Self {
        Self {
            weight_limit: 6000,
            weight_window: Duration::from_secs(60),
            ban_duration: Duration::from_secs(120),
            max_streams_per_connection: 1024,
            max_url_length: 8000,
            max_incoming_per_second: 5,
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(24 * 60 * 60),
            updates_per_candle: 2,
            replay_closed_on_connect: 0,
        }
    }

    /// Binance's limits with keep-alive timings short enough for tests (ping every second,
    /// 3 s to answer); the weight window stays a minute.
    pub fn fast() -> Self {
        Self {
            ping_interval: Duration::from_secs(1),
            pong_timeout: Duration::from_secs(3),
            ..Self::binance()
        }
    }
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self::fast()
    }
}
