//! The fake itself, driven with a plain HTTP client and a plain WebSocket client: the REST
//! rules and headers, the weight limit's 429 → 418 escalation, and the stream endpoint's
//! frames, limits and keep-alive.

use std::time::Duration;

use fake_binance::{data, Ending, Endpoint, FakeBinance, FakeConfig, Fault, USED_WEIGHT_HEADER};
use futures_util::{SinkExt, StreamExt};
use screener::market::Interval;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const T0: i64 = fake_binance::DEFAULT_NOW;
const MIN: i64 = 60_000;

fn fake_with_btc(config: FakeConfig) -> FakeBinance {
    let fake = FakeBinance::start(config);
    fake.load(
        "BTCUSDT",
        Interval::M1,
        data::synthetic(Interval::M1, T0, 3000, 100.0, 1),
    );
    fake.set_now(T0 + 2000 * MIN + 30_000);
    fake
}

async fn get(fake: &FakeBinance, path_and_query: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = reqwest::get(format!("{}{path_and_query}", fake.rest_url()))
        .await
        .unwrap_or_else(|e| panic!("GET {path_and_query}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn opens(body: &Value) -> Vec<i64> {
    body.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r[0].as_i64())
                .map(|t| (t - T0) / MIN)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn klines_follow_the_window_rules_and_report_weight() {
    let fake = fake_with_btc(FakeConfig::fast());
    let (status, headers, body) = get(&fake, "/api/v3/klines?symbol=BTCUSDT&interval=1m").await;
    assert_eq!(status, 200);
    let rows = opens(&body);
    assert_eq!(rows.len(), 500, "default limit");
    assert_eq!(rows.last(), Some(&2000), "the forming candle comes last");
    assert_eq!(headers[USED_WEIGHT_HEADER], "2");

    let q = format!(
        "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={}&limit=3",
        T0 + 10 * MIN
    );
    assert_eq!(opens(&get(&fake, &q).await.2), [10, 11, 12]);
    let q = format!(
        "/api/v3/klines?symbol=BTCUSDT&interval=1m&endTime={}&limit=2",
        T0 + 10 * MIN
    );
    assert_eq!(opens(&get(&fake, &q).await.2), [9, 10]);
    let q = format!(
        "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={}&endTime={}&limit=5000",
        T0 * 1000,
        (T0 + 1500 * MIN) * 1000
    );
    assert_eq!(
        opens(&get(&fake, &q).await.2).len(),
        1000,
        "µs accepted, limit capped"
    );

    let (status, headers, body) = get(&fake, "/api/v3/klines?symbol=NOPEUSDT&interval=1m").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        serde_json::json!({"code": -1121, "msg": "Invalid symbol."})
    );
    assert_eq!(headers[USED_WEIGHT_HEADER], "10");
    let (status, _, body) = get(&fake, "/api/v3/klines?symbol=BTCUSDT&interval=2m").await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(-1120)));
    let (_, _, body) = get(&fake, "/api/v3/time").await;
    assert_eq!(body["serverTime"].as_i64(), Some(fake.now()));
    assert_eq!(fake.requests_to(Endpoint::Klines).len(), 6);
}

#[tokio::test]
async fn exchange_info_and_tickers_have_binance_shapes() {
    let fake = fake_with_btc(FakeConfig::fast());
    let (_, headers, info) = get(&fake, "/api/v3/exchangeInfo?permissions=SPOT").await;
    assert_eq!(headers[USED_WEIGHT_HEADER], "20");
    assert_eq!(info["rateLimits"][0]["limit"].as_u64(), Some(6000));
    let names: Vec<&str> = info["symbols"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["symbol"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"LUNAUSDT") && !names.contains(&"MRGNUSDT"),
        "{names:?}"
    );

    let (_, headers, one) = get(&fake, "/api/v3/ticker/24hr?symbol=BTCUSDT").await;
    assert_eq!(headers[USED_WEIGHT_HEADER], "22");
    assert_eq!(one["symbol"], "BTCUSDT");
    assert!(one["priceChangePercent"].as_str().is_some());
    assert_eq!(one["closeTime"].as_i64(), Some(fake.now()));
    let (_, headers, all) = get(&fake, "/api/v3/ticker/24hr?type=MINI").await;
    assert_eq!(headers[USED_WEIGHT_HEADER], "102");
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(fake_binance::default_symbols().len())
    );
    assert!(
        all[0].get("priceChange").is_none(),
        "MINI has no priceChange"
    );
}

#[tokio::test]
async fn going_on_after_a_429_gets_the_ip_banned() {
    let config = FakeConfig {
        weight_limit: 4,
        weight_window: Duration::from_secs(3600),
        ..FakeConfig::fast()
    };
    let fake = fake_with_btc(config);
    let q = "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1";
    assert_eq!(get(&fake, q).await.0, 200);
    assert_eq!(get(&fake, q).await.0, 200);
    let (status, headers, body) = get(&fake, q).await;
    assert_eq!(status, 429);
    assert!(headers["retry-after"]
        .to_str()
        .is_ok_and(|s| s.parse::<u64>().is_ok()));
    assert_eq!(body["code"].as_i64(), Some(-1003));
    let (status, headers, body) = get(&fake, q).await;
    assert_eq!(status, 418);
    assert_eq!(headers["retry-after"], "120");
    assert!(body["msg"]
        .as_str()
        .is_some_and(|m| m.contains("IP banned until")));
    assert_eq!(
        get(&fake, "/api/v3/time").await.0,
        418,
        "banned for everything"
    );
}

#[tokio::test]
async fn injected_faults_fire_then_clear() {
    let fake = fake_with_btc(FakeConfig::fast());
    fake.inject(Fault::ServerError(503), Endpoint::Time, 1);
    fake.inject(Fault::TooManyRequests { retry_after: 7 }, Endpoint::Time, 1);
    assert_eq!(get(&fake, "/api/v3/time").await.0, 503);
    let (status, headers, _) = get(&fake, "/api/v3/time").await;
    assert_eq!(
        (status, headers["retry-after"].to_str().ok()),
        (429, Some("7"))
    );
    assert_eq!(get(&fake, "/api/v3/time").await.0, 200);
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(fake: &FakeBinance, streams: &[&str]) -> Result<Ws, u16> {
    let url = format!("{}/stream?streams={}", fake.ws_url(), streams.join("/"));
    match tokio_tungstenite::connect_async(url).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("connect: {e}"),
    }
}

async fn next_text(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
        match message {
            Ok(Some(Ok(Message::Text(text)))) => {
                return serde_json::from_str(text.as_str()).unwrap_or(Value::Null)
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("no text frame: {other:?}"),
        }
    }
}

async fn wait_for_connections(fake: &FakeBinance, count: usize) {
    for _ in 0..200 {
        if fake.connections().len() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "expected {count} connections, have {:?}",
        fake.connections()
    );
}

#[tokio::test]
async fn streams_push_kline_updates_in_order() {
    let fake = fake_with_btc(FakeConfig::fast());
    let mut ws = connect(&fake, &["btcusdt@kline_1m"])
        .await
        .unwrap_or_else(|s| panic!("{s}"));
    wait_for_connections(&fake, 1).await;
    fake.advance(Interval::M1, 2);
    let mut seen = Vec::new();
    for _ in 0..5 {
        let frame = next_text(&mut ws).await;
        assert_eq!(frame["stream"], "btcusdt@kline_1m");
        let k = &frame["data"]["k"];
        let open = (k["t"].as_i64().unwrap_or(0) - T0) / MIN;
        seen.push((open, k["x"].as_bool().unwrap_or(false)));
    }
    // 30 s into candle 2000: its 40 s update and its close, then all of 2001.
    assert_eq!(
        seen,
        [
            (2000, false),
            (2000, true),
            (2001, false),
            (2001, false),
            (2001, true)
        ]
    );
    let closed = fake.closed("BTCUSDT", Interval::M1);
    assert_eq!(closed.last().map(|c| (c.open_time - T0) / MIN), Some(2001));

    ws.send(Message::text(
        r#"{"method":"SUBSCRIBE","params":["ethusdt@kline_5m"],"id":7}"#,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        next_text(&mut ws).await,
        serde_json::json!({"result": null, "id": 7})
    );
    ws.send(Message::text(r#"{"method":"LIST_SUBSCRIPTIONS","id":8}"#))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let list = next_text(&mut ws).await;
    assert_eq!(
        list["result"],
        serde_json::json!(["btcusdt@kline_1m", "ethusdt@kline_5m"])
    );
}

#[tokio::test]
async fn stream_limits_are_enforced() {
    let config = FakeConfig {
        max_streams_per_connection: 3,
        max_url_length: 200,
        ..FakeConfig::fast()
    };
    let fake = fake_with_btc(config);
    let four = ["a@kline_1m", "b@kline_1m", "c@kline_1m", "d@kline_1m"];
    assert_eq!(connect(&fake, &four).await.err(), Some(400));
    let long: Vec<String> = (0..3)
        .map(|i| format!("{}{i}@kline_1m", "x".repeat(70)))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    assert_eq!(connect(&fake, &long).await.err(), Some(414));
    fake.set_streams_available(false);
    assert_eq!(connect(&fake, &four[..1]).await.err(), Some(503));
    fake.set_streams_available(true);
    let mut ws = connect(&fake, &four[..3])
        .await
        .unwrap_or_else(|s| panic!("{s}"));
    ws.send(Message::text(
        r#"{"method":"SUBSCRIBE","params":["d@kline_1m"],"id":1}"#,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next_text(&mut ws).await["error"]["code"].as_i64(), Some(2));
}

#[tokio::test]
async fn a_client_that_does_not_pong_is_dropped() {
    let config = FakeConfig {
        ping_interval: Duration::from_millis(50),
        pong_timeout: Duration::from_millis(200),
        max_incoming_per_second: 100,
        ..FakeConfig::fast()
    };
    let fake = fake_with_btc(config);
    // This one reads, so tungstenite answers every ping.
    let mut reader = connect(&fake, &["btcusdt@kline_1m"])
        .await
        .unwrap_or_else(|s| panic!("{s}"));
    let reading = tokio::spawn(async move { while let Some(Ok(_)) = reader.next().await {} });
    // This one never reads, so its pings go unanswered.
    let _silent = connect(&fake, &["btcusdt@kline_1m"])
        .await
        .unwrap_or_else(|s| panic!("{s}"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let endings = fake.endings();
    assert_eq!(endings.len(), 1, "{endings:?}");
    assert_eq!(endings[0].1, Ending::NoPong);
    assert_eq!(fake.connections().len(), 1, "the reader stays");
    reading.abort();
}

#[tokio::test]
async fn too_many_incoming_messages_drop_the_connection() {
    let fake = fake_with_btc(FakeConfig::fast());
    let mut ws = connect(&fake, &["btcusdt@kline_1m"])
        .await
        .unwrap_or_else(|s| panic!("{s}"));
    for id in 0..6 {
        let text = format!(r#"{{"method":"LIST_SUBSCRIPTIONS","id":{id}}}"#);
        if ws.send(Message::text(text)).await.is_err() {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.endings().first().map(|e| e.1),
        Some(Ending::TooManyMessages)
    );
}
