//! A signal's detail: the candles up to its candle (local recorded runs: from the run's
//! files; otherwise Binance `GET /api/v3/klines` with a 10 s deadline), indicator values at
//! its candle, and a candlestick SVG with the signal marked. An unreachable Binance still
//! gives a detail, with a `note` saying why there are no candles.

use std::time::Duration;

use screener::binance::{RestClient, RestOptions};
use screener::indicators::{atr, bollinger, ema, macd, rsi, sma};
use screener::market::{Candle, Interval};

use super::view::{CandleView, IndicatorValue, SignalDetail, SignalView};
use crate::chart::candles::render_candles;
use crate::error::Result;
use crate::store::local_signals::StoredSignal;

/// Candles shown (and fed to the indicators) up to the signal's.
pub const CANDLES: usize = 120;
/// Deadline of the klines request.
pub const KLINES_DEADLINE: Duration = Duration::from_secs(10);

/// Builds the detail from `candles` (oldest first, ending at or after the signal's).
pub fn detail(
    signal: SignalView,
    stored: &StoredSignal,
    candles: Vec<Candle>,
    note: Option<String>,
) -> Result<SignalDetail> {
    let upto: Vec<Candle> = candles
        .into_iter()
        .filter(|c| c.open_time <= signal.open_time)
        .collect();
    let start = upto.len().saturating_sub(CANDLES);
    let views: Vec<CandleView> = upto[start..]
        .iter()
        .map(|c| CandleView {
            open_time: c.open_time,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
        })
        .collect();
    let note = match (note, views.last()) {
        (Some(note), _) => Some(note),
        (None, None) => Some("no candles were found for this signal".into()),
        (None, Some(last)) if last.open_time != signal.open_time => Some(
            "the signal's own candle is missing; the chart ends at the candle before it".into(),
        ),
        _ => None,
    };
    let title = format!("{} {}", signal.symbol, signal.interval);
    let chart_svg = render_candles(&title, &views, signal.open_time, signal.price, (720, 320))?;
    Ok(SignalDetail {
        indicators: indicators(&views),
        candles: views,
        chart_svg,
        analysis: stored.analysis.clone(),
        note,
        signal,
    })
}

/// RSI(14), EMA(20), SMA(50), MACD(12,26,9) histogram, Bollinger(20,2) %B and ATR(14) at the
/// last candle; `None` where there is not enough history.
pub fn indicators(candles: &[CandleView]) -> Vec<IndicatorValue> {
    let close: Vec<f64> = candles.iter().map(|c| c.close).collect();
    let high: Vec<f64> = candles.iter().map(|c| c.high).collect();
    let low: Vec<f64> = candles.iter().map(|c| c.low).collect();
    let last = |series: Option<Vec<Option<f64>>>| series.and_then(|s| s.last().copied().flatten());
    let percent_b = bollinger(&close, 20, 2.0).ok().and_then(|b| {
        let (u, l) = (
            b.upper.last().copied().flatten()?,
            b.lower.last().copied().flatten()?,
        );
        let c = *close.last()?;
        (u > l).then(|| (c - l) / (u - l))
    });
    vec![
        value("RSI(14)", last(rsi(&close, 14).ok())),
        value("EMA(20)", last(ema(&close, 20).ok())),
        value("SMA(50)", last(sma(&close, 50).ok())),
        value(
            "MACD histogram (12, 26, 9)",
            last(macd(&close, 12, 26, 9).ok().map(|m| m.histogram)),
        ),
        value("Bollinger %B (20, 2)", percent_b),
        value("ATR(14)", last(atr(&high, &low, &close, 14).ok())),
    ]
}

fn value(name: &str, value: Option<f64>) -> IndicatorValue {
    IndicatorValue {
        name: name.into(),
        value,
    }
}

/// Up to [`CANDLES`] candles of (`symbol`, `interval`) ending with the one opened at
/// `open_time`, from Binance at `base_url`, within [`KLINES_DEADLINE`].
pub async fn klines(
    base_url: &str,
    symbol: &str,
    interval: Interval,
    open_time: i64,
) -> std::result::Result<Vec<Candle>, String> {
    let rest = RestClient::new(RestOptions {
        base_url: base_url.to_owned(),
        request_timeout: KLINES_DEADLINE,
        max_attempts: 1,
        ..RestOptions::default()
    })
    .map_err(|e| e.to_string())?;
    let start = open_time - interval.duration_ms() * (CANDLES as i64 - 1);
    match tokio::time::timeout(
        KLINES_DEADLINE,
        rest.klines(symbol, interval, Some(start), Some(open_time), CANDLES),
    )
    .await
    {
        Ok(Ok(candles)) => Ok(candles),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", KLINES_DEADLINE.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candles(n: i64) -> Vec<CandleView> {
        (0..n)
            .map(|i| {
                let p = 100.0 + (i as f64 / 3.0).sin() * 5.0 + i as f64 * 0.1;
                CandleView {
                    open_time: i * 60_000,
                    open: p,
                    high: p + 1.0,
                    low: p - 1.0,
                    close: p + 0.5,
                    volume: 1.0,
                }
            })
            .collect()
    }

    #[test]
    fn indicators_need_their_history() {
        let short = indicators(&candles(10));
        assert!(short.iter().all(|v| v.value.is_none()), "{short:?}");
        let long = indicators(&candles(120));
        assert!(long.iter().all(|v| v.value.is_some()), "{long:?}");
        let rsi = long[0].value.unwrap();
        assert!((0.0..=100.0).contains(&rsi));
        let sma50 = long[2].value.unwrap();
        let closes: Vec<f64> = candles(120)[70..].iter().map(|c| c.close).collect();
        assert!((sma50 - closes.iter().sum::<f64>() / 50.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn unreachable_binance_is_an_error_message() {
        let err = klines("http://127.0.0.1:9", "BTCUSDT", Interval::M1, 0)
            .await
            .unwrap_err();
        assert!(!err.is_empty());
    }
}
