//! Response bodies in Binance's shapes: exchangeInfo (docs §1.3), the 24 h ticker in FULL and
//! MINI form (§1.4), and the `{"code": …, "msg": …}` error body with the messages the real API
//! uses for the codes the fake returns.

use screener::market::{Candle, Ticker};
use serde_json::{json, Value};

use crate::klines::binance_decimal;
use crate::market::SymbolSpec;

/// `{"code": code, "msg": msg}`.
pub fn error(code: i64, msg: &str) -> Value {
    json!({ "code": code, "msg": msg })
}

pub const INVALID_SYMBOL: (i64, &str) = (-1121, "Invalid symbol.");
pub const INVALID_INTERVAL: (i64, &str) = (-1120, "Invalid interval.");
pub const MANDATORY_SYMBOL: (i64, &str) = (
    -1102,
    "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
);
pub const START_AFTER_END: (i64, &str) = (-1023, "Start time is greater than end time.");
pub const BAD_PARAMETER: (i64, &str) = (-1100, "Illegal characters found in a parameter.");
pub const BOTH_SYMBOL_PARAMS: (i64, &str) = (
    -1128,
    "Combination of optional parameters invalid. Recommendation: 'symbol' and 'symbols' cannot both be provided.",
);
pub const UNKNOWN: (i64, &str) = (
    -1000,
    "An unknown error occurred while processing the request.",
);

/// One symbol object of exchangeInfo.
pub fn symbol(spec: &SymbolSpec) -> Value {
    json!({
        "symbol": spec.symbol,
        "status": spec.status,
        "baseAsset": spec.base_asset,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote_asset,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": true,
        "ocoAllowed": true,
        "otoAllowed": true,
        "quoteOrderQtyMarketAllowed": true,
        "allowTrailingStop": true,
        "cancelReplaceAllowed": true,
        "amendAllowed": true,
        "isSpotTradingAllowed": spec.spot,
        "isMarginTradingAllowed": true,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": "0.00000001", "maxPrice": "1000000.00000000", "tickSize": "0.00000001"},
            {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
            {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true, "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5},
            {"filterType": "SOME_FUTURE_FILTER", "value": "1"}
        ],
        "permissions": [],
        "permissionSets": [if spec.spot { vec!["SPOT", "MARGIN"] } else { vec!["MARGIN"] }],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"]
    })
}

/// The whole exchangeInfo document.
pub fn exchange_info<'a>(
    symbols: impl Iterator<Item = &'a SymbolSpec>,
    weight_limit: u32,
    server_time: i64,
) -> Value {
    json!({
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": weight_limit},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 300000}
        ],
        "exchangeFilters": [],
        "symbols": symbols.map(symbol).collect::<Vec<_>>()
    })
}

/// The 24 h ticker of `symbol` from the candles of the last 24 h (oldest first) in FULL or
/// MINI form; zeros when there are none, as for a symbol without trades.
pub fn ticker(symbol: &str, candles: &[Candle], now: i64, mini: bool) -> Value {
    let stats = Ticker::from_candles(symbol, candles.iter().copied());
    let get = |f: fn(&Ticker) -> f64| stats.as_ref().map_or(0.0, f);
    let d = |v: f64| Value::String(binance_decimal(v));
    let open_time = stats.as_ref().map_or(now - 86_400_000, |t| t.open_time);
    let count = stats.as_ref().and_then(|t| t.count).unwrap_or(0);
    let (first_id, last_id) = match candles {
        [] => (-1, -1),
        _ => (open_time / 1000, open_time / 1000 + count as i64 - 1),
    };
    let mut value = json!({
        "symbol": symbol,
        "openPrice": d(get(|t| t.open_price)),
        "highPrice": d(get(|t| t.high_price)),
        "lowPrice": d(get(|t| t.low_price)),
        "lastPrice": d(get(|t| t.last_price)),
        "volume": d(get(|t| t.volume)),
        "quoteVolume": d(get(|t| t.quote_volume)),
        "openTime": open_time,
        "closeTime": now,
        "firstId": first_id,
        "lastId": last_id,
        "count": count
    });
    if !mini {
        let volume = get(|t| t.volume);
        let weighted = if volume > 0.0 {
            get(|t| t.quote_volume) / volume
        } else {
            0.0
        };
        let prev_close = candles.first().map_or(0.0, |c| c.open);
        let extra = json!({
            "priceChange": d(get(|t| t.price_change)),
            "priceChangePercent": screener::market::decimal::fixed(get(|t| t.price_change_percent), 3),
            "weightedAvgPrice": d(weighted),
            "prevClosePrice": d(prev_close),
            "lastQty": d(0.001),
            "bidPrice": d(get(|t| t.last_price)),
            "bidQty": d(1.0),
            "askPrice": d(get(|t| t.last_price)),
            "askQty": d(1.0)
        });
        if let (Some(target), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
    }
    value
}
