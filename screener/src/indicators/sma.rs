//! Simple moving average (TA-Lib `SMA`): the mean of the last `period` values.
//!
//! Computed with TA-Lib's running sum (add the new value, divide, subtract the value leaving
//! the window), so it matches TA-Lib bit for bit. Lookback `period - 1`.

use super::error::{check_period, Result};
use super::ring::Ring;
use super::series::{fresh, moving_window, Series};

/// SMA of `values` over `period` (>= 1); the first value is at index `period - 1`.
pub fn sma(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| sma_into(values, period, out))
}

/// [`sma`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn sma_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    let Some((values, slots)) = moving_window(values, period, out)? else {
        return Ok(());
    };
    let divisor = period as f64;
    let mut total = values[..period - 1].iter().fold(0.0, |s, &x| s + x);
    for ((slot, &new), &old) in slots.iter_mut().zip(&values[period - 1..]).zip(values) {
        total += new;
        *slot = Some(total / divisor);
        total -= old;
    }
    Ok(())
}

/// Incremental SMA: one `update` per new value, same results as [`sma`].
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    window: Ring,
    total: f64,
    poisoned: bool,
}

impl Sma {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        Ok(Self {
            period,
            window: Ring::new(period),
            total: 0.0,
            poisoned: false,
        })
    }

    /// Feeds the next value; returns the SMA once `period` values have been seen.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        self.total += value;
        self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        let mean = self.total / self.period as f64;
        self.total -= self.window.oldest();
        Some(mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_each_window() {
        let s = sma(&[1.0, 2.0, 3.0, 4.0, 5.0], 3).unwrap();
        assert_eq!(s, vec![None, None, Some(2.0), Some(3.0), Some(4.0)]);
    }

    #[test]
    fn period_one_is_the_input() {
        let v = [3.5, -1.25, 7.0];
        let s = sma(&v, 1).unwrap();
        assert_eq!(s, v.iter().map(|&x| Some(x)).collect::<Vec<_>>());
    }

    #[test]
    fn short_empty_and_invalid_inputs() {
        assert_eq!(sma(&[1.0, 2.0], 3).unwrap(), vec![None, None]);
        assert_eq!(sma(&[], 3).unwrap(), Vec::<Option<f64>>::new());
        assert!(sma(&[1.0], 0).is_err());
        assert!(Sma::new(0).is_err());
    }

    #[test]
    fn nan_ends_the_series() {
        let s = sma(&[1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0, 7.0], 2).unwrap();
        assert_eq!(s, vec![None, Some(1.5), Some(2.5), None, None, None, None]);
        let mut inc = Sma::new(2).unwrap();
        let got: Vec<_> = [1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0, 7.0]
            .iter()
            .map(|&x| inc.update(x))
            .collect();
        assert_eq!(got, s);
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let v: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.37).sin() * 100.0 + 1e4)
            .collect();
        for period in [1, 2, 7, 30] {
            let batch = sma(&v, period).unwrap();
            let mut inc = Sma::new(period).unwrap();
            let stream: Vec<_> = v.iter().map(|&x| inc.update(x)).collect();
            assert_eq!(stream, batch, "period {period}");
        }
    }
}
