//! [`Feed`]: the screener's live Binance market data, end to end.
//!
//! 1. The universe: the `TRADING` spot pairs of `quote` from exchangeInfo, or the explicit
//!    `symbols` (checked against exchangeInfo: unknown names are an error). exchangeInfo also
//!    sets the REST weight budget from the live `rateLimits`.
//! 2. Backfill: the newest `history` closed candles of every (symbol, interval), paged
//!    backwards, a few series at a time under the weight budget, into a [`CandleStore`].
//! 3. Live: the streams of every series, sharded over connections; each shard delivers the
//!    closed candles after the backfill exactly once, in order, as [`FeedEvent::Closed`] —
//!    the engine's input — repairing over REST whatever a disconnect or a lost frame hid.
//!
//! [`Feed::shutdown`] (or dropping the feed, or cancelling the token given to
//! [`Feed::start`]) stops every task; `shutdown` waits until they have all ended.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::error::RestError;
use super::events::FeedEvent;
use super::klines::backfill;
use super::rest::{RestClient, RestOptions};
use super::stats::{FeedSnapshot, FeedStats};
use super::stream::ledger::Ledger;
use super::stream::plan::{self, InvalidStreamUrl};
use super::stream::shard::Shard;
use super::stream::StreamOptions;
use crate::market::{Candle, CandleStore, Interval, SeriesKey};
use crate::trader::record::DEFAULT_HISTORY;

/// What the feed follows and how it reaches Binance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    pub rest: RestOptions,
    pub stream: StreamOptions,
    /// The quote asset of the universe (`--quote`).
    pub quote: String,
    /// Explicit symbols instead of the quote universe (`--symbols`).
    pub symbols: Option<Vec<String>>,
    /// The intervals followed for every symbol.
    pub intervals: Vec<Interval>,
    /// Closed candles backfilled per series (`--history`).
    pub history: usize,
    /// Series backfilled at the same time.
    pub backfill_concurrency: usize,
    /// Events buffered for the consumer before the shards wait for it.
    pub event_capacity: usize,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            rest: RestOptions::default(),
            stream: StreamOptions::default(),
            quote: "USDT".to_owned(),
            symbols: None,
            intervals: vec![Interval::M1],
            history: DEFAULT_HISTORY,
            backfill_concurrency: 4,
            event_capacity: 4096,
        }
    }
}

/// Why the feed could not start.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    StreamUrl(#[from] InvalidStreamUrl),
    #[error("no intervals to follow")]
    NoIntervals,
    #[error("Binance lists no TRADING spot pair quoted in {quote}")]
    EmptyUniverse { quote: String },
    #[error("Binance lists no spot symbol named {}", .0.join(", "))]
    UnknownSymbols(Vec<String>),
    #[error("backfilling {symbol} {interval}: {source}")]
    Backfill {
        symbol: String,
        interval: Interval,
        source: RestError,
    },
    #[error("the feed was cancelled while starting")]
    Cancelled,
    #[error("a backfill task failed: {0}")]
    Task(String),
}

/// A running feed.
pub struct Feed {
    universe: Vec<String>,
    history: CandleStore,
    events: mpsc::Receiver<FeedEvent>,
    cancel: CancellationToken,
    shards: Vec<JoinHandle<()>>,
    stats: Arc<FeedStats>,
    rest: RestClient,
}

impl Feed {
    /// Resolves the universe, backfills it and starts the streams. `cancel` stops the feed
    /// (and an unfinished start) from outside.
    pub async fn start(config: FeedConfig, cancel: CancellationToken) -> Result<Feed, FeedError> {
        let cancel = cancel.child_token();
        tokio::select! {
            _ = cancel.cancelled() => Err(FeedError::Cancelled),
            started = Self::start_inner(config, cancel.clone()) => started,
        }
    }

    async fn start_inner(config: FeedConfig, cancel: CancellationToken) -> Result<Feed, FeedError> {
        if config.intervals.is_empty() {
            return Err(FeedError::NoIntervals);
        }
        plan::check_base(&config.stream.base_url)?;
        let rest = RestClient::new(config.rest.clone())?;
        let info = rest.exchange_info().await?;
        let universe = match &config.symbols {
            Some(wanted) => {
                let mut upper: Vec<String> = wanted
                    .iter()
                    .map(|s| s.trim().to_ascii_uppercase())
                    .collect();
                upper.sort();
                upper.dedup();
                let unknown: Vec<String> = upper
                    .iter()
                    .filter(|s| info.find(s).is_none())
                    .cloned()
                    .collect();
                if !unknown.is_empty() {
                    return Err(FeedError::UnknownSymbols(unknown));
                }
                for symbol in upper
                    .iter()
                    .filter_map(|s| info.find(s))
                    .filter(|s| !s.is_trading_spot())
                {
                    tracing::warn!(symbol = %symbol.symbol, status = %symbol.status, "symbol is not trading on spot; following it anyway");
                }
                upper
            }
            None => info.universe(&config.quote),
        };
        if universe.is_empty() {
            return Err(FeedError::EmptyUniverse {
                quote: config.quote.clone(),
            });
        }
        let keys: Vec<SeriesKey> = universe
            .iter()
            .flat_map(|s| config.intervals.iter().map(move |i| SeriesKey::new(s, *i)))
            .collect();
        let history = backfill_all(&rest, &keys, &config).await?;
        tracing::info!(
            symbols = universe.len(),
            series = keys.len(),
            "backfill done"
        );
        let stats = Arc::new(FeedStats::default());
        let (sender, events) = mpsc::channel(config.event_capacity.max(1));
        let ledger = Ledger::new(keys.iter().filter_map(|k| {
            history
                .series(&k.symbol, k.interval)
                .and_then(|s| s.last())
                .map(|c| (k.clone(), c.open_time))
        }));
        let shards = plan::shards(&keys, config.stream.max_streams_per_connection)
            .into_iter()
            .enumerate()
            .map(|(index, keys)| {
                let names: Vec<String> = keys.iter().map(plan::stream_name).collect();
                let shard = Shard {
                    index,
                    subscription: plan::subscription(
                        &config.stream.base_url,
                        &names,
                        config.stream.max_url_length,
                        config.stream.subscribe_batch,
                    ),
                    keys,
                    options: config.stream.clone(),
                    rest: rest.clone(),
                    ledger: ledger.clone(),
                    events: sender.clone(),
                    stats: Arc::clone(&stats),
                    cancel: cancel.clone(),
                };
                tokio::spawn(shard.run())
            })
            .collect();
        Ok(Feed {
            universe,
            history,
            events,
            cancel,
            shards,
            stats,
            rest,
        })
    }

    /// The symbols followed, sorted.
    pub fn universe(&self) -> &[String] {
        &self.universe
    }

    /// The backfilled candles (until taken).
    pub fn history(&self) -> &CandleStore {
        &self.history
    }

    /// Hands the backfilled candles over, leaving an empty store.
    pub fn take_history(&mut self) -> CandleStore {
        let empty = CandleStore::new(self.history.capacity_per_series());
        std::mem::replace(&mut self.history, empty)
    }

    /// The next event; `None` once the feed has stopped and every event was taken.
    pub async fn next_event(&mut self) -> Option<FeedEvent> {
        self.events.recv().await
    }

    /// The number of shards (stream connections when all are up).
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The REST client, for tickers and other calls under the same weight budget.
    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    pub fn stats(&self) -> FeedSnapshot {
        self.stats.snapshot(self.rest.stats())
    }

    /// Stops every task and waits for them; returns how many ended. Events still buffered
    /// stay readable with [`Feed::next_event`], which then returns `None`.
    pub async fn shutdown(&mut self) -> usize {
        self.cancel.cancel();
        let mut ended = 0;
        for task in self.shards.drain(..) {
            if task.await.is_ok() {
                ended += 1;
            }
        }
        ended
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Backfills every series, `backfill_concurrency` at a time, into a store of `history`.
async fn backfill_all(
    rest: &RestClient,
    keys: &[SeriesKey],
    config: &FeedConfig,
) -> Result<CandleStore, FeedError> {
    let server_now = rest.server_time().await?;
    let mut store = CandleStore::new(config.history.max(1));
    let mut queue = keys.iter().cloned();
    let mut running: JoinSet<(SeriesKey, Result<Vec<Candle>, RestError>)> = JoinSet::new();
    let spawn = |running: &mut JoinSet<_>, key: SeriesKey| {
        let rest = rest.clone();
        let count = config.history;
        running.spawn(async move {
            let result = backfill(&rest, &key.symbol, key.interval, count, server_now).await;
            (key, result)
        });
    };
    for key in queue.by_ref().take(config.backfill_concurrency.max(1)) {
        spawn(&mut running, key);
    }
    while let Some(joined) = running.join_next().await {
        let (key, result) = joined.map_err(|e| FeedError::Task(e.to_string()))?;
        let candles = result.map_err(|source| FeedError::Backfill {
            symbol: key.symbol.clone(),
            interval: key.interval,
            source,
        })?;
        store.series_mut(&key.symbol, key.interval).extend(candles);
        if let Some(next) = queue.next() {
            spawn(&mut running, next);
        }
    }
    Ok(store)
}
