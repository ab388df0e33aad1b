//! Column storage for a candle series and [`CandleWindow`], a borrowed run of consecutive
//! stored candles (oldest first) that hands indicators contiguous `&[f64]` slices of closes,
//! highs, lows and volumes without copying.
//!
//! The series keeps one `Vec` per field (struct of arrays) so each field is contiguous. To make
//! evicting the oldest candle O(1) the columns carry a dead prefix that is compacted in bulk
//! (see `series`); a window is a range into the live part.

use std::ops::Range;

use serde_json::Value;

use super::candle::Candle;

macro_rules! columns {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// One `Vec` per [`Candle`] field, all of the same length.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub(crate) struct Columns {
            $(pub(crate) $field: Vec<$ty>,)*
        }

        impl Columns {
            pub(crate) fn len(&self) -> usize {
                self.open_time.len()
            }

            pub(crate) fn reserve_exact(&mut self, additional: usize) {
                $(self.$field.reserve_exact(additional);)*
            }

            pub(crate) fn push(&mut self, candle: &Candle) {
                $(self.$field.push(candle.$field);)*
            }

            pub(crate) fn insert(&mut self, index: usize, candle: &Candle) {
                $(self.$field.insert(index, candle.$field);)*
            }

            pub(crate) fn set(&mut self, index: usize, candle: &Candle) {
                $(self.$field[index] = candle.$field;)*
            }

            pub(crate) fn remove_front(&mut self, count: usize) {
                $(self.$field.drain(..count);)*
            }

            pub(crate) fn truncate(&mut self, len: usize) {
                $(self.$field.truncate(len);)*
            }

            pub(crate) fn get(&self, index: usize) -> Option<Candle> {
                if index >= self.len() {
                    return None;
                }
                Some(Candle { $($field: self.$field[index],)* })
            }
        }
    };
}

columns! {
    open_time: i64,
    close_time: i64,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    quote_volume: Option<f64>,
    trades: Option<u64>,
    taker_buy_base_volume: Option<f64>,
    taker_buy_quote_volume: Option<f64>,
}

/// Consecutive stored candles of one series, oldest first; the last one is the newest in the
/// window (for a history window, the candle that just closed).
#[derive(Debug, Clone)]
pub struct CandleWindow<'a> {
    columns: &'a Columns,
    range: Range<usize>,
}

impl<'a> CandleWindow<'a> {
    pub(crate) fn new(columns: &'a Columns, range: Range<usize>) -> CandleWindow<'a> {
        debug_assert!(range.start <= range.end && range.end <= columns.len());
        CandleWindow { columns, range }
    }

    /// Number of candles.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the window holds no candle.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The `index`-th candle, 0 = oldest.
    pub fn get(&self, index: usize) -> Option<Candle> {
        if index >= self.len() {
            return None;
        }
        self.columns.get(self.range.start + index)
    }

    /// The oldest candle.
    pub fn first(&self) -> Option<Candle> {
        self.get(0)
    }

    /// The newest candle.
    pub fn last(&self) -> Option<Candle> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The candles, oldest first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Candle> + DoubleEndedIterator + 'a {
        let columns = self.columns;
        self.range
            .clone()
            .map(move |i| columns.get(i).unwrap_or_default())
    }

    /// Copies the candles out.
    pub fn to_vec(&self) -> Vec<Candle> {
        self.iter().collect()
    }

    /// Open times (ms).
    pub fn open_times(&self) -> &'a [i64] {
        &self.columns.open_time[self.range.clone()]
    }

    /// Close times (ms).
    pub fn close_times(&self) -> &'a [i64] {
        &self.columns.close_time[self.range.clone()]
    }

    /// Open prices.
    pub fn opens(&self) -> &'a [f64] {
        &self.columns.open[self.range.clone()]
    }

    /// High prices.
    pub fn highs(&self) -> &'a [f64] {
        &self.columns.high[self.range.clone()]
    }

    /// Low prices.
    pub fn lows(&self) -> &'a [f64] {
        &self.columns.low[self.range.clone()]
    }

    /// Close prices.
    pub fn closes(&self) -> &'a [f64] {
        &self.columns.close[self.range.clone()]
    }

    /// Base-asset volumes.
    pub fn volumes(&self) -> &'a [f64] {
        &self.columns.volume[self.range.clone()]
    }

    /// The window as a JSON array of 12-element Binance kline arrays (what a filter's
    /// `timeframes[interval]` holds), oldest first.
    pub fn to_klines_json(&self) -> Value {
        Value::Array(self.iter().map(|c| c.to_kline_json()).collect())
    }
}
