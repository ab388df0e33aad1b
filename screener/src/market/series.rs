//! [`CandleSeries`]: the candles of one (symbol, interval), keyed by open time, oldest first,
//! bounded to a capacity (the oldest are evicted).
//!
//! Open times only ever need to increase strictly; they need not be contiguous or even aligned.
//! Gaps stay gaps: nothing is ever synthesised for a missing open time. A candle is merged by
//! [`CandleSeries::upsert`]:
//! - newer than the last → appended (amortised O(1), evicting the oldest when full);
//! - same open time as the last → the last is refreshed in place (a forming candle replaced by
//!   a later or final version of itself);
//! - an open time already stored → that candle is replaced (newest data wins);
//! - an older open time not stored → inserted in order (gap repair; O(n) but rare), unless the
//!   series is full and the candle is older than everything kept.
//!
//! Storage is one contiguous `Vec` per field, so indicators get `&[f64]` slices through
//! [`CandleWindow`]. Eviction advances a start offset and the dead prefix is compacted once it
//! reaches a quarter of the capacity: each compaction moves `capacity` rows and happens every
//! `capacity / 4` evictions, so appends stay O(1) amortised at the price of up to 25 % extra
//! memory per series.

use super::candle::Candle;
use super::interval::Interval;
use super::window::{CandleWindow, Columns};

/// What [`CandleSeries::upsert`] did with a candle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// Newer than every stored candle: appended (possibly evicting the oldest).
    Appended,
    /// Same open time as the newest candle: the newest candle was replaced.
    Refreshed,
    /// Same open time as an older stored candle: that candle was replaced.
    Replaced,
    /// An older open time that was missing: inserted in order (possibly evicting the oldest).
    Inserted,
    /// Older than everything a full series keeps: dropped.
    TooOld,
}

/// How many candles of a batch ended up in each [`Upsert`] case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub appended: usize,
    pub refreshed: usize,
    pub replaced: usize,
    pub inserted: usize,
    pub too_old: usize,
}

impl UpsertCounts {
    /// Counts one outcome.
    pub fn record(&mut self, outcome: Upsert) {
        match outcome {
            Upsert::Appended => self.appended += 1,
            Upsert::Refreshed => self.refreshed += 1,
            Upsert::Replaced => self.replaced += 1,
            Upsert::Inserted => self.inserted += 1,
            Upsert::TooOld => self.too_old += 1,
        }
    }
}

/// The bounded, open-time-keyed candles of one (symbol, interval).
#[derive(Debug, Clone)]
pub struct CandleSeries {
    interval: Interval,
    capacity: usize,
    columns: Columns,
    /// Rows before `start` are evicted and awaiting compaction.
    start: usize,
}

impl CandleSeries {
    /// An empty series keeping at most `capacity` candles (a capacity of 0 is treated as 1).
    pub fn new(interval: Interval, capacity: usize) -> CandleSeries {
        CandleSeries {
            interval,
            capacity: capacity.max(1),
            columns: Columns::default(),
            start: 0,
        }
    }

    /// The interval of every candle in the series.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The most candles the series keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of stored candles.
    pub fn len(&self) -> usize {
        self.columns.len() - self.start
    }

    /// Whether no candle is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest stored candle.
    pub fn first(&self) -> Option<Candle> {
        self.all().first()
    }

    /// The newest stored candle.
    pub fn last(&self) -> Option<Candle> {
        self.all().last()
    }

    /// Every stored candle, oldest first.
    pub fn all(&self) -> CandleWindow<'_> {
        CandleWindow::new(&self.columns, self.start..self.columns.len())
    }

    /// The newest `count` candles (fewer if fewer are stored).
    pub fn last_n(&self, count: usize) -> CandleWindow<'_> {
        let end = self.columns.len();
        CandleWindow::new(
            &self.columns,
            end.saturating_sub(count).max(self.start)..end,
        )
    }

    /// The history window: at most `count` candles ending with (and including) the candle
    /// opened at `open_time`; `None` if no such candle is stored.
    pub fn window(&self, open_time: i64, count: usize) -> Option<CandleWindow<'_>> {
        let end = self.position_absolute(open_time).ok()? + 1;
        let from = end.saturating_sub(count).max(self.start);
        Some(CandleWindow::new(&self.columns, from..end))
    }

    /// The candle opened at `open_time`.
    pub fn get(&self, open_time: i64) -> Option<Candle> {
        let index = self.position_absolute(open_time).ok()?;
        self.columns.get(index)
    }

    /// Index (0 = oldest stored) of the candle opened at `open_time`.
    pub fn index_of(&self, open_time: i64) -> Option<usize> {
        self.position_absolute(open_time)
            .ok()
            .map(|i| i - self.start)
    }

    /// Merges one candle by open time; see the module docs for the cases.
    pub fn upsert(&mut self, candle: Candle) -> Upsert {
        let newest = if self.is_empty() {
            None
        } else {
            self.columns.open_time.last().copied()
        };
        match newest {
            Some(last) if candle.open_time == last => {
                self.columns.set(self.columns.len() - 1, &candle);
                Upsert::Refreshed
            }
            Some(last) if candle.open_time < last => self.merge_older(candle),
            _ => {
                self.reserve_for_push();
                self.columns.push(&candle);
                self.evict_overflow();
                Upsert::Appended
            }
        }
    }

    /// Upserts every candle of `candles` in order and counts the outcomes.
    pub fn extend<I: IntoIterator<Item = Candle>>(&mut self, candles: I) -> UpsertCounts {
        let mut counts = UpsertCounts::default();
        for candle in candles {
            counts.record(self.upsert(candle));
        }
        counts
    }

    /// Removes the newest candles that had not closed at `now_ms` (close time ≥ `now_ms`) and
    /// returns how many were removed.
    pub fn drop_incomplete(&mut self, now_ms: i64) -> usize {
        let live = &self.columns.close_time[self.start..];
        let keep = live.partition_point(|&close| close < now_ms);
        let removed = live.len() - keep;
        self.columns.truncate(self.start + keep);
        if keep == 0 {
            self.columns.truncate(0);
            self.start = 0;
        }
        removed
    }

    fn merge_older(&mut self, candle: Candle) -> Upsert {
        match self.position_absolute(candle.open_time) {
            Ok(index) => {
                self.columns.set(index, &candle);
                Upsert::Replaced
            }
            Err(index) if index == self.start && self.len() >= self.capacity => Upsert::TooOld,
            Err(index) => {
                self.reserve_for_push();
                self.columns.insert(index, &candle);
                self.evict_overflow();
                Upsert::Inserted
            }
        }
    }

    /// `Ok(absolute index)` of `open_time` among the live rows, or `Err(insertion index)`.
    fn position_absolute(&self, open_time: i64) -> Result<usize, usize> {
        self.columns.open_time[self.start..]
            .binary_search(&open_time)
            .map(|i| i + self.start)
            .map_err(|i| i + self.start)
    }

    /// Grows the columns by doubling, but never beyond the most rows they can hold
    /// (`capacity` live plus the compaction slack), so a full series wastes no allocation.
    fn reserve_for_push(&mut self) {
        let len = self.columns.len();
        if len < self.columns.open_time.capacity() {
            return;
        }
        let limit = self.capacity + self.compaction_slack();
        let target = (len * 2).max(16).min(limit);
        if target > len {
            self.columns.reserve_exact(target - len);
        }
    }

    fn compaction_slack(&self) -> usize {
        (self.capacity / 4).max(1)
    }

    fn evict_overflow(&mut self) {
        if self.len() > self.capacity {
            self.start += self.len() - self.capacity;
        }
        if self.start >= self.compaction_slack() {
            self.columns.remove_front(self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_672_677_900_000; // 2023-01-02 16:45 UTC, on the 5m grid
    const STEP: i64 = 300_000;

    fn candle(slot: i64, close: f64) -> Candle {
        Candle::new(
            T0 + slot * STEP,
            Interval::M5,
            close,
            close + 1.0,
            close - 1.0,
            close,
            1.0,
        )
    }

    fn open_slots(series: &CandleSeries) -> Vec<i64> {
        series
            .all()
            .open_times()
            .iter()
            .map(|t| (t - T0) / STEP)
            .collect()
    }

    #[test]
    fn appends_and_evicts_oldest_beyond_capacity() {
        let mut s = CandleSeries::new(Interval::M5, 3);
        for slot in 0..10 {
            assert_eq!(s.upsert(candle(slot, slot as f64)), Upsert::Appended);
            assert!(s.len() <= 3);
        }
        assert_eq!(open_slots(&s), vec![7, 8, 9]);
        assert_eq!(s.all().closes(), &[7.0, 8.0, 9.0]);
        assert_eq!(s.first().map(|c| c.open_time), Some(T0 + 7 * STEP));
        assert_eq!(s.get(T0 + 6 * STEP), None, "evicted");
    }

    #[test]
    fn compaction_keeps_slices_consistent_over_many_appends() {
        let mut s = CandleSeries::new(Interval::M5, 8);
        for slot in 0..1000 {
            s.upsert(candle(slot, slot as f64));
            let expected: Vec<f64> = ((slot - 7).max(0)..=slot).map(|v| v as f64).collect();
            assert_eq!(s.all().closes(), expected.as_slice());
        }
        assert!(s.columns.len() <= 8 + 2, "dead prefix bounded by the slack");
        assert!(
            s.columns.open_time.capacity() <= 8 + 2,
            "allocation bounded too"
        );
    }

    #[test]
    fn refresh_replace_insert_and_too_old() {
        let mut s = CandleSeries::new(Interval::M5, 4);
        s.extend([candle(0, 1.0), candle(2, 3.0), candle(5, 6.0)]);
        assert_eq!(s.upsert(candle(5, 60.0)), Upsert::Refreshed);
        assert_eq!(s.last().map(|c| c.close), Some(60.0));
        assert_eq!(s.upsert(candle(2, 30.0)), Upsert::Replaced);
        assert_eq!(s.get(T0 + 2 * STEP).map(|c| c.close), Some(30.0));
        assert_eq!(s.upsert(candle(3, 4.0)), Upsert::Inserted);
        assert_eq!(open_slots(&s), vec![0, 2, 3, 5]);
        // Full: inserting slot 1 evicts slot 0.
        assert_eq!(s.upsert(candle(1, 2.0)), Upsert::Inserted);
        assert_eq!(open_slots(&s), vec![1, 2, 3, 5]);
        // Older than everything kept while full.
        assert_eq!(s.upsert(candle(0, 1.0)), Upsert::TooOld);
        assert_eq!(open_slots(&s), vec![1, 2, 3, 5]);
        assert_eq!(s.index_of(T0 + 3 * STEP), Some(2));
        assert_eq!(s.index_of(T0 + 4 * STEP), None, "gaps stay gaps");
    }

    #[test]
    fn history_window_ends_at_the_requested_candle() {
        let mut s = CandleSeries::new(Interval::M5, 100);
        s.extend(
            (0..10)
                .filter(|slot| slot % 3 != 1)
                .map(|slot| candle(slot, slot as f64)),
        );
        // Stored slots: 0 2 3 5 6 8 9
        let w = s.window(T0 + 6 * STEP, 3);
        assert_eq!(
            w.as_ref().map(|w| w.closes().to_vec()),
            Some(vec![3.0, 5.0, 6.0])
        );
        let w = s.window(T0 + 2 * STEP, 10);
        assert_eq!(w.map(|w| w.closes().to_vec()), Some(vec![0.0, 2.0]));
        assert!(s.window(T0 + 4 * STEP, 3).is_none(), "no candle at a gap");
        assert_eq!(s.last_n(2).closes(), &[8.0, 9.0]);
        assert_eq!(s.last_n(50).len(), 7);
    }

    #[test]
    fn drop_incomplete_removes_only_unclosed_tail() {
        let mut s = CandleSeries::new(Interval::M5, 10);
        s.extend((0..4).map(|slot| candle(slot, 1.0)));
        // now = 1 ms into slot 3: slot 3 is still forming.
        assert_eq!(s.drop_incomplete(T0 + 3 * STEP + 1), 1);
        assert_eq!(s.len(), 3);
        // now = exactly the start of slot 3: slot 2's last millisecond has passed.
        assert_eq!(s.drop_incomplete(T0 + 3 * STEP), 0);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn zero_capacity_keeps_one() {
        let mut s = CandleSeries::new(Interval::M5, 0);
        s.extend((0..3).map(|slot| candle(slot, slot as f64)));
        assert_eq!(s.capacity(), 1);
        assert_eq!(s.all().closes(), &[2.0]);
    }
}
