//! Positive volume index (`calculatePVISeries(klines, initial = 1000)`; TA-Lib `PVI`).
//!
//! Starts at `initial` on the first bar. On a bar whose volume is higher than the previous
//! bar's, `pvi += pvi * (close - previous close) / previous close`; otherwise it is
//! unchanged. A previous close of exactly 0 makes the change undefined: that bar and every
//! later one are `None`, as in the original helper.

use super::error::{check_lengths, IndicatorError, Result};
use super::series::{finite_len_all, fresh, layout, Series};

/// PVI of `close` and `volume`, starting at `initial` (finite).
pub fn pvi(close: &[f64], volume: &[f64], initial: f64) -> Result<Series> {
    fresh(|out| pvi_into(close, volume, initial, out))
}

/// [`pvi`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn pvi_into(close: &[f64], volume: &[f64], initial: f64, out: &mut Series) -> Result<()> {
    let mut state = Pvi::new(initial)?;
    let len = check_lengths(&[("close", close), ("volume", volume)])?;
    let valid = finite_len_all(&[close, volume]);
    let slots = layout(out, len, 0, valid);
    for (slot, (&c, &v)) in slots.iter_mut().zip(close.iter().zip(volume)) {
        *slot = state.update(c, v);
    }
    Ok(())
}

/// Incremental PVI: one `update` per new bar, same results as [`pvi`].
#[derive(Debug, Clone)]
pub struct Pvi {
    initial: f64,
    /// `(close, volume, pvi)` of the previous bar.
    previous: Option<(f64, f64, f64)>,
    stopped: bool,
}

impl Pvi {
    /// A fresh state starting at `initial` (finite).
    pub fn new(initial: f64) -> Result<Self> {
        if !initial.is_finite() {
            return Err(IndicatorError::InvalidParameter {
                name: "initial PVI",
                value: initial,
                expected: "a finite number",
            });
        }
        Ok(Self {
            initial,
            previous: None,
            stopped: false,
        })
    }

    /// Feeds the next bar; returns the PVI. A non-finite input or a zero previous close
    /// makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, close: f64, volume: f64) -> Option<f64> {
        if self.stopped || !(close.is_finite() && volume.is_finite()) {
            self.stopped = true;
            return None;
        }
        let value = match self.previous {
            None => self.initial,
            Some((previous_close, previous_volume, previous)) => {
                if volume > previous_volume {
                    if previous_close == 0.0 {
                        self.stopped = true;
                        return None;
                    }
                    previous + ((close - previous_close) / previous_close) * previous
                } else {
                    previous
                }
            }
        };
        self.previous = Some((close, volume, value));
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_only_on_rising_volume() {
        let p = pvi(
            &[10.0, 11.0, 12.0, 11.0, 13.2],
            &[1.0, 2.0, 1.0, 3.0, 4.0],
            1000.0,
        )
        .unwrap();
        let want = [1000.0, 1100.0, 1100.0, 1100.0 * (1.0 - 1.0 / 12.0), 0.0];
        for (i, w) in want.iter().take(4).enumerate() {
            assert!((p[i].unwrap() - w).abs() < 1e-9, "index {i}");
        }
        assert!((p[4].unwrap() - p[3].unwrap() * 1.2).abs() < 1e-9);
    }

    #[test]
    fn zero_previous_close_ends_the_series() {
        let p = pvi(&[1.0, 0.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0], 100.0).unwrap();
        assert_eq!(p, vec![Some(100.0), Some(0.0), None, None]);
        // A zero close on a bar without rising volume is harmless.
        let p = pvi(&[1.0, 0.0, 2.0], &[3.0, 2.0, 1.0], 100.0).unwrap();
        assert_eq!(p, vec![Some(100.0), Some(100.0), Some(100.0)]);
    }

    #[test]
    fn invalid_empty_mismatched_and_nan_inputs() {
        assert!(pvi(&[1.0], &[1.0], f64::NAN).is_err());
        assert!(pvi(&[1.0], &[], 1000.0).is_err());
        assert!(pvi(&[], &[], 1000.0).unwrap().is_empty());
        let p = pvi(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0], 5.0).unwrap();
        assert_eq!(p, vec![Some(5.0), None, None]);
    }

    #[test]
    fn incremental_matches_batch() {
        let c: Vec<f64> = (0..200).map(|i| 50.0 + f64::from((i * 7) % 11)).collect();
        let v: Vec<f64> = (0..200).map(|i| f64::from((i * 5) % 13)).collect();
        let batch = pvi(&c, &v, 1000.0).unwrap();
        let mut inc = Pvi::new(1000.0).unwrap();
        let stream: Vec<_> = c.iter().zip(&v).map(|(&c, &v)| inc.update(c, v)).collect();
        assert_eq!(stream, batch);
    }
}
