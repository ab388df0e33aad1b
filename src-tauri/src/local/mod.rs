//! Local screening: the screener engine in-process, on live Binance data when it is reachable
//! or on recorded candle files offline, feeding the same signal path as the cloud. No Fly
//! token is needed.

pub mod view;

pub use view::{LocalMode, LocalStart, LocalStatus};
