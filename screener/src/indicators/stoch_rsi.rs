//! Stochastic RSI as the helper contract defines it (`calculateStochRSI(klines, rsiP,
//! stochP, kP, dP)`): raw = the stochastic of the RSI over its last `stoch_period` values,
//! %K = SMA(`k_period`) of raw, %D = SMA(`d_period`) of %K.
//!
//! - RSI is Wilder's ([`super::rsi`]), first value at index `rsi_period`.
//! - Raw = `(rsi - min) / (max - min) * 100`; when the window is flat — within TA-Lib's
//!   scale-aware zero band, `|max - min| <= 1e-14 * (|max| + |min|)` — raw is **50**, the
//!   original helpers' "50 if flat" (TA-Lib's STOCH would answer 0 there; everywhere else
//!   the two agree, which the reference generator checks).
//! - Each output is `None` exactly where it is not computable: %K from index
//!   `rsi_period + stoch_period + k_period - 2`, %D `d_period - 1` later (29 and 31 for
//!   14/14/3/3). The original returned `{k: 0, d: 0}` there instead.

use super::error::{check_period, Result};
use super::extremes::{RollingExtreme, Side};
use super::rsi::Rsi;
use super::series::{fill_none, finite_len, layout};
use super::sma::Sma;
use super::stochastic::{raw_k, Stoch};

/// Raw value of a flat window.
const FLAT: f64 = 50.0;

/// One StochRSI output: %K, and %D once it is computable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochRsiValue {
    pub k: f64,
    pub d: Option<f64>,
}

/// Incremental StochRSI: one `update` per new value, same results as [`stoch_rsi`].
#[derive(Debug, Clone)]
pub struct StochRsi {
    rsi: Rsi,
    highest: RollingExtreme,
    lowest: RollingExtreme,
    k: Sma,
    d: Sma,
    poisoned: bool,
}

impl StochRsi {
    /// A fresh state; `rsi_period` >= 2, the other periods >= 1.
    pub fn new(
        rsi_period: usize,
        stoch_period: usize,
        k_period: usize,
        d_period: usize,
    ) -> Result<Self> {
        check_period("stochastic period", stoch_period, 1)?;
        Ok(Self {
            rsi: Rsi::new(rsi_period)?,
            highest: RollingExtreme::new(Side::Highest, stoch_period),
            lowest: RollingExtreme::new(Side::Lowest, stoch_period),
            k: Sma::new(k_period)?,
            d: Sma::new(d_period)?,
            poisoned: false,
        })
    }

    /// Feeds the next value (a close); returns %K once computable, with %D once that is.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<StochRsiValue> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        let rsi = self.rsi.update(value)?;
        let highest = self.highest.update(rsi);
        let lowest = self.lowest.update(rsi);
        let raw = raw_k(rsi, highest?, lowest?, FLAT);
        let k = self.k.update(raw)?;
        Some(StochRsiValue {
            k,
            d: self.d.update(k),
        })
    }
}

/// StochRSI of `values` (closes).
pub fn stoch_rsi(
    values: &[f64],
    rsi_period: usize,
    stoch_period: usize,
    k_period: usize,
    d_period: usize,
) -> Result<Stoch> {
    let mut out = Stoch::default();
    stoch_rsi_into(
        values,
        (rsi_period, stoch_period, k_period, d_period),
        &mut out,
    )?;
    Ok(out)
}

/// [`stoch_rsi`] into `out`, reusing its allocations (`out` is untouched on error);
/// `periods` is `(rsi_period, stoch_period, k_period, d_period)`.
pub fn stoch_rsi_into(
    values: &[f64],
    (rsi_period, stoch_period, k_period, d_period): (usize, usize, usize, usize),
    out: &mut Stoch,
) -> Result<()> {
    let mut state = StochRsi::new(rsi_period, stoch_period, k_period, d_period)?;
    let len = values.len();
    let valid = finite_len(values);
    let k_lookback = rsi_period + stoch_period + k_period - 2;
    let Stoch { k, d } = out;
    if valid <= k_lookback {
        fill_none(k, len);
        fill_none(d, len);
        return Ok(());
    }
    let k = layout(k, len, k_lookback, valid);
    let d = layout(d, len, k_lookback + d_period - 1, valid);
    let values = values[..valid].iter().filter_map(|&x| state.update(x));
    let mut d_slots = d.iter_mut();
    for (k, v) in k.iter_mut().zip(values) {
        *k = Some(v.k);
        if let Some(value) = v.d {
            if let Some(d) = d_slots.next() {
                *d = Some(value);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closes(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (i as f64 * 0.4).sin() * 3.0 + (i as f64 * 0.05).cos() + 20.0)
            .collect()
    }

    #[test]
    fn lookbacks_are_where_values_become_computable() {
        let s = stoch_rsi(&closes(60), 14, 14, 3, 3).unwrap();
        assert_eq!(s.k.iter().position(Option::is_some), Some(29));
        assert_eq!(s.d.iter().position(Option::is_some), Some(31));
        assert!(s
            .k
            .iter()
            .chain(&s.d)
            .flatten()
            .all(|v| (0.0..=100.0).contains(v)));
        let short = stoch_rsi(&closes(29), 14, 14, 3, 3).unwrap();
        assert!(short.k.iter().all(Option::is_none));
    }

    #[test]
    fn a_flat_rsi_window_reads_50() {
        // A steady rise: the RSI is 100 throughout, so every window is flat.
        let up: Vec<f64> = (0..50).map(f64::from).collect();
        let s = stoch_rsi(&up, 5, 4, 2, 2).unwrap();
        assert!(s.k.iter().chain(&s.d).flatten().all(|v| *v == 50.0));
        assert!(s.k.iter().flatten().count() > 30);
    }

    #[test]
    fn raw_is_the_position_in_the_rsi_range() {
        // k = d = 1: the output is the raw stochastic itself.
        let v = closes(80);
        let rsi = super::super::rsi(&v, 6).unwrap();
        let s = stoch_rsi(&v, 6, 5, 1, 1).unwrap();
        for i in 10..80 {
            let w: Vec<f64> = rsi[i - 4..=i].iter().map(|x| x.unwrap()).collect();
            let (hi, lo) = (
                w.iter().copied().fold(f64::MIN, f64::max),
                w.iter().copied().fold(f64::MAX, f64::min),
            );
            let want = (rsi[i].unwrap() - lo) / (hi - lo) * 100.0;
            assert!((s.k[i].unwrap() - want).abs() < 1e-9, "index {i}");
        }
    }

    #[test]
    fn invalid_and_nan_inputs() {
        assert!(stoch_rsi(&[1.0], 1, 14, 3, 3).is_err());
        assert!(stoch_rsi(&[1.0], 14, 0, 3, 3).is_err());
        assert!(StochRsi::new(14, 14, 0, 3).is_err());
        assert!(StochRsi::new(14, 14, 3, 0).is_err());
        let mut v = closes(60);
        v[45] = f64::NAN;
        let s = stoch_rsi(&v, 14, 14, 3, 3).unwrap();
        assert!(s.d[44].is_some() && s.k[45..].iter().chain(&s.d[45..]).all(Option::is_none));
    }

    #[test]
    fn incremental_matches_batch() {
        let v = closes(300);
        let batch = stoch_rsi(&v, 14, 14, 3, 3).unwrap();
        let mut inc = StochRsi::new(14, 14, 3, 3).unwrap();
        for (i, &x) in v.iter().enumerate() {
            let got = inc.update(x);
            assert_eq!(got.map(|s| s.k), batch.k[i], "index {i}");
            assert_eq!(got.and_then(|s| s.d), batch.d[i]);
        }
    }
}
