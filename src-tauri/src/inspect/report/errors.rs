//! The report's error summary: the agent's errors grouped by source and message (count, first
//! and last time), and how many log lines were warnings or errors.

use std::collections::HashMap;

use crate::inspect::view::{AgentErrorRecord, LogLine};

use super::charts::parse_ms;

/// One kind of agent error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorGroup {
    pub source: String,
    pub message: String,
    pub count: usize,
    /// RFC 3339.
    pub first: String,
    pub last: String,
}

/// `errors` grouped by source and message, the most frequent first (then the most recent).
pub fn group(errors: &[AgentErrorRecord]) -> Vec<ErrorGroup> {
    let mut groups: HashMap<(&str, &str), ErrorGroup> = HashMap::new();
    // Times compare as instants when they parse, else as text.
    let key = |at: &str| (parse_ms(at).unwrap_or(i64::MIN), at.to_owned());
    for e in errors {
        let group = groups
            .entry((&e.source, &e.message))
            .or_insert_with(|| ErrorGroup {
                source: e.source.clone(),
                message: e.message.clone(),
                count: 0,
                first: e.at.clone(),
                last: e.at.clone(),
            });
        group.count += 1;
        if key(&e.at) < key(&group.first) {
            group.first = e.at.clone();
        }
        if key(&e.at) > key(&group.last) {
            group.last = e.at.clone();
        }
    }
    let mut out: Vec<ErrorGroup> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| key(&b.last).cmp(&key(&a.last)))
            .then_with(|| (&a.source, &a.message).cmp(&(&b.source, &b.message)))
    });
    out
}

/// Fly log lines at warning level or worse.
pub fn warn_or_error_lines(lines: &[LogLine]) -> usize {
    lines
        .iter()
        .filter(|l| {
            matches!(
                l.level.to_ascii_lowercase().as_str(),
                "warn" | "warning" | "error" | "err" | "fatal" | "critical" | "crit" | "panic"
            )
        })
        .count()
}

/// App log lines (`tracing`'s format: `<time>  WARN target: message`) at warning or worse.
pub fn warn_or_error_app_lines(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| {
            l.split_whitespace()
                .take(3)
                .any(|w| w == "WARN" || w == "ERROR")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(at: &str, source: &str, message: &str) -> AgentErrorRecord {
        AgentErrorRecord {
            at: at.into(),
            source: source.into(),
            message: message.into(),
        }
    }

    #[test]
    fn errors_group_by_source_and_message() {
        let errors = [
            error("2026-11-24T03:00:00Z", "binance", "stream closed"),
            error("2026-11-24T01:00:00Z", "binance", "stream closed"),
            error("2026-11-24T02:00:00Z", "engine", "stream closed"),
            error("2026-11-24T05:00:00Z", "binance", "stream closed"),
            error("2026-11-24T04:00:00Z", "engine", "trader t1 failed"),
        ];
        let groups = group(&errors);
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[0],
            ErrorGroup {
                source: "binance".into(),
                message: "stream closed".into(),
                count: 3,
                first: "2026-11-24T01:00:00Z".into(),
                last: "2026-11-24T05:00:00Z".into(),
            }
        );
        // Equal counts: the most recent first.
        assert_eq!(groups[1].message, "trader t1 failed");
        assert_eq!(groups[2].source, "engine");
        assert!(group(&[]).is_empty());
    }

    #[test]
    fn warnings_and_errors_are_counted() {
        let line = |level: &str| LogLine {
            at: "2026-11-24T00:00:00Z".into(),
            level: level.into(),
            message: "m".into(),
            instance: "i".into(),
            region: "sin".into(),
        };
        let lines = [
            line("info"),
            line("WARN"),
            line("error"),
            line("debug"),
            line(""),
        ];
        assert_eq!(warn_or_error_lines(&lines), 2);
        let app = [
            "2026-11-24T00:00:00.1Z  INFO trademind: started".to_owned(),
            "2026-11-24T00:00:01.1Z  WARN trademind::link: retrying".to_owned(),
            "2026-11-24T00:00:02.1Z ERROR trademind::api: failed".to_owned(),
            "2026-11-24T00:00:03.1Z  INFO trademind: the word ERROR later".to_owned(),
        ];
        assert_eq!(warn_or_error_app_lines(&app), 2);
    }
}
