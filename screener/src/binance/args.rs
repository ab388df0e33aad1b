//! [`FeedArgs`]: the feed's command-line flags (`--quote`, `--symbols`, `--intervals`,
//! `--history`, `--binance-rest-url`, `--binance-ws-url`), for commands that run the live feed
//! to flatten into their own arguments.

use super::feed::FeedConfig;
use super::rest::{RestOptions, DEFAULT_REST_URL};
use super::stream::{StreamOptions, DEFAULT_WS_URL};
use crate::market::Interval;
use crate::trader::record::DEFAULT_HISTORY;

/// Which market data to follow and where from.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct FeedArgs {
    /// Quote asset: the universe is every TRADING spot pair quoted in it.
    #[arg(long, default_value = "USDT")]
    pub quote: String,
    /// Follow exactly these symbols (comma-separated) instead of the quote's universe.
    #[arg(long, value_delimiter = ',')]
    pub symbols: Option<Vec<String>>,
    /// Kline intervals to follow (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1m")]
    pub intervals: Vec<Interval>,
    /// Closed candles to backfill per symbol and interval.
    #[arg(long, default_value_t = DEFAULT_HISTORY)]
    pub history: usize,
    /// Binance REST base URL.
    #[arg(long, default_value = DEFAULT_REST_URL)]
    pub binance_rest_url: String,
    /// Binance WebSocket base URL (combined streams are under /stream).
    #[arg(long, default_value = DEFAULT_WS_URL)]
    pub binance_ws_url: String,
}

impl FeedArgs {
    /// The feed configuration these flags describe, with default limits and timings.
    pub fn to_config(&self) -> FeedConfig {
        FeedConfig {
            rest: RestOptions {
                base_url: self.binance_rest_url.clone(),
                ..RestOptions::default()
            },
            stream: StreamOptions {
                base_url: self.binance_ws_url.clone(),
                ..StreamOptions::default()
            },
            quote: self.quote.to_ascii_uppercase(),
            symbols: self.symbols.clone(),
            intervals: self.intervals.clone(),
            history: self.history,
            ..FeedConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        feed: FeedArgs,
    }

    #[test]
    fn flags_parse_with_binance_defaults() {
        let cli = Cli::try_parse_from(["x"]).unwrap_or_else(|e| panic!("{e}"));
        let config = cli.feed.to_config();
        assert_eq!(config.rest.base_url, "https://data-api.binance.vision");
        assert_eq!(config.stream.base_url, "wss://data-stream.binance.vision");
        assert_eq!((config.quote.as_str(), config.history), ("USDT", 500));
        assert_eq!(config.symbols, None);
        let cli = Cli::try_parse_from([
            "x",
            "--symbols",
            "btcusdt,ETHUSDT",
            "--intervals",
            "1m,5m",
            "--history",
            "2000",
            "--binance-rest-url",
            "http://127.0.0.1:1",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let config = cli.feed.to_config();
        assert_eq!(config.symbols.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(config.intervals, [Interval::M1, Interval::M5]);
        assert_eq!(config.history, 2000);
        assert_eq!(config.rest.base_url, "http://127.0.0.1:1");
        assert!(Cli::try_parse_from(["x", "--intervals", "1M"]).is_err());
    }
}
