//! Local screening: the screener engine in-process, on live Binance data when it is reachable
//! or on recorded candle files offline, feeding the same signal path as the cloud. No Fly
//! token is needed.

mod live;
pub mod market;
pub mod replay;
pub mod screening;
pub mod view;

#[cfg(test)]
mod tests;

pub use screening::{LocalScreening, Source};
pub use view::{LocalMode, LocalStart, LocalStatus};
