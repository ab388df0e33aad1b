//! Which streams go on which connection, and how each connection subscribes them.
//!
//! - Stream names are `<symbol lower case>@kline_<interval>` (docs §2.3).
//! - Streams are spread evenly over as few connections as the per-connection cap allows
//!   (Binance: 1024), so 7 streams with a cap of 3 make connections of 3, 2 and 2.
//! - A connection puts as many of its streams in the URL (`/stream?streams=a/b/…`) as fit a
//!   length budget (Binance cuts request targets at about 8000 characters) and subscribes the
//!   rest with SUBSCRIBE messages of at most `subscribe_batch` names.

use reqwest::Url;

use crate::market::SeriesKey;

/// The stream name of a series.
pub fn stream_name(key: &SeriesKey) -> String {
    format!(
        "{}@kline_{}",
        key.symbol.to_ascii_lowercase(),
        key.interval.as_str()
    )
}

/// `keys` split into the fewest groups of at most `cap`, sizes differing by at most one.
pub fn shards(keys: &[SeriesKey], cap: usize) -> Vec<Vec<SeriesKey>> {
    if keys.is_empty() {
        return Vec::new();
    }
    let cap = cap.max(1);
    let count = keys.len().div_ceil(cap);
    let (base, extra) = (keys.len() / count, keys.len() % count);
    let mut out = Vec::with_capacity(count);
    let mut rest = keys;
    for i in 0..count {
        let size = base + usize::from(i < extra);
        let (head, tail) = rest.split_at(size);
        out.push(head.to_vec());
        rest = tail;
    }
    out
}

/// How one connection gets its streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The URL to dial, carrying the first streams.
    pub url: String,
    /// Streams to SUBSCRIBE after connecting, batch by batch.
    pub batches: Vec<Vec<String>>,
}

/// Why a stream URL cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Binance stream address {0:?} is not a ws(s) URL")]
pub struct InvalidStreamUrl(pub String);

/// Checks a stream base URL (`wss://data-stream.binance.vision`).
pub fn check_base(base: &str) -> Result<(), InvalidStreamUrl> {
    Url::parse(base)
        .ok()
        .filter(|u| matches!(u.scheme(), "ws" | "wss") && u.has_host())
        .map(|_| ())
        .ok_or_else(|| InvalidStreamUrl(base.to_owned()))
}

/// The subscription of `names` on `base`, with at most `max_target_length` characters of
/// path and query in the URL (at least one stream always goes there).
pub fn subscription(
    base: &str,
    names: &[String],
    max_target_length: usize,
    subscribe_batch: usize,
) -> Subscription {
    let base = base.trim_end_matches('/');
    let path =
        Url::parse(base).map_or(String::new(), |u| u.path().trim_end_matches('/').to_owned());
    let mut url = format!("{base}/stream?streams=");
    let mut length = path.len() + "/stream?streams=".len();
    let mut in_url = 0;
    for name in names {
        let extra = name.len() + usize::from(in_url > 0);
        if in_url > 0 && length + extra > max_target_length {
            break;
        }
        if in_url > 0 {
            url.push('/');
        }
        url.push_str(name);
        length += extra;
        in_url += 1;
    }
    let batches = names[in_url..]
        .chunks(subscribe_batch.max(1))
        .map(<[String]>::to_vec)
        .collect();
    Subscription { url, batches }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Interval;

    fn keys(n: usize) -> Vec<SeriesKey> {
        (0..n)
            .map(|i| SeriesKey::new(&format!("S{i}USDT"), Interval::M1))
            .collect()
    }

    #[test]
    fn shards_are_few_and_even() {
        let sizes = |n, cap| {
            shards(&keys(n), cap)
                .iter()
                .map(Vec::len)
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(7, 3), [3, 2, 2]);
        assert_eq!(sizes(6, 3), [3, 3]);
        assert_eq!(sizes(2049, 1024), [683, 683, 683]);
        assert_eq!(sizes(1, 1024), [1]);
        assert!(shards(&[], 3).is_empty());
        let all: Vec<SeriesKey> = shards(&keys(7), 3).concat();
        assert_eq!(all, keys(7));
        assert_eq!(
            stream_name(&SeriesKey::new("BTCUSDT", Interval::H4)),
            "btcusdt@kline_4h"
        );
    }

    #[test]
    fn streams_beyond_the_url_budget_are_subscribed_in_batches() {
        let names: Vec<String> = (0..5).map(|i| format!("s{i}usdt@kline_1m")).collect();
        let all = subscription("wss://h/", &names, 8000, 200);
        assert_eq!(
            all.url,
            format!("wss://h/stream?streams={}", names.join("/"))
        );
        assert!(all.batches.is_empty());
        // "/stream?streams=" is 16 characters; each name 15 plus a slash.
        let some = subscription("wss://h", &names, 16 + 15 + 16, 2);
        assert_eq!(
            some.url,
            "wss://h/stream?streams=s0usdt@kline_1m/s1usdt@kline_1m"
        );
        assert_eq!(some.batches, [names[2..4].to_vec(), names[4..].to_vec()]);
        let tiny = subscription("wss://h", &names, 1, 10);
        assert_eq!(tiny.url, "wss://h/stream?streams=s0usdt@kline_1m");
        assert_eq!(tiny.batches.len(), 1);
        assert!(check_base("wss://data-stream.binance.vision").is_ok());
        assert!(check_base("https://x").is_err());
    }
}
