//! Market data: candles keyed by open time, Binance intervals, the bounded per-(symbol,
//! interval) candle store, aggregation of smaller intervals into larger ones, the rolling 24 h
//! ticker, and readers for recorded files.
//!
//! Principles that hold everywhere in this module:
//! - A candle's key is its open time (UTC epoch ms). Open times strictly increase within a
//!   series; they are never assumed contiguous, and gaps are never filled.
//! - Only closed candles are final. An incomplete candle (the REST API's last, or a recording's
//!   last) is either dropped ([`drop_incomplete`], [`CandleSeries::drop_incomplete`]) or
//!   refreshed in place when its final version arrives ([`CandleSeries::upsert`]).
//! - Buckets of larger intervals are aligned to UTC, and only closed ones are emitted
//!   ([`aggregate`]).
//! - Filters see candles as Binance's 12-element kline arrays ([`Candle::to_kline_json`]) and
//!   the ticker with Binance's field names ([`Ticker::to_json`]).

mod aggregate;
mod candle;
pub mod decimal;
mod interval;
pub mod read;
mod series;
mod store;
mod ticker;
mod window;

pub use aggregate::{aggregate, AggregateError, Aggregator, Closed, LeadingPartial};
pub use candle::Candle;
pub use interval::{Interval, IntervalError};
pub use read::{
    detect_format, drop_incomplete, infer_symbol_interval, parse_candles, read_candles, CandleFile,
    Format, Problem, ReadError,
};
pub use series::{CandleSeries, Upsert, UpsertCounts};
pub use store::{CandleStore, SeriesKey};
pub use ticker::Ticker;
pub use window::CandleWindow;
