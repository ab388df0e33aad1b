//! True range (TA-Lib `TRANGE`) and Wilder's average true range (TA-Lib `ATR`).
//!
//! True range of bar `i`: the largest of `high - low`, `|close[i-1] - high|` and
//! `|close[i-1] - low|`, so it starts at index 1. ATR is seeded with the mean of the first
//! `period` true ranges (index `period`) and then smoothed as
//! `alpha * tr + beta * atr` with `beta = (period - 1) / period`, `alpha = 1 - beta` (TA-Lib
//! 0.8's coefficients; TA-Lib fuses that multiply-add, which moves the result by about one
//! rounding, ~1e-16 relative).

use super::error::{check_lengths, check_period, Result};
use super::series::{fill_none, finite_len_all, fresh, layout, Series};

/// True range of a bar given the previous close, in TA-Lib's comparison order.
#[inline(always)]
pub(crate) fn range(high: f64, low: f64, previous_close: f64) -> f64 {
    let mut greatest = high - low;
    let to_high = (previous_close - high).abs();
    if to_high > greatest {
        greatest = to_high;
    }
    let to_low = (previous_close - low).abs();
    if to_low > greatest {
        greatest = to_low;
    }
    greatest
}

/// True range series; the first value is at index 1.
pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Result<Series> {
    fresh(|out| true_range_into(high, low, close, out))
}

/// [`true_range`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn true_range_into(high: &[f64], low: &[f64], close: &[f64], out: &mut Series) -> Result<()> {
    let len = check_lengths(&[("high", high), ("low", low), ("close", close)])?;
    let valid = finite_len_all(&[high, low, close]);
    if valid < 2 {
        fill_none(out, len);
        return Ok(());
    }
    let slots = layout(out, len, 1, valid);
    let bars = high[1..valid]
        .iter()
        .zip(&low[1..valid])
        .zip(&close[..valid - 1]);
    for (slot, ((&h, &l), &previous_close)) in slots.iter_mut().zip(bars) {
        *slot = Some(range(h, l, previous_close));
    }
    Ok(())
}

/// Wilder smoothing coefficients `(alpha, beta)`.
fn coefficients(period: usize) -> (f64, f64) {
    let beta = (period - 1) as f64 / period as f64;
    (1.0 - beta, beta)
}

/// ATR over `period` (>= 1); the first value is at index `period`.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Series> {
    fresh(|out| atr_into(high, low, close, period, out))
}

/// [`atr`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn atr_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    out: &mut Series,
) -> Result<()> {
    check_period("period", period, 1)?;
    let len = check_lengths(&[("high", high), ("low", low), ("close", close)])?;
    let valid = finite_len_all(&[high, low, close]);
    if valid <= period {
        fill_none(out, len);
        return Ok(());
    }
    let (high, low, close) = (&high[..valid], &low[..valid], &close[..valid]);
    let slots = layout(out, len, period, valid);
    let mut total = 0.0;
    for i in 1..=period {
        total += range(high[i], low[i], close[i - 1]);
    }
    let mut value = total / period as f64;
    slots[0] = Some(value);
    let (alpha, beta) = coefficients(period);
    let bars = high[period + 1..]
        .iter()
        .zip(&low[period + 1..])
        .zip(&close[period..]);
    for (slot, ((&h, &l), &previous_close)) in slots[1..].iter_mut().zip(bars) {
        value = alpha * range(h, l, previous_close) + beta * value;
        *slot = Some(value);
    }
    Ok(())
}

/// Incremental ATR: one `update` per new bar, same results as [`atr`].
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    alpha: f64,
    beta: f64,
    seen: usize,
    previous_close: f64,
    /// Sum of true ranges while seeding, the ATR afterwards.
    value: f64,
    poisoned: bool,
}

impl Atr {
    /// A fresh state for `period` (>= 1).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 1)?;
        let (alpha, beta) = coefficients(period);
        Ok(Self {
            period,
            alpha,
            beta,
            seen: 0,
            previous_close: 0.0,
            value: 0.0,
            poisoned: false,
        })
    }

    /// Feeds the next bar; returns the ATR once `period + 1` bars have been seen.
    /// A non-finite input makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        if self.poisoned || !(high.is_finite() && low.is_finite() && close.is_finite()) {
            self.poisoned = true;
            return None;
        }
        let seen = self.seen;
        self.seen += 1;
        let previous_close = std::mem::replace(&mut self.previous_close, close);
        if seen == 0 {
            return None;
        }
        let tr = range(high, low, previous_close);
        if seen < self.period {
            self.value += tr;
            None
        } else if seen == self.period {
            self.value = (self.value + tr) / self.period as f64;
            Some(self.value)
        } else {
            self.value = self.alpha * tr + self.beta * self.value;
            Some(self.value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_range_takes_gaps_into_account() {
        // Bar 1 gaps up over the previous close 10: |10 - 15| = 5 > 15 - 12 = 3.
        // Bar 2 gaps down: |15 - 8| = 7 > 9 - 8 = 1.
        let tr = true_range(&[11.0, 15.0, 9.0], &[9.0, 12.0, 8.0], &[10.0, 15.0, 8.5]).unwrap();
        assert_eq!(tr, vec![None, Some(5.0), Some(7.0)]);
    }

    #[test]
    fn seeds_with_the_mean_then_smooths() {
        let (h, l, c) = (
            [2.0, 3.0, 4.0, 5.0],
            [1.0, 1.0, 1.0, 1.0],
            [1.5, 2.0, 3.0, 4.0],
        );
        // True ranges 2, 3, 4; period 2: seed 2.5 at index 2, then (2.5 + 4) / 2.
        let a = atr(&h, &l, &c, 2).unwrap();
        assert_eq!(a, vec![None, None, Some(2.5), Some(3.25)]);
        assert_eq!(
            atr(&h, &l, &c, 1).unwrap(),
            vec![None, Some(2.0), Some(3.0), Some(4.0)]
        );
    }

    #[test]
    fn flat_bars_give_zero() {
        let v = [7.0; 20];
        assert!(atr(&v, &v, &v, 14).unwrap()[14..]
            .iter()
            .all(|x| *x == Some(0.0)));
    }

    #[test]
    fn invalid_short_mismatched_and_nan_inputs() {
        let v = [1.0; 5];
        assert!(atr(&v, &v, &v, 0).is_err());
        assert!(atr(&v, &v[..4], &v, 2).is_err());
        assert!(true_range(&v, &v, &v[..1]).is_err());
        assert!(atr(&v, &v, &v, 5).unwrap().iter().all(Option::is_none));
        assert!(true_range(&[], &[], &[]).unwrap().is_empty());
        let mut c = v;
        c[3] = f64::NAN;
        assert_eq!(
            atr(&v, &v, &c, 1).unwrap(),
            vec![None, Some(0.0), Some(0.0), None, None]
        );
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let c: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.17).sin() * 4.0 + 60.0)
            .collect();
        let h: Vec<f64> = c
            .iter()
            .enumerate()
            .map(|(i, x)| x + (i % 5) as f64 * 0.3)
            .collect();
        let l: Vec<f64> = c
            .iter()
            .enumerate()
            .map(|(i, x)| x - (i % 3) as f64 * 0.4)
            .collect();
        for period in [1, 2, 14] {
            let batch = atr(&h, &l, &c, period).unwrap();
            let mut inc = Atr::new(period).unwrap();
            let stream: Vec<_> = (0..c.len()).map(|i| inc.update(h[i], l[i], c[i])).collect();
            assert_eq!(stream, batch, "period {period}");
        }
    }
}
