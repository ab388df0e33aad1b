//! Volume-weighted average price of the typical price `(high + low + close) / 3`, and its
//! bands (`calculateVWAPSeries`, `calculateVWAPBands`, `getLatestVWAP*`; original §2.3 rows
//! 31–35).
//!
//! - Without an anchor the VWAP is cumulative from the first bar (no session reset).
//! - With `anchor = Some(a)` it is cumulative from bar `len - a` (the start of the last `a`
//!   bars; from bar 0 when `a >= len`), and `None` before that bar — so its last value is
//!   the VWAP of the last `a` bars, what `getLatestVWAP(klines, a)` returns.
//! - `None` while the cumulative volume is not positive.
//! - Bands: `vwap ± multiplier * σ`, where σ² is the mean over the bars since the anchor
//!   (every bar, unweighted, as in the original) of `(typical - vwap)²`, around the *current*
//!   VWAP. Computed in O(1) per bar from a running mean and Welford's sum of squares
//!   (`σ² = M2 / n + (mean - vwap)²`), not the original's O(n²) rescan.
//!
//! [`Vwap`] is the incremental form: O(1) per bar when cumulative; with an anchor it keeps
//! the last `a` bars and recomputes over them, O(a) per bar, giving exactly the last value of
//! the batch result on the same bars.

use super::error::{check_lengths, check_multiplier, check_period, Result};
use super::ring::Ring;
use super::series::{fill_none, finite_len_all, layout, Series};

/// VWAP and band series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VwapBands {
    pub vwap: Series,
    pub upper: Series,
    pub lower: Series,
}

/// One VWAP value with its bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VwapValue {
    pub vwap: f64,
    pub upper: f64,
    pub lower: f64,
}

/// Typical price, in the original's order of operations.
#[inline(always)]
fn typical(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

/// Sums over the bars since the anchor.
#[derive(Debug, Clone, Default)]
struct Accumulator {
    price_volume: f64,
    volume: f64,
    count: f64,
    mean: f64,
    m2: f64,
}

impl Accumulator {
    #[inline(always)]
    fn add(&mut self, typical: f64, volume: f64) {
        self.price_volume += typical * volume;
        self.volume += volume;
        self.count += 1.0;
        let delta = typical - self.mean;
        self.mean += delta / self.count;
        self.m2 += delta * (typical - self.mean);
    }

    #[inline(always)]
    fn value(&self, multiplier: f64) -> Option<VwapValue> {
        if self.volume <= 0.0 {
            return None;
        }
        let vwap = self.price_volume / self.volume;
        let offset = self.mean - vwap;
        let width = (self.m2 / self.count + offset * offset).sqrt() * multiplier;
        Some(VwapValue {
            vwap,
            upper: vwap + width,
            lower: vwap - width,
        })
    }
}

fn check(anchor: Option<usize>, multiplier: f64) -> Result<()> {
    if let Some(a) = anchor {
        check_period("anchor", a, 1)?;
    }
    check_multiplier("multiplier", multiplier)?;
    Ok(())
}

/// VWAP with bands at `multiplier` (finite, >= 0) σ; `anchor` >= 1 when given.
pub fn vwap_bands(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    anchor: Option<usize>,
    multiplier: f64,
) -> Result<VwapBands> {
    let mut out = VwapBands::default();
    vwap_bands_into([high, low, close, volume], anchor, multiplier, &mut out)?;
    Ok(out)
}

/// [`vwap_bands`] into `out`, reusing its allocations (`out` is untouched on error);
/// `bars` is `[high, low, close, volume]`.
pub fn vwap_bands_into(
    [high, low, close, volume]: [&[f64]; 4],
    anchor: Option<usize>,
    multiplier: f64,
    out: &mut VwapBands,
) -> Result<()> {
    check(anchor, multiplier)?;
    let len = check_lengths(&[
        ("high", high),
        ("low", low),
        ("close", close),
        ("volume", volume),
    ])?;
    let valid = finite_len_all(&[high, low, close, volume]);
    let first = anchor.filter(|&a| a < len).map_or(0, |a| len - a);
    let VwapBands { vwap, upper, lower } = out;
    if first >= valid {
        for s in [vwap, upper, lower] {
            fill_none(s, len);
        }
        return Ok(());
    }
    let vwap = layout(vwap, len, first, valid);
    let upper = layout(upper, len, first, valid);
    let lower = layout(lower, len, first, valid);
    let mut acc = Accumulator::default();
    let slots = vwap.iter_mut().zip(upper.iter_mut()).zip(lower.iter_mut());
    for (((w, u), l), i) in slots.zip(first..valid) {
        acc.add(typical(high[i], low[i], close[i]), volume[i]);
        let v = acc.value(multiplier);
        *w = v.map(|v| v.vwap);
        *u = v.map(|v| v.upper);
        *l = v.map(|v| v.lower);
    }
    Ok(())
}

/// VWAP series; `anchor` >= 1 when given. See the module documentation.
pub fn vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    anchor: Option<usize>,
) -> Result<Series> {
    Ok(vwap_bands(high, low, close, volume, anchor, 0.0)?.vwap)
}

/// Incremental VWAP with bands: each `update` returns what [`vwap_bands`] gives for the
/// last bar of everything fed so far.
#[derive(Debug, Clone)]
pub struct Vwap {
    multiplier: f64,
    cumulative: Accumulator,
    /// Typical prices and volumes of the last `anchor` bars, when anchored.
    window: Option<(Ring, Ring)>,
    poisoned: bool,
}

impl Vwap {
    /// Cumulative (`anchor = None`) or over the last `anchor` (>= 1) bars, with bands at
    /// `multiplier` (finite, >= 0) σ.
    pub fn new(anchor: Option<usize>, multiplier: f64) -> Result<Self> {
        check(anchor, multiplier)?;
        Ok(Self {
            multiplier,
            cumulative: Accumulator::default(),
            window: anchor.map(|a| (Ring::new(a), Ring::new(a))),
            poisoned: false,
        })
    }

    /// Feeds the next bar; `None` while there is no volume in the window. A non-finite input
    /// makes this and every later result `None`.
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> Option<VwapValue> {
        let finite = high.is_finite() && low.is_finite() && close.is_finite() && volume.is_finite();
        if self.poisoned || !finite {
            self.poisoned = true;
            return None;
        }
        let tp = typical(high, low, close);
        match &mut self.window {
            None => {
                self.cumulative.add(tp, volume);
                self.cumulative.value(self.multiplier)
            }
            Some((prices, volumes)) => {
                prices.push(tp);
                volumes.push(volume);
                let mut acc = Accumulator::default();
                for (p, v) in prices.iter().zip(volumes.iter()) {
                    acc.add(p, v);
                }
                acc.value(self.multiplier)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_the_typical_price_by_volume() {
        let (h, l, c) = ([12.0, 24.0], [6.0, 12.0], [9.0, 18.0]);
        let b = vwap_bands(&h, &l, &c, &[1.0, 3.0], None, 1.0).unwrap();
        // Typical prices 9 and 18; VWAP (9 + 54) / 4 = 15.75.
        assert_eq!(b.vwap, vec![Some(9.0), Some(15.75)]);
        // σ² = ((9 - 15.75)² + (18 - 15.75)²) / 2 = 25.3125.
        let sd = 25.3125f64.sqrt();
        assert_eq!(b.upper[0], Some(9.0));
        assert!((b.upper[1].unwrap() - (15.75 + sd)).abs() < 1e-12);
        assert!((b.lower[1].unwrap() - (15.75 - sd)).abs() < 1e-12);
    }

    #[test]
    fn no_volume_yet_means_no_value() {
        let p = [5.0, 6.0, 7.0];
        let v = vwap(&p, &p, &p, &[0.0, 0.0, 2.0], None).unwrap();
        assert_eq!(v, vec![None, None, Some(7.0)]);
    }

    #[test]
    fn an_anchor_starts_at_the_last_bars() {
        let p = [1.0, 2.0, 3.0, 4.0, 5.0];
        let v = vwap(&p, &p, &p, &[1.0; 5], Some(2)).unwrap();
        assert_eq!(v, vec![None, None, None, Some(4.0), Some(4.5)]);
        assert_eq!(
            vwap(&p, &p, &p, &[1.0; 5], Some(9)).unwrap(),
            vwap(&p, &p, &p, &[1.0; 5], None).unwrap()
        );
    }

    #[test]
    fn invalid_empty_mismatched_and_nan_inputs() {
        let p = [1.0; 4];
        assert!(vwap(&p, &p, &p, &p, Some(0)).is_err());
        assert!(vwap_bands(&p, &p, &p, &p, None, -1.0).is_err());
        assert!(Vwap::new(Some(0), 1.0).is_err());
        assert!(vwap(&p, &p, &p, &p[..2], None).is_err());
        assert!(vwap(&[], &[], &[], &[], None).unwrap().is_empty());
        let mut c = p;
        c[2] = f64::NAN;
        assert_eq!(
            vwap(&p, &p, &c, &p, None).unwrap(),
            vec![Some(1.0), Some(1.0), None, None]
        );
    }

    #[test]
    fn incremental_gives_the_last_batch_value() {
        let c: Vec<f64> = (0..120)
            .map(|i| (f64::from(i) * 0.3).sin() * 2.0 + 30.0)
            .collect();
        let h: Vec<f64> = c.iter().map(|x| x + 0.4).collect();
        let l: Vec<f64> = c.iter().map(|x| x - 0.7).collect();
        let v: Vec<f64> = (0..120).map(|i| f64::from(i % 9)).collect();
        for anchor in [None, Some(1), Some(7), Some(50)] {
            let mut inc = Vwap::new(anchor, 1.5).unwrap();
            for i in 0..c.len() {
                let got = inc.update(h[i], l[i], c[i], v[i]);
                let end = i + 1;
                let batch =
                    vwap_bands(&h[..end], &l[..end], &c[..end], &v[..end], anchor, 1.5).unwrap();
                assert_eq!(got.map(|x| x.vwap), batch.vwap[i], "{anchor:?} at {i}");
                assert_eq!(got.map(|x| x.upper), batch.upper[i]);
                assert_eq!(got.map(|x| x.lower), batch.lower[i]);
            }
        }
    }
}
