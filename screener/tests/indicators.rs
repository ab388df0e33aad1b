//! Indicators against TA-Lib and the helper definitions on every recorded data file and the
//! synthetic edge-case series (`tools/talib_reference.py`), incremental against batch, and
//! the edge cases of the public API. The tolerance rule is in `indicators/reference.rs`.

#[path = "indicators/outputs.rs"]
mod outputs;
#[path = "indicators/reference.rs"]
mod reference;

use outputs::{causal_outputs, price_outputs, ratio_outputs};
use reference::{assert_value, cases, data_stems, reference_stems, Case};
use screener::indicators::{self as ind, HvnOptions, Series};

// The parameters the reference was generated with (tools/talib_reference.py).
const MA_PERIOD: usize = 20;
const RSI_PERIOD: usize = 14;
const MACD_PERIODS: (usize, usize, usize) = (12, 26, 9);
const BB: (usize, f64) = (20, 2.0);
const ATR_PERIOD: usize = 14;
const ADX_PERIOD: usize = 14;
const STOCH: (usize, usize, usize) = (14, 3, 3);
const STOCH_RSI: (usize, usize, usize, usize) = (14, 14, 3, 3);
const VWAP_MULT: f64 = 1.0;
const VWAP_WINDOW: (usize, f64) = (50, 2.0);
const PVI_INITIAL: f64 = 1000.0;
const HVN_LOOKBACKS: [usize; 2] = [250, 100];

fn some(values: impl IntoIterator<Item = Option<f64>>) -> Series {
    values.into_iter().collect()
}

#[test]
fn every_recorded_file_has_a_reference_and_nothing_else_does() {
    let data = data_stems();
    assert_eq!(data.len(), 9, "shared/data holds 9 files");
    let mut expected = data.clone();
    expected.extend(["synthetic_edges", "synthetic_huge", "synthetic_tiny"].map(String::from));
    expected.sort();
    assert_eq!(reference_stems(), expected);
}

#[test]
fn moving_averages_match_ta_lib() {
    for c in cases() {
        c.check("sma", &ind::sma(&c.close, MA_PERIOD).unwrap());
        c.check("ema", &ind::ema(&c.close, MA_PERIOD).unwrap());
        c.check("wma", &ind::wma(&c.close, MA_PERIOD).unwrap());
    }
}

#[test]
fn rsi_matches_ta_lib() {
    for c in cases() {
        c.check("rsi", &ind::rsi(&c.close, RSI_PERIOD).unwrap());
    }
}

#[test]
fn macd_matches_ta_lib() {
    let (f, s, g) = MACD_PERIODS;
    for c in cases() {
        let m = ind::macd(&c.close, f, s, g).unwrap();
        c.check("macd", &m.macd);
        c.check("macd_signal", &m.signal);
        c.check("macd_hist", &m.histogram);
    }
}

#[test]
fn bollinger_bands_match_ta_lib() {
    for c in cases() {
        let b = ind::bollinger(&c.close, BB.0, BB.1).unwrap();
        c.check("bb_upper", &b.upper);
        c.check("sma", &b.middle);
        c.check("bb_lower", &b.lower);
    }
}

#[test]
fn atr_matches_ta_lib() {
    for c in cases() {
        c.check(
            "atr",
            &ind::atr(&c.high, &c.low, &c.close, ATR_PERIOD).unwrap(),
        );
    }
}

#[test]
fn adx_and_directional_indicators_match_ta_lib() {
    for c in cases() {
        let a = ind::adx(&c.high, &c.low, &c.close, ADX_PERIOD).unwrap();
        c.check("adx", &a.adx);
        c.check("plus_di", &a.plus_di);
        c.check("minus_di", &a.minus_di);
    }
}

#[test]
fn stochastic_matches_ta_lib() {
    let (k, sk, sd) = STOCH;
    for c in cases() {
        let s = ind::stochastic(&c.high, &c.low, &c.close, k, sk, sd).unwrap();
        c.check("stoch_k", &s.k);
        c.check("stoch_d", &s.d);
    }
}

#[test]
fn stoch_rsi_matches_the_reference() {
    let (r, s, k, d) = STOCH_RSI;
    for c in cases() {
        let out = ind::stoch_rsi(&c.close, r, s, k, d).unwrap();
        c.check("stochrsi_k", &out.k);
        c.check("stochrsi_d", &out.d);
    }
}

#[test]
fn obv_matches_ta_lib() {
    for c in cases() {
        c.check("obv", &ind::obv(&c.close, &c.volume).unwrap());
    }
}

#[test]
fn pvi_matches_the_reference() {
    for c in cases() {
        c.check("pvi", &ind::pvi(&c.close, &c.volume, PVI_INITIAL).unwrap());
    }
}

#[test]
fn cumulative_vwap_and_bands_match_the_reference() {
    for c in cases() {
        let b = ind::vwap_bands(&c.high, &c.low, &c.close, &c.volume, None, VWAP_MULT).unwrap();
        c.check("vwap", &b.vwap);
        c.check("vwap_upper", &b.upper);
        c.check("vwap_lower", &b.lower);
        assert_eq!(
            ind::vwap(&c.high, &c.low, &c.close, &c.volume, None).unwrap(),
            b.vwap
        );
    }
}

#[test]
fn vwap_of_the_last_bars_matches_the_reference() {
    let (window, mult) = VWAP_WINDOW;
    for c in cases() {
        // Incrementally: the VWAP of the last `window` bars at every bar.
        let mut state = ind::Vwap::new(Some(window), mult).unwrap();
        let values: Vec<_> = (0..c.close.len())
            .map(|i| state.update(c.high[i], c.low[i], c.close[i], c.volume[i]))
            .collect();
        c.check("vwap_w", &some(values.iter().map(|v| v.map(|v| v.vwap))));
        c.check(
            "vwap_w_upper",
            &some(values.iter().map(|v| v.map(|v| v.upper))),
        );
        c.check(
            "vwap_w_lower",
            &some(values.iter().map(|v| v.map(|v| v.lower))),
        );
        // In batch, anchored at the start of the last `window` bars: the cumulative VWAP of
        // those bars, whose last value is the incremental one.
        let n = c.close.len();
        let anchored =
            ind::vwap_bands(&c.high, &c.low, &c.close, &c.volume, Some(window), mult).unwrap();
        let first = n.saturating_sub(window);
        let tail = ind::vwap_bands(
            &c.high[first..],
            &c.low[first..],
            &c.close[first..],
            &c.volume[first..],
            None,
            mult,
        )
        .unwrap();
        assert!(
            anchored.vwap[..first].iter().all(Option::is_none),
            "{}",
            c.name
        );
        assert_eq!(anchored.vwap[first..], tail.vwap[..], "{}", c.name);
        assert_eq!(anchored.upper[first..], tail.upper[..], "{}", c.name);
        assert_eq!(
            anchored.vwap.last().copied().flatten(),
            values.last().copied().flatten().map(|v| v.vwap)
        );
    }
}

fn nodes(c: &Case, lookback: usize) -> Vec<ind::VolumeNode> {
    let options = HvnOptions {
        lookback,
        ..HvnOptions::default()
    };
    let buy = c.taker_buy.as_deref();
    ind::high_volume_nodes(&c.open, &c.high, &c.low, &c.close, &c.volume, buy, &options).unwrap()
}

#[test]
fn high_volume_nodes_match_the_reference() {
    let mut total = 0;
    for c in cases() {
        for lookback in HVN_LOOKBACKS {
            let ours = nodes(&c, lookback);
            let reference = c.reference_nodes(lookback);
            let what = format!("{} lookback {lookback}", c.name);
            assert_eq!(ours.len(), reference.len(), "{what}: node count");
            for (k, (n, r)) in ours.iter().zip(&reference).enumerate() {
                let fields = [
                    n.price,
                    n.volume,
                    n.buy_volume,
                    n.sell_volume,
                    n.strength,
                    n.price_range[0],
                    n.price_range[1],
                ];
                for (field, (&a, &b)) in fields.iter().zip(r).enumerate() {
                    assert_value(&format!("{what} node {k} field {field}"), a, b);
                }
            }
            total += ours.len();
        }
    }
    assert!(
        total > 20,
        "the reference should exercise many nodes, got {total}"
    );
}

/// Runs `state` over every bar and asserts it reproduces `batch` bit for bit.
fn assert_stream(what: &str, batch: &[Option<f64>], stream: impl Iterator<Item = Option<f64>>) {
    let stream: Vec<_> = stream.collect();
    assert_eq!(stream.len(), batch.len(), "{what}: length");
    for (i, (a, b)) in stream.iter().zip(batch).enumerate() {
        assert!(
            a.map(f64::to_bits) == b.map(f64::to_bits),
            "{what}[{i}]: incremental {a:?}, batch {b:?}"
        );
    }
}

#[test]
fn incremental_states_reproduce_batch_on_every_file() {
    for c in cases() {
        let n = c.close.len();
        let (h, l, cl, v) = (&c.high, &c.low, &c.close, &c.volume);
        let name = |what: &str| format!("{}: {what}", c.name);

        let mut s = ind::Sma::new(MA_PERIOD).unwrap();
        assert_stream(
            &name("sma"),
            &ind::sma(cl, MA_PERIOD).unwrap(),
            cl.iter().map(|&x| s.update(x)),
        );
        let mut s = ind::Ema::new(MA_PERIOD).unwrap();
        assert_stream(
            &name("ema"),
            &ind::ema(cl, MA_PERIOD).unwrap(),
            cl.iter().map(|&x| s.update(x)),
        );
        let mut s = ind::Wma::new(MA_PERIOD).unwrap();
        assert_stream(
            &name("wma"),
            &ind::wma(cl, MA_PERIOD).unwrap(),
            cl.iter().map(|&x| s.update(x)),
        );
        let mut s = ind::Rsi::new(RSI_PERIOD).unwrap();
        assert_stream(
            &name("rsi"),
            &ind::rsi(cl, RSI_PERIOD).unwrap(),
            cl.iter().map(|&x| s.update(x)),
        );

        let (f, sl, g) = MACD_PERIODS;
        let batch = ind::macd(cl, f, sl, g).unwrap();
        let mut s = ind::MacdState::new(f, sl, g).unwrap();
        let out: Vec<_> = cl.iter().map(|&x| s.update(x)).collect();
        assert_stream(
            &name("macd"),
            &batch.macd,
            out.iter().map(|o| o.map(|o| o.macd)),
        );
        assert_stream(
            &name("signal"),
            &batch.signal,
            out.iter().map(|o| o.map(|o| o.signal)),
        );
        assert_stream(
            &name("histogram"),
            &batch.histogram,
            out.iter().map(|o| o.map(|o| o.histogram)),
        );

        let batch = ind::bollinger(cl, BB.0, BB.1).unwrap();
        let mut s = ind::Bollinger::new(BB.0, BB.1).unwrap();
        let out: Vec<_> = cl.iter().map(|&x| s.update(x)).collect();
        assert_stream(
            &name("bb upper"),
            &batch.upper,
            out.iter().map(|o| o.map(|o| o.upper)),
        );
        assert_stream(
            &name("bb middle"),
            &batch.middle,
            out.iter().map(|o| o.map(|o| o.middle)),
        );
        assert_stream(
            &name("bb lower"),
            &batch.lower,
            out.iter().map(|o| o.map(|o| o.lower)),
        );

        let mut s = ind::Atr::new(ATR_PERIOD).unwrap();
        let batch = ind::atr(h, l, cl, ATR_PERIOD).unwrap();
        assert_stream(
            &name("atr"),
            &batch,
            (0..n).map(|i| s.update(h[i], l[i], cl[i])),
        );

        let batch = ind::adx(h, l, cl, ADX_PERIOD).unwrap();
        let mut s = ind::AdxState::new(ADX_PERIOD).unwrap();
        let out: Vec<_> = (0..n).map(|i| s.update(h[i], l[i], cl[i])).collect();
        assert_stream(
            &name("adx"),
            &batch.adx,
            out.iter().map(|o| o.and_then(|o| o.adx)),
        );
        assert_stream(
            &name("+di"),
            &batch.plus_di,
            out.iter().map(|o| o.map(|o| o.plus_di)),
        );
        assert_stream(
            &name("-di"),
            &batch.minus_di,
            out.iter().map(|o| o.map(|o| o.minus_di)),
        );

        let (k, sk, sd) = STOCH;
        let batch = ind::stochastic(h, l, cl, k, sk, sd).unwrap();
        let mut s = ind::Stochastic::new(k, sk, sd).unwrap();
        let out: Vec<_> = (0..n).map(|i| s.update(h[i], l[i], cl[i])).collect();
        assert_stream(
            &name("stoch k"),
            &batch.k,
            out.iter().map(|o| o.map(|o| o.k)),
        );
        assert_stream(
            &name("stoch d"),
            &batch.d,
            out.iter().map(|o| o.map(|o| o.d)),
        );

        let (r, st, kp, dp) = STOCH_RSI;
        let batch = ind::stoch_rsi(cl, r, st, kp, dp).unwrap();
        let mut s = ind::StochRsi::new(r, st, kp, dp).unwrap();
        let out: Vec<_> = cl.iter().map(|&x| s.update(x)).collect();
        assert_stream(
            &name("stochrsi k"),
            &batch.k,
            out.iter().map(|o| o.map(|o| o.k)),
        );
        assert_stream(
            &name("stochrsi d"),
            &batch.d,
            out.iter().map(|o| o.and_then(|o| o.d)),
        );

        let mut s = ind::Obv::new();
        assert_stream(
            &name("obv"),
            &ind::obv(cl, v).unwrap(),
            (0..n).map(|i| s.update(cl[i], v[i])),
        );
        let mut s = ind::Pvi::new(PVI_INITIAL).unwrap();
        let batch = ind::pvi(cl, v, PVI_INITIAL).unwrap();
        assert_stream(&name("pvi"), &batch, (0..n).map(|i| s.update(cl[i], v[i])));

        let batch = ind::vwap_bands(h, l, cl, v, None, VWAP_MULT).unwrap();
        let mut s = ind::Vwap::new(None, VWAP_MULT).unwrap();
        let out: Vec<_> = (0..n).map(|i| s.update(h[i], l[i], cl[i], v[i])).collect();
        assert_stream(
            &name("vwap"),
            &batch.vwap,
            out.iter().map(|o| o.map(|o| o.vwap)),
        );
        assert_stream(
            &name("vwap upper"),
            &batch.upper,
            out.iter().map(|o| o.map(|o| o.upper)),
        );

        for period in [1, 20] {
            let mut s = ind::Highest::new(period).unwrap();
            assert_stream(
                &name("highest"),
                &ind::highest(h, period).unwrap(),
                h.iter().map(|&x| s.update(x)),
            );
            let mut s = ind::Lowest::new(period).unwrap();
            assert_stream(
                &name("lowest"),
                &ind::lowest(l, period).unwrap(),
                l.iter().map(|&x| s.update(x)),
            );
        }

        for lookback in HVN_LOOKBACKS {
            let options = HvnOptions {
                lookback,
                ..HvnOptions::default()
            };
            let mut profile = ind::VolumeProfile::new(options).unwrap();
            for i in 0..n {
                let buy = c.taker_buy.as_ref().map(|b| b[i]);
                profile.push(c.open[i], h[i], l[i], cl[i], v[i], buy);
            }
            assert_eq!(
                profile.nodes(),
                nodes(&c, lookback),
                "{}",
                name("volume profile")
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_the_price_scale() {
    // Scaling by a power of two is exact, so an indicator without price-unit epsilons must
    // scale its price outputs exactly and leave its ratios bit-identical: quoting BTC in
    // units 2^40 times smaller (prices near 1e-8, ADA/BTC near 1e-17) changes nothing.
    let scale = 2f64.powi(-40);
    for c in cases() {
        let scaled: Vec<Series> = price_outputs(&c, 1.0)
            .into_iter()
            .map(|s| s.into_iter().map(|v| v.map(|v| v * scale)).collect())
            .collect();
        assert_eq!(
            price_outputs(&c, scale),
            scaled,
            "{}: price outputs",
            c.name
        );
        assert_eq!(
            ratio_outputs(&c, scale),
            ratio_outputs(&c, 1.0),
            "{}: ratios",
            c.name
        );
    }
}

#[test]
fn constant_prices_give_the_documented_flat_values() {
    let n = 120;
    let p = vec![2.85e-5; n];
    let v: Vec<f64> = (0..n).map(|i| f64::from(i as u32 % 4) + 1.0).collect();
    let all = |s: &Series, from: usize, want: f64| {
        assert!(s[..from].iter().all(Option::is_none));
        assert!(
            s[from..].iter().all(|x| *x == Some(want)),
            "{s:?} want {want} from {from}"
        );
    };
    // Twenty equal terms summed and divided need not give the term back to the last bit.
    let mean = ind::sma(&p, 20).unwrap();
    assert!(mean[19..]
        .iter()
        .all(|m| (m.unwrap() / 2.85e-5 - 1.0).abs() < 1e-15));
    all(&ind::rsi(&p, 14).unwrap(), 14, 0.0);
    let m = ind::macd(&p, 12, 26, 9).unwrap();
    all(&m.histogram, 33, 0.0);
    let b = ind::bollinger(&p, 20, 2.0).unwrap();
    assert_eq!(b.upper, b.middle);
    assert_eq!(b.lower, b.middle);
    all(&ind::atr(&p, &p, &p, 14).unwrap(), 14, 0.0);
    let a = ind::adx(&p, &p, &p, 14).unwrap();
    all(&a.adx, 27, 0.0);
    all(&a.plus_di, 14, 0.0);
    let s = ind::stochastic(&p, &p, &p, 14, 3, 3).unwrap();
    all(&s.k, 17, 0.0);
    let sr = ind::stoch_rsi(&p, 14, 14, 3, 3).unwrap();
    all(&sr.k, 29, 50.0);
    all(&sr.d, 31, 50.0);
    all(&ind::obv(&p, &v).unwrap(), 0, 1.0);
    all(&ind::pvi(&p, &v, 1000.0).unwrap(), 0, 1000.0);
    // VWAP: the price, up to the rounding of the volume-weighted sums; no band width.
    let w = ind::vwap_bands(&p, &p, &p, &v, None, 2.0).unwrap();
    for i in 0..n {
        let vwap = w.vwap[i].unwrap();
        assert!((vwap / 2.85e-5 - 1.0).abs() < 1e-14, "{vwap}");
        assert!(w.upper[i].unwrap() - vwap <= 1e-14 * vwap);
    }
    assert!(
        ind::high_volume_nodes(&p, &p, &p, &p, &v, None, &HvnOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn empty_and_short_inputs_give_all_none_series_of_the_input_length() {
    for n in [0, 1, 5] {
        let x: Vec<f64> = (0..n).map(|i| 1.0 + f64::from(i as u32)).collect();
        let short: Vec<Series> = vec![
            ind::sma(&x, 6).unwrap(),
            ind::ema(&x, 6).unwrap(),
            ind::wma(&x, 6).unwrap(),
            ind::rsi(&x, 5).unwrap(),
            ind::macd(&x, 2, 3, 4).unwrap().signal,
            ind::bollinger(&x, 6, 2.0).unwrap().upper,
            ind::atr(&x, &x, &x, 5).unwrap(),
            ind::adx(&x, &x, &x, 3).unwrap().adx,
            ind::stochastic(&x, &x, &x, 4, 2, 2).unwrap().d,
            ind::stoch_rsi(&x, 2, 2, 3, 2).unwrap().k,
            ind::highest(&x, 6).unwrap(),
            ind::vwap(&x, &x, &x, &vec![0.0; n], None).unwrap(),
        ];
        for (k, s) in short.iter().enumerate() {
            assert_eq!(s.len(), n, "output {k} for {n} values");
            assert!(
                s.iter().all(Option::is_none),
                "output {k} for {n} values: {s:?}"
            );
        }
        assert_eq!(ind::obv(&x, &x).unwrap().len(), n);
        assert_eq!(ind::pvi(&x, &x, 1000.0).unwrap().len(), n);
        assert_eq!(ind::latest(&ind::sma(&x, 6).unwrap()), None);
    }
}

#[test]
fn invalid_parameters_are_errors() {
    let x = [1.0, 2.0, 3.0];
    let e = |r: Result<(), ind::IndicatorError>| assert!(r.is_err());
    e(ind::sma(&x, 0).map(drop));
    e(ind::sma(&x, ind::MAX_PERIOD + 1).map(drop));
    e(ind::ema(&x, 0).map(drop));
    e(ind::wma(&x, 0).map(drop));
    e(ind::rsi(&x, 1).map(drop));
    e(ind::macd(&x, 1, 26, 9).map(drop));
    e(ind::macd(&x, 12, 1, 9).map(drop));
    e(ind::macd(&x, 12, 26, 0).map(drop));
    e(ind::bollinger(&x, 1, 2.0).map(drop));
    e(ind::bollinger(&x, 20, f64::INFINITY).map(drop));
    e(ind::atr(&x, &x, &x, 0).map(drop));
    e(ind::adx(&x, &x, &x, 1).map(drop));
    e(ind::stochastic(&x, &x, &x, 0, 3, 3).map(drop));
    e(ind::stoch_rsi(&x, 14, 0, 3, 3).map(drop));
    e(ind::highest(&x, 0).map(drop));
    e(ind::lowest(&x, 0).map(drop));
    e(ind::vwap(&x, &x, &x, &x, Some(0)).map(drop));
    e(ind::pvi(&x, &x, f64::NAN).map(drop));
    e(ind::atr(&x, &x[..2], &x, 2).map(drop));
    e(ind::obv(&x, &x[..1]).map(drop));
    e(ind::Sma::new(0).map(drop));
    e(ind::Ema::new(usize::MAX).map(drop));
    e(ind::Rsi::new(1).map(drop));
    e(ind::MacdState::new(12, 26, 0).map(drop));
    e(ind::Bollinger::new(20, -2.0).map(drop));
    e(ind::Atr::new(0).map(drop));
    e(ind::AdxState::new(0).map(drop));
    e(ind::Stochastic::new(14, 3, 0).map(drop));
    e(ind::StochRsi::new(1, 14, 3, 3).map(drop));
    e(ind::Vwap::new(Some(0), 1.0).map(drop));
    e(ind::Pvi::new(f64::INFINITY).map(drop));
    e(ind::Highest::new(0).map(drop));
    e(ind::Lowest::new(usize::MAX).map(drop));
    let bins = HvnOptions {
        bins: usize::MAX,
        ..HvnOptions::default()
    };
    e(ind::VolumeProfile::new(bins).map(drop));
    // Period 1 is valid where TA-Lib accepts it, and the identity for the averages.
    let one = some(x.iter().map(|&v| Some(v)));
    assert_eq!(ind::sma(&x, 1).unwrap(), one);
    assert_eq!(ind::ema(&x, 1).unwrap(), one);
    assert_eq!(ind::wma(&x, 1).unwrap(), one);
}

#[test]
fn a_nan_ends_every_running_series_and_leaves_earlier_values_alone() {
    let c = &cases()[4];
    assert_eq!(c.name, "btcusdt_5m_2023-01-02_2023-02-09");
    let n = 400;
    let at = 250;
    let clean = |x: &[f64]| x[..n].to_vec();
    let (h, l, cl, v) = (
        clean(&c.high),
        clean(&c.low),
        clean(&c.close),
        clean(&c.volume),
    );
    let mut bad = cl.clone();
    bad[at] = f64::NAN;
    let runs = |close: &[f64]| -> Vec<Series> {
        let m = ind::macd(close, 12, 26, 9).unwrap();
        vec![
            ind::sma(close, 20).unwrap(),
            ind::ema(close, 20).unwrap(),
            ind::wma(close, 20).unwrap(),
            ind::rsi(close, 14).unwrap(),
            m.macd,
            m.histogram,
            ind::bollinger(close, 20, 2.0).unwrap().lower,
            ind::atr(&h, &l, close, 14).unwrap(),
            ind::adx(&h, &l, close, 14).unwrap().adx,
            ind::stochastic(&h, &l, close, 14, 3, 3).unwrap().k,
            ind::stoch_rsi(close, 14, 14, 3, 3).unwrap().d,
            ind::obv(close, &v).unwrap(),
            ind::pvi(close, &v, 1000.0).unwrap(),
            ind::vwap_bands(&h, &l, close, &v, None, 1.0).unwrap().upper,
        ]
    };
    for (k, (good, poisoned)) in runs(&cl).iter().zip(runs(&bad)).enumerate() {
        assert_eq!(good[..at], poisoned[..at], "output {k} before the NaN");
        assert!(
            good[at..].iter().all(Option::is_some),
            "output {k} is computable there"
        );
        assert!(
            poisoned[at..].iter().all(Option::is_none),
            "output {k} after the NaN"
        );
    }
    // Highest and lowest only lose the windows that contain the NaN.
    let hi = ind::highest(&bad, 10).unwrap();
    assert!(
        hi[at - 1].is_some()
            && hi[at..at + 10].iter().all(Option::is_none)
            && hi[at + 10].is_some()
    );
}

#[test]
fn every_prefix_gives_the_head_of_the_full_series() {
    // Causal indicators: the series of the first n bars is the first n values of the full
    // series, at every length through the lookbacks (0 to 80 bars).
    let c = &cases()[4];
    let full = causal_outputs(&c.high, &c.low, &c.close, &c.volume);
    for n in 0..=80 {
        let part = causal_outputs(&c.high[..n], &c.low[..n], &c.close[..n], &c.volume[..n]);
        for (k, (p, f)) in part.iter().zip(&full).enumerate() {
            assert_eq!(p[..], f[..n], "output {k} on {n} bars");
        }
    }
}

/// Batch functions writing into caller-owned series give the allocating functions' results,
/// whatever the series held before.
#[test]
fn into_variants_reuse_buffers_and_match() {
    let c = &cases()[1];
    let (h, l, cl, v) = (&c.high, &c.low, &c.close, &c.volume);
    for stale_len in [0, 7, 5000] {
        let stale = vec![Some(-1.0); stale_len];
        let mut s = stale.clone();
        ind::sma_into(cl, 20, &mut s).unwrap();
        assert_eq!(s, ind::sma(cl, 20).unwrap());
        let mut s = stale.clone();
        ind::ema_into(cl, 20, &mut s).unwrap();
        assert_eq!(s, ind::ema(cl, 20).unwrap());
        let mut s = stale.clone();
        ind::wma_into(cl, 20, &mut s).unwrap();
        assert_eq!(s, ind::wma(cl, 20).unwrap());
        let mut s = stale.clone();
        ind::rsi_into(cl, 14, &mut s).unwrap();
        assert_eq!(s, ind::rsi(cl, 14).unwrap());
        let mut s = stale.clone();
        ind::atr_into(h, l, cl, 14, &mut s).unwrap();
        assert_eq!(s, ind::atr(h, l, cl, 14).unwrap());
        let mut s = stale.clone();
        ind::true_range_into(h, l, cl, &mut s).unwrap();
        assert_eq!(s, ind::true_range(h, l, cl).unwrap());
        let mut s = stale.clone();
        ind::obv_into(cl, v, &mut s).unwrap();
        assert_eq!(s, ind::obv(cl, v).unwrap());
        let mut s = stale.clone();
        ind::pvi_into(cl, v, 1000.0, &mut s).unwrap();
        assert_eq!(s, ind::pvi(cl, v, 1000.0).unwrap());
        let mut s = stale.clone();
        ind::highest_into(h, 9, &mut s).unwrap();
        assert_eq!(s, ind::highest(h, 9).unwrap());
        let mut s = stale.clone();
        ind::lowest_into(l, 9, &mut s).unwrap();
        assert_eq!(s, ind::lowest(l, 9).unwrap());
        let mut m = ind::Macd {
            macd: stale.clone(),
            signal: stale.clone(),
            histogram: stale.clone(),
        };
        ind::macd_into(cl, 12, 26, 9, &mut m).unwrap();
        assert_eq!(m, ind::macd(cl, 12, 26, 9).unwrap());
        let mut b = ind::Bands {
            upper: stale.clone(),
            middle: stale.clone(),
            lower: stale.clone(),
        };
        ind::bollinger_into(cl, 20, 2.0, &mut b).unwrap();
        assert_eq!(b, ind::bollinger(cl, 20, 2.0).unwrap());
        let mut a = ind::Adx {
            adx: stale.clone(),
            plus_di: stale.clone(),
            minus_di: stale.clone(),
        };
        ind::adx_into(h, l, cl, 14, &mut a).unwrap();
        assert_eq!(a, ind::adx(h, l, cl, 14).unwrap());
        let mut st = ind::Stoch {
            k: stale.clone(),
            d: stale.clone(),
        };
        ind::stochastic_into(h, l, cl, (14, 3, 3), &mut st).unwrap();
        assert_eq!(st, ind::stochastic(h, l, cl, 14, 3, 3).unwrap());
        ind::stoch_rsi_into(cl, (14, 14, 3, 3), &mut st).unwrap();
        assert_eq!(st, ind::stoch_rsi(cl, 14, 14, 3, 3).unwrap());
        let mut w = ind::VwapBands {
            vwap: stale.clone(),
            upper: stale.clone(),
            lower: stale,
        };
        ind::vwap_bands_into([h, l, cl, v], Some(30), 1.5, &mut w).unwrap();
        assert_eq!(w, ind::vwap_bands(h, l, cl, v, Some(30), 1.5).unwrap());
    }
    // On error the output is left as it was.
    let mut s = vec![Some(3.0)];
    assert!(ind::sma_into(&c.close, 0, &mut s).is_err());
    assert_eq!(s, vec![Some(3.0)]);
}

#[test]
fn latest_is_the_last_computable_value() {
    let c = &cases()[4];
    let r = ind::rsi(&c.close, 14).unwrap();
    assert_eq!(ind::latest(&r), *r.last().unwrap());
    let mut padded = r.clone();
    padded.push(None);
    assert_eq!(ind::latest(&padded), *r.last().unwrap());
}
