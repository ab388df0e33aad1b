//! `GET /api/v3/exchangeInfo` (docs §1.3): the listed symbols with their status and assets,
//! and the live `rateLimits`; and the screener's universe — the `TRADING` spot pairs of one
//! quote asset — drawn from it. Only the fields the screener needs are read; filters and
//! unknown fields are ignored, since Binance adds new ones regularly.

use serde::Deserialize;

use super::error::RestError;
use super::rest::{decode, RestClient};

const PATH: &str = "/api/v3/exchangeInfo";

/// The exchangeInfo document, as far as the screener reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeInfo {
    #[serde(default)]
    pub server_time: i64,
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    pub symbols: Vec<SymbolInfo>,
}

/// One published rate limiter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// `REQUEST_WEIGHT`, `RAW_REQUESTS` or `ORDERS`.
    pub rate_limit_type: String,
    /// `SECOND`, `MINUTE` or `DAY`.
    pub interval: String,
    pub interval_num: u32,
    pub limit: u32,
}

/// One listed symbol.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolInfo {
    pub symbol: String,
    /// `TRADING`, `END_OF_DAY`, `HALT`, `BREAK` or `CANCEL_ONLY`.
    pub status: String,
    pub base_asset: String,
    pub quote_asset: String,
    #[serde(default)]
    pub is_spot_trading_allowed: bool,
}

impl SymbolInfo {
    /// Tradable on spot right now.
    pub fn is_trading_spot(&self) -> bool {
        self.status == "TRADING" && self.is_spot_trading_allowed
    }
}

impl ExchangeInfo {
    /// The `REQUEST_WEIGHT` limit per one minute, if published.
    pub fn request_weight_per_minute(&self) -> Option<u32> {
        self.rate_limits
            .iter()
            .find(|r| {
                r.rate_limit_type == "REQUEST_WEIGHT"
                    && r.interval == "MINUTE"
                    && r.interval_num == 1
            })
            .map(|r| r.limit)
    }

    /// The symbols that are `TRADING` on spot with quote asset `quote`, sorted.
    pub fn universe(&self, quote: &str) -> Vec<String> {
        let mut symbols: Vec<String> = self
            .symbols
            .iter()
            .filter(|s| s.is_trading_spot() && s.quote_asset.eq_ignore_ascii_case(quote))
            .map(|s| s.symbol.clone())
            .collect();
        symbols.sort();
        symbols
    }

    /// The symbol named `symbol` (any case).
    pub fn find(&self, symbol: &str) -> Option<&SymbolInfo> {
        self.symbols
            .iter()
            .find(|s| s.symbol.eq_ignore_ascii_case(symbol))
    }
}

impl RestClient {
    /// `GET /api/v3/exchangeInfo?permissions=SPOT` (weight 20). The published
    /// `REQUEST_WEIGHT` limit becomes the client's budget.
    pub async fn exchange_info(&self) -> Result<ExchangeInfo, RestError> {
        let body = self
            .get(PATH, &[("permissions", "SPOT".to_owned())], 20)
            .await?;
        let info: ExchangeInfo = decode(PATH, &body)?;
        if let Some(limit) = info.request_weight_per_minute() {
            self.budget().set_limit(limit);
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universe_keeps_trading_spot_pairs_of_the_quote() {
        let text = r#"{
            "timezone": "UTC", "serverTime": 1,
            "rateLimits": [
                {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}
            ],
            "symbols": [
                {"symbol": "ETHUSDT", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "USDT", "isSpotTradingAllowed": true, "filters": [{"filterType": "NEW_ONE"}]},
                {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT", "isSpotTradingAllowed": true},
                {"symbol": "LUNAUSDT", "status": "BREAK", "baseAsset": "LUNA", "quoteAsset": "USDT", "isSpotTradingAllowed": true},
                {"symbol": "MUSDT", "status": "TRADING", "baseAsset": "M", "quoteAsset": "USDT", "isSpotTradingAllowed": false},
                {"symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "BTC", "isSpotTradingAllowed": true}
            ]
        }"#;
        let info: ExchangeInfo = decode(PATH, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.universe("USDT"), ["BTCUSDT", "ETHUSDT"]);
        assert_eq!(info.universe("btc"), ["ETHBTC"]);
        assert_eq!(info.request_weight_per_minute(), Some(6000));
        assert_eq!(
            info.find("lunausdt").map(|s| s.status.as_str()),
            Some("BREAK")
        );
    }
}
