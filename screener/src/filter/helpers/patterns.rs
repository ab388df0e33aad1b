//! Extremes, the engulfing pattern and regular divergences.

use rquickjs::Value;

use super::call::Call;
use crate::indicators::{highest, lowest, rsi, Series};

type R<'js> = rquickjs::Result<Value<'js>>;

/// `getHighestHigh(klines, period)`: max high of the last `period` bars, or null.
pub fn get_highest_high<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(
            highest(&k.columns.high, period)
                .map_err(|e| c.range_error(e))?
                .last()
                .copied()
                .flatten(),
        )
    })
}

/// `getLowestLow(klines, period)`: min low of the last `period` bars, or null.
pub fn get_lowest_low<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(
            lowest(&k.columns.low, period)
                .map_err(|e| c.range_error(e))?
                .last()
                .copied()
                .flatten(),
        )
    })
}

/// `detectEngulfingPattern(klines)`: `'bullish' | 'bearish' | null` on the last two (closed) bars.
pub fn detect_engulfing_pattern<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let col = &k.columns;
    let n = col.len();
    if n < 2 {
        return Ok(c.null());
    }
    let (po, pc, o, cl) = (
        col.open[n - 2],
        col.close[n - 2],
        col.open[n - 1],
        col.close[n - 1],
    );
    let found = engulfing(po, pc, o, cl);
    match found {
        Some(kind) => c.string(kind),
        None => Ok(c.null()),
    }
}

/// The original's rule on (previous open, previous close, open, close).
pub fn engulfing(po: f64, pc: f64, o: f64, c: f64) -> Option<&'static str> {
    if pc < po && c > o && o < pc && c > po {
        Some("bullish")
    } else if pc > po && c < o && o > pc && c < po {
        Some("bearish")
    } else {
        None
    }
}

/// Regular divergence of `s1` (price) against `s2` (oscillator) over the last `lookback`
/// bars: a newer 3-point valley of `s1` lower than an older one at least `min_sep` bars away
/// while `s2` is higher there is bullish (checked first); the mirror on peaks is bearish.
pub fn divergence(
    s1: &[f64],
    s2: &Series,
    lookback: usize,
    min_sep: usize,
) -> Option<&'static str> {
    let n = s1.len().min(s2.len());
    if n < lookback.max(2 * min_sep + 2) {
        return None;
    }
    let start = n - lookback.min(n);
    let turns = |valley: bool| -> Vec<usize> {
        (start.max(1)..n - 1)
            .filter(|&i| {
                let (a, b, c) = (s1[i - 1], s1[i], s1[i + 1]);
                if valley {
                    b < a && b < c
                } else {
                    b > a && b > c
                }
            })
            .filter(|&i| s2[i].is_some())
            .collect()
    };
    let diverges = |points: &[usize], bullish: bool| {
        points.iter().enumerate().any(|(x, &older)| {
            points[x + 1..].iter().any(|&newer| {
                let (Some(o2), Some(n2)) = (s2[older], s2[newer]) else {
                    return false;
                };
                newer - older >= min_sep
                    && if bullish {
                        s1[newer] < s1[older] && n2 > o2
                    } else {
                        s1[newer] > s1[older] && n2 < o2
                    }
            })
        })
    };
    if diverges(&turns(true), true) {
        Some("bullish_regular")
    } else if diverges(&turns(false), false) {
        Some("bearish_regular")
    } else {
        None
    }
}

fn divergence_value<'js>(c: &Call<'js>, found: Option<&'static str>) -> R<'js> {
    match found {
        Some(kind) => c.string(kind),
        None => Ok(c.null()),
    }
}

/// `detectGenericDivergence(s1, s2, lookback=30, minSep=5)`.
pub fn detect_generic_divergence<'js>(c: &Call<'js>) -> R<'js> {
    let s1 = c.numbers(0)?;
    let s2: Series = c
        .numbers(1)?
        .into_iter()
        .map(|v| v.is_finite().then_some(v))
        .collect();
    let (lookback, min_sep) = (c.period(2, 30)?, c.period(3, 5)?);
    divergence_value(c, divergence(&s1, &s2, lookback, min_sep))
}

/// `detectRSIDivergence(klines, rsiPeriod=14, lookback=30, minSep=5)`: closes against RSI.
pub fn detect_rsi_divergence<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let (period, lookback, min_sep) = (c.period(1, 14)?, c.period(2, 30)?, c.period(3, 5)?);
    c.cached(
        &k,
        &[period as f64, lookback as f64, min_sep as f64],
        || {
            let r = rsi(&k.columns.close, period).map_err(|e| c.range_error(e))?;
            divergence_value(c, divergence(&k.columns.close, &r, lookback, min_sep))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engulfing_follows_the_original_rule() {
        assert_eq!(engulfing(10.0, 9.0, 8.5, 10.5), Some("bullish"));
        assert_eq!(engulfing(9.0, 10.0, 10.5, 8.5), Some("bearish"));
        assert_eq!(
            engulfing(10.0, 9.0, 9.5, 10.5),
            None,
            "opens above the prior close"
        );
        assert_eq!(engulfing(9.0, 10.0, 9.5, 10.5), None, "both green");
    }

    #[test]
    fn divergence_finds_lower_price_valley_with_higher_oscillator() {
        // Price valleys at 5 (10.0) and 15 (9.0); oscillator there 20 then 30.
        let mut price = vec![12.0; 30];
        let mut osc: Series = vec![Some(50.0); 30];
        price[5] = 10.0;
        osc[5] = Some(20.0);
        price[15] = 9.0;
        osc[15] = Some(30.0);
        assert_eq!(divergence(&price, &osc, 30, 5), Some("bullish_regular"));
        osc[15] = Some(10.0);
        assert_eq!(divergence(&price, &osc, 30, 5), None);
        assert_eq!(divergence(&price, &osc, 30, 11), None, "too close together");
        assert_eq!(
            divergence(&price[..10], &osc[..10].to_vec(), 30, 5),
            None,
            "too short"
        );
    }
}
