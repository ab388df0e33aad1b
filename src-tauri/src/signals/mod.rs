//! Signals from both sources, cloud (the agent's journal, stored by the link) and local (the
//! in-process engine), as one feed: stored, queried with filters, and published live.

pub mod detail;
pub mod feed;
pub mod notify;
pub mod view;

pub use view::{
    CandleView, IndicatorValue, SignalBus, SignalDetail, SignalFilter, SignalSource, SignalView,
};
