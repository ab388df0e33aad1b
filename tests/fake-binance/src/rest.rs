//! The REST pipeline every `/api/v3/…` request runs through: weigh it (docs §1.2–1.4), apply
//! an armed fault, account the weight (429 / 418, [`crate::limiter`]), answer from the market
//! ([`crate::endpoints`]), add `X-MBX-USED-WEIGHT-1M`, and log it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::bodies;
use crate::endpoints;
use crate::faults::{Endpoint, Fault};
use crate::limiter::{wall_ms, Verdict};
use crate::log::RecordedRequest;
use crate::server::{lock, Shared};

/// The used-weight header of the one-minute window.
pub const USED_WEIGHT_HEADER: &str = "x-mbx-used-weight-1m";

pub(crate) type Params = BTreeMap<String, String>;

/// One answer before it becomes an HTTP response.
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
            retry_after: None,
        }
    }

    pub fn error(status: u16, (code, msg): (i64, &str)) -> Self {
        Self::json(status, &bodies::error(code, msg))
    }
}

pub(crate) async fn dispatch(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Query<Params>,
) -> Response {
    let at = Instant::now();
    let endpoint = Endpoint::from_path(uri.path());
    let weight = endpoint.map_or(1, |e| weight(e, &params));
    let fault = endpoint.and_then(|e| lock(&shared.faults).take(e));
    if let Some(Fault::Delay(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let config = &shared.config;
    let verdict = {
        let mut limiter = lock(&shared.limiter);
        match &fault {
            Some(Fault::Banned { retry_after }) => {
                limiter.ban(std::time::Duration::from_secs(*retry_after), wall_ms())
            }
            _ => limiter.check(
                weight,
                config.weight_limit,
                config.weight_window,
                config.ban_duration,
                wall_ms(),
            ),
        }
    };
    let (used, reply) = match verdict {
        Verdict::TooMuch { used, retry_after } => {
            (used, too_much(config.weight_limit, retry_after))
        }
        Verdict::Banned {
            used,
            retry_after,
            until_ms,
        } => (used, banned(retry_after, until_ms)),
        Verdict::Allow { used } => (used, answer(&shared, endpoint, &params, fault)),
    };
    lock(&shared.log).push(RecordedRequest {
        path: uri.path().to_owned(),
        endpoint,
        params,
        weight,
        status: reply.status,
        used_weight: used,
        at,
    });
    render(reply, used)
}

fn answer(
    shared: &Shared,
    endpoint: Option<Endpoint>,
    params: &Params,
    fault: Option<Fault>,
) -> Reply {
    match fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            return too_much(shared.config.weight_limit, retry_after)
        }
        Some(Fault::ServerError(status)) => return Reply::error(status, bodies::UNKNOWN),
        Some(Fault::Malformed) => {
            return Reply {
                status: 200,
                body: "<html><body>upstream hiccup</body></html>".to_owned(),
                retry_after: None,
            }
        }
        _ => {}
    }
    let Some(endpoint) = endpoint else {
        return Reply::json(404, &Value::Null);
    };
    let market = lock(&shared.market);
    match endpoint {
        Endpoint::Ping => Reply::json(200, &serde_json::json!({})),
        Endpoint::Time => Reply::json(200, &serde_json::json!({ "serverTime": market.now })),
        Endpoint::ExchangeInfo => {
            endpoints::exchange_info(&market, params, shared.config.weight_limit)
        }
        Endpoint::Klines => endpoints::klines(&market, params),
        Endpoint::Ticker24h => endpoints::ticker(&market, params),
    }
}

fn too_much(limit: u32, retry_after: u64) -> Reply {
    let msg = format!(
        "Too much request weight used; current limit is {limit} request weight per 1 MINUTE. \
         Please use WebSocket Streams for live updates to avoid polling the API."
    );
    Reply {
        retry_after: Some(retry_after),
        ..Reply::error(429, (-1003, &msg))
    }
}

fn banned(retry_after: u64, until_ms: i64) -> Reply {
    let msg = format!(
        "Way too much request weight used; IP banned until {until_ms}. \
         Please use WebSocket Streams for live updates to avoid bans."
    );
    Reply {
        retry_after: Some(retry_after),
        ..Reply::error(418, (-1003, &msg))
    }
}

/// The documented request weight.
pub(crate) fn weight(endpoint: Endpoint, params: &Params) -> u32 {
    match endpoint {
        Endpoint::Ping | Endpoint::Time => 1,
        Endpoint::ExchangeInfo => 20,
        Endpoint::Klines => 2,
        Endpoint::Ticker24h => {
            if params.contains_key("symbol") {
                return 2;
            }
            let count = params
                .get("symbols")
                .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
                .map(|list| list.len());
            match count {
                None => 80,
                Some(0..=20) => 2,
                Some(21..=100) => 40,
                Some(_) => 80,
            }
        }
    }
}

fn render(reply: Reply, used: u32) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    headers.insert(USED_WEIGHT_HEADER, HeaderValue::from(used));
    if let Some(seconds) = reply.retry_after {
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticker_weight_depends_on_the_symbols() {
        let p = |k: &str, v: &str| Params::from([(k.to_owned(), v.to_owned())]);
        let list = |n: usize| {
            let names: Vec<String> = (0..n).map(|i| format!("S{i}USDT")).collect();
            serde_json::to_string(&names).unwrap_or_default()
        };
        assert_eq!(weight(Endpoint::Ticker24h, &p("symbol", "BTCUSDT")), 2);
        assert_eq!(weight(Endpoint::Ticker24h, &Params::new()), 80);
        assert_eq!(weight(Endpoint::Ticker24h, &p("symbols", &list(20))), 2);
        assert_eq!(weight(Endpoint::Ticker24h, &p("symbols", &list(21))), 40);
        assert_eq!(weight(Endpoint::Ticker24h, &p("symbols", &list(101))), 80);
        assert_eq!(weight(Endpoint::Klines, &Params::new()), 2);
        assert_eq!(weight(Endpoint::ExchangeInfo, &Params::new()), 20);
    }
}
