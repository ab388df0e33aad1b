//! The apps' logs, as Fly's log service keeps them (`docs/fly-machines-api.md` §7): per app,
//! lines with strictly increasing timestamps, each with its machine (`instance`), region and
//! level. Process mode feeds the agents' stdout and stderr and the fake's own runner lines;
//! simulated mode gets lines from [`super::FakeFly::push_log`]. Served by
//! `GET /api/v1/apps/{app}/logs` (`routes::logs`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A line's level, as Fly reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// The level of a line logged by `tracing_subscriber`'s fmt layer (`… ERROR target: …`;
    /// `TRACE` counts as debug); info when it names none.
    pub fn of_line(line: &str) -> LogLevel {
        let padded = format!(" {line} ");
        [
            (" ERROR ", LogLevel::Error),
            (" WARN ", LogLevel::Warn),
            (" INFO ", LogLevel::Info),
            (" DEBUG ", LogLevel::Debug),
            (" TRACE ", LogLevel::Debug),
        ]
        .into_iter()
        .filter_map(|(word, level)| padded.find(word).map(|at| (at, level)))
        .min_by_key(|(at, _)| *at)
        .map_or(LogLevel::Info, |(_, level)| level)
    }
}

/// Who wrote a line: the machine's process, or Fly's runner (boots and exits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogProvider {
    App,
    Runner,
}

/// One line of an app's logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Unique within the app and strictly increasing.
    pub ts: SystemTime,
    pub app: String,
    /// The machine id.
    pub instance: String,
    pub region: String,
    pub level: LogLevel,
    pub message: String,
    pub provider: LogProvider,
}

impl LogLine {
    /// Nanoseconds since the Unix epoch: what `next_token` counts in.
    pub fn ts_nanos(&self) -> u128 {
        unix_nanos(self.ts)
    }
}

pub(crate) fn unix_nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Every app's lines (retention is not simulated: a test is shorter than Fly's 7 days).
#[derive(Debug, Default)]
pub(crate) struct LogStore {
    apps: BTreeMap<String, Vec<LogLine>>,
}

impl LogStore {
    /// Appends a line stamped now (or 1 ns after the app's newest, so stamps never repeat).
    pub fn push(
        &mut self,
        app: &str,
        instance: &str,
        region: &str,
        level: LogLevel,
        message: &str,
        provider: LogProvider,
    ) -> LogLine {
        let lines = self.apps.entry(app.to_owned()).or_default();
        let now = SystemTime::now();
        let ts = match lines.last() {
            Some(last) if last.ts >= now => last.ts + Duration::from_nanos(1),
            _ => now,
        };
        let line = LogLine {
            ts,
            app: app.to_owned(),
            instance: instance.to_owned(),
            region: region.to_owned(),
            level,
            message: strip_ansi(message.trim_end_matches(['\r', '\n'])),
            provider,
        };
        lines.push(line.clone());
        line
    }

    /// An app's lines, oldest first.
    pub fn lines(&self, app: &str) -> &[LogLine] {
        self.apps.get(app).map_or(&[], Vec::as_slice)
    }
}

/// `text` without ANSI escape sequences (colours, cursor moves).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: parameters and intermediates up to a final byte in @..~.
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \.
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_come_from_the_tracing_fmt_word() {
        let at = "2026-11-24T10:00:00.123456Z";
        assert_eq!(
            LogLevel::of_line(&format!("{at} ERROR screener::agent: boom")),
            LogLevel::Error
        );
        assert_eq!(
            LogLevel::of_line(&format!("{at}  WARN screener: slow")),
            LogLevel::Warn
        );
        assert_eq!(
            LogLevel::of_line(&format!("{at}  INFO x: said ERROR later")),
            LogLevel::Info
        );
        assert_eq!(
            LogLevel::of_line(&format!("{at} TRACE x: y")),
            LogLevel::Debug
        );
        for plain in ["args: serve", "", "ERRORS happen", "an error"] {
            assert_eq!(LogLevel::of_line(plain), LogLevel::Info, "{plain}");
        }
        assert_eq!(LogLevel::of_line("ERROR at the start"), LogLevel::Error);
    }

    #[test]
    fn ansi_colours_are_stripped() {
        let coloured = "\u{1b}[2m2026\u{1b}[0m \u{1b}[31mERROR\u{1b}[0m \u{1b}]0;title\u{7}x";
        assert_eq!(strip_ansi(coloured), "2026 ERROR x");
        assert_eq!(LogLevel::of_line(&strip_ansi(coloured)), LogLevel::Error);
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("cut \u{1b}["), "cut ");
    }

    #[test]
    fn stamps_strictly_increase_per_app() {
        let mut store = LogStore::default();
        for i in 0..1000 {
            store.push(
                "a",
                "m",
                "iad",
                LogLevel::Info,
                &format!("{i}\n"),
                LogProvider::App,
            );
        }
        let lines = store.lines("a");
        assert!(lines.windows(2).all(|w| w[0].ts < w[1].ts));
        assert_eq!(lines[3].message, "3");
        assert!(store.lines("b").is_empty());
    }
}
