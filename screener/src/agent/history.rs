//! The agent's last 24 hours for support staff (`GET /history`): a copy of the metrics
//! snapshot every `--history-every-secs` (60 s by default), one record per agent start, and the
//! last 100 errors — kept in memory and in `<data_dir>/history.jsonl` (see
//! [`HistoryFile`]), so a crash loop shows up as boots piling up with the errors between them.
//!
//! [`Recorder`] is the in-memory side every task records into (through
//! [`Shared::record_error`](super::state::Shared::record_error) for errors); [`run`] samples on
//! its period and writes whatever was recorded to the file, off the executor.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use ts_rs::TS;

use super::history_file::HistoryFile;
use super::state::{lock, Identity, Shared};
use crate::protocol::{Metrics, PROTOCOL_VERSION};

/// How far back the history reaches.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// Errors kept (the newest).
pub const MAX_ERRORS: usize = 100;
/// Boots kept (the newest): a crash loop of days stays bounded.
pub const MAX_BOOTS: usize = 1000;
/// Viewer accesses kept (the newest).
pub const MAX_ACCESSES: usize = 200;
/// Longest error message kept, in characters (longer ones end with `…`).
pub const MAX_MESSAGE_CHARS: usize = 500;
/// The default sampling period.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// `GET /history`: the agent's last 24 h, oldest first in each list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentHistory {
    pub agent_version: String,
    pub machine_id: String,
    pub protocol_version: u32,
    /// When this run of the agent started (RFC 3339).
    pub booted_at: String,
    pub samples: Vec<HistorySample>,
    pub boots: Vec<BootRecord>,
    pub errors: Vec<AgentErrorRecord>,
    /// Every look with the viewer token (support staff), so the owner's app can put it in
    /// the owner's audit log; absent from agents older than this field.
    #[serde(default)]
    pub accesses: Vec<AccessRecord>,
}

/// The metrics snapshot at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistorySample {
    /// RFC 3339.
    pub at: String,
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    pub memory_limit_bytes: u64,
    pub uptime_seconds: u64,
    pub streams_connected: u32,
    pub last_candle_age_seconds: Option<f64>,
    pub active_traders: u32,
    pub evaluations_per_minute: u64,
    pub queue_depth: u32,
    pub signals_total: u64,
    pub errors_total: u64,
}

impl HistorySample {
    pub fn new(at: String, m: &Metrics) -> Self {
        Self {
            at,
            cpu_percent: m.cpu_percent,
            memory_bytes: m.memory_bytes,
            memory_limit_bytes: m.memory_limit_bytes,
            uptime_seconds: m.uptime_seconds,
            streams_connected: m.streams_connected,
            last_candle_age_seconds: m.last_candle_age_seconds,
            active_traders: m.active_traders,
            evaluations_per_minute: m.evaluations_per_minute,
            queue_depth: m.queue_depth,
            signals_total: m.signals_total,
            errors_total: m.errors_total,
        }
    }
}

/// One start of the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BootRecord {
    /// RFC 3339.
    pub at: String,
    pub agent_version: String,
}

/// One failure the agent saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentErrorRecord {
    /// RFC 3339.
    pub at: String,
    /// Where it happened: `startup`, `market`, `publish`, `analysis`, `command`, `session`.
    pub source: String,
    pub message: String,
}

/// One look at the agent with the viewer token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessRecord {
    /// RFC 3339.
    pub at: String,
    /// `live connection` (the WebSocket) or `history` (`GET /history`).
    pub what: String,
}

/// One line of `history.jsonl`, tagged with its `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    Sample(HistorySample),
    Boot(BootRecord),
    Error(AgentErrorRecord),
    Access(AccessRecord),
}

impl Entry {
    pub fn at(&self) -> &str {
        match self {
            Entry::Sample(s) => &s.at,
            Entry::Boot(b) => &b.at,
            Entry::Error(e) => &e.at,
            Entry::Access(a) => &a.at,
        }
    }
}

/// Now, as the history writes it (RFC 3339, milliseconds, `Z`).
pub fn now_rfc3339() -> String {
    stamp(Utc::now())
}

pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time, in UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The history in memory: what the last 24 h hold, within the caps.
#[derive(Debug, Default, Clone)]
pub struct Log {
    samples: VecDeque<HistorySample>,
    boots: VecDeque<BootRecord>,
    errors: VecDeque<AgentErrorRecord>,
    accesses: VecDeque<AccessRecord>,
}

impl Log {
    /// Adds an entry; the oldest error (boot) goes beyond [`MAX_ERRORS`] ([`MAX_BOOTS`]).
    pub fn push(&mut self, entry: Entry) {
        match entry {
            Entry::Sample(s) => self.samples.push_back(s),
            Entry::Boot(b) => {
                self.boots.push_back(b);
                if self.boots.len() > MAX_BOOTS {
                    self.boots.pop_front();
                }
            }
            Entry::Error(e) => {
                self.errors.push_back(e);
                if self.errors.len() > MAX_ERRORS {
                    self.errors.pop_front();
                }
            }
            Entry::Access(a) => {
                self.accesses.push_back(a);
                if self.accesses.len() > MAX_ACCESSES {
                    self.accesses.pop_front();
                }
            }
        }
    }

    /// Drops what is older than [`RETENTION`] before `now` (or has no readable time).
    pub fn trim(&mut self, now: DateTime<Utc>) {
        let cutoff = now - chrono::Duration::from_std(RETENTION).unwrap_or_default();
        let live = |at: &str| parse_time(at).is_some_and(|t| t >= cutoff);
        self.samples.retain(|s| live(&s.at));
        self.boots.retain(|b| live(&b.at));
        self.errors.retain(|e| live(&e.at));
        self.accesses.retain(|a| live(&a.at));
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.samples.len() + self.boots.len() + self.errors.len() + self.accesses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, oldest first (what a compacted file holds).
    pub fn entries(&self) -> Vec<Entry> {
        let mut all: Vec<(Option<DateTime<Utc>>, Entry)> = self
            .boots
            .iter()
            .cloned()
            .map(Entry::Boot)
            .chain(self.samples.iter().cloned().map(Entry::Sample))
            .chain(self.errors.iter().cloned().map(Entry::Error))
            .chain(self.accesses.iter().cloned().map(Entry::Access))
            .map(|e| (parse_time(e.at()), e))
            .collect();
        all.sort_by_key(|(at, _)| *at);
        all.into_iter().map(|(_, e)| e).collect()
    }

    /// Viewer accesses at or after `since` (all of them without).
    pub fn accesses_since(&self, since: Option<DateTime<Utc>>) -> Vec<AccessRecord> {
        self.accesses
            .iter()
            .filter(|a| since.is_none_or(|s| parse_time(&a.at).is_some_and(|t| t >= s)))
            .cloned()
            .collect()
    }

    /// Samples, boots and errors at or after `since` (all of them without).
    pub fn since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> (Vec<HistorySample>, Vec<BootRecord>, Vec<AgentErrorRecord>) {
        let keep = |at: &str| since.is_none_or(|s| parse_time(at).is_some_and(|t| t >= s));
        (
            self.samples
                .iter()
                .filter(|x| keep(&x.at))
                .cloned()
                .collect(),
            self.boots.iter().filter(|x| keep(&x.at)).cloned().collect(),
            self.errors
                .iter()
                .filter(|x| keep(&x.at))
                .cloned()
                .collect(),
        )
    }
}

/// What every task records into: the in-memory log, and a queue of entries for the file.
pub struct Recorder {
    log: Mutex<Log>,
    unwritten: mpsc::UnboundedSender<Entry>,
}

/// Entries recorded and not yet written, for [`run`].
pub type Unwritten = mpsc::UnboundedReceiver<Entry>;

impl Recorder {
    /// A recorder holding `log` (what was loaded, with this boot).
    pub fn new(log: Log) -> (Self, Unwritten) {
        let (unwritten, rx) = mpsc::unbounded_channel();
        (
            Self {
                log: Mutex::new(log),
                unwritten,
            },
            rx,
        )
    }

    /// Records an entry (kept in memory at once, written by [`run`]). Queued under the log's
    /// lock, so a snapshot taken under it holds exactly what was queued before it.
    pub fn record(&self, entry: Entry) {
        let mut log = lock(&self.log);
        log.push(entry.clone());
        let _ = self.unwritten.send(entry);
    }

    /// Every entry held, oldest first, with the queue emptied of what it already holds (for
    /// rewriting the file without writing anything twice).
    pub fn snapshot(&self, unwritten: &mut Unwritten) -> Vec<Entry> {
        let log = lock(&self.log);
        while unwritten.try_recv().is_ok() {}
        log.entries()
    }

    /// Records an error now; the message is cut to [`MAX_MESSAGE_CHARS`]. Callers pass
    /// messages without secrets ([`Shared::record_error`] also redacts the agent's tokens).
    pub fn error(&self, source: &str, message: &str) {
        let message = if message.chars().count() > MAX_MESSAGE_CHARS {
            let cut: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
            format!("{cut}…")
        } else {
            message.to_owned()
        };
        self.record(Entry::Error(AgentErrorRecord {
            at: now_rfc3339(),
            source: source.to_owned(),
            message,
        }));
    }

    /// Records a look with the viewer token now (`what`: `live connection`, `history`).
    pub fn access(&self, what: &str) {
        self.record(Entry::Access(AccessRecord {
            at: now_rfc3339(),
            what: what.to_owned(),
        }));
    }

    /// Records `metrics` as a sample taken now, dropping what fell out of the 24 h.
    pub fn sample(&self, metrics: &Metrics) {
        let now = Utc::now();
        lock(&self.log).trim(now);
        self.record(Entry::Sample(HistorySample::new(stamp(now), metrics)));
    }

    /// A copy of the log.
    pub fn log(&self) -> Log {
        lock(&self.log).clone()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        lock(&self.log).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `GET /history`'s answer.
    pub fn history(&self, identity: &Identity, since: Option<DateTime<Utc>>) -> AgentHistory {
        let log = lock(&self.log);
        let (samples, boots, errors) = log.since(since);
        let accesses = log.accesses_since(since);
        AgentHistory {
            agent_version: identity.agent_version.clone(),
            machine_id: identity.machine_id.clone(),
            protocol_version: PROTOCOL_VERSION,
            booted_at: identity.started_at.clone(),
            samples,
            boots,
            errors,
            accesses,
        }
    }
}

/// Samples every `every` until shutdown and writes what is recorded to `file` (none: memory
/// only). After shutdown it stops sampling but keeps writing until the connections close —
/// the last round's errors come in while the agent drains — then writes what is left.
pub async fn run(
    shared: Arc<Shared>,
    mut file: Option<HistoryFile>,
    mut unwritten: Unwritten,
    every: Duration,
) {
    let every = every.max(Duration::from_secs(1));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = shared.closing.cancelled() => break,
            _ = tick.tick(), if !shared.shutdown.is_cancelled() => {
                let metrics = lock(&shared.metrics).clone();
                shared.history.sample(&metrics);
            }
            Some(first) = unwritten.recv() => {
                let mut batch = vec![first];
                while let Ok(more) = unwritten.try_recv() {
                    batch.push(more);
                }
                file = write(&shared, file, batch, &mut unwritten).await;
            }
        }
    }
    let mut rest = Vec::new();
    while let Ok(more) = unwritten.try_recv() {
        rest.push(more);
    }
    if !rest.is_empty() {
        write(&shared, file, rest, &mut unwritten).await;
    }
    tracing::debug!("history written");
}

/// Appends `batch` on a blocking thread — or, when the file would grow past twice what is
/// live, rewrites it with what is live (the batch included). A failure is logged and the history stays in memory.
async fn write(
    shared: &Shared,
    file: Option<HistoryFile>,
    batch: Vec<Entry>,
    unwritten: &mut Unwritten,
) -> Option<HistoryFile> {
    let mut file = file?;
    let live = shared.history.len();
    let entries = file
        .needs_compaction(batch.len(), live)
        .then(|| shared.history.snapshot(unwritten));
    let written = tokio::task::spawn_blocking(move || {
        let result = match entries {
            Some(entries) => file.compact(&entries),
            None => file.append(&batch),
        };
        (file, result)
    })
    .await;
    match written {
        Ok((file, Ok(()))) => Some(file),
        Ok((file, Err(e))) => {
            tracing::warn!(error = %e, path = %file.path().display(), "writing the history failed");
            Some(file)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the history writer failed; keeping the history in memory");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours_ago: i64, now: DateTime<Utc>) -> String {
        stamp(now - chrono::Duration::hours(hours_ago))
    }

    fn error(at: String, message: &str) -> Entry {
        Entry::Error(AgentErrorRecord {
            at,
            source: "market".into(),
            message: message.into(),
        })
    }

    #[test]
    fn trim_drops_what_is_older_than_a_day_and_unreadable_times() {
        let now = Utc::now();
        let mut log = Log::default();
        log.push(Entry::Sample(HistorySample::new(
            at(25, now),
            &Metrics::default(),
        )));
        log.push(Entry::Sample(HistorySample::new(
            at(23, now),
            &Metrics::default(),
        )));
        log.push(Entry::Boot(BootRecord {
            at: at(30, now),
            agent_version: "1".into(),
        }));
        log.push(error("yesterday-ish".into(), "bad time"));
        log.push(error(at(1, now), "fresh"));
        log.trim(now);
        let (samples, boots, errors) = log.since(None);
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].at, at(23, now));
        assert!(boots.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "fresh");
    }

    #[test]
    fn only_the_last_hundred_errors_are_kept() {
        let now = Utc::now();
        let mut log = Log::default();
        for i in 0..150 {
            log.push(error(at(0, now), &format!("e{i}")));
        }
        let (_, _, errors) = log.since(None);
        assert_eq!(errors.len(), MAX_ERRORS);
        assert_eq!(errors[0].message, "e50");
        assert_eq!(errors[99].message, "e149");
    }

    #[test]
    fn since_keeps_entries_at_or_after_it() {
        let now = Utc::now();
        let mut log = Log::default();
        for h in [5, 3, 1] {
            log.push(Entry::Sample(HistorySample::new(
                at(h, now),
                &Metrics::default(),
            )));
            log.push(error(at(h, now), &format!("{h}h")));
        }
        let since = parse_time(&at(3, now));
        let (samples, boots, errors) = log.since(since);
        assert_eq!(samples.len(), 2);
        assert!(boots.is_empty());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["3h", "1h"]);
        assert_eq!(log.since(parse_time(&stamp(now))).0.len(), 0);
    }

    #[test]
    fn entries_come_out_oldest_first_across_kinds() {
        let now = Utc::now();
        let mut log = Log::default();
        log.push(error(at(1, now), "late"));
        log.push(Entry::Boot(BootRecord {
            at: at(3, now),
            agent_version: "1".into(),
        }));
        log.push(Entry::Sample(HistorySample::new(
            at(2, now),
            &Metrics::default(),
        )));
        let kinds: Vec<&str> = log
            .entries()
            .iter()
            .map(|e| match e {
                Entry::Boot(_) => "boot",
                Entry::Sample(_) => "sample",
                Entry::Error(_) => "error",
                Entry::Access(_) => "access",
            })
            .collect();
        assert_eq!(kinds, ["boot", "sample", "error"]);
    }

    #[test]
    fn long_messages_are_cut_and_lines_are_tagged() {
        let (recorder, mut unwritten) = Recorder::new(Log::default());
        recorder.error("publish", &"x".repeat(2000));
        let entry = unwritten.try_recv().unwrap();
        let Entry::Error(e) = &entry else {
            panic!("{entry:?}")
        };
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(e.message.ends_with('…'));
        let line = serde_json::to_value(&entry).unwrap();
        assert_eq!(line["kind"], "error");
        assert_eq!(line["source"], "publish");
        let sample = serde_json::to_value(Entry::Sample(HistorySample::new(
            now_rfc3339(),
            &Metrics {
                errors_total: 3,
                ..Metrics::default()
            },
        )))
        .unwrap();
        assert_eq!(sample["kind"], "sample");
        assert_eq!(sample["errorsTotal"], 3);
        assert!(sample["lastCandleAgeSeconds"].is_null());
    }

    #[test]
    fn a_snapshot_takes_what_is_queued_so_nothing_is_written_twice() {
        let (recorder, mut unwritten) = Recorder::new(Log::default());
        for i in 0..3 {
            recorder.error("command", &format!("e{i}"));
        }
        recorder.sample(&Metrics::default());
        let snapshot = recorder.snapshot(&mut unwritten);
        assert_eq!(snapshot.len(), 4);
        assert!(unwritten.try_recv().is_err(), "the queue is empty");
        recorder.error("command", "later");
        let Ok(Entry::Error(later)) = unwritten.try_recv() else {
            panic!("the next entry is queued")
        };
        assert_eq!(later.message, "later");
        assert_eq!(recorder.len(), 5);
    }

    #[test]
    fn parse_time_refuses_what_is_not_rfc3339() {
        for bad in [
            "",
            "yesterday",
            "2026-11-24",
            "2026-11-24 10:00:00",
            "1732443000",
        ] {
            assert!(parse_time(bad).is_none(), "{bad}");
        }
        assert!(parse_time("2026-11-24T10:00:00+02:00").is_some());
    }
}
