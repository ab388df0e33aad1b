//! `GET /api/v3/ticker/24hr` (docs §1.4): Binance's rolling 24 h statistics, read into the
//! market module's [`Ticker`]. The weight depends on how many symbols are asked for (2 for
//! up to 20, 40 up to 100, 80 beyond or for all), so more than 100 symbols are fetched as
//! "all" and filtered here, which costs the same.

use serde::Deserialize;

use crate::market::Ticker;

use super::error::RestError;
use super::rest::{decode, RestClient};

const PATH: &str = "/api/v3/ticker/24hr";

/// Which symbols to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickerScope<'a> {
    One(&'a str),
    Many(&'a [String]),
    All,
}

impl TickerScope<'_> {
    /// The documented request weight.
    pub fn weight(&self) -> u32 {
        match self {
            TickerScope::One(_) => 2,
            TickerScope::Many(list) if list.len() <= 20 => 2,
            TickerScope::Many(list) if list.len() <= 100 => 40,
            TickerScope::Many(_) | TickerScope::All => 80,
        }
    }
}

/// The fields of the FULL and MINI forms the [`Ticker`] needs (decimals are strings).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    symbol: String,
    #[serde(default)]
    price_change: Option<String>,
    #[serde(default)]
    price_change_percent: Option<String>,
    open_price: String,
    high_price: String,
    low_price: String,
    last_price: String,
    volume: String,
    quote_volume: String,
    open_time: i64,
    close_time: i64,
    count: u64,
}

fn number(field: &str, text: &str) -> Result<f64, RestError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| RestError::Decode {
            endpoint: PATH,
            reason: format!("{field} `{text}` is not a decimal"),
        })
}

impl Raw {
    fn into_ticker(self) -> Result<Ticker, RestError> {
        let open_price = number("openPrice", &self.open_price)?;
        let last_price = number("lastPrice", &self.last_price)?;
        let price_change = match &self.price_change {
            Some(text) => number("priceChange", text)?,
            None => last_price - open_price,
        };
        let price_change_percent = match &self.price_change_percent {
            Some(text) => number("priceChangePercent", text)?,
            None if open_price != 0.0 => price_change / open_price * 100.0,
            None => 0.0,
        };
        Ok(Ticker {
            open_time: self.open_time,
            close_time: self.close_time,
            open_price,
            high_price: number("highPrice", &self.high_price)?,
            low_price: number("lowPrice", &self.low_price)?,
            last_price,
            price_change,
            price_change_percent,
            volume: number("volume", &self.volume)?,
            quote_volume: number("quoteVolume", &self.quote_volume)?,
            quote_volume_estimated: false,
            count: Some(self.count),
            symbol: self.symbol,
        })
    }
}

impl RestClient {
    /// The 24 h tickers of `scope` (MINI form: the ticker needs nothing more).
    pub async fn tickers_24h(&self, scope: TickerScope<'_>) -> Result<Vec<Ticker>, RestError> {
        let mut query = vec![("type", "MINI".to_owned())];
        let (weight, filter) = match scope {
            TickerScope::One(symbol) => {
                query.push(("symbol", symbol.to_ascii_uppercase()));
                (scope.weight(), None)
            }
            TickerScope::Many(list) if list.len() <= 100 => {
                let upper: Vec<String> = list.iter().map(|s| s.to_ascii_uppercase()).collect();
                let json = serde_json::to_string(&upper).map_err(|e| RestError::Decode {
                    endpoint: PATH,
                    reason: e.to_string(),
                })?;
                query.push(("symbols", json));
                (scope.weight(), None)
            }
            TickerScope::Many(list) => (TickerScope::All.weight(), Some(list)),
            TickerScope::All => (scope.weight(), None),
        };
        let body = self.get(PATH, &query, weight).await?;
        let raws: Vec<Raw> = match scope {
            TickerScope::One(_) => vec![decode::<Raw>(PATH, &body)?],
            _ => decode::<Vec<Raw>>(PATH, &body)?,
        };
        raws.into_iter()
            .filter(|r| filter.is_none_or(|f| f.iter().any(|s| s.eq_ignore_ascii_case(&r.symbol))))
            .map(Raw::into_ticker)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mini_and_full_forms_read_into_a_ticker() {
        let mini = r#"{"symbol":"BNBBTC","openPrice":"99.00000000","highPrice":"100.00000000",
            "lowPrice":"0.10000000","lastPrice":"4.00000200","volume":"8913.30000000",
            "quoteVolume":"15.30000000","openTime":1499783499040,"closeTime":1499869899040,
            "firstId":28385,"lastId":28460,"count":76}"#;
        let t = decode::<Raw>(PATH, mini)
            .and_then(Raw::into_ticker)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.open_price, t.last_price, t.count),
            (99.0, 4.000002, Some(76))
        );
        assert!((t.price_change - (4.000002 - 99.0)).abs() < 1e-9);
        assert!(!t.quote_volume_estimated);
        let full = mini.replace(
            r#""symbol":"BNBBTC","#,
            r#""symbol":"BNBBTC","priceChange":"-94.99999800","priceChangePercent":"-95.960","#,
        );
        let t = decode::<Raw>(PATH, &full).and_then(Raw::into_ticker);
        assert_eq!(t.map(|t| t.price_change_percent).ok(), Some(-95.96));
        let names: Vec<String> = (0..21).map(|i| format!("S{i}")).collect();
        assert_eq!(TickerScope::Many(&names).weight(), 40);
        assert_eq!(TickerScope::Many(&names[..20]).weight(), 2);
        assert_eq!(TickerScope::All.weight(), 80);
    }
}
