//! The machine's logs through Fly's logs API: the recent backlog, the lines after a token
//! (the live tail polls with it, as flyctl does: 64 ms doubling to 4 s while nothing is new,
//! and giving up after 10 errors in a row), and filtering by level and text.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::view::{LogLevel, LogLine, LogQuery, LogsView};
use crate::error::{Error, Result};
use crate::fly::{FlyClient, FlyError, LogRequest};

/// flyctl's polling: first pause, longest pause, errors before giving up.
const FIRST_POLL: Duration = Duration::from_millis(64);
const MAX_POLL: Duration = Duration::from_secs(4);
const MAX_ERRORS: u32 = 10;
/// The longest search text.
const MAX_SEARCH: usize = 200;

/// The level of a Fly log line (`info`, `WARN`, `warning`, `err`, …); unknown is `info`.
pub fn level_of(level: &str) -> LogLevel {
    match level.trim().to_ascii_lowercase().as_str() {
        "debug" | "trace" => LogLevel::Debug,
        "warn" | "warning" => LogLevel::Warn,
        "error" | "err" | "fatal" | "crit" | "critical" | "panic" => LogLevel::Error,
        _ => LogLevel::Info,
    }
}

/// Checks a query's search text.
pub fn check(query: &LogQuery) -> Result<()> {
    if let Some(search) = &query.search {
        if search.chars().count() > MAX_SEARCH || search.chars().any(char::is_control) {
            return Err(Error::InvalidInput(format!(
                "the search text must be at most {MAX_SEARCH} characters, without control characters"
            )));
        }
    }
    Ok(())
}

/// Whether `line` passes the query's filters.
pub fn matches(line: &LogLine, query: &LogQuery) -> bool {
    if query
        .min_level
        .is_some_and(|min| level_of(&line.level) < min)
    {
        return false;
    }
    match query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => line.message.to_lowercase().contains(&text.to_lowercase()),
        None => true,
    }
}

/// One page of `app`'s logs for `instance`, filtered.
pub async fn page(
    logs: &FlyClient,
    app: &str,
    instance: Option<&str>,
    query: &LogQuery,
) -> Result<LogsView> {
    check(query)?;
    let request = LogRequest {
        next_token: query.after.clone(),
        instance: instance.map(str::to_owned),
        region: None,
    };
    let page = logs.app_logs(app, &request).await?;
    let scanned = page.entries.len() as u32;
    let lines = page
        .entries
        .into_iter()
        .map(|e| LogLine {
            at: e.timestamp,
            level: level_of(&e.level).as_str().to_owned(),
            message: e.message,
            instance: e.instance,
            region: e.region,
        })
        .filter(|line| matches(line, query))
        .collect();
    Ok(LogsView {
        lines,
        next_token: page.next_token.or_else(|| query.after.clone()),
        scanned,
    })
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// Follows the logs after `query.after` until `cancel`: each page with new matching lines
/// goes to `sink` (`false` from the sink stops). Polls fast while lines come and backs off
/// to [`MAX_POLL`] while none do; 401 and 404 end it, as do [`MAX_ERRORS`] failures in a row.
pub async fn follow<S>(
    logs: &FlyClient,
    app: &str,
    instance: Option<&str>,
    mut query: LogQuery,
    cancel: CancellationToken,
    mut sink: S,
) -> Result<()>
where
    S: FnMut(LogsView) -> bool,
{
    let mut pause = FIRST_POLL;
    let mut errors = 0;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep(pause) => {}
        }
        match page(logs, app, instance, &query).await {
            Ok(view) => {
                errors = 0;
                let fresh = view.scanned > 0 && view.next_token != query.after;
                query.after = view.next_token.clone();
                if fresh {
                    pause = FIRST_POLL;
                    if !view.lines.is_empty() && !sink(view) {
                        return Ok(());
                    }
                } else {
                    pause = (pause * 2).min(MAX_POLL);
                }
            }
            Err(Error::Fly(e @ (FlyError::Unauthorized(_) | FlyError::NotFound(_)))) => {
                return Err(e.into())
            }
            Err(e) => {
                errors += 1;
                tracing::warn!(error = %e, errors, "polling Fly's logs failed");
                if errors >= MAX_ERRORS {
                    return Err(e);
                }
                pause = MAX_POLL;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: &str, message: &str) -> LogLine {
        LogLine {
            at: "2026-11-24T10:00:00Z".into(),
            level: level.into(),
            message: message.into(),
            instance: "m1".into(),
            region: "ams".into(),
        }
    }

    #[test]
    fn filters_by_level_and_text() {
        let query = LogQuery {
            min_level: Some(LogLevel::Warn),
            search: Some("binance".into()),
            after: None,
        };
        assert!(matches(&line("error", "Binance answered 429"), &query));
        assert!(matches(&line("WARN", "reconnecting to BINANCE"), &query));
        assert!(!matches(&line("info", "Binance connected"), &query));
        assert!(!matches(&line("error", "journal failed"), &query));
        assert!(matches(&line("debug", "anything"), &LogQuery::default()));
    }

    #[test]
    fn levels_are_read_leniently() {
        assert_eq!(level_of("warning"), LogLevel::Warn);
        assert_eq!(level_of("ERR"), LogLevel::Error);
        assert_eq!(level_of(""), LogLevel::Info);
        assert_eq!(level_of("trace"), LogLevel::Debug);
    }

    #[test]
    fn bad_search_text_is_refused() {
        for bad in ["x".repeat(201), "a\u{0}b".to_owned()] {
            let query = LogQuery {
                search: Some(bad),
                ..LogQuery::default()
            };
            assert!(check(&query).is_err());
        }
    }
}
