//! The bounded series and store, late candles, history windows and the rolling ticker.

use screener::market::{Candle, CandleSeries, Interval, Ticker, Upsert};
use serde_json::Value;

use super::{load_shared, same_volume, MINUTE};

#[test]
fn bounded_store_evicts_oldest_and_history_windows_feed_filters() {
    let btc = load_shared("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let mut series = CandleSeries::new(Interval::M5, 500);
    let counts = series.extend(btc.candles.iter().copied());
    assert_eq!(counts.appended, 10_999);
    assert_eq!(series.len(), 500);
    assert_eq!(series.first(), Some(btc.candles[10_499]));
    assert_eq!(series.last(), Some(btc.candles[10_998]));
    let closes: Vec<f64> = btc.candles[10_499..].iter().map(|c| c.close).collect();
    assert_eq!(series.all().closes(), closes.as_slice());

    // The history window ending at a just-closed candle, as a filter receives it.
    let end = btc.candles[10_900];
    let window = series
        .window(end.open_time, 200)
        .unwrap_or_else(|| panic!("stored"));
    assert_eq!(window.len(), 200);
    assert_eq!(window.last(), Some(end));
    assert_eq!(
        window.highs(),
        btc.candles[10_701..=10_900]
            .iter()
            .map(|c| c.high)
            .collect::<Vec<_>>()
    );
    let klines = window.to_klines_json();
    let klines = klines.as_array().map(Vec::as_slice).unwrap_or_default();
    assert_eq!(klines.len(), 200);
    assert_eq!(klines[199][0], Value::from(end.open_time));
    assert_eq!(
        klines[199][4].as_str().and_then(|s| s.parse::<f64>().ok()),
        Some(end.close)
    );
    // Asking for more history than is kept returns what is kept.
    assert_eq!(
        series.window(end.open_time, 5_000).map(|w| w.len()),
        Some(402)
    );
}

#[test]
fn late_candles_fill_gaps_in_order_without_inventing_any() {
    let xrp = load_shared("xrpeth_1m_2019-10-11_2019-10-13.csv");
    let (late, on_time): (Vec<Candle>, Vec<Candle>) = xrp
        .candles
        .iter()
        .partition(|c| (c.open_time / MINUTE) % 7 == 3);
    assert!(late.len() > 300, "a real share of the candles arrives late");
    let mut series = CandleSeries::new(Interval::M1, 10_000);
    series.extend(on_time);
    let mut outcomes = late.iter().rev().map(|c| series.upsert(*c));
    assert!(outcomes.all(|o| o == Upsert::Inserted));
    assert_eq!(
        series.all().to_vec(),
        xrp.candles,
        "same candles, same order, nothing added"
    );
}

#[test]
fn ticker_is_the_rolling_24h_of_the_series() {
    let btc = load_shared("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let mut series = CandleSeries::new(Interval::M5, 1_000);
    series.extend(btc.candles.iter().copied());
    // The series keeps candles 9999…10998, so as of candle 10000 only 2 candles are known.
    let short = Ticker::rolling_24h("BTCUSDT", &series, btc.candles[10_000].open_time);
    assert_eq!(
        short.map(|t| t.open_time),
        Some(btc.candles[9_999].open_time)
    );
    let as_of = btc.candles[10_900];
    let ticker = Ticker::rolling_24h("BTCUSDT", &series, as_of.open_time)
        .unwrap_or_else(|| panic!("stored"));
    let day = &btc.candles[10_900 - 287..=10_900]; // 288 five-minute candles
    assert_eq!(ticker.open_time, day[0].open_time);
    assert_eq!(ticker.close_time - ticker.open_time + 1, 24 * 60 * MINUTE);
    assert_eq!(ticker.open_price, day[0].open);
    assert_eq!(ticker.last_price, as_of.close);
    assert_eq!(
        ticker.high_price,
        day.iter().map(|c| c.high).fold(f64::MIN, f64::max)
    );
    assert_eq!(
        ticker.low_price,
        day.iter().map(|c| c.low).fold(f64::MAX, f64::min)
    );
    assert!(same_volume(
        ticker.volume,
        day.iter().map(|c| c.volume).sum()
    ));
    let json = ticker.to_json();
    for key in [
        "s",
        "c",
        "P",
        "p",
        "o",
        "h",
        "l",
        "v",
        "q",
        "symbol",
        "lastPrice",
        "priceChangePercent",
        "quoteVolume",
        "volume",
        "highPrice",
        "lowPrice",
        "openPrice",
    ] {
        assert!(json[key].is_string(), "{key} is a decimal string");
    }
    assert_eq!(
        json["c"].as_str().and_then(|s| s.parse::<f64>().ok()),
        Some(as_of.close)
    );
    let percent: f64 = json["P"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);
    assert!((percent - (as_of.close - day[0].open) / day[0].open * 100.0).abs() < 0.0005);
}
