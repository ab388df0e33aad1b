//! Live Binance spot market data for the screener agent (docs/binance-data.md, and
//! `docs/binance-feed.md` for the design): REST backfill and gap repair under the request-weight
//! limit, the symbol universe, 24 h tickers, and combined kline streams sharded over
//! connections with reconnects, rollovers and exactly-once delivery of closed candles.
//!
//! - [`feed`]: the whole pipeline — universe → backfill into a `CandleStore` → streams →
//!   closed candles out as [`FeedEvent`]s.
//! - [`rest`]: the REST client (deadlines, retries, 429/418) with [`budget`], its weight
//!   budget; endpoints in [`exchange`] (universe), [`klines`] (backfill, repair) and
//!   [`ticker`].
//! - [`stream`]: stream planning, frames, connections, shards and the delivery ledger.
//! - [`events`], [`stats`]: what the feed reports, as events and as counters.
//! - [`backoff`]: capped exponential backoff with jitter; [`error`]: REST errors;
//!   [`args`]: the feed's command-line flags.

pub mod args;
pub mod backoff;
pub mod budget;
pub mod error;
pub mod events;
pub mod exchange;
pub mod feed;
pub mod klines;
pub mod rest;
pub mod stats;
pub mod stream;
pub mod ticker;

pub use args::FeedArgs;
pub use backoff::Backoff;
pub use budget::{BudgetSnapshot, WeightBudget};
pub use error::RestError;
pub use events::{ConnectionState, FeedEvent, Rollover, Source};
pub use exchange::{ExchangeInfo, RateLimit, SymbolInfo};
pub use feed::{Feed, FeedConfig, FeedError};
pub use rest::{RestClient, RestOptions, RestStats, DEFAULT_REST_URL};
pub use stats::FeedSnapshot;
pub use stream::{StreamOptions, DEFAULT_WS_URL};
pub use ticker::TickerScope;
