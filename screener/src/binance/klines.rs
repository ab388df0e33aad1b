//! `GET /api/v3/klines` (docs §1.2, weight 2, at most 1000 per request) and the two ways the
//! feed pages through it:
//! - [`backfill`]: the newest `count` closed candles, paged backwards with `endTime`;
//! - [`closed_range`]: every closed candle from an open time on, paged forwards with
//!   `startTime` — the gap repair after a reconnect or a skipped candle.
//!
//! "Closed" is judged against Binance's clock (`/api/v3/time`), never the local one: a candle
//! is closed once its close time lies before the server time. Responses are parsed by the
//! market module's REST klines reader, which checks order and candle consistency.

use crate::market::{parse_candles, Candle, Format, Interval};

use super::error::RestError;
use super::rest::RestClient;

const PATH: &str = "/api/v3/klines";
/// The most candles one request returns.
pub const MAX_PER_REQUEST: usize = 1000;

impl RestClient {
    /// One klines request: candles of (`symbol`, `interval`) by open time within
    /// [`start`, `end`] per Binance's window rule, at most `limit` (capped at 1000).
    pub async fn klines(
        &self,
        symbol: &str,
        interval: Interval,
        start: Option<i64>,
        end: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Candle>, RestError> {
        let mut query = vec![
            ("symbol", symbol.to_ascii_uppercase()),
            ("interval", interval.as_str().to_owned()),
            ("limit", limit.clamp(1, MAX_PER_REQUEST).to_string()),
        ];
        if let Some(start) = start {
            query.push(("startTime", start.to_string()));
        }
        if let Some(end) = end {
            query.push(("endTime", end.to_string()));
        }
        let body = self.get(PATH, &query, 2).await?;
        parse_candles(&body, PATH, interval, Some(Format::RestJson))
            .map(|(_, candles)| candles)
            .map_err(|e| RestError::Decode {
                endpoint: PATH,
                reason: e.to_string(),
            })
    }
}

/// The newest `count` candles of (`symbol`, `interval`) closed at `server_now`, oldest first,
/// paged backwards 1000 at a time. The first page ends before the bucket `server_now` falls
/// in, so the forming candle is never fetched. Fewer if the symbol's history is shorter.
pub async fn backfill(
    rest: &RestClient,
    symbol: &str,
    interval: Interval,
    count: usize,
    server_now: i64,
) -> Result<Vec<Candle>, RestError> {
    let mut pages: Vec<Vec<Candle>> = Vec::new();
    let mut remaining = count;
    let mut end = interval.bucket_start(server_now) - 1;
    while remaining > 0 {
        let limit = remaining.min(MAX_PER_REQUEST);
        let page = rest
            .klines(symbol, interval, None, Some(end), limit)
            .await?;
        let received = page.len();
        let oldest = page.first().map(|c| c.open_time);
        let mut closed: Vec<Candle> = page
            .into_iter()
            .filter(|c| c.close_time < server_now && c.open_time <= end)
            .collect();
        let keep = closed.len().min(remaining);
        closed.drain(..closed.len() - keep);
        remaining -= keep;
        pages.push(closed);
        match oldest {
            Some(oldest) if received >= limit => end = oldest - 1,
            _ => break,
        }
    }
    Ok(pages.into_iter().rev().flatten().collect())
}

/// Every candle of (`symbol`, `interval`) opened at or after `from_open` whose close time lies
/// before `closed_before`, oldest first, paged forwards 1000 at a time.
pub async fn closed_range(
    rest: &RestClient,
    symbol: &str,
    interval: Interval,
    from_open: i64,
    closed_before: i64,
) -> Result<Vec<Candle>, RestError> {
    let mut out = Vec::new();
    let mut start = from_open;
    while start < closed_before {
        let page = rest
            .klines(
                symbol,
                interval,
                Some(start),
                Some(closed_before - 1),
                MAX_PER_REQUEST,
            )
            .await?;
        let full = page.len() >= MAX_PER_REQUEST;
        let newest = page.last().map(|c| c.open_time);
        out.extend(
            page.into_iter()
                .filter(|c| c.open_time >= start && c.close_time < closed_before),
        );
        match newest {
            Some(newest) if full => start = newest + 1,
            _ => break,
        }
    }
    Ok(out)
}
