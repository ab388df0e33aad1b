//! Wilder's directional movement: +DI, −DI (TA-Lib `PLUS_DI`, `MINUS_DI`) and ADX (TA-Lib
//! `ADX`), computed together in one pass.
//!
//! TA-Lib's definitions, replicated:
//! - +DM1 is `high - previous high` when that is positive and larger than
//!   `previous low - low` (−DM1 the mirror); equal moves give neither.
//! - The DM and true-range sums start as plain sums of the first `period - 1` bars, and are
//!   then smoothed Wilder style (`s - s / period + x`, as `s - s * (1 / period) + x`) from
//!   bar `period` on — so the first DI is at index `period`, and it has already been
//!   smoothed once.
//! - DI = `100 * DM / TR`, and 0 when the true-range sum is exactly 0 (flat bars).
//! - DX = `100 * |−DI − +DI| / (−DI + +DI)`, skipped (no update) while the true-range sum is
//!   0 or the DI sum is within TA-Lib's fixed zero band (±1e-14; DI are scale-free).
//! - ADX: the mean of the DX of bars `period ..= 2 * period - 1` (first value at index
//!   `2 * period - 1`), then `adx - (adx - dx) / period`.
//!
//! TA-Lib 0.8 fuses some of these multiply-adds; values agree to ~1e-15 relative.

use super::atr::range;
use super::error::{check_lengths, check_period, Result};
use super::series::{fill_none, finite_len_all, layout, Series};

/// The ADX, +DI and −DI series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adx {
    pub adx: Series,
    pub plus_di: Series,
    pub minus_di: Series,
}

/// One bar's directional values; `adx` starts `period - 1` bars after the DI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdxValue {
    pub plus_di: f64,
    pub minus_di: f64,
    pub adx: Option<f64>,
}

/// TA-Lib's fixed zero band (`TA_IS_ZERO`), used on the DI sum.
fn is_zero(v: f64) -> bool {
    -super::TA_EPSILON < v && v < super::TA_EPSILON
}

/// Wilder's smoothed directional movement and true range, bar by bar.
#[derive(Debug, Clone)]
struct Movement {
    inv: f64,
    high: f64,
    low: f64,
    close: f64,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
}

/// One bar's smoothed values.
#[derive(Debug, Clone, Copy)]
struct Directional {
    plus_di: f64,
    minus_di: f64,
    /// `None` when TA-Lib skips the bar (no range, or no directional movement).
    dx: Option<f64>,
}

impl Movement {
    /// The state after bar 0.
    fn new(period: usize, high: f64, low: f64, close: f64) -> Self {
        Self {
            inv: 1.0 / period as f64,
            high,
            low,
            close,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
        }
    }

    /// +DM1, −DM1 and true range of the next bar, which becomes the previous one.
    #[inline(always)]
    fn bar(&mut self, high: f64, low: f64, close: f64) -> (f64, f64, f64) {
        let up = high - self.high;
        let down = self.low - low;
        let tr = range(high, low, self.close);
        self.high = high;
        self.low = low;
        self.close = close;
        let plus = if up > 0.0 && up > down { up } else { 0.0 };
        let minus = if down > 0.0 && down > up { down } else { 0.0 };
        (plus, minus, tr)
    }

    /// Bars `1 ..= period - 1`: plain sums.
    #[inline(always)]
    fn accumulate(&mut self, high: f64, low: f64, close: f64) {
        let (plus, minus, tr) = self.bar(high, low, close);
        self.plus_dm += plus;
        self.minus_dm += minus;
        self.tr += tr;
    }

    /// Bars from `period` on: Wilder smoothing, then DI and DX.
    #[inline(always)]
    fn smooth(&mut self, high: f64, low: f64, close: f64) -> Directional {
        let (plus, minus, tr) = self.bar(high, low, close);
        self.minus_dm -= self.minus_dm * self.inv;
        self.plus_dm -= self.plus_dm * self.inv;
        self.minus_dm += minus;
        self.plus_dm += plus;
        self.tr = self.tr - self.tr * self.inv + tr;
        if self.tr > 0.0 {
            let plus_di = 100.0 * (self.plus_dm / self.tr);
            let minus_di = 100.0 * (self.minus_dm / self.tr);
            let sum = minus_di + plus_di;
            let dx = (!is_zero(sum)).then(|| 100.0 * ((minus_di - plus_di).abs() / sum));
            Directional {
                plus_di,
                minus_di,
                dx,
            }
        } else {
            Directional {
                plus_di: 0.0,
                minus_di: 0.0,
                dx: None,
            }
        }
    }
}

/// One ADX step after its seed: unchanged when the bar has no DX.
#[inline(always)]
fn next_adx(adx: f64, dx: Option<f64>, inv: f64) -> f64 {
    match dx {
        Some(dx) => adx - (adx - dx) * inv,
        None => adx,
    }
}

/// ADX, +DI and −DI over `period` (>= 2): DI from index `period`, ADX from `2 * period - 1`.
pub fn adx(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Result<Adx> {
    let mut out = Adx::default();
    adx_into(high, low, close, period, &mut out)?;
    Ok(out)
}

/// [`adx`] into `out`, reusing its allocations (`out` is untouched on error).
pub fn adx_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    out: &mut Adx,
) -> Result<()> {
    check_period("period", period, 2)?;
    let len = check_lengths(&[("high", high), ("low", low), ("close", close)])?;
    let valid = finite_len_all(&[high, low, close]);
    let Adx {
        adx: out_adx,
        plus_di: out_plus,
        minus_di: out_minus,
    } = out;
    if valid <= period {
        for s in [out_adx, out_plus, out_minus] {
            fill_none(s, len);
        }
        return Ok(());
    }
    let out_adx = layout(out_adx, len, 2 * period - 1, valid);
    let out_plus = layout(out_plus, len, period, valid);
    let out_minus = layout(out_minus, len, period, valid);
    let (high, low, close) = (&high[..valid], &low[..valid], &close[..valid]);
    let mut m = Movement::new(period, high[0], low[0], close[0]);
    for i in 1..period {
        m.accumulate(high[i], low[i], close[i]);
    }
    // Bars `period ..= 2 * period - 1`: DI, and the DX that seed the ADX.
    let seeding = period.min(valid - period);
    let mut dx_sum = 0.0;
    for j in 0..seeding {
        let i = period + j;
        let d = m.smooth(high[i], low[i], close[i]);
        out_plus[j] = Some(d.plus_di);
        out_minus[j] = Some(d.minus_di);
        dx_sum += d.dx.unwrap_or(0.0);
    }
    let Some((first_adx, rest_adx)) = out_adx.split_first_mut() else {
        return Ok(());
    };
    let mut adx = dx_sum / period as f64;
    *first_adx = Some(adx);
    let bars = high[2 * period..]
        .iter()
        .zip(&low[2 * period..])
        .zip(&close[2 * period..]);
    let slots = out_plus[period..]
        .iter_mut()
        .zip(&mut out_minus[period..])
        .zip(rest_adx);
    for (((p, mi), a), ((&h, &l), &c)) in slots.zip(bars) {
        let d = m.smooth(h, l, c);
        adx = next_adx(adx, d.dx, m.inv);
        *p = Some(d.plus_di);
        *mi = Some(d.minus_di);
        *a = Some(adx);
    }
    Ok(())
}

/// Incremental ADX/DI: one `update` per new bar, same results as [`adx`].
#[derive(Debug, Clone)]
pub struct AdxState {
    period: usize,
    seen: usize,
    movement: Option<Movement>,
    dx_sum: f64,
    adx: f64,
    poisoned: bool,
}

impl AdxState {
    /// A fresh state for `period` (>= 2).
    pub fn new(period: usize) -> Result<Self> {
        check_period("period", period, 2)?;
        Ok(Self {
            period,
            seen: 0,
            movement: None,
            dx_sum: 0.0,
            adx: 0.0,
            poisoned: false,
        })
    }

    /// Feeds the next bar; returns the DI from bar `period` on (and the ADX from bar
    /// `2 * period - 1`). A non-finite input makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Option<AdxValue> {
        if self.poisoned || !(high.is_finite() && low.is_finite() && close.is_finite()) {
            self.poisoned = true;
            return None;
        }
        let index = self.seen;
        self.seen += 1;
        let Some(m) = &mut self.movement else {
            self.movement = Some(Movement::new(self.period, high, low, close));
            return None;
        };
        if index < self.period {
            m.accumulate(high, low, close);
            return None;
        }
        let d = m.smooth(high, low, close);
        let last_seed = 2 * self.period - 1;
        let adx = if index < last_seed {
            self.dx_sum += d.dx.unwrap_or(0.0);
            None
        } else if index == last_seed {
            self.dx_sum += d.dx.unwrap_or(0.0);
            self.adx = self.dx_sum / self.period as f64;
            Some(self.adx)
        } else {
            self.adx = next_adx(self.adx, d.dx, m.inv);
            Some(self.adx)
        };
        Some(AdxValue {
            plus_di: d.plus_di,
            minus_di: d.minus_di,
            adx,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let c: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.13).sin() * 8.0 + 40.0 + i as f64 * 0.05)
            .collect();
        let h = c
            .iter()
            .enumerate()
            .map(|(i, x)| x + 0.5 + (i % 4) as f64 * 0.2)
            .collect();
        let l = c
            .iter()
            .enumerate()
            .map(|(i, x)| x - 0.5 - (i % 3) as f64 * 0.3)
            .collect();
        (h, l, c)
    }

    #[test]
    fn lookbacks_follow_ta_lib() {
        let (h, l, c) = bars(60);
        let a = adx(&h, &l, &c, 14).unwrap();
        assert_eq!(a.plus_di.iter().position(Option::is_some), Some(14));
        assert_eq!(a.minus_di.iter().position(Option::is_some), Some(14));
        assert_eq!(a.adx.iter().position(Option::is_some), Some(27));
        assert!(a.adx.iter().flatten().all(|v| (0.0..=100.0).contains(v)));
    }

    #[test]
    fn a_steady_rise_is_all_plus_movement() {
        let c: Vec<f64> = (0..40).map(f64::from).collect();
        let h: Vec<f64> = c.iter().map(|x| x + 0.5).collect();
        let l: Vec<f64> = c.iter().map(|x| x - 0.5).collect();
        let a = adx(&h, &l, &c, 5).unwrap();
        assert!(a.minus_di.iter().flatten().all(|v| *v == 0.0));
        assert!(a.plus_di.iter().flatten().all(|v| *v > 0.0));
        // DX is 100 on every bar, so the ADX is 100 (to rounding).
        assert!(a.adx.iter().flatten().all(|v| (v - 100.0).abs() < 1e-9));
    }

    #[test]
    fn flat_bars_and_equal_moves_give_zero() {
        let v = [3.0; 40];
        let a = adx(&v, &v, &v, 14).unwrap();
        assert!(a.adx.iter().chain(&a.plus_di).flatten().all(|x| *x == 0.0));
        // Outside bars: high and low move out by the same amount, neither DM counts.
        let h: Vec<f64> = (0..40).map(|i| 10.0 + f64::from(i)).collect();
        let l: Vec<f64> = (0..40).map(|i| 10.0 - f64::from(i)).collect();
        let a = adx(&h, &l, &[10.0; 40], 5).unwrap();
        assert!(a
            .plus_di
            .iter()
            .chain(&a.minus_di)
            .chain(&a.adx)
            .flatten()
            .all(|x| *x == 0.0));
    }

    #[test]
    fn invalid_short_mismatched_and_nan_inputs() {
        let v = [1.0; 10];
        assert!(adx(&v, &v, &v, 1).is_err());
        assert!(AdxState::new(1).is_err());
        assert!(adx(&v, &v, &v[..9], 2).is_err());
        assert!(adx(&v, &v, &v, 10)
            .unwrap()
            .plus_di
            .iter()
            .all(Option::is_none));
        let (mut h, l, c) = bars(60);
        h[30] = f64::NAN;
        let a = adx(&h, &l, &c, 5).unwrap();
        assert!(a.adx[29].is_some() && a.adx[30..].iter().all(Option::is_none));
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let (h, l, c) = bars(400);
        for period in [2, 5, 14] {
            let batch = adx(&h, &l, &c, period).unwrap();
            let mut inc = AdxState::new(period).unwrap();
            for i in 0..c.len() {
                let got = inc.update(h[i], l[i], c[i]);
                assert_eq!(
                    got.map(|v| v.plus_di),
                    batch.plus_di[i],
                    "period {period} at {i}"
                );
                assert_eq!(got.map(|v| v.minus_di), batch.minus_di[i]);
                assert_eq!(got.and_then(|v| v.adx), batch.adx[i]);
            }
        }
    }
}
