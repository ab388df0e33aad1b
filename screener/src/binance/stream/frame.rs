//! Parsing combined-stream text frames (docs §2.1, §2.3): kline events (`{"stream":
//! "btcusdt@kline_1m", "data": {"e": "kline", …}}`), the `serverShutdown` announcement
//! (wrapped or not) and the replies to SUBSCRIBE (`{"result": null, "id": 1}` or `{"error":
//! {…}, "id": 1}`). Kline fields are read by key, never by position; a frame that does not
//! hold together (bad numbers, a close time that does not fit the interval, a stream name that
//! does not match the payload) is a [`FrameError`], which the caller counts and skips.

use serde::Deserialize;
use serde_json::Value;

use crate::market::{Candle, Interval, SeriesKey};

/// One understood frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Kline(KlineUpdate),
    /// A control message was accepted.
    Ack {
        id: u64,
    },
    /// A control message was refused.
    Refused {
        id: Option<u64>,
        message: String,
    },
    /// Binance is about to close the connection.
    ServerShutdown,
    /// Valid, but nothing the feed uses (another event type).
    Other,
}

/// One kline update.
#[derive(Debug, Clone, PartialEq)]
pub struct KlineUpdate {
    pub key: SeriesKey,
    pub candle: Candle,
    /// `k.x`: whether this is the candle's final value.
    pub closed: bool,
    /// `E`, Binance's time of the update.
    pub event_time: i64,
}

/// Why a frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("unexpected frame shape: {0}")]
    Shape(String),
    #[error("kline field {field}: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
    #[error("stream {stream} carries a kline of {symbol} {interval}")]
    Mismatch {
        stream: String,
        symbol: String,
        interval: String,
    },
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "E")]
    event_time: i64,
    #[serde(rename = "k")]
    kline: Kline,
}

#[derive(Deserialize)]
struct Kline {
    #[serde(rename = "t")]
    open_time: i64,
    #[serde(rename = "T")]
    close_time: i64,
    #[serde(rename = "s")]
    symbol: String,
    #[serde(rename = "i")]
    interval: String,
    #[serde(rename = "o")]
    open: String,
    #[serde(rename = "c")]
    close: String,
    #[serde(rename = "h")]
    high: String,
    #[serde(rename = "l")]
    low: String,
    #[serde(rename = "v")]
    volume: String,
    #[serde(rename = "n")]
    trades: u64,
    #[serde(rename = "x")]
    closed: bool,
    #[serde(rename = "q")]
    quote_volume: String,
    #[serde(rename = "V")]
    taker_buy_base: String,
    #[serde(rename = "Q")]
    taker_buy_quote: String,
}

/// Parses one text frame.
pub fn parse(text: &str) -> Result<Frame, FrameError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FrameError::Json(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(FrameError::Shape("not an object".into()));
    };
    if let Some(data) = object.get("data") {
        let stream = object.get("stream").and_then(Value::as_str).unwrap_or("");
        return event(stream, data);
    }
    if object.contains_key("result") {
        let id = object.get("id").and_then(Value::as_u64);
        return id
            .map(|id| Frame::Ack { id })
            .ok_or_else(|| FrameError::Shape("a result without a numeric id".into()));
    }
    if let Some(error) = object.get("error") {
        let message = error
            .get("msg")
            .and_then(Value::as_str)
            .unwrap_or("refused")
            .to_owned();
        let id = object.get("id").and_then(Value::as_u64);
        return Ok(Frame::Refused { id, message });
    }
    if object.get("e").and_then(Value::as_str) == Some("serverShutdown") {
        return Ok(Frame::ServerShutdown);
    }
    Err(FrameError::Shape(
        "neither a stream event nor a reply".into(),
    ))
}

fn event(stream: &str, data: &Value) -> Result<Frame, FrameError> {
    match data.get("e").and_then(Value::as_str) {
        Some("kline") => {}
        Some("serverShutdown") => return Ok(Frame::ServerShutdown),
        Some(_) => return Ok(Frame::Other),
        None => return Err(FrameError::Shape("data without an event type".into())),
    }
    let event = Event::deserialize(data).map_err(|e| FrameError::Shape(e.to_string()))?;
    let k = event.kline;
    let interval: Interval = k.interval.parse().map_err(|e| FrameError::Field {
        field: "i",
        problem: format!("{e}"),
    })?;
    let expected = format!(
        "{}@kline_{}",
        k.symbol.to_ascii_lowercase(),
        interval.as_str()
    );
    if stream != expected {
        return Err(FrameError::Mismatch {
            stream: stream.to_owned(),
            symbol: k.symbol,
            interval: k.interval,
        });
    }
    let number = |field: &'static str, text: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| FrameError::Field {
                field,
                problem: format!("`{text}` is not a non-negative decimal"),
            })
    };
    let candle = Candle {
        open_time: k.open_time,
        close_time: k.close_time,
        open: number("o", &k.open)?,
        high: number("h", &k.high)?,
        low: number("l", &k.low)?,
        close: number("c", &k.close)?,
        volume: number("v", &k.volume)?,
        quote_volume: Some(number("q", &k.quote_volume)?),
        trades: Some(k.trades),
        taker_buy_base_volume: Some(number("V", &k.taker_buy_base)?),
        taker_buy_quote_volume: Some(number("Q", &k.taker_buy_quote)?),
    };
    check(&candle, interval)?;
    Ok(Frame::Kline(KlineUpdate {
        key: SeriesKey::new(&k.symbol, interval),
        candle,
        closed: k.closed,
        event_time: event.event_time,
    }))
}

fn check(candle: &Candle, interval: Interval) -> Result<(), FrameError> {
    if candle.close_time != candle.open_time + interval.duration_ms() - 1 {
        return Err(FrameError::Field {
            field: "T",
            problem: format!(
                "close time {} does not fit a {interval} candle opened at {}",
                candle.close_time, candle.open_time
            ),
        });
    }
    let inside = |v: f64| v >= candle.low && v <= candle.high;
    if !(inside(candle.open) && inside(candle.close)) {
        return Err(FrameError::Field {
            field: "h/l",
            problem: format!(
                "open {} and close {} must lie within low {} and high {}",
                candle.open, candle.close, candle.low, candle.high
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's sample payload, wrapped as a combined-stream frame.
    const SAMPLE: &str = r#"{"stream":"bnbbtc@kline_1m","data":{
        "e": "kline", "E": 1672515782136, "s": "BNBBTC",
        "k": {"t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m",
              "f": 100, "L": 200, "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0015",
              "v": "1000", "n": 100, "x": false, "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"}}}"#;

    #[test]
    fn the_documented_kline_parses() {
        let sample = SAMPLE.replace(r#""l": "0.0015""#, r#""l": "0.0010""#);
        let Ok(Frame::Kline(update)) = parse(&sample) else {
            panic!("{:?}", parse(&sample));
        };
        assert_eq!(update.key, SeriesKey::new("BNBBTC", Interval::M1));
        assert_eq!(update.candle.open_time, 1_672_515_780_000);
        assert_eq!((update.candle.open, update.candle.close), (0.001, 0.002));
        assert_eq!(update.candle.quote_volume, Some(1.0));
        assert!(!update.closed);
        assert_eq!(update.event_time, 1_672_515_782_136);
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        // The documentation's sample itself has open 0.0010 below low 0.0015.
        assert!(matches!(
            parse(SAMPLE),
            Err(FrameError::Field { field: "h/l", .. })
        ));
        assert!(matches!(parse("{nope"), Err(FrameError::Json(_))));
        assert!(matches!(parse("[1,2]"), Err(FrameError::Shape(_))));
        let wrong_stream = SAMPLE
            .replace("bnbbtc@kline_1m", "ethbtc@kline_1m")
            .replace(r#""l": "0.0015""#, r#""l": "0.0010""#);
        assert!(matches!(
            parse(&wrong_stream),
            Err(FrameError::Mismatch { .. })
        ));
        let bad_number = SAMPLE.replace(r#""v": "1000""#, r#""v": "lots""#);
        assert!(parse(&bad_number).is_err());
        let bad_close = SAMPLE.replace("1672515839999", "1672515840000");
        assert!(parse(&bad_close).is_err());
        let month = SAMPLE.replace(r#""i": "1m""#, r#""i": "1M""#);
        assert!(parse(&month).is_err());
    }

    #[test]
    fn replies_and_announcements() {
        assert_eq!(parse(r#"{"result":null,"id":3}"#), Ok(Frame::Ack { id: 3 }));
        assert_eq!(
            parse(r#"{"error":{"code":2,"msg":"Invalid request"},"id":4}"#),
            Ok(Frame::Refused {
                id: Some(4),
                message: "Invalid request".into()
            })
        );
        assert_eq!(
            parse(r#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}"#),
            Ok(Frame::ServerShutdown)
        );
        assert_eq!(
            parse(r#"{"e":"serverShutdown","E":1}"#),
            Ok(Frame::ServerShutdown)
        );
        assert_eq!(
            parse(r#"{"stream":"btcusdt@trade","data":{"e":"trade"}}"#),
            Ok(Frame::Other)
        );
    }
}
