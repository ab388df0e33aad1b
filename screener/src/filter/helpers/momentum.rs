//! RSI, Stochastic, StochRSI, ATR, ADX and OBV.

use rquickjs::Value;

use super::call::Call;
use crate::indicators::{adx, atr, latest, obv, rsi, stoch_rsi, stochastic, Series};

type R<'js> = rquickjs::Result<Value<'js>>;

fn rsi_of<'js>(c: &Call<'js>, closes: &[f64], period: usize) -> rquickjs::Result<Series> {
    rsi(closes, period).map_err(|e| c.range_error(e))
}

/// `calculateRSI(klines, 14)`: the series, or null when there are fewer than period+1 bars.
pub fn calculate_rsi<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || {
        if k.columns.len() < period + 1 {
            return Ok(c.null());
        }
        c.series(&rsi_of(c, &k.columns.close, period)?)
    })
}

/// `getLatestRSI(klines, 14)`.
pub fn get_latest_rsi<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(latest(&rsi_of(c, &k.columns.close, period)?))
    })
}

fn stoch_rsi_params(c: &Call<'_>) -> rquickjs::Result<[usize; 4]> {
    Ok([
        c.period(1, 14)?,
        c.period(2, 14)?,
        c.period(3, 3)?,
        c.period(4, 3)?,
    ])
}

/// `calculateStochRSI(klines, 14, 14, 3, 3)`: an array of `{k, d}` (null where not computable).
pub fn calculate_stoch_rsi<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let p = stoch_rsi_params(c)?;
    c.cached(&k, &p.map(|x| x as f64), || {
        let s =
            stoch_rsi(&k.columns.close, p[0], p[1], p[2], p[3]).map_err(|e| c.range_error(e))?;
        let array = rquickjs::Array::new(c.ctx.clone())?;
        for i in 0..s.k.len() {
            let item = match (s.k[i], s.d[i]) {
                (Some(kv), Some(dv)) => {
                    c.object(vec![("k", c.maybe(Some(kv))?), ("d", c.maybe(Some(dv))?)])?
                }
                _ => c.null(),
            };
            array.set(i, item)?;
        }
        Ok(array.into_value())
    })
}

/// `getLatestStochRSI(klines, 14, 14, 3, 3)`: the last `{k, d}`, or null.
pub fn get_latest_stoch_rsi<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let p = stoch_rsi_params(c)?;
    c.cached(&k, &p.map(|x| x as f64), || {
        let s =
            stoch_rsi(&k.columns.close, p[0], p[1], p[2], p[3]).map_err(|e| c.range_error(e))?;
        let at = (0..s.k.len())
            .rev()
            .find(|&i| s.k[i].is_some() && s.d[i].is_some());
        match at {
            Some(i) => c.object(vec![("k", c.maybe(s.k[i])?), ("d", c.maybe(s.d[i])?)]),
            None => Ok(c.null()),
        }
    })
}

/// `calculateStochastic(klines, kPeriod=14, dPeriod=3, smooth=3)`: `{k, d}` last values, real %D.
pub fn calculate_stochastic<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let (kp, dp, smooth) = (c.period(1, 14)?, c.period(2, 3)?, c.period(3, 3)?);
    c.cached(&k, &[kp as f64, dp as f64, smooth as f64], || {
        let s = stochastic(
            &k.columns.high,
            &k.columns.low,
            &k.columns.close,
            kp,
            smooth,
            dp,
        )
        .map_err(|e| c.range_error(e))?;
        match (s.k.last().copied().flatten(), s.d.last().copied().flatten()) {
            (Some(kv), Some(dv)) => {
                c.object(vec![("k", c.maybe(Some(kv))?), ("d", c.maybe(Some(dv))?)])
            }
            _ => Ok(c.null()),
        }
    })
}

fn atr_of<'js>(c: &Call<'js>, k: &super::call::Klines, period: usize) -> rquickjs::Result<Series> {
    atr(&k.columns.high, &k.columns.low, &k.columns.close, period).map_err(|e| c.range_error(e))
}

/// `calculateATR(klines, 14)`: Wilder ATR series.
pub fn calculate_atr<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || c.series(&atr_of(c, &k, period)?))
}

/// `getLatestATR(klines, 14)`.
pub fn get_latest_atr<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(latest(&atr_of(c, &k, period)?))
    })
}

fn adx_of<'js>(
    c: &Call<'js>,
    k: &super::call::Klines,
    period: usize,
) -> rquickjs::Result<crate::indicators::Adx> {
    adx(&k.columns.high, &k.columns.low, &k.columns.close, period).map_err(|e| c.range_error(e))
}

/// `calculateADX(klines, 14)`: the real ADX (last value, 0–100), or null.
pub fn calculate_adx<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(adx_of(c, &k, period)?.adx.last().copied().flatten())
    })
}

/// `calculateADXSeries(klines, 14)`: `{adx, plusDI, minusDI}` series.
pub fn calculate_adx_series<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 14)?;
    c.cached(&k, &[period as f64], || {
        let a = adx_of(c, &k, period)?;
        c.named_series(&[
            ("adx", &a.adx),
            ("plusDI", &a.plus_di),
            ("minusDI", &a.minus_di),
        ])
    })
}

/// `calculateOBV(klines)`: On-Balance Volume series.
pub fn calculate_obv<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    c.cached(&k, &[], || {
        c.series(&obv(&k.columns.close, &k.columns.volume).map_err(|e| c.range_error(e))?)
    })
}
