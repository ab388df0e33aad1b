//! Each built-in trader fires exactly where an independent computation says it should on
//! recorded BTC/USDT candles. The engine's history window (1500) covers every series replayed,
//! so what a filter sees is the whole prefix; the expected points come from
//! `screener::indicators` (checked against TA-Lib in tests/indicators.rs) on the same
//! aggregated candles, with the cooldown rule applied.

use std::path::PathBuf;

use screener::engine::{replay, Engine, EngineConfig};
use screener::indicators as ind;
use screener::market::{aggregate, Candle, CandleFile, Interval, LeadingPartial};
use screener::trader::builtins::builtins;

fn btc_5m(take: usize) -> Vec<Candle> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/btcusdt_5m_2023-01-02_2023-02-09.csv");
    let mut candles = CandleFile::load(&path, None, None).unwrap().candles;
    candles.truncate(take);
    candles
}

/// Open times at which the built-in fired when replaying `source` 5m candles.
fn fired(id: &str, source: &[Candle]) -> Vec<i64> {
    let trader = builtins().into_iter().find(|t| t.id == id).unwrap();
    let mut engine = Engine::new(EngineConfig {
        history: 1500,
        workers: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    engine.upsert_trader(trader).unwrap();
    let mut times = Vec::new();
    let mut errors = Vec::new();
    replay(
        &mut engine,
        "BTCUSDT",
        Interval::M5,
        source,
        |s| times.push(s.open_time),
        |e| errors.push(e.to_string()),
    );
    assert!(errors.is_empty(), "{id}: {errors:?}");
    times
}

/// Indexes where `matches` holds, thinned by the cooldown rule.
fn expected(candles: &[Candle], cooldown: usize, matches: impl Fn(usize) -> bool) -> Vec<i64> {
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for (i, candle) in candles.iter().enumerate() {
        if matches(i) && last.is_none_or(|l| i >= l + cooldown) {
            out.push(candle.open_time);
            last = Some(i);
        }
    }
    out
}

fn agg(source: &[Candle], to: Interval) -> Vec<Candle> {
    aggregate(source, Interval::M5, to, LeadingPartial::Skip).unwrap()
}

fn closes(c: &[Candle]) -> Vec<f64> {
    c.iter().map(|x| x.close).collect()
}

fn check(id: &str, source: &[Candle], want: Vec<i64>) {
    assert!(
        !want.is_empty(),
        "{id} never fires on this data: the test would prove nothing"
    );
    assert_eq!(fired(id, source), want, "{id}");
}

#[test]
fn rsi_oversold_bounce() {
    let source = btc_5m(4500);
    let c = agg(&source, Interval::M15);
    let rsi = ind::rsi(&closes(&c), 14).unwrap();
    let want = expected(&c, 8, |i| {
        i >= 1
            && i + 1 >= 15
            && matches!((rsi[i - 1], rsi[i]), (Some(p), Some(n)) if p < 30.0 && n >= 30.0)
    });
    check("builtin-rsi-oversold-bounce", &source, want);
}

#[test]
fn volume_spike() {
    let c = btc_5m(1500);
    let volume: Vec<f64> = c.iter().map(|x| x.volume).collect();
    let want = expected(&c, 12, |i| {
        if i < 20 {
            return false;
        }
        // The filter sums the 20 previous volumes in order, then divides.
        let avg = volume[i - 20..i].iter().fold(0.0, |s, v| s + v) / 20.0;
        avg != 0.0 && c[i].close > c[i].open && volume[i] > 3.0 * avg
    });
    check("builtin-volume-spike", &c, want);
}

#[test]
fn golden_cross() {
    let source = btc_5m(usize::MAX);
    let c = agg(&source, Interval::H1);
    let (fast, slow) = (
        ind::sma(&closes(&c), 50).unwrap(),
        ind::sma(&closes(&c), 200).unwrap(),
    );
    let want = expected(&c, 24, |i| {
        i >= 200
            && matches!((fast[i - 1], slow[i - 1], fast[i], slow[i]), (Some(pf), Some(ps), Some(f), Some(s)) if pf <= ps && f > s)
    });
    check("builtin-golden-cross", &source, want);
}

#[test]
fn macd_bullish_cross() {
    let source = btc_5m(4500);
    let c = agg(&source, Interval::M15);
    let m = ind::macd(&closes(&c), 12, 26, 9).unwrap();
    let want = expected(&c, 8, |i| {
        i >= 1
            && matches!((m.macd[i - 1], m.signal[i - 1], m.macd[i], m.signal[i]),
                (Some(pm), Some(ps), Some(cm), Some(cs)) if pm <= ps && cm > cs && cm < 0.0 && cs < 0.0)
    });
    check("builtin-macd-bullish-cross", &source, want);
}

#[test]
fn bollinger_squeeze_breakout() {
    let source = btc_5m(4500);
    let c = agg(&source, Interval::M15);
    let b = ind::bollinger(&closes(&c), 20, 2.0).unwrap();
    let width = |i: usize| (b.upper[i].unwrap() - b.lower[i].unwrap()) / b.middle[i].unwrap();
    let want = expected(&c, 16, |i| {
        let n = i + 1;
        if n < 120 {
            return false;
        }
        let narrowest = (n - 21..n - 1).map(width).fold(f64::INFINITY, f64::min);
        let sum: f64 = (n - 101..n - 1).map(width).fold(0.0, |s, w| s + w);
        narrowest < 0.6 * (sum / 100.0) && c[i].close > b.upper[i].unwrap()
    });
    check("builtin-bollinger-squeeze-breakout", &source, want);
}

#[test]
fn vwap_reclaim() {
    let c = btc_5m(1500);
    let col = |f: fn(&Candle) -> f64| c.iter().map(f).collect::<Vec<f64>>();
    let (high, low, close, volume) = (
        col(|x| x.high),
        col(|x| x.low),
        col(|x| x.close),
        col(|x| x.volume),
    );
    let want = expected(&c, 24, |i| {
        let n = i + 1;
        if n < 290 {
            return false;
        }
        // The filter sees the prefix; its anchored VWAP is recomputed on that prefix.
        let v = ind::vwap(&high[..n], &low[..n], &close[..n], &volume[..n], Some(288)).unwrap();
        let avg = ind::sma(&volume[..n], 20).unwrap()[n - 1].unwrap();
        let below_then_above = matches!((v[n - 2], v[n - 1]), (Some(p), Some(q)) if close[n - 2] < p && close[n - 1] > q);
        below_then_above && volume[n - 1] > avg
    });
    check("builtin-vwap-reclaim", &c, want);
}

#[test]
fn stoch_rsi_cross() {
    let source = btc_5m(4500);
    let c = agg(&source, Interval::M15);
    let s = ind::stoch_rsi(&closes(&c), 14, 14, 3, 3).unwrap();
    let want = expected(&c, 8, |i| {
        i >= 1
            && matches!((s.k[i - 1], s.d[i - 1], s.k[i], s.d[i]),
                (Some(pk), Some(pd), Some(k), Some(d)) if pk <= pd && k > d && k < 20.0 && d < 20.0)
    });
    check("builtin-stoch-rsi-cross", &source, want);
}

#[test]
fn adx_trend_strength() {
    let source = btc_5m(usize::MAX);
    let c = agg(&source, Interval::H1);
    let col = |f: fn(&Candle) -> f64| c.iter().map(f).collect::<Vec<f64>>();
    let a = ind::adx(&col(|x| x.high), &col(|x| x.low), &col(|x| x.close), 14).unwrap();
    let want = expected(&c, 12, |i| {
        i >= 1
            && matches!((a.adx[i - 1], a.adx[i], a.plus_di[i], a.minus_di[i]),
                (Some(p), Some(n), Some(plus), Some(minus)) if p < 25.0 && n >= 25.0 && plus > minus)
    });
    check("builtin-adx-trend-strength", &source, want);
}

#[test]
fn every_builtin_is_valid_and_documented() {
    let all = builtins();
    assert_eq!(all.len(), 8);
    for t in &all {
        assert!(t.validate().is_ok());
        assert!(!t.description.is_empty());
        let v = screener::trader::validate::validate(t, None);
        assert!(v.is_ok(), "{}: {v:?}", t.id);
        assert!(
            v.timeframes.unused.is_empty(),
            "{} declares a timeframe it never reads",
            t.id
        );
    }
}
