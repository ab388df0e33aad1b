//! Stochastic oscillator (TA-Lib `STOCH` with SMA smoothing): the fast %K of the last
//! `fast_k` bars, slow %K = SMA(`slow_k`) of it, %D = SMA(`slow_d`) of slow %K.
//!
//! Fast %K = `(close - lowest low) / (highest high - lowest low) * 100`, and 0 when the
//! range is within TA-Lib's scale-aware zero band (`|range| <= 1e-14 * (|high| + |low|)`),
//! i.e. the window is flat. As in TA-Lib, %K and %D both start at index
//! `(fast_k - 1) + (slow_k - 1) + (slow_d - 1)` (17 for 14/3/3); the smoothing uses TA-Lib's
//! running sums, so the values are TA-Lib's to the bit.

use super::error::{check_lengths, check_period, Result};
use super::extremes::{RollingExtreme, Side};
use super::series::{fill_none, finite_len_all, layout, Series};
use super::sma::Sma;

/// %K and %D series (also the output of [`super::stoch_rsi`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stoch {
    pub k: Series,
    pub d: Series,
}

/// One %K / %D pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochValue {
    pub k: f64,
    pub d: f64,
}

/// Raw %K of `value` within `[lowest, highest]`, or `flat` when the range is within TA-Lib's
/// scale-aware zero band.
#[inline]
pub(crate) fn raw_k(value: f64, highest: f64, lowest: f64, flat: f64) -> f64 {
    let range = highest - lowest;
    if super::is_zero_scaled(range, highest.abs() + lowest.abs()) {
        flat
    } else {
        (value - lowest) / range * 100.0
    }
}

/// Incremental stochastic: one `update` per new bar, same results as [`stochastic`].
#[derive(Debug, Clone)]
pub struct Stochastic {
    highest: RollingExtreme,
    lowest: RollingExtreme,
    slow_k: Sma,
    slow_d: Sma,
    poisoned: bool,
}

impl Stochastic {
    /// A fresh state; every period >= 1.
    pub fn new(fast_k: usize, slow_k: usize, slow_d: usize) -> Result<Self> {
        check_period("fast %K period", fast_k, 1)?;
        Ok(Self {
            highest: RollingExtreme::new(Side::Highest, fast_k),
            lowest: RollingExtreme::new(Side::Lowest, fast_k),
            slow_k: Sma::new(slow_k)?,
            slow_d: Sma::new(slow_d)?,
            poisoned: false,
        })
    }

    /// Feeds the next bar; returns %K and %D from index
    /// `(fast_k - 1) + (slow_k - 1) + (slow_d - 1)` on. A non-finite input makes this and
    /// every later result `None`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<StochValue> {
        if self.poisoned || !(high.is_finite() && low.is_finite() && close.is_finite()) {
            self.poisoned = true;
            return None;
        }
        let highest = self.highest.update(high);
        let lowest = self.lowest.update(low);
        let fast = raw_k(close, highest?, lowest?, 0.0);
        let k = self.slow_k.update(fast)?;
        let d = self.slow_d.update(k)?;
        Some(StochValue { k, d })
    }
}

/// TA-Lib `STOCH(fast_k, slow_k, SMA, slow_d, SMA)`; every period >= 1.
pub fn stochastic(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fast_k: usize,
    slow_k: usize,
    slow_d: usize,
) -> Result<Stoch> {
    let mut out = Stoch::default();
    stochastic_into(high, low, close, (fast_k, slow_k, slow_d), &mut out)?;
    Ok(out)
}

/// [`stochastic`] into `out`, reusing its allocations (`out` is untouched on error);
/// `periods` is `(fast_k, slow_k, slow_d)`.
pub fn stochastic_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    (fast_k, slow_k, slow_d): (usize, usize, usize),
    out: &mut Stoch,
) -> Result<()> {
    let mut state = Stochastic::new(fast_k, slow_k, slow_d)?;
    let len = check_lengths(&[("high", high), ("low", low), ("close", close)])?;
    let valid = finite_len_all(&[high, low, close]);
    let lookback = (fast_k - 1) + (slow_k - 1) + (slow_d - 1);
    let Stoch { k, d } = out;
    if valid <= lookback {
        fill_none(k, len);
        fill_none(d, len);
        return Ok(());
    }
    let k = layout(k, len, lookback, valid);
    let d = layout(d, len, lookback, valid);
    let bars = high[..valid].iter().zip(&low[..valid]).zip(&close[..valid]);
    let values = bars.filter_map(|((&h, &l), &c)| state.update(h, l, c));
    for ((k, d), v) in k.iter_mut().zip(d.iter_mut()).zip(values) {
        *k = Some(v.k);
        *d = Some(v.d);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_k_period_one_smoothing_is_the_close_position() {
        // With all periods 1, %K = %D = position of the close in the bar's own range.
        let s = stochastic(&[10.0, 12.0], &[0.0, 8.0], &[2.5, 11.0], 1, 1, 1).unwrap();
        assert_eq!(s.k, vec![Some(25.0), Some(75.0)]);
        assert_eq!(s.d, s.k);
    }

    #[test]
    fn smoothing_and_lookback() {
        let h: Vec<f64> = (0..30).map(|i| 10.0 + f64::from(i % 5)).collect();
        let l: Vec<f64> = h.iter().map(|x| x - 3.0).collect();
        let c: Vec<f64> = h.iter().zip(&l).map(|(a, b)| (a + b) / 2.0).collect();
        let s = stochastic(&h, &l, &c, 5, 3, 2).unwrap();
        assert_eq!(s.k.iter().position(Option::is_some), Some(4 + 2 + 1));
        assert_eq!(s.d.iter().position(Option::is_some), Some(7));
        for i in 8..30 {
            let d = (s.k[i].unwrap() + s.k[i - 1].unwrap()) / 2.0;
            assert!((s.d[i].unwrap() - d).abs() < 1e-12);
        }
    }

    #[test]
    fn flat_windows_give_zero_at_any_price_scale() {
        for level in [100.0, 2.8e-5, 1e-12] {
            let v = [level; 25];
            let s = stochastic(&v, &v, &v, 14, 3, 3).unwrap();
            assert!(
                s.k.iter().chain(&s.d).flatten().all(|x| *x == 0.0),
                "{level}"
            );
            // A real range at the same scale is not flat.
            let h = [level * 1.001; 25];
            let s = stochastic(&h, &v, &[level * 1.0005; 25], 14, 3, 3).unwrap();
            assert!(
                s.k.iter().flatten().all(|x| (x - 50.0).abs() < 1e-6),
                "{level}"
            );
        }
    }

    #[test]
    fn invalid_short_mismatched_and_nan_inputs() {
        let v = [1.0; 20];
        assert!(stochastic(&v, &v, &v, 0, 3, 3).is_err());
        assert!(stochastic(&v, &v, &v, 14, 0, 3).is_err());
        assert!(stochastic(&v, &v, &v, 14, 3, 0).is_err());
        assert!(stochastic(&v, &v[..3], &v, 14, 3, 3).is_err());
        // Lookback 13 + 2 + 5 = 20: nothing computable in 20 bars; one less and index 19 is.
        assert!(stochastic(&v, &v, &v, 14, 3, 6)
            .unwrap()
            .k
            .iter()
            .all(Option::is_none));
        assert!(stochastic(&v, &v, &v, 14, 3, 5).unwrap().k[19].is_some());
        let mut c = v;
        c[18] = f64::NAN;
        let s = stochastic(&v, &v, &c, 14, 3, 1).unwrap();
        assert!(s.k[17].is_some() && s.k[18..].iter().all(Option::is_none));
    }

    #[test]
    fn incremental_matches_batch() {
        let c: Vec<f64> = (0..300)
            .map(|i| (f64::from(i) * 0.3).sin() * 9.0 + 50.0)
            .collect();
        let h: Vec<f64> = c.iter().map(|x| x + 1.0).collect();
        let l: Vec<f64> = c.iter().map(|x| x - 1.5).collect();
        let batch = stochastic(&h, &l, &c, 14, 3, 3).unwrap();
        let mut inc = Stochastic::new(14, 3, 3).unwrap();
        for i in 0..c.len() {
            let got = inc.update(h[i], l[i], c[i]);
            assert_eq!(got.map(|v| v.k), batch.k[i]);
            assert_eq!(got.map(|v| v.d), batch.d[i]);
        }
    }
}
