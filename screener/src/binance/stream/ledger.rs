//! [`Ledger`]: the newest closed candle delivered per series, which makes delivery exactly
//! once and in order. A closing update is judged against it:
//! - at or before the newest delivered open time: a duplicate (a replay, or REST and the
//!   stream overlapping) — dropped;
//! - exactly one interval later (or the series has no history yet): delivered;
//! - further ahead: candles may be missing — REST repairs the span first (it may find none:
//!   exchange downtime leaves real gaps).

use std::collections::HashMap;

use crate::market::SeriesKey;

/// What to do with a closing update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Duplicate,
    /// Candles opened from `from_open` up to the update's open time may be missing.
    Gap {
        from_open: i64,
    },
}

/// Newest delivered open time per series.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    newest: HashMap<SeriesKey, i64>,
}

impl Ledger {
    /// A ledger starting from each series' newest backfilled candle.
    pub fn new(start: impl IntoIterator<Item = (SeriesKey, i64)>) -> Self {
        Self {
            newest: start.into_iter().collect(),
        }
    }

    /// The newest delivered open time of `key`.
    pub fn newest(&self, key: &SeriesKey) -> Option<i64> {
        self.newest.get(key).copied()
    }

    /// Judges a closing update of `key` opened at `open_time`.
    pub fn judge(&self, key: &SeriesKey, open_time: i64) -> Verdict {
        match self.newest(key) {
            None => Verdict::Deliver,
            Some(newest) if open_time <= newest => Verdict::Duplicate,
            Some(newest) if open_time == newest + key.interval.duration_ms() => Verdict::Deliver,
            Some(newest) => Verdict::Gap {
                from_open: newest + 1,
            },
        }
    }

    /// Whether a candle of `key` opened at `open_time` is newer than anything delivered.
    pub fn is_new(&self, key: &SeriesKey, open_time: i64) -> bool {
        self.newest(key).is_none_or(|newest| open_time > newest)
    }

    /// Records a delivery.
    pub fn record(&mut self, key: &SeriesKey, open_time: i64) {
        self.newest.insert(key.clone(), open_time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Interval;

    #[test]
    fn verdicts() {
        let key = SeriesKey::new("BTCUSDT", Interval::M1);
        let fresh = SeriesKey::new("ETHUSDT", Interval::M1);
        let mut ledger = Ledger::new([(key.clone(), 600_000)]);
        assert_eq!(ledger.judge(&key, 600_000), Verdict::Duplicate);
        assert_eq!(ledger.judge(&key, 540_000), Verdict::Duplicate);
        assert_eq!(ledger.judge(&key, 660_000), Verdict::Deliver);
        assert_eq!(
            ledger.judge(&key, 780_000),
            Verdict::Gap { from_open: 600_001 }
        );
        assert_eq!(ledger.judge(&fresh, 60_000), Verdict::Deliver);
        ledger.record(&key, 660_000);
        assert!(!ledger.is_new(&key, 660_000));
        assert!(ledger.is_new(&fresh, 1));
        assert_eq!(ledger.newest(&key), Some(660_000));
    }
}
