//! Shared setup for the `binance_*` tests: client options with test-sized timings pointed at
//! a fake, and an event recorder that pumps a feed until a condition holds.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use fake_binance::FakeBinance;
use screener::binance::{
    Backoff, ConnectionState, Feed, FeedConfig, FeedEvent, RestOptions, Source, StreamOptions,
};
use screener::market::{Candle, Interval, SeriesKey};

pub const T0: i64 = fake_binance::DEFAULT_NOW;
pub const MIN: i64 = 60_000;

/// REST options for a fake: short deadlines and backoffs.
pub fn rest_options(fake: &FakeBinance) -> RestOptions {
    RestOptions {
        base_url: fake.rest_url(),
        request_timeout: Duration::from_secs(3),
        max_attempts: 4,
        backoff: Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        ..RestOptions::default()
    }
}

/// Stream options for a fake: quick reconnects, paced SUBSCRIBEs within the fake's limit.
pub fn stream_options(fake: &FakeBinance) -> StreamOptions {
    StreamOptions {
        base_url: fake.ws_url(),
        subscribe_pacing: Duration::from_millis(250),
        connect_timeout: Duration::from_secs(2),
        subscribe_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(10),
        reconnect: Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        ..StreamOptions::default()
    }
}

/// A feed of `symbols` × `intervals` with `history` candles, against `fake`.
pub fn feed_config(
    fake: &FakeBinance,
    symbols: &[&str],
    intervals: &[Interval],
    history: usize,
) -> FeedConfig {
    FeedConfig {
        rest: rest_options(fake),
        stream: stream_options(fake),
        symbols: Some(symbols.iter().map(|s| s.to_string()).collect()),
        intervals: intervals.to_vec(),
        history,
        ..FeedConfig::default()
    }
}

/// Loads `count` synthetic 1m candles from `T0` for each symbol (distinct seeds).
pub fn load_minutes(fake: &FakeBinance, symbols: &[&str], count: usize) {
    for (i, symbol) in symbols.iter().enumerate() {
        let candles =
            fake_binance::data::synthetic(Interval::M1, T0, count, 100.0 + i as f64, i as u64 + 1);
        fake.load(symbol, Interval::M1, candles);
    }
}

/// Everything a feed said, sorted by kind.
#[derive(Debug, Default)]
pub struct Recorder {
    pub closed: BTreeMap<SeriesKey, Vec<(Candle, Source)>>,
    pub states: Vec<(usize, ConnectionState)>,
    pub gaps: Vec<FeedEvent>,
    pub live: usize,
}

impl Recorder {
    pub fn take(&mut self, event: FeedEvent) {
        match event {
            FeedEvent::Closed { candle, source } => self
                .closed
                .entry(SeriesKey::new(&candle.symbol, candle.interval))
                .or_default()
                .push((candle.candle, source)),
            FeedEvent::Connection { shard, state } => self.states.push((shard, state)),
            gap @ FeedEvent::Gap { .. } => self.gaps.push(gap),
            FeedEvent::Live { .. } => self.live += 1,
        }
    }

    /// Closed candles delivered for a series.
    pub fn closes(&self, symbol: &str, interval: Interval) -> Vec<Candle> {
        self.closed
            .get(&SeriesKey::new(symbol, interval))
            .map(|v| v.iter().map(|(c, _)| *c).collect())
            .unwrap_or_default()
    }

    pub fn sources(&self, symbol: &str, interval: Interval) -> Vec<Source> {
        self.closed
            .get(&SeriesKey::new(symbol, interval))
            .map(|v| v.iter().map(|(_, s)| *s).collect())
            .unwrap_or_default()
    }

    pub fn total_closed(&self) -> usize {
        self.closed.values().map(Vec::len).sum()
    }

    /// Connections that became active and finished their gap repair.
    pub fn ready(&self) -> usize {
        self.states
            .iter()
            .filter(|(_, s)| matches!(s, ConnectionState::CaughtUp { .. }))
            .count()
    }

    pub fn reconnecting(&self) -> usize {
        self.states
            .iter()
            .filter(|(_, s)| matches!(s, ConnectionState::Reconnecting { .. }))
            .count()
    }

    /// Takes events until `done` holds; panics with what was seen after `within`.
    pub async fn until(
        &mut self,
        feed: &mut Feed,
        within: Duration,
        done: impl Fn(&Recorder) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        while !done(self) {
            match tokio::time::timeout_at(deadline, feed.next_event()).await {
                Ok(Some(event)) => self.take(event),
                Ok(None) => panic!("the feed ended early; seen: {self:#?}"),
                Err(_) => panic!("timed out; seen: {self:#?}"),
            }
        }
    }

    /// Takes whatever else arrives within `quiet` (to catch duplicates).
    pub async fn settle(&mut self, feed: &mut Feed, quiet: Duration) {
        while let Ok(Some(event)) = tokio::time::timeout(quiet, feed.next_event()).await {
            self.take(event);
        }
    }
}

/// Open time, OHLCV: what REST, the stream and the recordings all carry exactly.
pub fn essence(c: &Candle) -> (i64, i64, [u64; 5]) {
    (
        c.open_time,
        c.close_time,
        [c.open, c.high, c.low, c.close, c.volume].map(f64::to_bits),
    )
}

/// Asserts the delivered closes of a series are exactly the fake's closed candles after
/// `after_open`: same candles, in order, none missing, none twice.
pub fn assert_exactly_once(
    rec: &Recorder,
    fake: &FakeBinance,
    symbol: &str,
    interval: Interval,
    after_open: i64,
) {
    let got: Vec<_> = rec.closes(symbol, interval).iter().map(essence).collect();
    let want: Vec<_> = fake
        .closed(symbol, interval)
        .iter()
        .filter(|c| c.open_time > after_open)
        .map(essence)
        .collect();
    let opens = |v: &[(i64, i64, [u64; 5])]| v.iter().map(|e| (e.0 - T0) / MIN).collect::<Vec<_>>();
    assert_eq!(
        opens(&got),
        opens(&want),
        "{symbol} {interval}: open times (minutes from T0)"
    );
    assert_eq!(got, want, "{symbol} {interval}: candle values");
}
