//! Where local live screening gets Binance: the REST base URL (`TRADEMIND_BINANCE_URL`,
//! default Binance's public market-data host) and the stream URL
//! (`TRADEMIND_BINANCE_STREAM_URL`), a reachability probe with a deadline, and the feed's
//! configuration for a set of traders.

use std::time::Duration;

use screener::binance::{FeedConfig, RestOptions, DEFAULT_REST_URL};
use screener::trader::Trader;

use crate::error::{Error, Result};

/// Deadline of the probe.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(5);

/// The REST base URL (no trailing slash).
pub fn rest_url() -> String {
    std::env::var("TRADEMIND_BINANCE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REST_URL.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// Checks that Binance answers `GET /api/v3/ping` within [`PROBE_DEADLINE`];
/// `market_unreachable` otherwise.
pub async fn probe(base_url: &str) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(PROBE_DEADLINE)
        .build()
        .map_err(|e| Error::Internal(format!("an HTTP client: {e}")))?;
    let url = format!("{base_url}/api/v3/ping");
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(Error::MarketUnreachable {
            detail: format!("{url} answered {}", response.status()),
        }),
        Err(e) => Err(Error::MarketUnreachable {
            detail: format!("{url}: {e}"),
        }),
    }
}

/// The feed for `traders`: every interval they read; their symbols when every one lists
/// them, else the USDT universe.
pub fn feed_config(base_url: &str, traders: &[Trader]) -> FeedConfig {
    let mut config = FeedConfig {
        rest: RestOptions {
            base_url: base_url.to_owned(),
            ..RestOptions::default()
        },
        ..FeedConfig::default()
    };
    if let Ok(stream) = std::env::var("TRADEMIND_BINANCE_STREAM_URL") {
        config.stream.base_url = stream.trim_end_matches('/').to_owned();
    }
    let mut intervals: Vec<_> = traders
        .iter()
        .flat_map(|t| {
            let mut all = t.timeframes();
            all.push(t.filter.refresh_interval);
            all
        })
        .collect();
    intervals.sort();
    intervals.dedup();
    config.intervals = intervals;
    if traders.iter().all(|t| t.filter.symbols.is_some()) {
        let mut symbols: Vec<String> = traders
            .iter()
            .flat_map(|t| t.filter.symbols.clone().unwrap_or_default())
            .collect();
        symbols.sort();
        symbols.dedup();
        config.symbols = Some(symbols);
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[tokio::test]
    async fn an_unreachable_market_is_market_unreachable() {
        // Nothing listens on port 9 of localhost.
        let err = probe("http://127.0.0.1:9").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::MarketUnreachable);
        assert!(err.hint().unwrap().contains("recorded"));
    }

    #[test]
    fn the_feed_follows_the_traders_intervals_and_symbols() {
        let traders = screener::trader::builtins::builtins();
        let config = feed_config("http://x", &traders);
        assert_eq!(config.rest.base_url, "http://x");
        assert!(config.symbols.is_none(), "built-ins screen the universe");
        let mut one = traders[0].clone();
        one.filter.symbols = Some(vec!["ETHUSDT".into()]);
        let config = feed_config("http://x", &[one.clone()]);
        assert_eq!(config.symbols, Some(vec!["ETHUSDT".to_owned()]));
        assert_eq!(config.intervals, one.timeframes());
    }
}
