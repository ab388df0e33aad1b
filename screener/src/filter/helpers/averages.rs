//! Moving averages, MACD, Bollinger Bands and average volume.

use rquickjs::Value;

use super::call::Call;
use crate::indicators::{bollinger, ema, latest, macd, sma, Series};

type R<'js> = rquickjs::Result<Value<'js>>;

fn last(series: &Series) -> Option<f64> {
    series.last().copied().flatten()
}

/// `calculateMA(klines, period)`: SMA of the last `period` closes, or null.
pub fn calculate_ma<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        let s = sma(&k.columns.close, period).map_err(|e| c.range_error(e))?;
        c.maybe(last(&s))
    })
}

/// `calculateMASeries(klines, period)`.
pub fn calculate_ma_series<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.series(&sma(&k.columns.close, period).map_err(|e| c.range_error(e))?)
    })
}

/// `calculateSMA(values, period)`: mean of the last `period` values, or null if too short.
pub fn calculate_sma<'js>(c: &Call<'js>) -> R<'js> {
    let values = c.numbers(0)?;
    let period = c.period(1, 20)?;
    c.maybe(last(&sma(&values, period).map_err(|e| c.range_error(e))?))
}

/// `calculateEMA(values, period)`: SMA-seeded EMA of a number array (last value), or null.
pub fn calculate_ema<'js>(c: &Call<'js>) -> R<'js> {
    let values = c.numbers(0)?;
    let period = c.period(1, 20)?;
    c.maybe(last(&ema(&values, period).map_err(|e| c.range_error(e))?))
}

/// `calculateEMASeries(klines, period)`.
pub fn calculate_ema_series<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.series(&ema(&k.columns.close, period).map_err(|e| c.range_error(e))?)
    })
}

/// `getLatestEMA(klines, period)`.
pub fn get_latest_ema<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(latest(
            &ema(&k.columns.close, period).map_err(|e| c.range_error(e))?,
        ))
    })
}

/// `calculateAvgVolume(klines, period)`: mean base volume of the last `period` bars.
pub fn calculate_avg_volume<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let period = c.period(1, 20)?;
    c.cached(&k, &[period as f64], || {
        c.maybe(last(
            &sma(&k.columns.volume, period).map_err(|e| c.range_error(e))?,
        ))
    })
}

fn macd_of<'js>(
    c: &Call<'js>,
    closes: &[f64],
    first: usize,
) -> rquickjs::Result<crate::indicators::Macd> {
    let (fast, slow, signal) = (
        c.period(first, 12)?,
        c.period(first + 1, 26)?,
        c.period(first + 2, 9)?,
    );
    macd(closes, fast, slow, signal).map_err(|e| c.range_error(e))
}

fn macd_params(c: &Call<'_>, first: usize) -> rquickjs::Result<[f64; 3]> {
    Ok([
        c.period(first, 12)? as f64,
        c.period(first + 1, 26)? as f64,
        c.period(first + 2, 9)? as f64,
    ])
}

/// `calculateMACDValues(klines, 12, 26, 9)`: `{macdLine, signalLine, histogram}` series.
pub fn calculate_macd_values<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    c.cached(&k, &macd_params(c, 1)?, || {
        let m = macd_of(c, &k.columns.close, 1)?;
        c.named_series(&[
            ("macdLine", &m.macd),
            ("signalLine", &m.signal),
            ("histogram", &m.histogram),
        ])
    })
}

/// `getLatestMACD(klines, 12, 26, 9)`: `{macd, signal, histogram}` (each may be null).
pub fn get_latest_macd<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    c.cached(&k, &macd_params(c, 1)?, || {
        let m = macd_of(c, &k.columns.close, 1)?;
        c.object(vec![
            ("macd", c.maybe(latest(&m.macd))?),
            ("signal", c.maybe(latest(&m.signal))?),
            ("histogram", c.maybe(latest(&m.histogram))?),
        ])
    })
}

/// `calculateMACD(closes, 12, 26, 9)`: `{MACD, signal, histogram}` last values of a number array.
pub fn calculate_macd<'js>(c: &Call<'js>) -> R<'js> {
    let closes = c.numbers(0)?;
    let m = macd_of(c, &closes, 1)?;
    c.object(vec![
        ("MACD", c.maybe(last(&m.macd))?),
        ("signal", c.maybe(last(&m.signal))?),
        ("histogram", c.maybe(last(&m.histogram))?),
    ])
}

fn bands_params(c: &Call<'_>) -> rquickjs::Result<(usize, f64)> {
    Ok((c.period(1, 20)?, c.real(2, 2.0)?))
}

/// `calculateBollingerBands(klines, 20, 2)`: `{upper, middle, lower}` series.
pub fn calculate_bollinger_bands<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let (period, mult) = bands_params(c)?;
    c.cached(&k, &[period as f64, mult], || {
        let b = bollinger(&k.columns.close, period, mult).map_err(|e| c.range_error(e))?;
        c.named_series(&[
            ("upper", &b.upper),
            ("middle", &b.middle),
            ("lower", &b.lower),
        ])
    })
}

/// `getLatestBollingerBands(klines, 20, 2)`: the last bar where all three bands exist, or null.
pub fn get_latest_bollinger_bands<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let (period, mult) = bands_params(c)?;
    c.cached(&k, &[period as f64, mult], || {
        let b = bollinger(&k.columns.close, period, mult).map_err(|e| c.range_error(e))?;
        let at = (0..b.middle.len())
            .rev()
            .find(|&i| b.upper[i].is_some() && b.middle[i].is_some() && b.lower[i].is_some());
        match at {
            Some(i) => c.object(vec![
                ("upper", c.maybe(b.upper[i])?),
                ("middle", c.maybe(b.middle[i])?),
                ("lower", c.maybe(b.lower[i])?),
            ]),
            None => Ok(c.null()),
        }
    })
}
