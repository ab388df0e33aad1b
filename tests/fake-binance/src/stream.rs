//! `GET /stream?streams=<s1>/<s2>/…`: the combined-stream endpoint. Refuses the upgrade with
//! 503 while a test has made streams unavailable, 414 for a request target longer than
//! `max_url_length`, and 400 for more than `max_streams_per_connection` streams (the fake's
//! choice of status; Binance documents the limit, not the answer). The connection itself is
//! served by [`crate::socket`].

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::bodies;
use crate::server::Shared;
use crate::socket;

pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let target_length = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if target_length > shared.config.max_url_length {
        return refuse(
            StatusCode::URI_TOO_LONG,
            &format!(
                "request target of {target_length} characters exceeds {}",
                shared.config.max_url_length
            ),
        );
    }
    let streams = streams_of(uri.query().unwrap_or(""));
    if streams.len() > shared.config.max_streams_per_connection {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!(
                "{} streams exceed the limit of {} per connection",
                streams.len(),
                shared.config.max_streams_per_connection
            ),
        );
    }
    // Registered before the handshake completes, so nothing pushed after the client sees
    // the upgrade is lost.
    let Some(registered) = socket::register(&shared, &streams) else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "streams are unavailable");
    };
    let id = registered.id;
    let on_failure = Arc::clone(&shared);
    upgrade
        .on_failed_upgrade(move |_| socket::unregister(&on_failure, id))
        .on_upgrade(move |ws| socket::serve(ws, shared, registered))
}

fn refuse(status: StatusCode, msg: &str) -> Response {
    (status, Json(bodies::error(-1, msg))).into_response()
}

/// The stream names of a `streams=a/b/c` query, in order, without empties or repeats.
fn streams_of(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pair in query.split('&') {
        let Some(list) = pair.strip_prefix("streams=") else {
            continue;
        };
        for name in list.split('/').filter(|s| !s.is_empty()) {
            let name = name.replace("%40", "@").replace("%2F", "/");
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lists_are_split_and_deduplicated() {
        assert_eq!(
            streams_of("streams=btcusdt@kline_1m/ethusdt%40kline_5m//btcusdt@kline_1m"),
            ["btcusdt@kline_1m", "ethusdt@kline_5m"]
        );
        assert!(streams_of("").is_empty());
    }
}
