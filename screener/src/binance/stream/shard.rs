//! One shard: the streams of one connection, kept alive for the life of the feed.
//!
//! The shard holds at most one *active* connection (subscribed, delivering) and one
//! *pending* one (dialling or subscribing). A pending connection that gets every stream
//! subscribed becomes active; an active one it replaces is closed only then, so a rollover
//! (planned before Binance's 24 h cut, or on `serverShutdown`) never leaves the streams
//! uncovered. A failed or dropped connection is retried after a capped, jittered backoff.
//!
//! After every connection becomes active, the shard repairs over REST: for each series, every
//! candle closed (by Binance's clock) since the newest one delivered. A closing update that
//! skips candles triggers the same repair for the skipped span. The [`Ledger`] drops what was
//! already delivered, so the stream and REST can overlap freely. REST calls run inline while
//! the connection tasks keep reading (and answering pings); frames queue meanwhile.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::{sleep_until, Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Inbox, Incoming};
use super::frame::{Frame, KlineUpdate};
use super::ledger::{Ledger, Verdict};
use super::plan::Subscription;
use super::StreamOptions;
use crate::binance::events::{ConnectionState, FeedEvent, Rollover, Source};
use crate::binance::klines::closed_range;
use crate::binance::rest::RestClient;
use crate::binance::stats::FeedStats;
use crate::engine::ClosedCandle;
use crate::market::{Candle, SeriesKey};

/// Everything a shard needs.
pub(crate) struct Shard {
    pub index: usize,
    pub keys: Vec<SeriesKey>,
    pub subscription: Subscription,
    pub options: StreamOptions,
    pub rest: RestClient,
    pub ledger: Ledger,
    pub events: mpsc::Sender<FeedEvent>,
    pub stats: Arc<FeedStats>,
    pub cancel: CancellationToken,
}

/// The shard's connections and reconnect state.
#[derive(Default)]
struct Links {
    active: Option<Connection>,
    pending: Option<Connection>,
    /// Replaced connections still closing.
    retiring: Vec<Connection>,
    next_id: u64,
    /// Failures since the last connection became active.
    failures: u32,
    retry_at: Option<Instant>,
}

impl Shard {
    /// Runs until cancelled (or the event consumer is gone), then closes every connection.
    pub async fn run(mut self) {
        let (inbox, mut incoming) = mpsc::unbounded_channel();
        let mut links = Links {
            retry_at: Some(Instant::now()),
            ..Links::default()
        };
        let far = Instant::now() + Duration::from_secs(365 * 86_400);
        loop {
            let planned = links
                .active
                .as_ref()
                .map(|a| a.ready_at + self.options.max_connection_age);
            let may_dial = links.pending.is_none();
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => break,
                Some((id, message)) = incoming.recv() => {
                    self.on_message(&mut links, &inbox, id, message).await;
                }
                _ = sleep_until(links.retry_at.unwrap_or(far)), if may_dial && links.retry_at.is_some() => {
                    links.retry_at = None;
                    self.dial(&mut links, &inbox, None).await;
                }
                _ = sleep_until(planned.unwrap_or(far)), if may_dial && links.retry_at.is_none() && planned.is_some() => {
                    self.dial(&mut links, &inbox, Some(Rollover::Planned)).await;
                }
            }
        }
        self.shut_down(links).await;
    }

    async fn dial(&mut self, links: &mut Links, inbox: &Inbox, rollover: Option<Rollover>) {
        let state = match rollover {
            Some(reason) => {
                FeedStats::add(&self.stats.rollovers, 1);
                ConnectionState::RollingOver { reason }
            }
            None => {
                if links.failures > 0 {
                    FeedStats::add(&self.stats.reconnects, 1);
                }
                ConnectionState::Connecting {
                    attempt: links.failures,
                }
            }
        };
        self.connection_event(state).await;
        let id = links.next_id;
        links.next_id += 1;
        links.pending = Some(Connection::open(
            id,
            self.subscription.clone(),
            &self.options,
            inbox.clone(),
            &self.cancel,
        ));
    }

    async fn on_message(&mut self, links: &mut Links, inbox: &Inbox, id: u64, message: Incoming) {
        let is = |c: &Option<Connection>| c.as_ref().is_some_and(|c| c.id == id);
        match message {
            Incoming::Subscribed if is(&links.pending) => {
                let Some(mut ready) = links.pending.take() else {
                    return;
                };
                ready.ready_at = Instant::now();
                match links.active.replace(ready) {
                    Some(old) => {
                        old.close();
                        links.retiring.push(old);
                    }
                    None => {
                        FeedStats::add(&self.stats.streams_connected, self.keys.len() as u64);
                        FeedStats::add(&self.stats.connections_open, 1);
                    }
                }
                links.failures = 0;
                links.retry_at = None;
                FeedStats::add(&self.stats.connects, 1);
                let streams = self.keys.len();
                self.connection_event(ConnectionState::Connected { streams })
                    .await;
                let repaired = self.repair_all().await;
                self.connection_event(ConnectionState::CaughtUp { repaired })
                    .await;
            }
            Incoming::Subscribed => {}
            Incoming::Ended(reason) => {
                if is(&links.pending) {
                    links.pending = None;
                    self.schedule_retry(links, reason).await;
                } else if is(&links.active) {
                    links.active = None;
                    FeedStats::sub(&self.stats.streams_connected, self.keys.len() as u64);
                    FeedStats::sub(&self.stats.connections_open, 1);
                    if links.pending.is_none() {
                        self.schedule_retry(links, reason).await;
                    }
                } else {
                    links.retiring.retain(|c| c.id != id);
                }
            }
            Incoming::Frame(Frame::Kline(update)) => self.on_kline(update).await,
            Incoming::Frame(Frame::ServerShutdown) => {
                if is(&links.active) && links.pending.is_none() {
                    self.dial(links, inbox, Some(Rollover::ServerShutdown))
                        .await;
                }
            }
            Incoming::Frame(_) => {}
            Incoming::Malformed(error) => {
                FeedStats::add(&self.stats.malformed, 1);
                tracing::warn!(shard = self.index, %error, "skipped a malformed stream frame");
            }
        }
    }

    async fn schedule_retry(&mut self, links: &mut Links, reason: String) {
        links.failures = links.failures.saturating_add(1);
        let next_in = self.options.reconnect.delay(links.failures);
        links.retry_at = Some(Instant::now() + next_in);
        tracing::info!(shard = self.index, attempt = links.failures, ?next_in, %reason, "stream reconnecting");
        self.connection_event(ConnectionState::Reconnecting {
            attempt: links.failures,
            next_in,
            reason,
        })
        .await;
    }

    async fn on_kline(&mut self, update: KlineUpdate) {
        let KlineUpdate {
            key,
            candle,
            closed,
            ..
        } = update;
        if !closed {
            if self.options.live_updates {
                let event = FeedEvent::Live {
                    symbol: key.symbol.clone(),
                    interval: key.interval,
                    candle,
                };
                self.emit(event).await;
            }
            return;
        }
        match self.ledger.judge(&key, candle.open_time) {
            Verdict::Duplicate => FeedStats::add(&self.stats.duplicates, 1),
            Verdict::Deliver => self.deliver(&key, candle, Source::Stream).await,
            Verdict::Gap { from_open } => {
                self.repair(&key, from_open, candle.open_time).await;
                if self.ledger.is_new(&key, candle.open_time) {
                    self.deliver(&key, candle, Source::Stream).await;
                }
            }
        }
    }

    /// Repairs every series up to Binance's current time; returns the candles delivered.
    async fn repair_all(&mut self) -> u64 {
        let now = tokio::select! {
            _ = self.cancel.cancelled() => return 0,
            now = self.rest.server_time() => now,
        };
        let mut repaired = 0;
        for key in self.keys.clone() {
            let Some(newest) = self.ledger.newest(&key) else {
                continue;
            };
            // Nothing can be missing while the candle after the newest has not closed.
            let next_closes = newest + 2 * key.interval.duration_ms() - 1;
            if now.as_ref().is_ok_and(|now| *now <= next_closes) {
                continue;
            }
            match &now {
                Ok(now) => repaired += self.repair(&key, newest + 1, *now).await,
                Err(e) => self.gap(&key, newest + 1, None, e.to_string()).await,
            }
            if self.cancel.is_cancelled() {
                break;
            }
        }
        repaired
    }

    /// Delivers the candles of `key` closed before `closed_before`, from `from_open` on;
    /// returns how many.
    async fn repair(&mut self, key: &SeriesKey, from_open: i64, closed_before: i64) -> u64 {
        let fetched = tokio::select! {
            _ = self.cancel.cancelled() => return 0,
            fetched = closed_range(&self.rest, &key.symbol, key.interval, from_open, closed_before) => fetched,
        };
        match fetched {
            Ok(candles) => {
                let mut delivered = 0;
                for candle in candles {
                    if self.ledger.is_new(key, candle.open_time) {
                        self.deliver(key, candle, Source::Repair).await;
                        delivered += 1;
                    }
                }
                delivered
            }
            Err(e) => {
                self.gap(key, from_open, Some(closed_before), e.to_string())
                    .await;
                0
            }
        }
    }

    async fn gap(&mut self, key: &SeriesKey, from_open: i64, until: Option<i64>, reason: String) {
        FeedStats::add(&self.stats.gaps, 1);
        tracing::warn!(shard = self.index, symbol = %key.symbol, interval = %key.interval, %reason, "gap not repaired");
        let event = FeedEvent::Gap {
            symbol: key.symbol.clone(),
            interval: key.interval,
            from_open,
            until_open: until,
            reason,
        };
        self.emit(event).await;
    }

    async fn deliver(&mut self, key: &SeriesKey, candle: Candle, source: Source) {
        self.ledger.record(key, candle.open_time);
        FeedStats::add(&self.stats.closed, 1);
        if source == Source::Repair {
            FeedStats::add(&self.stats.repaired, 1);
        }
        self.stats.closed_now();
        let closed = ClosedCandle {
            symbol: key.symbol.clone(),
            interval: key.interval,
            candle,
        };
        self.emit(FeedEvent::Closed {
            candle: closed,
            source,
        })
        .await;
    }

    async fn connection_event(&self, state: ConnectionState) {
        let shard = self.index;
        self.emit(FeedEvent::Connection { shard, state }).await;
    }

    /// Sends an event; a consumer that is gone ends the shard.
    async fn emit(&self, event: FeedEvent) {
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            sent = self.events.send(event) => {
                if sent.is_err() {
                    self.cancel.cancel();
                }
            }
        }
    }

    async fn shut_down(self, links: Links) {
        let Links {
            active,
            pending,
            retiring,
            ..
        } = links;
        if active.is_some() {
            FeedStats::sub(&self.stats.streams_connected, self.keys.len() as u64);
            FeedStats::sub(&self.stats.connections_open, 1);
        }
        let all: Vec<Connection> = active.into_iter().chain(pending).chain(retiring).collect();
        for connection in &all {
            connection.close();
        }
        for connection in all {
            connection.join().await;
        }
        let _ = self.events.try_send(FeedEvent::Connection {
            shard: self.index,
            state: ConnectionState::Closed,
        });
    }
}
