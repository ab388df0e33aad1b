//! Aggregation of candles of a smaller interval into a larger one (5m → 30m, 1m → 1h, …),
//! aligned to UTC buckets, emitting closed buckets only.
//!
//! A bucket of the larger interval starts at [`Interval::bucket_start`] and its candle takes
//! the first open, the highest high, the lowest low, the last close and the sums of volume,
//! quote volume, trades and taker volumes of the source candles in it. A sum over an optional
//! field is unknown (`None`) if any candle in the bucket lacks it. The result's open time is
//! the bucket start and its close time the bucket end − 1 ms.
//!
//! **Closed-bucket rule.** A bucket is closed, and emitted exactly once, as soon as either
//! 1. a source candle opening at or after the bucket's end arrives, or
//! 2. the bucket's last source slot is present: a candle opening at or after
//!    `bucket end − source interval` (the 12:25 candle closes the 12:00–12:30 bucket of 5m data).
//!
//! Gaps inside a bucket do not block it: the bucket is built from whatever candles it has and
//! no candle is ever invented. The newest bucket is not emitted while neither condition holds
//! (it may still be forming). One exception: the *leading* bucket, the one containing the
//! very first source candle, is skipped when that candle is not at the bucket start, because
//! the data then began inside the bucket and its open and volume would be wrong. Pass
//! [`LeadingPartial::Keep`] to emit it anyway.
//!
//! [`aggregate`] does this for a slice; [`Aggregator`] does the same candle by candle (the
//! replay and live path) and yields the same candles in the same order.

use super::candle::Candle;
use super::interval::Interval;

/// What to do with a leading bucket whose first source slot is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadingPartial {
    /// Do not emit it (default): the data started inside the bucket.
    #[default]
    Skip,
    /// Emit it like any other bucket with a gap.
    Keep,
}

/// Why candles cannot be aggregated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError {
    /// The larger interval is not a strictly larger multiple of the smaller one.
    #[error("cannot aggregate {smaller} candles into {larger}: {larger} is not a larger multiple of {smaller}")]
    NotMultiple { smaller: Interval, larger: Interval },
    /// Source candles must come with strictly increasing open times.
    #[error(
        "candle opened at {open_time} is not after the previous candle (opened at {previous})"
    )]
    NotIncreasing { open_time: i64, previous: i64 },
}

/// Aggregates `candles` (strictly increasing open times, interval `smaller`) into the closed
/// buckets of `larger`; see the module docs for the rule.
pub fn aggregate(
    candles: &[Candle],
    smaller: Interval,
    larger: Interval,
    leading: LeadingPartial,
) -> Result<Vec<Candle>, AggregateError> {
    check_intervals(smaller, larger)?;
    if let Some(pair) = candles
        .windows(2)
        .find(|w| w[1].open_time <= w[0].open_time)
    {
        return Err(AggregateError::NotIncreasing {
            open_time: pair[1].open_time,
            previous: pair[0].open_time,
        });
    }
    let mut out = Vec::with_capacity(candles.len() / ratio(smaller, larger) + 1);
    let mut rest = candles;
    let mut leading_bucket = true;
    while let Some(first) = rest.first() {
        let start = larger.bucket_start(first.open_time);
        let end = larger.bucket_end(first.open_time);
        let len = rest.partition_point(|c| c.open_time < end);
        let (group, tail) = rest.split_at(len);
        let has_last_slot = group.last().is_some_and(|c| is_last_slot(c, end, smaller));
        let closed = !tail.is_empty() || has_last_slot;
        let skipped = leading_bucket && leading == LeadingPartial::Skip && first.open_time != start;
        if closed && !skipped {
            let mut bucket = open_bucket(first, larger);
            for candle in &group[1..] {
                merge(&mut bucket, candle);
            }
            out.push(bucket);
        }
        leading_bucket = false;
        rest = tail;
    }
    Ok(out)
}

/// Incremental aggregation: feed source candles in open-time order with [`Aggregator::push`]
/// and receive each larger candle once its bucket is closed.
#[derive(Debug, Clone)]
pub struct Aggregator {
    smaller: Interval,
    larger: Interval,
    leading: LeadingPartial,
    /// The bucket being filled, and whether it will be discarded (leading partial).
    pending: Option<(Candle, bool)>,
    previous_open: Option<i64>,
}

/// The candles one [`Aggregator::push`] closed: none, one, or two (the previous bucket, closed
/// by this candle's arrival, and this candle's own bucket if the candle is its last slot).
#[derive(Debug, Clone)]
pub struct Closed(std::iter::Flatten<std::array::IntoIter<Option<Candle>, 2>>);

impl Iterator for Closed {
    type Item = Candle;

    fn next(&mut self) -> Option<Candle> {
        self.0.next()
    }
}

impl Aggregator {
    /// An aggregator of `smaller` candles into `larger` ones.
    pub fn new(
        smaller: Interval,
        larger: Interval,
        leading: LeadingPartial,
    ) -> Result<Aggregator, AggregateError> {
        check_intervals(smaller, larger)?;
        Ok(Aggregator {
            smaller,
            larger,
            leading,
            pending: None,
            previous_open: None,
        })
    }

    /// The source interval.
    pub fn smaller(&self) -> Interval {
        self.smaller
    }

    /// The target interval.
    pub fn larger(&self) -> Interval {
        self.larger
    }

    /// Adds the next source candle; returns the buckets it closed, oldest first. A candle not
    /// strictly newer than the previous one is rejected and changes nothing.
    pub fn push(&mut self, candle: &Candle) -> Result<Closed, AggregateError> {
        if let Some(previous) = self.previous_open {
            if candle.open_time <= previous {
                return Err(AggregateError::NotIncreasing {
                    open_time: candle.open_time,
                    previous,
                });
            }
        }
        let leading_bucket = self.previous_open.is_none();
        self.previous_open = Some(candle.open_time);
        let start = self.larger.bucket_start(candle.open_time);
        let end = self.larger.bucket_end(candle.open_time);

        let mut closed = [None, None];
        if self
            .pending
            .is_some_and(|(bucket, _)| bucket.open_time != start)
        {
            closed[0] = self.take_pending();
        }
        match &mut self.pending {
            Some((bucket, _)) => merge(bucket, candle),
            None => {
                let skip = leading_bucket
                    && self.leading == LeadingPartial::Skip
                    && candle.open_time != start;
                self.pending = Some((open_bucket(candle, self.larger), skip));
            }
        }
        if is_last_slot(candle, end, self.smaller) {
            closed[1] = self.take_pending();
        }
        Ok(Closed(closed.into_iter().flatten()))
    }

    /// The open bucket aggregated so far (not closed, so never emitted yet), unless it is a
    /// leading partial bucket that will be skipped.
    pub fn pending(&self) -> Option<Candle> {
        match self.pending {
            Some((bucket, false)) => Some(bucket),
            _ => None,
        }
    }

    fn take_pending(&mut self) -> Option<Candle> {
        match self.pending.take() {
            Some((bucket, false)) => Some(bucket),
            _ => None,
        }
    }
}

fn check_intervals(smaller: Interval, larger: Interval) -> Result<(), AggregateError> {
    if larger.is_multiple_of(smaller) {
        Ok(())
    } else {
        Err(AggregateError::NotMultiple { smaller, larger })
    }
}

fn ratio(smaller: Interval, larger: Interval) -> usize {
    usize::try_from(larger.duration_ms() / smaller.duration_ms()).unwrap_or(1)
}

/// Whether `candle` occupies the last `smaller` slot of the bucket ending at `end`.
fn is_last_slot(candle: &Candle, end: i64, smaller: Interval) -> bool {
    candle.open_time >= end - smaller.duration_ms()
}

fn open_bucket(first: &Candle, larger: Interval) -> Candle {
    Candle {
        open_time: larger.bucket_start(first.open_time),
        close_time: larger.bucket_end(first.open_time) - 1,
        ..*first
    }
}

fn merge(bucket: &mut Candle, next: &Candle) {
    bucket.high = bucket.high.max(next.high);
    bucket.low = bucket.low.min(next.low);
    bucket.close = next.close;
    bucket.volume += next.volume;
    bucket.quote_volume = sum(bucket.quote_volume, next.quote_volume);
    bucket.trades = bucket
        .trades
        .zip(next.trades)
        .map(|(a, b)| a.saturating_add(b));
    bucket.taker_buy_base_volume = sum(bucket.taker_buy_base_volume, next.taker_buy_base_volume);
    bucket.taker_buy_quote_volume = sum(bucket.taker_buy_quote_volume, next.taker_buy_quote_volume);
}

fn sum(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_570_752_000_000; // 2019-10-11 00:00 UTC
    const MIN: i64 = 60_000;

    fn one_minute(minute: i64, price: f64, volume: f64) -> Candle {
        Candle {
            quote_volume: Some(volume * price),
            trades: Some(2),
            ..Candle::new(
                T0 + minute * MIN,
                Interval::M1,
                price,
                price + 0.5,
                price - 0.5,
                price,
                volume,
            )
        }
    }

    fn incremental(candles: &[Candle], leading: LeadingPartial) -> Vec<Candle> {
        let mut agg =
            Aggregator::new(Interval::M1, Interval::M5, leading).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        for c in candles {
            out.extend(agg.push(c).unwrap_or_else(|e| panic!("{e}")));
        }
        out
    }

    #[test]
    fn ohlcv_fold_and_bucket_times() {
        let candles: Vec<Candle> = (0..5)
            .map(|m| one_minute(m, 10.0 + m as f64, 1.0))
            .collect();
        let out = aggregate(&candles, Interval::M1, Interval::M5, LeadingPartial::Skip);
        let out = out.unwrap_or_default();
        assert_eq!(out.len(), 1);
        let b = out[0];
        assert_eq!((b.open_time, b.close_time), (T0, T0 + 5 * MIN - 1));
        assert_eq!((b.open, b.high, b.low, b.close), (10.0, 14.5, 9.5, 14.0));
        assert_eq!(b.volume, 5.0);
        assert_eq!(b.trades, Some(10));
        assert_eq!(b.quote_volume, Some(10.0 + 11.0 + 12.0 + 13.0 + 14.0));
        assert_eq!(b.taker_buy_base_volume, None);
    }

    #[test]
    fn gaps_do_not_block_and_open_bucket_is_held_back() {
        // Bucket 0: minutes 0, 2 (no last slot, closed by minute 6's arrival).
        // Bucket 5: minutes 6, 9 (last slot present → closed at once).
        // Bucket 10: minute 11 only (still forming at the end → not emitted).
        let candles: Vec<Candle> = [0, 2, 6, 9, 11]
            .iter()
            .map(|&m| one_minute(m, 1.0, 1.0))
            .collect();
        let batch = aggregate(&candles, Interval::M1, Interval::M5, LeadingPartial::Skip)
            .unwrap_or_default();
        let opens: Vec<i64> = batch.iter().map(|c| (c.open_time - T0) / MIN).collect();
        assert_eq!(opens, vec![0, 5]);
        assert_eq!(batch[0].volume, 2.0);
        assert_eq!(incremental(&candles, LeadingPartial::Skip), batch);

        let mut agg = Aggregator::new(Interval::M1, Interval::M5, LeadingPartial::Skip)
            .unwrap_or_else(|e| panic!("{e}"));
        let emitted: Vec<usize> = candles
            .iter()
            .map(|c| agg.push(c).map(|closed| closed.count()).unwrap_or(99))
            .collect();
        assert_eq!(emitted, vec![0, 0, 1, 1, 0]);
        assert_eq!(agg.pending().map(|c| c.open_time), Some(T0 + 10 * MIN));
    }

    #[test]
    fn one_candle_can_close_two_buckets() {
        // Minute 1 opens bucket 0; minute 9 closes it and is the last slot of bucket 5.
        let candles = [
            one_minute(0, 1.0, 1.0),
            one_minute(1, 1.0, 1.0),
            one_minute(9, 2.0, 1.0),
        ];
        let mut agg = Aggregator::new(Interval::M1, Interval::M5, LeadingPartial::Skip)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(agg.push(&candles[0]).map(Iterator::count), Ok(0));
        assert_eq!(agg.push(&candles[1]).map(Iterator::count), Ok(0));
        let closed: Vec<i64> = agg
            .push(&candles[2])
            .map(|c| c.map(|b| b.open_time).collect())
            .unwrap_or_default();
        assert_eq!(closed, vec![T0, T0 + 5 * MIN]);
    }

    #[test]
    fn leading_partial_bucket_is_skipped_unless_kept() {
        let candles: Vec<Candle> = (3..10).map(|m| one_minute(m, 1.0, 1.0)).collect();
        let skip = aggregate(&candles, Interval::M1, Interval::M5, LeadingPartial::Skip)
            .unwrap_or_default();
        assert_eq!(
            skip.iter().map(|c| c.open_time).collect::<Vec<_>>(),
            vec![T0 + 5 * MIN]
        );
        let keep = aggregate(&candles, Interval::M1, Interval::M5, LeadingPartial::Keep)
            .unwrap_or_default();
        assert_eq!(keep.len(), 2);
        assert_eq!((keep[0].open_time, keep[0].volume), (T0, 2.0));
        assert_eq!(incremental(&candles, LeadingPartial::Skip), skip);
        assert_eq!(incremental(&candles, LeadingPartial::Keep), keep);
    }

    #[test]
    fn rejects_bad_intervals_and_order() {
        assert_eq!(
            aggregate(&[], Interval::M3, Interval::M5, LeadingPartial::Skip),
            Err(AggregateError::NotMultiple {
                smaller: Interval::M3,
                larger: Interval::M5
            })
        );
        assert!(Aggregator::new(Interval::M5, Interval::M5, LeadingPartial::Skip).is_err());
        let candles = [one_minute(2, 1.0, 1.0), one_minute(1, 1.0, 1.0)];
        assert_eq!(
            aggregate(&candles, Interval::M1, Interval::M5, LeadingPartial::Skip),
            Err(AggregateError::NotIncreasing {
                open_time: T0 + MIN,
                previous: T0 + 2 * MIN
            })
        );
        let mut agg = Aggregator::new(Interval::M1, Interval::M5, LeadingPartial::Skip)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(agg.push(&candles[0]).is_ok());
        assert!(agg.push(&candles[1]).is_err());
        assert!(
            agg.push(&candles[0]).is_err(),
            "duplicates are rejected too"
        );
    }

    #[test]
    fn weeks_aggregate_from_days_on_monday_boundaries() {
        let monday = 1_672_617_600_000; // 2023-01-02
        let day = Interval::D1.duration_ms();
        let candles: Vec<Candle> = (0..14)
            .map(|d| Candle::new(monday + d * day, Interval::D1, 1.0, 2.0, 0.5, 1.0, 1.0))
            .collect();
        let weeks = aggregate(&candles, Interval::D1, Interval::W1, LeadingPartial::Skip)
            .unwrap_or_default();
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[1].open_time, monday + 7 * day);
        assert_eq!(weeks[1].volume, 7.0);
    }
}
