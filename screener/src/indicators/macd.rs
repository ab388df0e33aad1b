//! MACD (TA-Lib `MACD`): fast EMA − slow EMA, its signal EMA, and the histogram.
//!
//! TA-Lib's conventions, all replicated:
//! - if `slow < fast` the two periods are swapped;
//! - both price EMAs start at index `slow - 1`: the slow one seeded with the SMA of the first
//!   `slow` values, the fast one with the SMA of the `fast` values *ending at `slow - 1`*
//!   (not at `fast - 1`, as a standalone EMA would);
//! - the signal EMA is seeded with the SMA of the first `signal` MACD values;
//! - all three outputs start together at index `slow - 1 + signal - 1` (33 for 12/26/9);
//! - signal period 1 makes the signal the MACD line itself (histogram 0).
//!
//! The EMA steps are [`super::ema`]'s; values agree with TA-Lib to ~1e-16 of the price
//! level (the lines cross zero, so relative to themselves the agreement is looser there).

use super::ema::{coefficients, step};
use super::error::{check_period, Result};
use super::series::{fill_none, finite_len, layout, Series};

/// The three MACD series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Macd {
    pub macd: Series,
    pub signal: Series,
    pub histogram: Series,
}

/// One MACD output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    pub macd: f64,
    pub signal: f64,
    pub histogram: f64,
}

/// Validated periods, `fast <= slow`.
#[derive(Debug, Clone, Copy)]
struct Periods {
    fast: usize,
    slow: usize,
    signal: usize,
}

impl Periods {
    fn new(fast: usize, slow: usize, signal: usize) -> Result<Self> {
        check_period("fast period", fast, 2)?;
        check_period("slow period", slow, 2)?;
        check_period("signal period", signal, 1)?;
        Ok(Self {
            fast: fast.min(slow),
            slow: fast.max(slow),
            signal,
        })
    }

    fn lookback(&self) -> usize {
        self.slow - 1 + self.signal - 1
    }
}

/// The running EMAs once seeded.
#[derive(Debug, Clone, Copy)]
struct Lines {
    fast: f64,
    slow: f64,
    signal: f64,
    c_fast: (f64, f64),
    c_slow: (f64, f64),
    c_signal: (f64, f64),
    signal_is_macd: bool,
}

impl Lines {
    #[inline(always)]
    fn advance(&mut self, x: f64) -> f64 {
        self.fast = step(self.fast, x, self.c_fast);
        self.slow = step(self.slow, x, self.c_slow);
        self.fast - self.slow
    }

    #[inline(always)]
    fn value(&mut self, x: f64) -> MacdValue {
        let macd = self.advance(x);
        self.signal = if self.signal_is_macd {
            macd
        } else {
            step(self.signal, macd, self.c_signal)
        };
        MacdValue {
            macd,
            signal: self.signal,
            histogram: macd - self.signal,
        }
    }
}

/// MACD of `values`; `fast`, `slow` >= 2, `signal` >= 1.
pub fn macd(values: &[f64], fast: usize, slow: usize, signal: usize) -> Result<Macd> {
    let mut out = Macd::default();
    macd_into(values, fast, slow, signal, &mut out)?;
    Ok(out)
}

/// [`macd`] into `out`, reusing its allocations (`out` is untouched on error).
pub fn macd_into(
    values: &[f64],
    fast: usize,
    slow: usize,
    signal: usize,
    out: &mut Macd,
) -> Result<()> {
    let p = Periods::new(fast, slow, signal)?;
    let len = values.len();
    let valid = finite_len(values);
    let lookback = p.lookback();
    let Macd {
        macd: out_m,
        signal: out_s,
        histogram: out_h,
    } = out;
    if valid <= lookback {
        for s in [out_m, out_s, out_h] {
            fill_none(s, len);
        }
        return Ok(());
    }
    let values = &values[..valid];
    let out_m = layout(out_m, len, lookback, valid);
    let out_s = layout(out_s, len, lookback, valid);
    let out_h = layout(out_h, len, lookback, valid);
    let slow_only = p.slow - p.fast;
    let mut slow_sum = values[..slow_only].iter().fold(0.0, |s, &x| s + x);
    let mut fast_sum = 0.0;
    for &x in &values[slow_only..p.slow] {
        fast_sum += x;
        slow_sum += x;
    }
    let mut lines = Lines {
        fast: fast_sum / p.fast as f64,
        slow: slow_sum / p.slow as f64,
        signal: 0.0,
        c_fast: coefficients(p.fast),
        c_slow: coefficients(p.slow),
        c_signal: coefficients(p.signal),
        signal_is_macd: p.signal == 1,
    };
    let mut macd = lines.fast - lines.slow;
    let mut signal_sum = macd;
    for &x in &values[p.slow..=lookback] {
        macd = lines.advance(x);
        signal_sum += macd;
    }
    lines.signal = signal_sum / p.signal as f64;
    out_m[0] = Some(macd);
    out_s[0] = Some(lines.signal);
    out_h[0] = Some(macd - lines.signal);
    // The same steps as `Lines::value`, on locals the loop keeps in registers.
    let Lines {
        mut fast,
        mut slow,
        mut signal,
        c_fast,
        c_slow,
        c_signal,
        signal_is_macd,
    } = lines;
    let slots = out_m[1..]
        .iter_mut()
        .zip(&mut out_s[1..])
        .zip(&mut out_h[1..]);
    for (((m, s), h), &x) in slots.zip(&values[lookback + 1..]) {
        fast = step(fast, x, c_fast);
        slow = step(slow, x, c_slow);
        let macd = fast - slow;
        signal = if signal_is_macd {
            macd
        } else {
            step(signal, macd, c_signal)
        };
        *m = Some(macd);
        *s = Some(signal);
        *h = Some(macd - signal);
    }
    Ok(())
}

/// Incremental MACD: one `update` per new value, same results as [`macd`].
#[derive(Debug, Clone)]
pub struct MacdState {
    periods: Periods,
    seen: usize,
    fast_sum: f64,
    slow_sum: f64,
    signal_sum: f64,
    lines: Lines,
    poisoned: bool,
}

impl MacdState {
    /// A fresh state; `fast`, `slow` >= 2, `signal` >= 1.
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self> {
        let periods = Periods::new(fast, slow, signal)?;
        Ok(Self {
            periods,
            seen: 0,
            fast_sum: 0.0,
            slow_sum: 0.0,
            signal_sum: 0.0,
            lines: Lines {
                fast: 0.0,
                slow: 0.0,
                signal: 0.0,
                c_fast: coefficients(periods.fast),
                c_slow: coefficients(periods.slow),
                c_signal: coefficients(periods.signal),
                signal_is_macd: periods.signal == 1,
            },
            poisoned: false,
        })
    }

    /// Feeds the next value; returns MACD, signal and histogram from index
    /// `slow - 1 + signal - 1` on. A non-finite value makes this and every later result `None`.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<MacdValue> {
        if self.poisoned || !value.is_finite() {
            self.poisoned = true;
            return None;
        }
        let p = self.periods;
        let index = self.seen;
        self.seen += 1;
        if index > p.lookback() {
            return Some(self.lines.value(value));
        }
        let macd = if index < p.slow {
            if index >= p.slow - p.fast {
                self.fast_sum += value;
            }
            self.slow_sum += value;
            if index + 1 < p.slow {
                return None;
            }
            self.lines.fast = self.fast_sum / p.fast as f64;
            self.lines.slow = self.slow_sum / p.slow as f64;
            self.lines.fast - self.lines.slow
        } else {
            self.lines.advance(value)
        };
        self.signal_sum += macd;
        if index < p.lookback() {
            return None;
        }
        self.lines.signal = self.signal_sum / p.signal as f64;
        Some(MacdValue {
            macd,
            signal: self.lines.signal,
            histogram: macd - self.lines.signal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (i as f64 * 0.2).sin() * 5.0 + 100.0 + i as f64 * 0.01)
            .collect()
    }

    #[test]
    fn starts_at_the_ta_lib_lookback() {
        let m = macd(&wave(60), 12, 26, 9).unwrap();
        for s in [&m.macd, &m.signal, &m.histogram] {
            assert_eq!(s.iter().position(Option::is_some), Some(33));
            assert_eq!(s.len(), 60);
        }
        let short = macd(&wave(33), 12, 26, 9).unwrap();
        assert!(short.macd.iter().all(Option::is_none));
    }

    #[test]
    fn fast_ema_is_seeded_at_the_slow_start() {
        // With signal 1 the first output is at slow - 1 and is the seeds' difference.
        let v = wave(10);
        let m = macd(&v, 2, 4, 1).unwrap();
        let fast_seed = (v[2] + v[3]) / 2.0;
        let slow_seed = (v[0] + v[1] + v[2] + v[3]) / 4.0;
        assert_eq!(m.macd[3], Some(fast_seed - slow_seed));
        assert_eq!(m.signal[3], m.macd[3]);
        assert_eq!(m.histogram[3], Some(0.0));
    }

    #[test]
    fn histogram_is_macd_minus_signal_and_periods_swap() {
        let v = wave(200);
        let m = macd(&v, 12, 26, 9).unwrap();
        for i in 33..200 {
            assert_eq!(
                m.histogram[i],
                Some(m.macd[i].unwrap() - m.signal[i].unwrap())
            );
        }
        assert_eq!(macd(&v, 26, 12, 9).unwrap(), m);
    }

    #[test]
    fn invalid_and_nan_inputs() {
        assert!(macd(&[1.0], 1, 26, 9).is_err());
        assert!(macd(&[1.0], 12, 26, 0).is_err());
        assert!(MacdState::new(12, 0, 9).is_err());
        let mut v = wave(60);
        v[40] = f64::NAN;
        let m = macd(&v, 12, 26, 9).unwrap();
        assert!(m.macd[39].is_some() && m.macd[40..].iter().all(Option::is_none));
        assert!(macd(&[], 12, 26, 9).unwrap().signal.is_empty());
    }

    #[test]
    fn incremental_matches_batch_bit_for_bit() {
        let v = wave(300);
        for (f, s, g) in [(12, 26, 9), (26, 12, 9), (3, 3, 1), (2, 5, 4)] {
            let batch = macd(&v, f, s, g).unwrap();
            let mut inc = MacdState::new(f, s, g).unwrap();
            for (i, &x) in v.iter().enumerate() {
                let got = inc.update(x);
                assert_eq!(got.map(|m| m.macd), batch.macd[i], "{f},{s},{g} at {i}");
                assert_eq!(got.map(|m| m.signal), batch.signal[i]);
                assert_eq!(got.map(|m| m.histogram), batch.histogram[i]);
            }
        }
    }
}
