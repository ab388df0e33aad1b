//! Relative strength index, Wilder's smoothing (TA-Lib `RSI`). Lookback `period`.
//!
//! Seed: the mean gain and mean loss of the first `period` changes (TA-Lib's sums). Then
//! `avg = avg * (period - 1) / period + x / period`, algebraically TA-Lib's
//! `(avg * (period - 1) + x) / period` with one multiply and one add on the loop-carried
//! chain instead of two multiplies and an add (values within ~1e-16 relative of TA-Lib's).
//! `RSI = 100 * gain / (gain + loss)`; when `gain + loss` is exactly zero (no change at all
//! since the seed, at any price scale) the value is 0, as in TA-Lib 0.8.1.

use super::error::{check_period, Result};
use super::series::{fill_none, finite_len, fresh, layout, Series};

/// Wilder averages of gains and losses, shared by the batch and incremental forms.
#[derive(Debug, Clone, Copy)]
struct Averages {
    gain: f64,
    loss: f64,
    /// `(period - 1) / period`.
    keep: f64,
    /// `1 / period`.
    scale: f64,
}

impl Averages {
    fn seeded(gain_sum: f64, loss_sum: f64, period: usize) -> Self {
        let scale = 1.0 / period as f64;
        Self {
            gain: gain_sum * scale,
            loss: loss_sum * scale,
            keep: (period - 1) as f64 / period as f64,
            scale,
        }
    }

    #[inline(always)]
    fn step(&mut self, change: f64) {
        let gain = if change > 0.0 { change } else { 0.0 };
        self.gain = self.gain * self.keep + gain * self.scale;
        self.loss = self.loss * self.keep + (gain - change) * self.scale;
    }

    #[inline(always)]
    fn rsi(&self) -> f64 {
        let total = self.gain + self.loss;
        if total > 0.0 {
            100.0 * (self.gain / total)
        } else {
            0.0
        }
    }
}

/// Sums of gains and losses over consecutive changes, TA-Lib's seeding arithmetic.
#[inline(always)]
fn accumulate((gains, losses): (f64, f64), change: f64) -> (f64, f64) {
    let gain = if change > 0.0 { change } else { 0.0 };
    (gains + gain, losses + (gain - change))
}

/// RSI of `values` over `period` (>= 2); the first value is at index `period`.
pub fn rsi(values: &[f64], period: usize) -> Result<Series> {
    fresh(|out| rsi_into(values, period, out))
}

/// [`rsi`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn rsi_into(values: &[f64], period: usize, out: &mut Series) -> Result<()> {
    check_period("period", period, 2)?;
    let len = values.len();
    let valid = finite_len(values);
    if valid <= period {
        fill_none(out, len);
        return Ok(());
    }
    let values = &values[..valid];
    let slots = layout(out, len, period, valid);
    let (gains, losses) = values[..=period]
        .windows(2)
        .fold((0.0, 0.0), |acc, w| accumulate(acc, w[1] - w[0]));
    let mut avg = Averages::seeded(gains, losses, period);
    slots[0] = Some(avg.rsi());
    let changes = values[period + 1..].iter().zip(&values[period..]);
    for (slot, (&x, &previous)) in slots[1..].iter_mut().zip(changes) {
        avg.step(x - previous);
        *slot = Some(avg.rsi());
    }
    Ok(())
}

/// Incremental RSI: one `update` per new value, same results as [`rsi`].
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    seen: usize,
    previous: f64,
    sums: (f64, f64),
    averages: Option<Averages>,
    poisoned: bool,
}

impl Rsi {
    /// A fresh state for `period` (>= 2).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 2)?;
        Ok(Self {
            period,
            seen: 0,
            previous: 0.0,
            sums: (0.0, 0.0),
            averages: None,
            poisoned: false,
        })
    }

    /// Feeds the next value; returns the RSI once `period + 1` values have been seen.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        let change = value - self.previous;
        self.previous = value;
        self.seen += 1;
        if let Some(avg) = &mut self.averages {
            avg.step(change);
            return Some(avg.rsi());
        }
        if self.seen == 1 {
            return None;
        }
        self.sums = accumulate(self.sums, change);
        if self.seen <= self.period {
            return None;
        }
        let avg = Averages::seeded(self.sums.0, self.sums.1, self.period);
        self.averages = Some(avg);
        Some(avg.rsi())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_one_sided_moves() {
        // Changes +1, -1 with period 2: seed gain 0.5, loss 0.5, RSI 50.
        let s = rsi(&[1.0, 2.0, 1.0], 2).unwrap();
        assert_eq!(s, vec![None, None, Some(50.0)]);
        let up: Vec<f64> = (0..20).map(f64::from).collect();
        assert!(rsi(&up, 14).unwrap()[14..]
            .iter()
            .all(|v| *v == Some(100.0)));
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert!(rsi(&down, 14).unwrap()[14..]
            .iter()
            .all(|v| *v == Some(0.0)));
    }

    #[test]
    fn flat_prices_give_zero_and_tiny_prices_are_not_flat() {
        let flat = [5.0; 20];
        assert!(rsi(&flat, 14).unwrap()[14..]
            .iter()
            .all(|v| *v == Some(0.0)));
        // Changes of 1e-12 are not zero: RSI is scale free.
        let tiny: Vec<f64> = (0..20)
            .map(|i| 1e-9 + if i % 2 == 0 { 0.0 } else { 1e-12 })
            .collect();
        let r = rsi(&tiny, 2).unwrap();
        let big: Vec<f64> = tiny.iter().map(|x| x * 1e9).collect();
        let rb = rsi(&big, 2).unwrap();
        for (a, b) in r.iter().zip(&rb).skip(2) {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(a > 0.0 && (a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn short_empty_invalid_and_nan_inputs() {
        assert_eq!(rsi(&[1.0, 2.0], 2).unwrap(), vec![None, None]);
        assert!(rsi(&[], 14).unwrap().is_empty());
        assert!(rsi(&[1.0, 2.0, 3.0], 1).is_err());
        assert!(Rsi::new(0).is_err());
        let s = rsi(&[1.0, 2.0, 1.0, f64::NAN, 2.0], 2).unwrap();
        assert_eq!(s, vec![None, None, Some(50.0), None, None]);
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let v: Vec<f64> = (0..600)
            .map(|i| (f64::from(i) * 0.3).sin() + f64::from(i % 7) * 0.1)
            .collect();
        for period in [2, 5, 14] {
            let batch = rsi(&v, period).unwrap();
            let mut inc = Rsi::new(period).unwrap();
            let stream: Vec<_> = v.iter().map(|&x| inc.update(x)).collect();
            assert_eq!(stream, batch, "period {period}");
        }
    }
}
