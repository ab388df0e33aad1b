//! Stream frames in Binance's exact shapes (docs/binance-data.md §2.1, §2.3): the combined
//! wrapper `{"stream": …, "data": …}`, the kline event with its one-letter keys in the
//! documentation's order, the `serverShutdown` event, and the replies to control messages.

use screener::market::{Candle, Interval};
use serde_json::{json, Value};

use crate::klines::{binance_decimal, trade_ids};

/// `btcusdt@kline_1m`: the stream name of a series (symbols in lower case).
pub fn stream_name(symbol: &str, interval: Interval) -> String {
    format!(
        "{}@kline_{}",
        symbol.to_ascii_lowercase(),
        interval.as_str()
    )
}

/// The combined-stream frame of one kline update sent at `event_time`.
pub fn kline(
    symbol: &str,
    interval: Interval,
    candle: &Candle,
    closed: bool,
    event_time: i64,
) -> String {
    let d = |v: f64| Value::String(binance_decimal(v));
    let (first, last) = trade_ids(candle);
    let data = json!({
        "e": "kline",
        "E": event_time,
        "s": symbol,
        "k": {
            "t": candle.open_time,
            "T": candle.close_time,
            "s": symbol,
            "i": interval.as_str(),
            "f": first,
            "L": last,
            "o": d(candle.open),
            "c": d(candle.close),
            "h": d(candle.high),
            "l": d(candle.low),
            "v": d(candle.volume),
            "n": candle.trades.unwrap_or(0),
            "x": closed,
            "q": d(candle.quote_volume_or_estimate()),
            "V": d(candle.taker_buy_base_volume.unwrap_or(0.0)),
            "Q": d(candle.taker_buy_quote_volume.unwrap_or(0.0)),
            "B": "0"
        }
    });
    json!({ "stream": stream_name(symbol, interval), "data": data }).to_string()
}

/// The wrapped `serverShutdown` announcement.
pub fn server_shutdown(event_time: i64) -> String {
    json!({
        "stream": "!serverShutdown",
        "data": { "e": "serverShutdown", "E": event_time }
    })
    .to_string()
}

/// `{"result": result, "id": id}`.
pub fn result(result: Value, id: &Value) -> String {
    json!({ "result": result, "id": id }).to_string()
}

/// `{"error": {"code": code, "msg": msg}, "id": id}`; codes 0–3 as documented.
pub fn error(code: i64, msg: &str, id: &Value) -> String {
    json!({ "error": { "code": code, "msg": msg }, "id": id }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kline_frame_has_the_documented_keys() {
        let c = Candle::new(
            1_672_515_780_000,
            Interval::M1,
            0.001,
            0.0025,
            0.001,
            0.002,
            1000.0,
        );
        let text = kline("BNBBTC", Interval::M1, &c, false, 1_672_515_782_136);
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v["stream"], "bnbbtc@kline_1m");
        assert_eq!(v["data"]["e"], "kline");
        assert_eq!(v["data"]["s"], "BNBBTC");
        let k = &v["data"]["k"];
        assert_eq!(k["t"], 1_672_515_780_000_i64);
        assert_eq!(k["T"], 1_672_515_839_999_i64);
        assert_eq!(k["i"], "1m");
        assert_eq!(k["o"], "0.00100000");
        assert_eq!(k["c"], "0.00200000");
        assert_eq!(k["x"], false);
        assert_eq!((k["f"].clone(), k["L"].clone()), (json!(-1), json!(-1)));
        let keys: Vec<&String> = k
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 17);
    }
}
