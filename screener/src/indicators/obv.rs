//! On-balance volume (TA-Lib `OBV`): starts at the first bar's volume, then adds the volume
//! of each bar that closes higher and subtracts that of each bar that closes lower.
//! Lookback 0; TA-Lib's values to the bit.

use super::error::{check_lengths, Result};
use super::series::{finite_len_all, fresh, layout, Series};

/// OBV of `close` and `volume`.
pub fn obv(close: &[f64], volume: &[f64]) -> Result<Series> {
    fresh(|out| obv_into(close, volume, out))
}

/// [`obv`] into `out`, reusing its allocation (`out` is untouched on error).
pub fn obv_into(close: &[f64], volume: &[f64], out: &mut Series) -> Result<()> {
    let len = check_lengths(&[("close", close), ("volume", volume)])?;
    let valid = finite_len_all(&[close, volume]);
    let slots = layout(out, len, 0, valid);
    let mut state = Obv::new();
    for (slot, (&c, &v)) in slots.iter_mut().zip(close.iter().zip(volume)) {
        *slot = state.update(c, v);
    }
    Ok(())
}

/// Incremental OBV: one `update` per new bar, same results as [`obv`].
#[derive(Debug, Clone, Default)]
pub struct Obv {
    previous: Option<(f64, f64)>,
    poisoned: bool,
}

impl Obv {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bar; returns the OBV. A non-finite input makes this and every later
    /// result `None`.
    #[inline]
    pub fn update(&mut self, close: f64, volume: f64) -> Option<f64> {
        if self.poisoned || !(close.is_finite() && volume.is_finite()) {
            self.poisoned = true;
            return None;
        }
        let value = match self.previous {
            None => volume,
            Some((previous_close, previous)) if close > previous_close => previous + volume,
            Some((previous_close, previous)) if close < previous_close => previous - volume,
            Some((_, previous)) => previous,
        };
        self.previous = Some((close, value));
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_on_up_closes_subtracts_on_down_closes() {
        let o = obv(&[10.0, 11.0, 11.0, 9.0, 12.0], &[5.0, 2.0, 7.0, 3.0, 1.0]).unwrap();
        assert_eq!(
            o,
            vec![Some(5.0), Some(7.0), Some(7.0), Some(4.0), Some(5.0)]
        );
    }

    #[test]
    fn empty_mismatched_and_nan_inputs() {
        assert!(obv(&[], &[]).unwrap().is_empty());
        assert!(obv(&[1.0], &[]).is_err());
        let o = obv(&[1.0, 2.0, f64::NAN, 3.0], &[1.0, 1.0, 1.0, 1.0]).unwrap();
        assert_eq!(o, vec![Some(1.0), Some(2.0), None, None]);
    }

    #[test]
    fn incremental_matches_batch() {
        let c: Vec<f64> = (0..200).map(|i| f64::from((i * 7) % 11)).collect();
        let v: Vec<f64> = (0..200).map(|i| f64::from(i % 13) * 1.5).collect();
        let batch = obv(&c, &v).unwrap();
        let mut inc = Obv::new();
        let stream: Vec<_> = c.iter().zip(&v).map(|(&c, &v)| inc.update(c, v)).collect();
        assert_eq!(stream, batch);
    }
}
