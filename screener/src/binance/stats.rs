//! Live counters of the feed, shared by its tasks and read as a [`FeedSnapshot`] for metrics:
//! streams and connections up, reconnects, closed candles delivered (and how many came from
//! repair), duplicates dropped, gaps left, malformed frames, and the age of the last close.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::rest::RestStats;

/// The counters (all monotonic except the two gauges).
#[derive(Debug, Default)]
pub(crate) struct FeedStats {
    pub streams_connected: AtomicU64,
    pub connections_open: AtomicU64,
    pub connects: AtomicU64,
    pub reconnects: AtomicU64,
    pub rollovers: AtomicU64,
    pub closed: AtomicU64,
    pub repaired: AtomicU64,
    pub duplicates: AtomicU64,
    pub gaps: AtomicU64,
    pub malformed: AtomicU64,
    pub last_close: Mutex<Option<Instant>>,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedSnapshot {
    /// Streams on connections that are up (gauge).
    pub streams_connected: u64,
    /// Connections that are up (gauge).
    pub connections_open: u64,
    /// Connections that came up, the first ones included.
    pub connects: u64,
    /// Connection attempts after a failure or drop.
    pub reconnects: u64,
    /// Connections replaced while working (planned or announced by Binance).
    pub rollovers: u64,
    /// Closed candles delivered.
    pub closed: u64,
    /// Of those, fetched by REST gap repair.
    pub repaired: u64,
    /// Closed updates dropped because that candle was already delivered.
    pub duplicates: u64,
    /// Gaps that could not be repaired.
    pub gaps: u64,
    /// Frames that could not be understood (and were skipped).
    pub malformed: u64,
    /// Time since the last closed candle was delivered.
    pub last_candle_age: Option<Duration>,
    /// REST requests and the weight budget.
    pub rest: RestStats,
}

impl FeedStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn sub(counter: &AtomicU64, n: u64) {
        let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some(v.saturating_sub(n))
        });
    }

    pub fn closed_now(&self) {
        if let Ok(mut last) = self.last_close.lock() {
            *last = Some(Instant::now());
        }
    }

    pub fn snapshot(&self, rest: RestStats) -> FeedSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let last = self.last_close.lock().ok().and_then(|l| *l);
        FeedSnapshot {
            streams_connected: get(&self.streams_connected),
            connections_open: get(&self.connections_open),
            connects: get(&self.connects),
            reconnects: get(&self.reconnects),
            rollovers: get(&self.rollovers),
            closed: get(&self.closed),
            repaired: get(&self.repaired),
            duplicates: get(&self.duplicates),
            gaps: get(&self.gaps),
            malformed: get(&self.malformed),
            last_candle_age: last.map(|at| at.elapsed()),
            rest,
        }
    }
}
