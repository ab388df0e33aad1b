//! Live Binance spot market data for the screener agent (docs/binance-data.md): REST backfill
//! and gap repair under the request-weight limit, the symbol universe and 24 h tickers.
//!
//! - [`rest`]: the REST client (deadlines, retries, 429/418) with [`budget`], its weight
//!   budget; endpoints in [`exchange`] (universe), [`klines`] (backfill, repair) and
//!   [`ticker`].
//! - [`backoff`]: capped exponential backoff with jitter; [`error`]: REST errors.

pub mod backoff;
pub mod budget;
pub mod error;
pub mod exchange;
pub mod klines;
pub mod rest;
pub mod ticker;

pub use backoff::Backoff;
pub use budget::{BudgetSnapshot, WeightBudget};
pub use error::RestError;
pub use exchange::{ExchangeInfo, RateLimit, SymbolInfo};
pub use rest::{RestClient, RestOptions, RestStats, DEFAULT_REST_URL};
pub use ticker::TickerScope;
