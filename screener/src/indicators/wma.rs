//! Weighted moving average (TA-Lib `WMA`): weights 1..=period, newest heaviest.
//! Lookback `period - 1`.
//!
//! TA-Lib's algorithm: two running totals (the weighted sum and the plain sum) updated in
//! O(1) per value, rebuilt from the window every `8 * period` outputs so rounding residue
//! cannot accumulate (TA-Lib issue #255). The rebuild happens at the same outputs here and in
//! the incremental state, so both give the same bits.

use super::error::{check_period, Result};
use super::ring::Ring;
use super::series::{fresh, identity, moving_window, Series};

/// Outputs between two rebuilds of the running totals, per unit of period.
const RESEED_PER_PERIOD: usize = 8;

fn divider(period: usize) -> f64 {
    period as f64 * (period + 1) as f64 / 2.0
}

/// `(plain sum, weighted sum)` of a window, oldest value weight 1.
fn totals(window: impl Iterator<Item = f64>) -> (f64, f64) {
    window
        .zip(1..)
        .fold((0.0, 0.0), |(sub, sum), (x, w): (f64, u32)| {
            (sub + x, sum + x * f64::from(w))
        })
}

/// WMA of `values` over `period` (>= 1); the first value is at index `period - 1`.
pub fn wma(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| wma_into(values, period, out))
}

/// [`wma`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn wma_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    let Some((values, slots)) = moving_window(values, period, out)? else {
        return Ok(());
    };
    if period == 1 {
        identity(values, slots);
        return Ok(());
    }
    let divider = divider(period);
    let weight = period as f64;
    let (mut sub, mut sum) = totals(values[..period - 1].iter().copied());
    let mut trailing = 0.0;
    let mut until_reseed = RESEED_PER_PERIOD * period;
    for ((i, &x), slot) in values.iter().enumerate().skip(period - 1).zip(slots) {
        sub += x;
        sub -= trailing;
        sum += x * weight;
        let window_start = i + 1 - period;
        until_reseed -= 1;
        if until_reseed == 0 {
            until_reseed = RESEED_PER_PERIOD * period;
            (sub, sum) = totals(values[window_start..=i].iter().copied());
        }
        trailing = values[window_start];
        *slot = Some(sum / divider);
        sum -= sub;
    }
    Ok(())
}

/// Incremental WMA: one `update` per new value, same results as [`wma`].
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    window: Ring,
    sub: f64,
    sum: f64,
    trailing: f64,
    until_reseed: usize,
    poisoned: bool,
}

impl Wma {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        Ok(Self {
            period,
            window: Ring::new(period),
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            until_reseed: RESEED_PER_PERIOD * period,
            poisoned: false,
        })
    }

    /// Feeds the next value; returns the WMA once `period` values have been seen.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        if self.period == 1 {
            return Some(value);
        }
        let seen = self.window.len();
        if seen + 1 < self.period {
            self.sub += value;
            self.sum += value * (seen + 1) as f64;
            self.window.push(value);
            return None;
        }
        self.sub += value;
        self.sub -= self.trailing;
        self.sum += value * self.period as f64;
        self.window.push(value);
        self.until_reseed -= 1;
        if self.until_reseed == 0 {
            self.until_reseed = RESEED_PER_PERIOD * self.period;
            (self.sub, self.sum) = totals(self.window.iter());
        }
        self.trailing = self.window.oldest();
        let out = self.sum / divider(self.period);
        self.sum -= self.sub;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_the_newest_value_most() {
        // (1*1 + 2*2 + 3*6) / 6 = 23/6; (2*1 + 6*2 + 3*4) / 6 = 26/6.
        let s = wma(&[1.0, 2.0, 6.0, 4.0], 3).unwrap();
        assert_eq!(s[..2], [None, None]);
        assert!((s[2].unwrap() - 23.0 / 6.0).abs() < 1e-12);
        assert!((s[3].unwrap() - 26.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn period_one_short_empty_invalid_and_nan() {
        assert_eq!(wma(&[2.0, 5.0], 1).unwrap(), vec![Some(2.0), Some(5.0)]);
        assert_eq!(wma(&[2.0, 5.0], 3).unwrap(), vec![None, None]);
        assert!(wma(&[], 3).unwrap().is_empty());
        assert!(wma(&[1.0], 0).is_err());
        let s = wma(&[1.0, 2.0, f64::NAN, 3.0], 2).unwrap();
        assert_eq!(s[2..], [None, None]);
    }

    #[test]
    fn rebuilds_keep_the_sums_of_a_long_series_exact() {
        // Integers keep every total exact, so the rebuilt and running sums must agree.
        let v: Vec<f64> = (0..1000).map(|i| f64::from(i % 17)).collect();
        let s = wma(&v, 5).unwrap();
        for i in 4..v.len() {
            let want = (0..5).map(|j| v[i - 4 + j] * (j + 1) as f64).sum::<f64>() / 15.0;
            assert_eq!(s[i], Some(want), "index {i}");
        }
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let v: Vec<f64> = (0..900)
            .map(|i| (f64::from(i) * 0.21).sin() * 7.0 + 300.0)
            .collect();
        for period in [1, 2, 9, 20] {
            let batch = wma(&v, period).unwrap();
            let mut inc = Wma::new(period).unwrap();
            let stream: Vec<_> = v.iter().map(|&x| inc.update(x)).collect();
            assert_eq!(stream, batch, "period {period}");
        }
    }
}
