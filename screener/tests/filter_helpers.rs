//! The native `helpers` object through the engine: each helper against a direct computation
//! on the same history window, the copy path (arrays made by filter code) equal to the
//! zero-copy path (the engine's arrays), shared and frozen cached results, `hvnNodes`, and
//! errors that name the helper.

use std::path::PathBuf;

use screener::engine::{replay, Engine, EngineConfig, Signal};
use screener::filter::helpers::HELPERS;
use screener::indicators as ind;
use screener::market::{CandleFile, Interval};
use screener::trader::Trader;

const HISTORY: usize = 120;

fn file() -> CandleFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/btcusdt_5m_2023-01-02_2023-02-09.csv");
    CandleFile::load(&path, None, None).unwrap()
}

/// Replays `take` candles through `traders` (id, code; 5m, cooldown 1): signals and errors.
fn run(traders: &[(&str, &str)], take: usize) -> (Vec<Signal>, Vec<String>) {
    let mut engine = Engine::new(EngineConfig {
        history: HISTORY,
        workers: 1,
        ..EngineConfig::default()
    })
    .unwrap();
    for (id, code) in traders {
        let json = serde_json::json!({"id": id, "name": id,
            "filter": {"code": code, "refreshInterval": "5m", "requiredTimeframes": ["5m"], "cooldownBars": 1}});
        engine
            .upsert_trader(Trader::from_json(&json.to_string()).unwrap())
            .unwrap();
    }
    let f = file();
    let mut signals = Vec::new();
    let mut errors = Vec::new();
    replay(
        &mut engine,
        "BTCUSDT",
        Interval::M5,
        &f.candles[..take],
        |s| signals.push(s.clone()),
        |e| errors.push(e.to_string()),
    );
    (signals, errors)
}

/// Replays `take` candles through a trader that returns `conditions` computed by `expr` (a
/// JS expression producing an array of values, JSON-encoded one per condition).
fn probe(expr: &str, take: usize) -> (Vec<Signal>, Vec<String>) {
    let code = format!(
        "const k = timeframes['5m'];\nconst out = {expr};\nreturn {{ match: true, conditions: out.map((v) => JSON.stringify(v)) }};"
    );
    run(&[("probe", &code)], take)
}

/// JSON of a number the way JSON.stringify writes it (null for None).
fn js(v: Option<f64>) -> String {
    match v {
        None => "null".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => serde_json::to_string(&x).unwrap(),
    }
}

fn window(i: usize) -> std::ops::Range<usize> {
    (i + 1).saturating_sub(HISTORY)..i + 1
}

#[test]
fn helper_results_equal_direct_computation_on_the_window() {
    let (signals, errors) = probe(
        "[helpers.getLatestRSI(k), helpers.calculateMA(k, 20), helpers.getLatestEMA(k, 20), helpers.getLatestATR(k),\n\
          helpers.calculateADX(k), helpers.getLatestPVI(k), helpers.getHighestHigh(k, 10), helpers.getLowestLow(k, 10),\n\
          helpers.calculateAvgVolume(k, 5), helpers.getLatestMACD(k).histogram, helpers.calculateStochastic(k),\n\
          helpers.getLatestBollingerBands(k)?.upper ?? null, helpers.getLatestVWAP(k, 50)]",
        200,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let f = file();
    for (i, s) in signals.iter().enumerate() {
        let w = window(i);
        let h = &f.candles[w.clone()];
        let col = |g: fn(&screener::market::Candle) -> f64| h.iter().map(g).collect::<Vec<f64>>();
        let (high, low, close, volume) = (
            col(|x| x.high),
            col(|x| x.low),
            col(|x| x.close),
            col(|x| x.volume),
        );
        let last = |s: ind::Series| s.last().copied().flatten();
        let stoch = ind::stochastic(&high, &low, &close, 14, 3, 3).unwrap();
        let stoch_json = match (last(stoch.k.clone()), last(stoch.d.clone())) {
            (Some(k), Some(d)) => format!("{{\"k\":{},\"d\":{}}}", js(Some(k)), js(Some(d))),
            _ => "null".into(),
        };
        let bands = ind::bollinger(&close, 20, 2.0).unwrap();
        let expected = vec![
            js(ind::latest(&ind::rsi(&close, 14).unwrap())),
            js(last(ind::sma(&close, 20).unwrap())),
            js(ind::latest(&ind::ema(&close, 20).unwrap())),
            js(ind::latest(&ind::atr(&high, &low, &close, 14).unwrap())),
            js(last(ind::adx(&high, &low, &close, 14).unwrap().adx)),
            js(ind::latest(&ind::pvi(&close, &volume, 1000.0).unwrap())),
            js(last(ind::highest(&high, 10).unwrap())),
            js(last(ind::lowest(&low, 10).unwrap())),
            js(last(ind::sma(&volume, 5).unwrap())),
            js(ind::latest(
                &ind::macd(&close, 12, 26, 9).unwrap().histogram,
            )),
            stoch_json,
            js(last(bands.upper)),
            js(ind::latest(
                &ind::vwap(&high, &low, &close, &volume, Some(50)).unwrap(),
            )),
        ];
        assert_eq!(s.conditions, expected, "candle {i}");
    }
    // Late candles have every value computable.
    assert!(signals[199].conditions.iter().all(|c| c != "null"));
}

#[test]
fn arrays_built_by_filter_code_give_the_same_results() {
    let (signals, errors) = probe(
        "(() => { const copy = k.map((x) => x.slice());\n\
          const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);\n\
          return [same(helpers.calculateRSI(k), helpers.calculateRSI(copy)),\n\
                  same(helpers.calculateMACDValues(k), helpers.calculateMACDValues(copy)),\n\
                  same(helpers.calculateADXSeries(k), helpers.calculateADXSeries(copy)),\n\
                  same(helpers.calculateStochRSI(k), helpers.calculateStochRSI(copy)),\n\
                  same(helpers.calculateVWAPBands(k, 30, 2), helpers.calculateVWAPBands(copy, 30, 2)),\n\
                  same(helpers.calculateHighVolumeNodes(k), helpers.calculateHighVolumeNodes(copy)),\n\
                  same(helpers.calculateOBV(k), helpers.calculateOBV(copy))]; })()",
        80,
    );
    assert!(errors.is_empty(), "{errors:?}");
    for s in &signals {
        assert!(
            s.conditions.iter().all(|c| c == "true"),
            "{:?}",
            s.conditions
        );
    }
}

/// Array and object results are built for each caller: equal values, not the same object, and
/// changing one changes no other caller's.
#[test]
fn array_results_belong_to_their_caller() {
    let (signals, errors) = probe(
        "[JSON.stringify(helpers.calculateRSI(k, 14)) === JSON.stringify(helpers.calculateRSI(k, 14)),\n\
          helpers.calculateRSI(k, 14) !== helpers.calculateRSI(k, 14),\n\
          (() => { const a = helpers.calculateMACDValues(k); a.macdLine.fill(0); a.signalLine = null;\n\
                   const b = helpers.calculateMACDValues(k); return b.signalLine !== null && b.macdLine[k.length - 1] !== 0; })(),\n\
          (() => { const a = helpers.calculateStochRSI(k); const i = a.length - 1; if (a[i] === null) return null; const was = a[i].k; a[i].k = -1;\n\
                   return helpers.calculateStochRSI(k)[i].k === was; })(),\n\
          Object.isFrozen(helpers), Object.isFrozen(k), Object.isFrozen(k[0]), Array.isArray(hvnNodes),\n\
          JSON.stringify(hvnNodes) === JSON.stringify(helpers.calculateHighVolumeNodes(k, { lookback: 100 })),\n\
          Object.keys(k).includes('__tmSeries')]",
        60,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let last = &signals.last().unwrap().conditions;
    assert_eq!(
        last,
        &["true", "true", "true", "true", "true", "true", "true", "true", "true", "false"]
    );
}

/// Two traders on the same symbol and close: the first tries to vandalise everything it
/// receives (shared klines are frozen; helper results are its own), the second must see
/// intact klines and helper results.
#[test]
fn a_trader_mutating_its_inputs_does_not_affect_another() {
    let vandal = "const k = timeframes['5m'];\n\
                  try { k.reverse(); } catch (e) {} try { k.pop(); } catch (e) {} try { k.push(['x']); } catch (e) {}\n\
                  try { k.length = 3; } catch (e) {} try { k[0][4] = 'x'; } catch (e) {}\n\
                  const r = helpers.calculateRSI(k, 14); if (r) { try { r.fill(0); } catch (e) {} try { r.reverse(); } catch (e) {} }\n\
                  try { hvnNodes.length = 0; hvnNodes.push({ price: 1 }); } catch (e) {} return false;";
    let victim = "const k = timeframes['5m'];\n\
                  return { match: true, conditions: [String(k.length), String(k[k.length - 1][0]), JSON.stringify(helpers.getLatestRSI(k)),\n\
                  String(JSON.stringify(hvnNodes) === JSON.stringify(helpers.calculateHighVolumeNodes(k, { lookback: 100 })))] };";
    let (signals, errors) = run(&[("a-vandal", vandal), ("b-victim", victim)], 150);
    let f = file();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(signals.len(), 150);
    for (i, s) in signals.iter().enumerate() {
        let w = window(i);
        let closes: Vec<f64> = f.candles[w.clone()].iter().map(|c| c.close).collect();
        assert_eq!(s.conditions[0], w.len().to_string(), "candle {i}: length");
        assert_eq!(
            s.conditions[1],
            f.candles[i].open_time.to_string(),
            "candle {i}: last kline"
        );
        assert_eq!(
            s.conditions[2],
            js(ind::latest(&ind::rsi(&closes, 14).unwrap())),
            "candle {i}: RSI"
        );
    }
    assert_eq!(
        signals.last().unwrap().conditions[3],
        "true",
        "hvnNodes intact"
    );
}

/// Helpers compute on what an array holds: a filter's shortened or reversed copy of the
/// engine's klines, even one it tagged with the snapshot's hidden id itself.
#[test]
fn helpers_compute_on_what_the_array_holds() {
    let (signals, errors) = probe(
        "[helpers.getLatestRSI(k), helpers.getLatestRSI(k.slice(0, -1)),\n\
          (() => { const r = k.slice().reverse(); Object.defineProperty(r, '__tmSeries', { value: k.__tmSeries }); return helpers.getLatestRSI(r); })(),\n\
          (() => { const r = k.slice(1); Object.defineProperty(r, '__tmSeries', { value: k.__tmSeries }); return helpers.getLatestRSI(r); })()]",
        40,
    );
    assert!(errors.is_empty(), "{errors:?}");
    let f = file();
    for (i, s) in signals.iter().enumerate() {
        let closes: Vec<f64> = f.candles[window(i)].iter().map(|c| c.close).collect();
        let rsi = |c: &[f64]| js(ind::latest(&ind::rsi(c, 14).unwrap()));
        let reversed: Vec<f64> = closes.iter().rev().copied().collect();
        let expected = [
            rsi(&closes),
            rsi(&closes[..closes.len() - 1]),
            rsi(&reversed),
            rsi(&closes[1..]),
        ];
        assert_eq!(s.conditions, expected, "candle {i}");
    }
}

#[test]
fn number_array_helpers_follow_the_contract() {
    let (signals, errors) = probe(
        "[helpers.calculateSMA([1, 2, 3, 4], 2), helpers.calculateSMA([1], 2), helpers.calculateEMA([1, 2, 3, 4, 5], 3),\n\
          helpers.calculateEMA([1, 2], 3), helpers.calculateMACD([1, 2, 3], 12, 26, 9).MACD,\n\
          helpers.detectGenericDivergence([5, 4, 5, 5, 5, 5, 5, 5, 3, 5, 5, 5], [50, 20, 50, 50, 50, 50, 50, 50, 30, 50, 50, 50], 12, 5),\n\
          helpers.isNearHVN(100, [{ price: 100.4 }], 0.5), helpers.countHVNInRange(1, 10, [{ price: 5 }, { price: 11 }]),\n\
          helpers.getClosestHVN(10, [{ price: 8 }, { price: 13 }], 'above').price]",
        1,
    );
    assert!(errors.is_empty(), "{errors:?}");
    // EMA(3) of 1..5 seeded with SMA(1,2,3) = 2: then 3, 4.
    assert_eq!(
        signals[0].conditions,
        [
            "3.5",
            "null",
            "4",
            "null",
            "null",
            "\"bullish_regular\"",
            "true",
            "1",
            "13"
        ]
    );
    assert_eq!(HELPERS.len(), 39, "every helper of trader-filters.md");
}

#[test]
fn bad_arguments_throw_errors_naming_the_helper() {
    let (_, errors) = probe("[helpers.calculateRSI(null)]", 1);
    assert_eq!(errors, ["trader probe on BTCUSDT: TypeError: helpers.calculateRSI: klines must be an array of klines (line 2)"]);
    let (_, errors) = probe("[helpers.calculateMA(k, 0)]", 1);
    assert!(
        errors[0].contains("helpers.calculateMA: parameter 2 must be a whole number ≥ 1"),
        "{errors:?}"
    );
    let (_, errors) = probe("[helpers.calculateHighVolumeNodes(k, { bins: 100000 })]", 1);
    assert!(
        errors[0].contains(
            "RangeError: helpers.calculateHighVolumeNodes: bins must be between 1 and 10000"
        ),
        "{errors:?}"
    );
    let (_, errors) = probe("[helpers.calculateRSI([[1, 2]])]", 1);
    assert!(
        errors.is_empty(),
        "short klines give nulls, not errors: {errors:?}"
    );
}
