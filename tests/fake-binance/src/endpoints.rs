//! The answers of the market-data endpoints, with Binance's parameter rules and error codes:
//! exchangeInfo (`symbol`, `symbols`, `permissions`, `symbolStatus`), klines (`symbol`,
//! `interval`, `startTime`, `endTime` in ms or µs, `limit`) and the 24 h ticker (`symbol`,
//! `symbols`, `type`).

use screener::market::{Candle, Interval};
use serde_json::Value;

use crate::bodies;
use crate::klines::{self, Window};
use crate::market::{Market, SymbolSpec};
use crate::rest::{Params, Reply};

/// A `symbols=["A","B"]` parameter.
fn symbol_list(params: &Params) -> Result<Option<Vec<String>>, Reply> {
    match params.get("symbols") {
        None => Ok(None),
        Some(text) => serde_json::from_str::<Vec<String>>(text)
            .map(Some)
            .map_err(|_| Reply::error(400, bodies::BAD_PARAMETER)),
    }
}

/// The listed symbols named by `symbol` / `symbols`, or all; -1121 for an unknown one.
fn chosen<'m>(market: &'m Market, params: &Params) -> Result<Vec<&'m SymbolSpec>, Reply> {
    let named = match (params.get("symbol"), symbol_list(params)?) {
        (Some(_), Some(_)) => return Err(Reply::error(400, bodies::BOTH_SYMBOL_PARAMS)),
        (Some(one), None) => Some(vec![one.clone()]),
        (None, many) => many,
    };
    match named {
        None => Ok(market.symbols.values().collect()),
        Some(names) => names
            .iter()
            .map(|name| {
                market
                    .symbols
                    .get(name)
                    .ok_or_else(|| Reply::error(400, bodies::INVALID_SYMBOL))
            })
            .collect(),
    }
}

pub(crate) fn exchange_info(market: &Market, params: &Params, weight_limit: u32) -> Reply {
    let symbols = match chosen(market, params) {
        Ok(symbols) => symbols,
        Err(reply) => return reply,
    };
    let permissions: Option<Vec<String>> = params
        .get("permissions")
        .map(|p| serde_json::from_str::<Vec<String>>(p).unwrap_or_else(|_| vec![p.clone()]));
    let status = params.get("symbolStatus");
    let kept = symbols.into_iter().filter(|s| {
        let permitted = permissions.as_ref().is_none_or(|wanted| {
            wanted
                .iter()
                .any(|p| p == "MARGIN" || (p == "SPOT" && s.spot))
        });
        permitted && status.is_none_or(|st| *st == s.status)
    });
    Reply::json(200, &bodies::exchange_info(kept, weight_limit, market.now))
}

/// A time parameter in ms or µs (16 digits), as ms.
fn time_param(params: &Params, name: &str) -> Result<Option<i64>, Reply> {
    match params.get(name) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(v) if v >= 10_000_000_000_000 => Ok(Some(v / 1000)),
            Ok(v) if v >= 0 => Ok(Some(v)),
            _ => Err(Reply::error(400, bodies::BAD_PARAMETER)),
        },
    }
}

pub(crate) fn klines(market: &Market, params: &Params) -> Reply {
    match klines_window(market, params) {
        Ok((symbol, interval, window)) => {
            let visible = market.visible(&symbol, interval);
            let rows: Vec<Value> = klines::select(&visible, window)
                .iter()
                .map(klines::kline_array)
                .collect();
            Reply::json(200, &Value::Array(rows))
        }
        Err(reply) => reply,
    }
}

fn klines_window(market: &Market, params: &Params) -> Result<(String, Interval, Window), Reply> {
    let symbol = params
        .get("symbol")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Reply::error(400, bodies::MANDATORY_SYMBOL))?;
    if !market.symbols.contains_key(symbol) {
        return Err(Reply::error(400, bodies::INVALID_SYMBOL));
    }
    let interval: Interval = params
        .get("interval")
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| Reply::error(400, bodies::INVALID_INTERVAL))?;
    let start = time_param(params, "startTime")?;
    let end = time_param(params, "endTime")?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(Reply::error(400, bodies::START_AFTER_END));
        }
    }
    let limit = match params.get("limit") {
        None => klines::DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| Reply::error(400, bodies::BAD_PARAMETER))?
            .clamp(1, klines::MAX_LIMIT),
    };
    Ok((symbol.clone(), interval, Window { start, end, limit }))
}

pub(crate) fn ticker(market: &Market, params: &Params) -> Reply {
    let symbols = match chosen(market, params) {
        Ok(symbols) => symbols,
        Err(reply) => return reply,
    };
    let mini = params.get("type").is_some_and(|t| t == "MINI");
    let day_start = market.now - 86_400_000;
    let one = |spec: &SymbolSpec| {
        let candles: Vec<Candle> = finest_series(market, &spec.symbol)
            .map(|interval| market.visible(&spec.symbol, interval))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.open_time > day_start)
            .collect();
        bodies::ticker(&spec.symbol, &candles, market.now, mini)
    };
    if params.contains_key("symbol") {
        return Reply::json(200, &symbols.first().map(|s| one(s)).unwrap_or_default());
    }
    Reply::json(200, &Value::Array(symbols.into_iter().map(one).collect()))
}

/// The shortest interval loaded for `symbol`.
fn finest_series(market: &Market, symbol: &str) -> Option<Interval> {
    market
        .series
        .keys()
        .filter(|(s, _)| s == symbol)
        .map(|(_, interval)| *interval)
        .min()
}
