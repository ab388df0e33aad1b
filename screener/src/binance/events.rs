//! [`FeedEvent`]: what the live feed tells its consumer — closed candles (the engine's input),
//! optional provisional updates, connection state changes and gaps it could not repair.

use std::time::Duration;

use crate::engine::ClosedCandle;
use crate::market::{Candle, Interval};

/// Where a closed candle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A stream update with `"x": true`.
    Stream,
    /// REST gap repair, after a reconnect or a skipped candle.
    Repair,
}

/// Why a connection is replaced while it still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollover {
    /// Its age reached the planned maximum (before Binance's 24 h cut).
    Planned,
    /// Binance announced `serverShutdown`.
    ServerShutdown,
}

/// The state of one shard's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Dialling, `attempt` 0 for the first connection, then the failure count.
    Connecting { attempt: u32 },
    /// Connected and every stream subscribed; the gap repair starts.
    Connected { streams: usize },
    /// The gap repair after connecting is done: `repaired` closed candles came from REST, and
    /// from here on closes come from the stream.
    CaughtUp { repaired: u64 },
    /// The connection failed or dropped; the next attempt comes in `next_in`.
    Reconnecting {
        attempt: u32,
        next_in: Duration,
        reason: String,
    },
    /// A new connection is opened beside the working one, which closes once it is ready.
    RollingOver { reason: Rollover },
    /// Shut down.
    Closed,
}

/// One event of the live feed.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedEvent {
    /// A candle closed. Per (symbol, interval) these come exactly once each, in open-time
    /// order, with no closed candle missing that Binance's REST API knows.
    Closed {
        candle: ClosedCandle,
        source: Source,
    },
    /// A provisional update of the forming candle (only with `live_updates`).
    Live {
        symbol: String,
        interval: Interval,
        candle: Candle,
    },
    /// A shard's connection changed state.
    Connection {
        shard: usize,
        state: ConnectionState,
    },
    /// Closed candles opened from `from_open` on, up to (not including) `until_open` or up to
    /// now when `None`, could not be fetched; later candles are still delivered.
    Gap {
        symbol: String,
        interval: Interval,
        from_open: i64,
        until_open: Option<i64>,
        reason: String,
    },
}
