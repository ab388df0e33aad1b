//! Indicator values at the signal's candle, for the prompt: the set the original's prompt
//! carried (SMA 20/50/200, EMA 12/26, RSI 14, MACD 12/26/9, Bollinger 20/2, ATR 14,
//! Stochastic 14/3/3, OBV, VWAP) plus ADX 14, computed by [`crate::indicators`] from the
//! job's real candles. An indicator without enough history is simply absent.

use crate::indicators as ind;
use crate::market::Candle;

/// One named value, e.g. `("RSI(14)", 61.3)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub name: &'static str,
    pub value: f64,
}

/// The latest computable value of every indicator, in a fixed order. `candles` are oldest
/// first; VWAP is anchored at the first of `vwap_from`'s candles (the window sent to the model).
pub fn readings(candles: &[Candle], vwap_from: usize) -> Vec<Reading> {
    let column = |f: fn(&Candle) -> f64| candles.iter().map(f).collect::<Vec<f64>>();
    let (high, low) = (column(|c| c.high), column(|c| c.low));
    let (close, volume) = (column(|c| c.close), column(|c| c.volume));
    let mut out = Vec::new();
    let mut add = |name: &'static str, series: Option<&ind::Series>| {
        if let Some(value) = series.and_then(|s| s.last().copied().flatten()) {
            if value.is_finite() {
                out.push(Reading { name, value });
            }
        }
    };
    for (name, period) in [("SMA(20)", 20), ("SMA(50)", 50), ("SMA(200)", 200)] {
        add(name, ind::sma(&close, period).ok().as_ref());
    }
    for (name, period) in [("EMA(12)", 12), ("EMA(26)", 26)] {
        add(name, ind::ema(&close, period).ok().as_ref());
    }
    add("RSI(14)", ind::rsi(&close, 14).ok().as_ref());
    if let Ok(m) = ind::macd(&close, 12, 26, 9) {
        add("MACD(12,26,9) line", Some(&m.macd));
        add("MACD signal", Some(&m.signal));
        add("MACD histogram", Some(&m.histogram));
    }
    if let Ok(b) = ind::bollinger(&close, 20, 2.0) {
        add("Bollinger(20,2) upper", Some(&b.upper));
        add("Bollinger middle", Some(&b.middle));
        add("Bollinger lower", Some(&b.lower));
    }
    add("ATR(14)", ind::atr(&high, &low, &close, 14).ok().as_ref());
    if let Ok(a) = ind::adx(&high, &low, &close, 14) {
        add("ADX(14)", Some(&a.adx));
        add("+DI(14)", Some(&a.plus_di));
        add("-DI(14)", Some(&a.minus_di));
    }
    if let Ok(s) = ind::stochastic(&high, &low, &close, 14, 3, 3) {
        add("Stochastic(14,3,3) %K", Some(&s.k));
        add("Stochastic %D", Some(&s.d));
    }
    add("OBV", ind::obv(&close, &volume).ok().as_ref());
    let from = vwap_from.min(candles.len());
    add(
        "VWAP (from the first candle shown)",
        ind::vwap(
            &high[from..],
            &low[from..],
            &close[from..],
            &volume[from..],
            None,
        )
        .ok()
        .as_ref(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Interval;

    fn candles(n: usize) -> Vec<Candle> {
        (0..n)
            .map(|i| {
                let p = 100.0 + (i as f64 * 0.7).sin() * 5.0 + i as f64 * 0.1;
                Candle::new(
                    i as i64 * 60_000,
                    Interval::M1,
                    p,
                    p + 1.0,
                    p - 1.0,
                    p + 0.2,
                    10.0 + i as f64,
                )
            })
            .collect()
    }

    #[test]
    fn long_history_gives_every_reading() {
        let values = readings(&candles(250), 150);
        assert_eq!(values.len(), 20, "{values:?}");
        assert_eq!(values[0].name, "SMA(20)");
        let sma20: f64 = candles(250)[230..].iter().map(|c| c.close).sum::<f64>() / 20.0;
        assert!((values[0].value - sma20).abs() < 1e-9);
    }

    #[test]
    fn short_history_leaves_out_what_cannot_be_computed() {
        let names: Vec<&str> = readings(&candles(30), 0).iter().map(|r| r.name).collect();
        assert!(names.contains(&"SMA(20)") && names.contains(&"RSI(14)"));
        assert!(!names.contains(&"SMA(50)") && !names.contains(&"MACD signal"));
        assert!(readings(&[], 0).is_empty());
    }
}
