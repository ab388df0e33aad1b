//! The Binance REST client against the fake: the universe, backfill paging, gap-repair
//! ranges, tickers, request weight (slowing down before the limit, 429 `Retry-After`, 418),
//! retries, deadlines and Binance's error bodies.

mod binance_support;

use std::time::{Duration, Instant};

use binance_support::{essence, rest_options, MIN, T0};
use fake_binance::{data, Endpoint, FakeBinance, FakeConfig, Fault};
use screener::binance::klines::{backfill, closed_range};
use screener::binance::{RestClient, RestError, RestOptions, TickerScope};
use screener::market::Interval;

fn client(fake: &FakeBinance) -> RestClient {
    client_with(rest_options(fake))
}

fn client_with(options: RestOptions) -> RestClient {
    RestClient::new(options).unwrap_or_else(|e| panic!("{e}"))
}

/// BTCUSDT 5m from the recorded file (10,999 contiguous candles), moved to start at T0, with
/// the clock 2 minutes into candle `closed`.
fn fake_with_recorded_btc(closed: i64) -> FakeBinance {
    let fake = FakeBinance::start(FakeConfig::fast());
    let candles = data::recorded("btcusdt_5m_2023-01-02_2023-02-09.csv", Interval::M5)
        .unwrap_or_else(|e| panic!("{e}"));
    fake.load("BTCUSDT", Interval::M5, data::rebased(&candles, T0));
    fake.set_now(T0 + closed * 5 * MIN + 2 * MIN);
    fake
}

#[tokio::test]
async fn universe_is_the_trading_spot_pairs_of_the_quote() {
    let fake = FakeBinance::start(FakeConfig {
        weight_limit: 1234,
        ..FakeConfig::fast()
    });
    let rest = client(&fake);
    let info = rest.exchange_info().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        info.universe("USDT"),
        ["ADAUSDT", "BNBUSDT", "BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"],
        "LUNAUSDT (BREAK), HALTEDUSDT (HALT), MRGNUSDT (margin only) and BTCBUSD are out"
    );
    assert_eq!(info.universe("BTC"), ["ADABTC", "ETHBTC"]);
    assert!(info.find("LUNAUSDT").is_some_and(|s| s.status == "BREAK"));
    assert_eq!(
        rest.budget().snapshot().limit,
        1234,
        "the live rateLimits set the budget"
    );
    let request = &fake.requests_to(Endpoint::ExchangeInfo)[0];
    assert_eq!(
        (request.weight, request.param("permissions")),
        (20, Some("SPOT"))
    );
}

#[tokio::test]
async fn backfill_pages_backwards_to_exactly_n_candles() {
    let fake = fake_with_recorded_btc(3000);
    let rest = client(&fake);
    let now = rest.server_time().await.unwrap_or_else(|e| panic!("{e}"));
    fake.clear_requests();
    let got = backfill(&rest, "BTCUSDT", Interval::M5, 2500, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let truth = fake.closed("BTCUSDT", Interval::M5);
    assert_eq!(truth.len(), 3000);
    assert_eq!(got.len(), 2500);
    assert!(
        got.windows(2).all(|w| w[0].open_time < w[1].open_time),
        "ordered, no duplicates"
    );
    let want: Vec<_> = truth[500..].iter().map(essence).collect();
    assert_eq!(got.iter().map(essence).collect::<Vec<_>>(), want);
    let requests = fake.requests_to(Endpoint::Klines);
    let shape: Vec<(Option<&str>, bool, bool)> = requests
        .iter()
        .map(|r| {
            (
                r.param("limit"),
                r.param("startTime").is_some(),
                r.param("endTime").is_some(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (Some("1000"), false, true),
            (Some("1000"), false, true),
            (Some("500"), false, true)
        ],
        "newest page first, ending before the forming candle, then backwards by endTime"
    );
    let first_end = requests[0]
        .param("endTime")
        .and_then(|e| e.parse::<i64>().ok());
    assert_eq!(first_end, Some(T0 + 3000 * 5 * MIN - 1));

    // Asking for more than exists returns all of it and stops at the listing's start.
    let all = backfill(&rest, "BTCUSDT", Interval::M5, 20_000, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        all.iter().map(essence).collect::<Vec<_>>(),
        truth.iter().map(essence).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn backfill_keeps_real_gaps() {
    let fake = FakeBinance::start(FakeConfig::fast());
    let candles = data::recorded("xrpeth_1m_2019-10-11_2019-10-13.csv", Interval::M1)
        .unwrap_or_else(|e| panic!("{e}"));
    let candles = data::rebased(&candles, T0);
    let last_open = candles[candles.len() - 1].open_time;
    fake.load("XRPETH", Interval::M1, candles);
    fake.set_now(last_open + MIN);
    let rest = client(&fake);
    let got = backfill(&rest, "XRPETH", Interval::M1, 1200, last_open + MIN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let truth = fake.closed("XRPETH", Interval::M1);
    let want: Vec<_> = truth[truth.len() - 1200..].iter().map(essence).collect();
    assert_eq!(got.iter().map(essence).collect::<Vec<_>>(), want);
    let spans: Vec<i64> = got
        .windows(2)
        .map(|w| w[1].open_time - w[0].open_time)
        .collect();
    assert!(
        spans.iter().any(|&s| s > MIN),
        "the recording's gaps are kept"
    );
}

#[tokio::test]
async fn closed_range_pages_forward_and_stops_before_the_forming_candle() {
    let fake = fake_with_recorded_btc(3000);
    let rest = client(&fake);
    let now = fake.now();
    let from = T0 + 1500 * 5 * MIN;
    let got = closed_range(&rest, "BTCUSDT", Interval::M5, from, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.len(), 1500);
    assert_eq!(got.first().map(|c| c.open_time), Some(from));
    assert_eq!(got.last().map(|c| c.open_time), Some(T0 + 2999 * 5 * MIN));
    assert_eq!(fake.requests_to(Endpoint::Klines).len(), 2);
    let none = closed_range(&rest, "BTCUSDT", Interval::M5, now, now).await;
    assert_eq!(none.map(|v| v.len()).ok(), Some(0));
}

#[tokio::test]
async fn tickers_use_the_documented_weights() {
    let fake = fake_with_recorded_btc(500);
    let rest = client(&fake);
    let one = rest
        .tickers_24h(TickerScope::One("btcusdt"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(one.len(), 1);
    let day: Vec<_> = fake
        .closed("BTCUSDT", Interval::M5)
        .into_iter()
        .filter(|c| c.open_time > fake.now() - 86_400_000)
        .collect();
    assert_eq!(
        one[0].high_price,
        day.iter().map(|c| c.high).fold(f64::MIN, f64::max)
    );
    let three: Vec<String> = ["BTCUSDT", "ETHUSDT", "BNBUSDT"].map(String::from).into();
    let many = rest
        .tickers_24h(TickerScope::Many(&three))
        .await
        .unwrap_or_default();
    assert_eq!(many.len(), 3);
    let all = rest.tickers_24h(TickerScope::All).await.unwrap_or_default();
    assert_eq!(all.len(), fake_binance::default_symbols().len());
    let weights: Vec<u32> = fake
        .requests_to(Endpoint::Ticker24h)
        .iter()
        .map(|r| r.weight)
        .collect();
    assert_eq!(weights, [2, 2, 80]);
}

#[tokio::test]
async fn the_weight_budget_slows_down_before_the_limit() {
    let fake = FakeBinance::start(FakeConfig {
        weight_limit: 100,
        weight_window: Duration::from_secs(1),
        ..FakeConfig::fast()
    });
    fake.load(
        "BTCUSDT",
        Interval::M1,
        data::synthetic(Interval::M1, T0, 100, 100.0, 1),
    );
    fake.set_now(T0 + 50 * MIN);
    let rest = client_with(RestOptions {
        weight_window: Duration::from_secs(1),
        headroom_percent: 10,
        ..rest_options(&fake)
    });
    rest.exchange_info().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rest.budget().snapshot().limit, 100);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let rest = rest.clone();
        tasks.spawn(async move {
            for _ in 0..20 {
                rest.klines("BTCUSDT", Interval::M1, None, None, 5).await?;
            }
            Ok::<_, RestError>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert!(matches!(done, Ok(Ok(()))), "{done:?}");
    }
    let elapsed = started.elapsed();
    let requests = fake.requests();
    assert_eq!(requests.len(), 81);
    assert!(requests.iter().all(|r| r.status == 200), "never a 429");
    assert!(requests.iter().all(|r| r.used_weight <= 100));
    let stats = rest.stats();
    assert!(stats.budget.waits > 0, "{stats:?}");
    assert_eq!(stats.rate_limited, 0);
    // 180 weight at 90 usable per window needs at least two windows; without the budget's
    // waits the fake would have answered 429.
    eprintln!(
        "180 weight (exchangeInfo + 80 klines) took {elapsed:?}; budget {:?}",
        stats.budget
    );
}

#[tokio::test]
async fn a_429_pauses_every_request_for_retry_after() {
    let fake = fake_with_recorded_btc(100);
    let rest = client(&fake);
    fake.inject(
        Fault::TooManyRequests { retry_after: 1 },
        Endpoint::Klines,
        1,
    );
    let got = rest.klines("BTCUSDT", Interval::M5, None, None, 10).await;
    assert_eq!(got.map(|c| c.len()).ok(), Some(10));
    let requests = fake.requests_to(Endpoint::Klines);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
    assert_eq!(rest.stats().rate_limited, 1);

    // A Retry-After longer than the client waits ends the call with a clear error.
    let patient = client_with(RestOptions {
        max_retry_after: Duration::from_secs(5),
        ..rest_options(&fake)
    });
    fake.inject(
        Fault::TooManyRequests { retry_after: 60 },
        Endpoint::Klines,
        1,
    );
    let err = patient
        .klines("BTCUSDT", Interval::M5, None, None, 10)
        .await;
    assert!(
        matches!(err, Err(RestError::RateLimited { retry_after, .. }) if retry_after == Duration::from_secs(60)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_418_stops_rest_calls_with_a_clear_error() {
    let fake = fake_with_recorded_btc(100);
    let rest = client(&fake);
    fake.inject(Fault::Banned { retry_after: 120 }, Endpoint::Klines, 1);
    let err = rest.klines("BTCUSDT", Interval::M5, None, None, 10).await;
    let Err(RestError::Banned { retry_after }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*retry_after, Duration::from_secs(120));
    let message = err
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(message.contains("banned this IP (HTTP 418)"), "{message}");
    let sent = fake.requests().len();
    let again = rest.server_time().await;
    assert!(
        matches!(again, Err(RestError::Banned { retry_after }) if retry_after > Duration::from_secs(110))
    );
    assert_eq!(fake.requests().len(), sent, "nothing is sent while banned");
    assert!(rest.stats().budget.banned_for.is_some());
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let fake = fake_with_recorded_btc(100);
    let rest = client(&fake);
    fake.inject(Fault::ServerError(503), Endpoint::Klines, 2);
    let got = rest.klines("BTCUSDT", Interval::M5, None, None, 3).await;
    assert_eq!(got.map(|c| c.len()).ok(), Some(3));
    assert_eq!(rest.stats().retries, 2);
    fake.inject(Fault::ServerError(502), Endpoint::Klines, 10);
    let err = rest.klines("BTCUSDT", Interval::M5, None, None, 3).await;
    assert!(
        matches!(
            err,
            Err(RestError::Server {
                status: 502,
                attempts: 4,
                ..
            })
        ),
        "{err:?}"
    );
    fake.clear_faults();
    fake.inject(Fault::Malformed, Endpoint::Klines, 1);
    let err = rest.klines("BTCUSDT", Interval::M5, None, None, 3).await;
    assert!(matches!(err, Err(RestError::Decode { .. })), "{err:?}");
}

#[tokio::test]
async fn an_unknown_symbol_is_refused_with_binances_code() {
    let fake = fake_with_recorded_btc(100);
    let rest = client(&fake);
    let err = rest.klines("NOPEUSDT", Interval::M1, None, None, 10).await;
    let Err(error) = err else {
        panic!("an unknown symbol succeeded");
    };
    assert!(error.is_invalid_symbol(), "{error:?}");
    assert_eq!(
        error,
        RestError::Rejected {
            endpoint: "/api/v3/klines",
            status: 400,
            code: -1121,
            msg: "Invalid symbol.".into()
        }
    );
    assert_eq!(
        fake.requests_to(Endpoint::Klines).len(),
        1,
        "refusals are not retried"
    );
}

#[tokio::test]
async fn every_request_has_a_deadline() {
    let fake = fake_with_recorded_btc(100);
    let rest = client_with(RestOptions {
        request_timeout: Duration::from_millis(300),
        max_attempts: 2,
        ..rest_options(&fake)
    });
    fake.inject(Fault::Delay(Duration::from_secs(5)), Endpoint::Time, 2);
    let started = Instant::now();
    let err = rest.server_time().await;
    assert!(matches!(err, Err(RestError::Timeout { .. })), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
