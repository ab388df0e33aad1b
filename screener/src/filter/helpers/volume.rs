//! VWAP and its bands, the Positive Volume Index and high-volume nodes with their queries.

use rquickjs::{Array, Object, Value};

use super::call::{number, Call};
use crate::indicators::{high_volume_nodes, latest, pvi, vwap, vwap_bands, HvnOptions, VolumeNode};

type R<'js> = rquickjs::Result<Value<'js>>;

/// The optional anchor (bars counted back from the last) at `index`.
fn anchor(c: &Call<'_>, index: usize) -> rquickjs::Result<Option<usize>> {
    match c.value(index) {
        None => Ok(None),
        Some(_) => c.period(index, 1).map(Some),
    }
}

fn anchor_key(anchor: Option<usize>) -> f64 {
    anchor.map_or(-1.0, |a| a as f64)
}

/// `calculateVWAP(klines)`: VWAP of typical price over all bars passed; 0 when volume is 0.
pub fn calculate_vwap<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let col = &k.columns;
    c.cached(&k, &[], || {
        let s = vwap(&col.high, &col.low, &col.close, &col.volume, None)
            .map_err(|e| c.range_error(e))?;
        c.maybe(Some(s.last().copied().flatten().unwrap_or(0.0)))
    })
}

/// `calculateVWAPSeries(klines, anchor?)`: cumulative from the start, or over the last `anchor` bars.
pub fn calculate_vwap_series<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let a = anchor(c, 1)?;
    let col = &k.columns;
    c.cached(&k, &[anchor_key(a)], || {
        c.series(
            &vwap(&col.high, &col.low, &col.close, &col.volume, a).map_err(|e| c.range_error(e))?,
        )
    })
}

/// `getLatestVWAP(klines, anchor?)`.
pub fn get_latest_vwap<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let a = anchor(c, 1)?;
    let col = &k.columns;
    c.cached(&k, &[anchor_key(a)], || {
        c.maybe(latest(
            &vwap(&col.high, &col.low, &col.close, &col.volume, a).map_err(|e| c.range_error(e))?,
        ))
    })
}

fn bands<'js>(c: &Call<'js>, latest_only: bool) -> R<'js> {
    let k = c.klines(0)?;
    let a = anchor(c, 1)?;
    let mult = c.real(2, 1.0)?;
    let col = &k.columns;
    c.cached(&k, &[anchor_key(a), mult], || {
        let b = vwap_bands(&col.high, &col.low, &col.close, &col.volume, a, mult)
            .map_err(|e| c.range_error(e))?;
        if latest_only {
            let at = (0..b.vwap.len()).rev().find(|&i| b.vwap[i].is_some());
            return match at {
                Some(i) => c.object(vec![
                    ("vwap", c.maybe(b.vwap[i])?),
                    ("upperBand", c.maybe(b.upper[i])?),
                    ("lowerBand", c.maybe(b.lower[i])?),
                ]),
                None => Ok(c.null()),
            };
        }
        c.named_series(&[
            ("vwap", &b.vwap),
            ("upperBand", &b.upper),
            ("lowerBand", &b.lower),
        ])
    })
}

/// `calculateVWAPBands(klines, anchor?, mult=1)`: `{vwap, upperBand, lowerBand}` series.
pub fn calculate_vwap_bands<'js>(c: &Call<'js>) -> R<'js> {
    bands(c, false)
}

/// `getLatestVWAPBands(klines, anchor?, mult=1)`.
pub fn get_latest_vwap_bands<'js>(c: &Call<'js>) -> R<'js> {
    bands(c, true)
}

/// `calculatePVISeries(klines, initial=1000)`.
pub fn calculate_pvi_series<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let initial = c.real(1, 1000.0)?;
    c.cached(&k, &[initial], || {
        c.series(&pvi(&k.columns.close, &k.columns.volume, initial).map_err(|e| c.range_error(e))?)
    })
}

/// `getLatestPVI(klines, initial=1000)`.
pub fn get_latest_pvi<'js>(c: &Call<'js>) -> R<'js> {
    let k = c.klines(0)?;
    let initial = c.real(1, 1000.0)?;
    c.cached(&k, &[initial], || {
        c.maybe(latest(
            &pvi(&k.columns.close, &k.columns.volume, initial).map_err(|e| c.range_error(e))?,
        ))
    })
}

/// The options object `{bins, threshold, lookback, minStrength, peakTolerance}` (any omitted).
fn hvn_options(c: &Call<'_>, index: usize) -> rquickjs::Result<HvnOptions> {
    let mut o = HvnOptions::default();
    if let Some(obj) = c.options(index) {
        let get = |name: &str| -> rquickjs::Result<Option<f64>> {
            let v: Value = obj.get(name)?;
            Ok((!v.is_undefined() && !v.is_null()).then(|| number(&v)))
        };
        let whole = |v: f64| (v.is_finite() && v >= 1.0 && v.fract() == 0.0).then_some(v as usize);
        if let Some(v) = get("bins")? {
            o.bins = whole(v).ok_or_else(|| c.type_error("bins must be a whole number ≥ 1"))?;
        }
        if let Some(v) = get("lookback")? {
            o.lookback =
                whole(v).ok_or_else(|| c.type_error("lookback must be a whole number ≥ 1"))?;
        }
        if let Some(v) = get("threshold")? {
            o.threshold = v;
        }
        if let Some(v) = get("minStrength")? {
            o.min_strength = v;
        }
        if let Some(v) = get("peakTolerance")? {
            o.peak_tolerance = v;
        }
    }
    Ok(o)
}

/// Nodes as JS objects.
pub fn nodes_to_js<'js>(c: &Call<'js>, nodes: &[VolumeNode]) -> R<'js> {
    let array = Array::new(c.ctx.clone())?;
    for (i, n) in nodes.iter().enumerate() {
        let range = Array::new(c.ctx.clone())?;
        range.set(0, n.price_range[0])?;
        range.set(1, n.price_range[1])?;
        let range = range.into_value();
        let node = c.object(vec![
            ("price", c.maybe(Some(n.price))?),
            ("volume", c.maybe(Some(n.volume))?),
            ("buyVolume", c.maybe(Some(n.buy_volume))?),
            ("sellVolume", c.maybe(Some(n.sell_volume))?),
            ("strength", c.maybe(Some(n.strength))?),
            ("priceRange", range),
        ])?;
        array.set(i, node)?;
    }
    Ok(array.into_value())
}

/// `calculateHighVolumeNodes(klines, options?)`: `VolumeNode[]` sorted by strength.
pub fn calculate_high_volume_nodes<'js>(c: &Call<'js>) -> R<'js> {
    let options = hvn_options(c, 1)?;
    nodes_of(c, options)
}

/// The `hvnNodes` argument: nodes of the klines at argument 0 with the defaults and a
/// lookback of 100 bars, as the original computed them; cached like a helper result.
pub fn default_nodes<'js>(c: &Call<'js>) -> R<'js> {
    nodes_of(
        c,
        HvnOptions {
            lookback: 100,
            ..HvnOptions::default()
        },
    )
}

/// Nodes of the klines at argument 0, cached per options.
fn nodes_of<'js>(c: &Call<'js>, o: HvnOptions) -> R<'js> {
    let k = c.klines(0)?;
    let col = &k.columns;
    let key = [
        o.bins as f64,
        o.threshold,
        o.lookback as f64,
        o.min_strength,
        o.peak_tolerance,
    ];
    c.cached(&k, &key, || {
        let buy = Some(col.taker_buy.as_slice());
        let nodes = high_volume_nodes(
            &col.open,
            &col.high,
            &col.low,
            &col.close,
            &col.volume,
            buy,
            &o,
        )
        .map_err(|e| c.range_error(e))?;
        nodes_to_js(c, &nodes)
    })
}

/// Reads `nodes` as `(price, node object)` pairs, skipping malformed entries.
fn read_nodes<'js>(c: &Call<'js>, index: usize) -> rquickjs::Result<Vec<(f64, Object<'js>)>> {
    let Some(array) = c.value(index).and_then(|v| v.as_array()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in array.iter::<Value>() {
        if let Some(node) = item?.as_object() {
            let price = number(&node.get::<_, Value>("price")?);
            if price.is_finite() {
                out.push((price, node.clone()));
            }
        }
    }
    Ok(out)
}

/// `isNearHVN(price, nodes, tolerancePct=0.5)`.
pub fn is_near_hvn<'js>(c: &Call<'js>) -> R<'js> {
    let price = c.real(0, f64::NAN)?;
    let tolerance = c.real(2, 0.5)?;
    let near = read_nodes(c, 1)?
        .iter()
        .any(|(p, _)| (price - p).abs() / p.abs() * 100.0 <= tolerance);
    Ok(Value::new_bool(c.ctx.clone(), near))
}

/// `getClosestHVN(price, nodes, direction='both'|'above'|'below')`.
pub fn get_closest_hvn<'js>(c: &Call<'js>) -> R<'js> {
    let price = c.real(0, f64::NAN)?;
    let direction = c.text(2).unwrap_or_else(|| "both".into());
    let closest = read_nodes(c, 1)?
        .into_iter()
        .filter(|(p, _)| match direction.as_str() {
            "above" => *p > price,
            "below" => *p < price,
            _ => true,
        })
        .min_by(|a, b| (a.0 - price).abs().total_cmp(&(b.0 - price).abs()));
    Ok(closest.map_or_else(|| c.null(), |(_, node)| node.into_value()))
}

/// `countHVNInRange(lo, hi, nodes)`.
pub fn count_hvn_in_range<'js>(c: &Call<'js>) -> R<'js> {
    let (lo, hi) = (c.real(0, f64::NAN)?, c.real(1, f64::NAN)?);
    let n = read_nodes(c, 2)?
        .iter()
        .filter(|(p, _)| *p >= lo && *p <= hi)
        .count();
    Ok(Value::new_number(c.ctx.clone(), n as f64))
}

/// `clearHVNCache(key?)`: node results are cached per candle close and dropped with it, so
/// there is nothing for a filter to clear; kept for traders written for the original.
pub fn clear_hvn_cache<'js>(c: &Call<'js>) -> R<'js> {
    Ok(Value::new_undefined(c.ctx.clone()))
}
