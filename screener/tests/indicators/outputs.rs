//! Every output of the indicators, as lists of series, for the properties that hold across
//! all of them (scale invariance, prefixes).

use screener::indicators::{self as ind, HvnOptions, Series};

use super::reference::Case;

/// Every price-valued series of a case, in a fixed order.
pub fn price_outputs(c: &Case, scale: f64) -> Vec<Series> {
    let s = |v: &[f64]| v.iter().map(|x| x * scale).collect::<Vec<_>>();
    let (o, h, l, cl) = (s(&c.open), s(&c.high), s(&c.low), s(&c.close));
    let v = &c.volume;
    let m = ind::macd(&cl, 12, 26, 9).unwrap();
    let b = ind::bollinger(&cl, 20, 2.0).unwrap();
    let w = ind::vwap_bands(&h, &l, &cl, v, Some(50), 2.0).unwrap();
    let nodes = ind::high_volume_nodes(&o, &h, &l, &cl, v, None, &HvnOptions::default()).unwrap();
    vec![
        ind::sma(&cl, 20).unwrap(),
        ind::ema(&cl, 20).unwrap(),
        ind::wma(&cl, 20).unwrap(),
        m.macd,
        m.signal,
        m.histogram,
        b.upper,
        b.middle,
        b.lower,
        ind::atr(&h, &l, &cl, 14).unwrap(),
        ind::true_range(&h, &l, &cl).unwrap(),
        w.vwap,
        w.upper,
        w.lower,
        ind::highest(&h, 14).unwrap(),
        nodes.iter().map(|n| Some(n.price)).collect(),
    ]
}

/// Every scale-free series of a case.
pub fn ratio_outputs(c: &Case, scale: f64) -> Vec<Series> {
    let s = |v: &[f64]| v.iter().map(|x| x * scale).collect::<Vec<_>>();
    let (h, l, cl) = (s(&c.high), s(&c.low), s(&c.close));
    let a = ind::adx(&h, &l, &cl, 14).unwrap();
    let st = ind::stochastic(&h, &l, &cl, 14, 3, 3).unwrap();
    let sr = ind::stoch_rsi(&cl, 14, 14, 3, 3).unwrap();
    vec![
        ind::rsi(&cl, 14).unwrap(),
        a.adx,
        a.plus_di,
        a.minus_di,
        st.k,
        st.d,
        sr.k,
        sr.d,
        ind::pvi(&cl, &c.volume, 1000.0).unwrap(),
        ind::obv(&cl, &c.volume).unwrap(),
    ]
}

/// Every causal series of the given bars, in a fixed order.
pub fn causal_outputs(h: &[f64], l: &[f64], c: &[f64], v: &[f64]) -> Vec<Series> {
    let m = ind::macd(c, 12, 26, 9).unwrap();
    let b = ind::bollinger(c, 20, 2.0).unwrap();
    let a = ind::adx(h, l, c, 14).unwrap();
    let st = ind::stochastic(h, l, c, 14, 3, 3).unwrap();
    let sr = ind::stoch_rsi(c, 14, 14, 3, 3).unwrap();
    let w = ind::vwap_bands(h, l, c, v, None, 1.0).unwrap();
    vec![
        ind::sma(c, 20).unwrap(),
        ind::ema(c, 20).unwrap(),
        ind::wma(c, 20).unwrap(),
        ind::rsi(c, 14).unwrap(),
        m.macd,
        m.signal,
        m.histogram,
        b.upper,
        b.middle,
        b.lower,
        ind::atr(h, l, c, 14).unwrap(),
        ind::true_range(h, l, c).unwrap(),
        a.adx,
        a.plus_di,
        a.minus_di,
        st.k,
        st.d,
        sr.k,
        sr.d,
        ind::obv(c, v).unwrap(),
        ind::pvi(c, v, 1000.0).unwrap(),
        w.vwap,
        w.upper,
        ind::highest(h, 14).unwrap(),
        ind::lowest(l, 14).unwrap(),
    ]
}
