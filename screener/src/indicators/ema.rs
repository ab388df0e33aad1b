//! Exponential moving average (TA-Lib `EMA`), seeded with the SMA of the first `period`
//! values; `k = 2 / (period + 1)`. Lookback `period - 1`.
//!
//! Each step is `k * x + (1 - k) * ema`, algebraically TA-Lib's `ema + k * (x - ema)`: the
//! product with the new value is off the loop-carried chain, so a step costs one multiply
//! and one add of latency instead of a subtract, a multiply and an add (about 30% faster).
//! Results differ from TA-Lib's by about one rounding (~1e-16 relative). Period 1 returns
//! the input unchanged.

use super::error::{check_period, Result};
use super::series::{fresh, identity, moving_window, Series};

/// `(k, 1 - k)` for `period`, with `k = 2 / (period + 1)` (TA-Lib's `PER_TO_K`).
pub(crate) fn coefficients(period: usize) -> (f64, f64) {
    let k = 2.0 / (period + 1) as f64;
    (k, 1.0 - k)
}

/// One EMA step.
#[inline(always)]
pub(crate) fn step(ema: f64, value: f64, (k, keep): (f64, f64)) -> f64 {
    k * value + keep * ema
}

/// EMA of `values` over `period` (>= 1); the first value is at index `period - 1`.
pub fn ema(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| ema_into(values, period, out))
}

/// [`ema`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn ema_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    let Some((values, slots)) = moving_window(values, period, out)? else {
        return Ok(());
    };
    if period == 1 {
        identity(values, slots);
        return Ok(());
    }
    let c = coefficients(period);
    let mut ema = values[..period].iter().fold(0.0, |s, &x| s + x) / period as f64;
    slots[0] = Some(ema);
    for (slot, &x) in slots[1..].iter_mut().zip(&values[period..]) {
        ema = step(ema, x, c);
        *slot = Some(ema);
    }
    Ok(())
}

/// Incremental EMA: one `update` per new value, same results as [`ema`].
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    coefficients: (f64, f64),
    seen: usize,
    /// Running sum while seeding, the EMA afterwards.
    value: f64,
    poisoned: bool,
}

impl Ema {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        Ok(Self {
            period,
            coefficients: coefficients(period),
            seen: 0,
            value: 0.0,
            poisoned: false,
        })
    }

    /// Feeds the next value; returns the EMA once `period` values have been seen.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        if self.seen == self.period {
            self.value = step(self.value, value, self.coefficients);
            return Some(self.value);
        }
        if self.period == 1 {
            return Some(value);
        }
        self.seen += 1;
        self.value += value;
        if self.seen < self.period {
            return None;
        }
        self.value /= self.period as f64;
        Some(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_with_the_sma_then_smooths() {
        let s = ema(&[1.0, 2.0, 3.0, 4.0, 5.0], 3).unwrap();
        // Seed 2, k = 0.5: 0.5 * 4 + 0.5 * 2 = 3, 0.5 * 5 + 0.5 * 3 = 4.
        assert_eq!(s, vec![None, None, Some(2.0), Some(3.0), Some(4.0)]);
        let s = ema(&[2.0, 4.0, 6.0, 0.0], 2).unwrap();
        // Seed 3, k = 2/3: 6 * 2/3 + 3/3 = 5, then 5/3.
        assert!((s[2].unwrap() - 5.0).abs() < 1e-12 && (s[3].unwrap() - 5.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn period_one_is_the_input_exactly() {
        // (x - prev) + prev is not x for every pair of doubles: 1e16 then 1.0 shows it.
        let v = [1e16, 1.0, 3.0];
        assert_eq!(ema(&v, 1).unwrap(), vec![Some(1e16), Some(1.0), Some(3.0)]);
        let mut inc = Ema::new(1).unwrap();
        assert_eq!(v.map(|x| inc.update(x)), [Some(1e16), Some(1.0), Some(3.0)]);
    }

    #[test]
    fn short_empty_invalid_and_nan_inputs() {
        assert_eq!(ema(&[1.0], 2).unwrap(), vec![None]);
        assert!(ema(&[], 2).unwrap().is_empty());
        assert!(ema(&[1.0], 0).is_err());
        let s = ema(&[1.0, 3.0, f64::INFINITY, 4.0], 2).unwrap();
        assert_eq!(s, vec![None, Some(2.0), None, None]);
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let v: Vec<f64> = (0..400)
            .map(|i| (f64::from(i) * 0.11).cos() * 3.0 + 50.0)
            .collect();
        for period in [1, 2, 12, 26] {
            let batch = ema(&v, period).unwrap();
            let mut inc = Ema::new(period).unwrap();
            let stream: Vec<_> = v.iter().map(|&x| inc.update(x)).collect();
            assert_eq!(stream, batch, "period {period}");
        }
    }
}
