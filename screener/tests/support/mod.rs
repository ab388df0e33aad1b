//! Test-only support for the analysis tests: the fake Gemini API, model verdicts, and builders
//! of traders, candles, jobs and configurations pointed at the fake.

pub mod fake_gemini;
pub mod verdicts;

use std::sync::Arc;
use std::time::Duration;

use screener::analysis::{
    AnalysisConfig, AnalysisJob, AnalysisOutcome, ApiKey, Outcomes, RateLimit, RetryPolicy,
};
use screener::engine::Signal;
use screener::market::{Candle, Interval};
use screener::trader::Trader;

use fake_gemini::FakeGemini;

/// The key the fake accepts. Tests assert it never shows anywhere but in the header.
pub const KEY: &str = "AIzaSy-TEST-key-4f1c9e27b3";

/// A trader analysing with `max_concurrent` jobs at once on `limit` candles.
pub fn trader(id: &str, max_concurrent: u32, limit: u32) -> Arc<Trader> {
    let json = serde_json::json!({
        "id": id,
        "name": format!("Trader {id}"),
        "description": "Buys momentum breakouts on strong volume",
        "filter": {"code": "return true;", "refreshInterval": "5m", "description": ["RSI crosses 50"]},
        "strategy": {
            "instructions": "Only take longs above the 50-period SMA.",
            "riskManagement": {"stopLoss": 0.02, "takeProfit": 0.04, "maxPositions": 3, "positionSizePercent": 0.05},
            "aiAnalysisLimit": limit,
            "maxConcurrentAnalysis": max_concurrent
        }
    });
    Arc::new(Trader::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}")))
}

/// `n` synthetic 5m candles around 100.
pub fn candles(n: usize) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let p = 100.0 + (i as f64 * 0.3).sin() * 2.0 + i as f64 * 0.01;
            let open_time = 1_700_000_000_000 + i as i64 * 300_000;
            Candle::new(
                open_time,
                Interval::M5,
                p,
                p + 0.5,
                p - 0.5,
                p + 0.1,
                10.0 + i as f64,
            )
        })
        .collect()
}

/// The signal of `trader` on `candle`.
pub fn signal(seq: u64, trader: &Trader, candle: &Candle) -> Signal {
    Signal {
        seq,
        trader_id: trader.id.clone(),
        symbol: "BTCUSDT".into(),
        interval: Interval::M5,
        open_time: candle.open_time,
        close_time: candle.close_time,
        price: candle.close,
        conditions: vec!["RSI crosses 50".into()],
    }
}

/// A job for the last of `candles`.
pub fn job(seq: u64, trader: &Arc<Trader>, candles: &[Candle]) -> AnalysisJob {
    let last = candles.last().copied().unwrap_or_default();
    AnalysisJob::new(
        signal(seq, trader, &last),
        Arc::clone(trader),
        candles.to_vec(),
    )
}

/// A configuration against `fake`: fast retries, no practical rate limit.
pub fn config(fake: &FakeGemini) -> AnalysisConfig {
    AnalysisConfig {
        api_key: ApiKey::new(KEY),
        base_url: fake.base_url(),
        rate_limit: RateLimit::new(6_000, Duration::from_secs(60)),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            max_retry_after: Duration::from_secs(5),
        },
        ..AnalysisConfig::default()
    }
}

/// The next `n` outcomes, failing the test if they take longer than `within`.
pub async fn collect(outcomes: &mut Outcomes, n: usize, within: Duration) -> Vec<AnalysisOutcome> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while got.len() < n {
        match tokio::time::timeout_at(deadline, outcomes.recv()).await {
            Ok(Some(outcome)) => got.push(outcome),
            Ok(None) => panic!("outcome channel closed after {} of {n}", got.len()),
            Err(_) => panic!(
                "only {} of {n} outcomes within {within:?}: {got:?}",
                got.len()
            ),
        }
    }
    got
}
