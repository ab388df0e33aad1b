//! Bollinger Bands (TA-Lib `BBANDS` with an SMA middle band): middle = SMA, bands = middle
//! ± `multiplier` × the population standard deviation of the window. Lookback `period - 1`.
//!
//! The variance is TA-Lib 0.8's cancellation-free form: running sums of deviations from a
//! shift near the window, `variance = Σd²/n − (Σd/n)²`, with the shift re-anchored to the
//! window mean and the sums rebuilt (a two-pass over the window) whenever the variance falls
//! below 1e-6 of the mean squared deviation, a value leaving the window dwarfs the remaining
//! sum, or `32 * period` outputs have passed. A rebuilt variance under 1e-12 of the mean
//! squared deviation is zero. So a constant window has width exactly 0 at any price scale,
//! and a large price (1e6) with tiny moves keeps its precision. The same arithmetic in the
//! same order as TA-Lib: its values to the bit; the middle band is [`super::sma`]'s.

use super::error::{check_multiplier, check_period, Result};
use super::ring::Ring;
use super::series::{fill_none, finite_len, layout, Series};

/// Upper, middle and lower band series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bands {
    pub upper: Series,
    pub middle: Series,
    pub lower: Series,
}

/// One set of band values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandsValue {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
}

/// Outputs between two unconditional rebuilds of the variance sums, per unit of period.
const RESEED_PER_PERIOD: usize = 32;

/// Running sums of the window: its plain sum (the SMA's), and the sum and sum of squares
/// of its deviations from `shift`. `Copy`, so the batch loop keeps it in registers.
#[derive(Debug, Clone, Copy)]
struct Sums {
    shift: f64,
    total: f64,
    dev_sum: f64,
    dev_squares: f64,
    until_reseed: usize,
}

impl Sums {
    /// Sums of the first `period - 1` values, deviations taken from the first one.
    fn prime(values: impl Iterator<Item = f64>, period: usize) -> Self {
        let mut s = Self {
            shift: 0.0,
            total: 0.0,
            dev_sum: 0.0,
            dev_squares: 0.0,
            until_reseed: RESEED_PER_PERIOD * period,
        };
        for (i, x) in values.enumerate() {
            if i == 0 {
                s.shift = x;
            }
            s.total += x;
            let d = x - s.shift;
            s.dev_sum += d;
            s.dev_squares += d * d;
        }
        s
    }

    /// Adds `x` (the window is now complete) and returns the window's sum and variance;
    /// then removes `oldest`, the window's first value, ready for the next one. `window`
    /// gives the window's values, oldest first, for the rare rebuild.
    #[inline(always)]
    fn step<I, W>(&mut self, x: f64, oldest: f64, period: usize, inv: f64, window: W) -> (f64, f64)
    where
        W: FnOnce() -> I,
        I: Iterator<Item = f64> + Clone,
    {
        self.total += x;
        let d = x - self.shift;
        self.dev_sum += d;
        self.dev_squares += d * d;
        let mean_dev = self.dev_sum * inv;
        let mut variance = self.dev_squares * inv - mean_dev * mean_dev;
        let total = self.total;
        self.total -= oldest;
        let d = oldest - self.shift;
        self.dev_sum -= d;
        let leaving = d * d;
        self.dev_squares -= leaving;
        self.until_reseed -= 1;
        if variance < 1e-6 * (self.dev_squares * inv)
            || leaving > 1e6 * self.dev_squares
            || self.until_reseed == 0
        {
            (*self, variance) = reseed(window(), oldest, self.total, period, inv);
        }
        (total, variance)
    }
}

/// Two-pass rebuild of the deviation sums around the window mean (the running plain sum
/// `total` is kept); returns the new sums, the oldest value already removed, and the
/// window's variance.
#[cold]
#[inline(never)]
fn reseed<I: Iterator<Item = f64> + Clone>(
    window: I,
    oldest: f64,
    total: f64,
    period: usize,
    inv: f64,
) -> (Sums, f64) {
    let shift = window.clone().fold(0.0, |s, x| s + x) * inv;
    let (sum, squares) = window.fold((0.0, 0.0), |(s, q), x| {
        let d = x - shift;
        (s + d, q + d * d)
    });
    let mean_dev = sum * inv;
    let mut variance = squares * inv - mean_dev * mean_dev;
    if variance < 1e-12 * (squares * inv) {
        variance = 0.0;
    }
    let d = oldest - shift;
    let sums = Sums {
        shift,
        total,
        dev_sum: sum - d,
        dev_squares: squares - d * d,
        until_reseed: RESEED_PER_PERIOD * period,
    };
    (sums, variance)
}

/// The bands of a window with sum `total` and `variance` (never negative, never -0, so the
/// square root needs no guard).
#[inline(always)]
fn bands(total: f64, variance: f64, period: usize, multiplier: f64) -> BandsValue {
    let middle = total / period as f64;
    let width = variance.sqrt() * multiplier;
    BandsValue {
        upper: middle + width,
        middle,
        lower: middle - width,
    }
}

fn check(period: usize, multiplier: f64) -> Result<()> {
    check_period("period", period, 2)?;
    check_multiplier("multiplier", multiplier)?;
    Ok(())
}

/// Bollinger Bands of `values` over `period` (>= 2) at `multiplier` (finite, >= 0)
/// standard deviations; the first values are at index `period - 1`.
pub fn bollinger(values: &[f64], period: usize, multiplier: f64) -> Result<Bands> {
    let mut out = Bands::default();
    bollinger_into(values, period, multiplier, &mut out)?;
    Ok(out)
}

/// [`bollinger`] into `out`, reusing its allocations (`out` is untouched on error).
pub fn bollinger_into(
    values: &[f64],
    period: usize,
    multiplier: f64,
    out: &mut Bands,
) -> Result<()> {
    check(period, multiplier)?;
    let len = values.len();
    let valid = finite_len(values);
    let Bands {
        upper,
        middle,
        lower,
    } = out;
    if valid < period {
        for s in [upper, middle, lower] {
            fill_none(s, len);
        }
        return Ok(());
    }
    let values = &values[..valid];
    let mut sums = Sums::prime(values[..period - 1].iter().copied(), period);
    let inv = 1.0 / period as f64;
    let upper = layout(upper, len, period - 1, valid);
    let middle = layout(middle, len, period - 1, valid);
    let lower = layout(lower, len, period - 1, valid);
    let slots = upper
        .iter_mut()
        .zip(middle.iter_mut())
        .zip(lower.iter_mut());
    for (i, ((u, m), l)) in (period - 1..valid).zip(slots) {
        let first = i + 1 - period;
        let (total, variance) = sums.step(values[i], values[first], period, inv, || {
            values[first..=i].iter().copied()
        });
        let b = bands(total, variance, period, multiplier);
        *u = Some(b.upper);
        *m = Some(b.middle);
        *l = Some(b.lower);
    }
    Ok(())
}

/// Incremental Bollinger Bands: one `update` per new value, same results as [`bollinger`].
#[derive(Debug, Clone)]
pub struct Bollinger {
    period: usize,
    multiplier: f64,
    sums: Option<Sums>,
    window: Ring,
    poisoned: bool,
}

impl Bollinger {
    /// A fresh state for `period` (>= 2) and `multiplier` (finite, >= 0).
    pub fn new(period: usize, multiplier: f64) -> Result<Self> {
        check(period, multiplier)?;
        Ok(Self {
            period,
            multiplier,
            sums: None,
            window: Ring::new(period),
            poisoned: false,
        })
    }

    /// Feeds the next value; returns the bands once `period` values have been seen.
    /// A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<BandsValue> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        let primed = self.window.len() + 1 == self.period;
        self.window.push(value);
        let period = self.period;
        let sums = match &mut self.sums {
            Some(sums) => sums,
            None if primed => {
                let first = self.window.iter().take(period - 1);
                self.sums.insert(Sums::prime(first, period))
            }
            None => return None,
        };
        let window = &self.window;
        let (total, variance) =
            sums.step(value, window.oldest(), period, 1.0 / period as f64, || {
                window.iter()
            });
        Some(bands(total, variance, period, self.multiplier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_deviation_around_the_sma() {
        let b = bollinger(&[1.0, 2.0, 3.0, 4.0], 4, 2.0).unwrap();
        // Mean 2.5, population variance 1.25.
        let sd = 1.25f64.sqrt();
        assert_eq!(b.middle[3], Some(2.5));
        assert!((b.upper[3].unwrap() - (2.5 + 2.0 * sd)).abs() < 1e-12);
        assert!((b.lower[3].unwrap() - (2.5 - 2.0 * sd)).abs() < 1e-12);
        assert_eq!(b.upper[..3], [None, None, None]);
    }

    #[test]
    fn constant_windows_have_zero_width_at_any_scale() {
        for level in [100.0, 2.8e-5, 1e9] {
            let mut v = vec![level; 30];
            v.extend((0..30).map(|i| level * (1.0 + f64::from(i % 3) * 1e-3)));
            v.extend(vec![level * 2.0; 30]);
            let b = bollinger(&v, 5, 2.0).unwrap();
            for i in (4..30).chain(64..90) {
                assert_eq!(b.upper[i], b.middle[i], "level {level} index {i}");
                assert_eq!(b.lower[i], b.middle[i]);
            }
            assert!(b.upper[40].unwrap() > b.middle[40].unwrap());
        }
    }

    #[test]
    fn small_moves_on_a_large_price_keep_their_precision() {
        let v: Vec<f64> = (0..400).map(|i| 1e6 + f64::from(i % 4) * 1e-4).collect();
        let b = bollinger(&v, 4, 1.0).unwrap();
        // Every window is a permutation of {0, 1, 2, 3} * 1e-4: sigma = sqrt(1.25) * 1e-4.
        let want = 1.25f64.sqrt() * 1e-4;
        for i in 3..400 {
            let width = b.upper[i].unwrap() - b.middle[i].unwrap();
            assert!(
                (width - want).abs() < 1e-9 * want + 2.5e-10,
                "index {i}: {width}"
            );
        }
    }

    #[test]
    fn invalid_short_and_nan_inputs() {
        assert!(bollinger(&[1.0; 5], 1, 2.0).is_err());
        assert!(bollinger(&[1.0; 5], 3, -1.0).is_err());
        assert!(bollinger(&[1.0; 5], 3, f64::NAN).is_err());
        assert!(Bollinger::new(0, 2.0).is_err());
        assert!(bollinger(&[1.0, 2.0], 3, 2.0)
            .unwrap()
            .middle
            .iter()
            .all(Option::is_none));
        let b = bollinger(&[1.0, 2.0, 3.0, f64::NAN, 5.0], 2, 2.0).unwrap();
        assert!(b.middle[2].is_some() && b.middle[3..].iter().all(Option::is_none));
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let mut v: Vec<f64> = (0..2000)
            .map(|i| (f64::from(i) * 0.05).sin() * 20.0 + 1000.0)
            .collect();
        v[700..760].fill(1234.5); // flat stretch: exercises the reseed paths
        v[900] = 1e7; // outlier leaving the window: the other reseed trigger
        for period in [2, 5, 20] {
            let batch = bollinger(&v, period, 2.0).unwrap();
            let mut inc = Bollinger::new(period, 2.0).unwrap();
            for (i, &x) in v.iter().enumerate() {
                let got = inc.update(x);
                assert_eq!(
                    got.map(|b| b.upper),
                    batch.upper[i],
                    "period {period} at {i}"
                );
                assert_eq!(got.map(|b| b.middle), batch.middle[i]);
                assert_eq!(got.map(|b| b.lower), batch.lower[i]);
            }
        }
    }
}
