//! Highest and lowest value over the last `period` values (TA-Lib `MAX`/`MIN`; the
//! `getHighestHigh`/`getLowestLow` helpers), and the rolling extreme the stochastics use.
//!
//! A monotonic queue keeps each update O(1) amortised. A non-finite value makes the result
//! `None` for as long as it is inside the window (the helpers' "null on any NaN"); unlike
//! the running-sum indicators, the series recovers once it has left.

use std::collections::VecDeque;

use super::error::{check_period, Result};
use super::series::{fresh, Series};

/// Which extreme a [`RollingExtreme`] tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Highest,
    Lowest,
}

/// The extreme of the last `period` values, as an incremental state.
#[derive(Debug, Clone)]
pub(crate) struct RollingExtreme {
    side: Side,
    period: usize,
    index: usize,
    /// Candidates `(index, value)`, the extreme at the front.
    queue: VecDeque<(usize, f64)>,
    /// Index of the latest non-finite value.
    last_invalid: Option<usize>,
}

impl RollingExtreme {
    /// A fresh state; `period` must already be validated (>= 1).
    pub(crate) fn new(side: Side, period: usize) -> Self {
        Self {
            side,
            period,
            index: 0,
            queue: VecDeque::with_capacity(period.min(1024)),
            last_invalid: None,
        }
    }

    /// Feeds the next value; returns the extreme of the last `period` values once that many
    /// have been seen and none of them is non-finite.
    #[inline]
    pub(crate) fn update(&mut self, value: f64) -> Option<f64> {
        let index = self.index;
        self.index += 1;
        if value.is_finite() {
            while let Some(&(_, last)) = self.queue.back() {
                let dominated = match self.side {
                    Side::Highest => last <= value,
                    Side::Lowest => last >= value,
                };
                if !dominated {
                    break;
                }
                self.queue.pop_back();
            }
            self.queue.push_back((index, value));
        } else {
            self.last_invalid = Some(index);
            self.queue.clear();
        }
        while let Some(&(first, _)) = self.queue.front() {
            if first + self.period > index {
                break;
            }
            self.queue.pop_front();
        }
        let complete = index + 1 >= self.period;
        let clean = self
            .last_invalid
            .is_none_or(|bad| bad + self.period <= index);
        if complete && clean {
            self.queue.front().map(|&(_, v)| v)
        } else {
            None
        }
    }
}

fn rolling(values: &[f64], period: usize, side: Side, out: &mut Series) -> Result<()> {
    check_period("period", period, 1)?;
    let mut state = RollingExtreme::new(side, period);
    out.clear();
    out.extend(values.iter().map(|&v| state.update(v)));
    Ok(())
}

/// Highest of the last `period` (>= 1) values at each index, from index `period - 1`.
pub fn highest(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| highest_into(values, period, out))
}

/// [`highest`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn highest_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    rolling(values, period, Side::Highest, out)
}

/// Lowest of the last `period` (>= 1) values at each index, from index `period - 1`.
pub fn lowest(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| lowest_into(values, period, out))
}

/// [`lowest`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn lowest_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    rolling(values, period, Side::Lowest, out)
}

/// Incremental [`highest`].
#[derive(Debug, Clone)]
pub struct Highest(RollingExtreme);

impl Highest {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        Ok(Self(RollingExtreme::new(Side::Highest, period)))
    }

    /// Feeds the next value; returns the highest of the last `period` values.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.0.update(value)
    }
}

/// Incremental [`lowest`].
#[derive(Debug, Clone)]
pub struct Lowest(RollingExtreme);

impl Lowest {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        Ok(Self(RollingExtreme::new(Side::Lowest, period)))
    }

    /// Feeds the next value; returns the lowest of the last `period` values.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.0.update(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(values: &[f64], period: usize, side: Side) -> Series {
        (0..values.len())
            .map(|i| {
                if i + 1 < period {
                    return None;
                }
                let w = &values[i + 1 - period..=i];
                if w.iter().any(|v| !v.is_finite()) {
                    return None;
                }
                Some(match side {
                    Side::Highest => w.iter().copied().fold(f64::MIN, f64::max),
                    Side::Lowest => w.iter().copied().fold(f64::MAX, f64::min),
                })
            })
            .collect()
    }

    #[test]
    fn matches_a_brute_force_scan() {
        let mut v: Vec<f64> = (0..300)
            .map(|i| ((i * 37) % 23) as f64 - ((i * 11) % 7) as f64)
            .collect();
        v[100] = f64::NAN;
        v[200] = f64::INFINITY;
        for period in [1, 2, 3, 10, 40] {
            assert_eq!(
                highest(&v, period).unwrap(),
                brute(&v, period, Side::Highest),
                "{period}"
            );
            assert_eq!(
                lowest(&v, period).unwrap(),
                brute(&v, period, Side::Lowest),
                "{period}"
            );
        }
    }

    #[test]
    fn recovers_after_a_nan_leaves_the_window() {
        let v = [1.0, f64::NAN, 3.0, 2.0, 5.0];
        assert_eq!(
            highest(&v, 2).unwrap(),
            vec![None, None, None, Some(3.0), Some(5.0)]
        );
        let mut low = Lowest::new(2).unwrap();
        assert_eq!(
            v.map(|x| low.update(x)),
            [None, None, None, Some(2.0), Some(2.0)]
        );
    }

    #[test]
    fn short_empty_and_invalid_inputs() {
        assert_eq!(highest(&[1.0], 2).unwrap(), vec![None]);
        assert!(lowest(&[], 2).unwrap().is_empty());
        assert!(highest(&[1.0], 0).is_err());
        assert!(Highest::new(0).is_err());
        let mut high = Highest::new(3).unwrap();
        assert_eq!(
            [4.0, 9.0, 1.0, 2.0].map(|x| high.update(x)),
            [None, None, Some(9.0), Some(9.0)]
        );
    }
}
