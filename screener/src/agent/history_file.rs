//! `<data_dir>/history.jsonl`: the agent's history on disk, one JSON line per sample, boot or
//! error (tagged with its `kind`), appended as they come. Opening it loads the last 24 h
//! (a corrupt line is skipped with a warning), appends this boot, and rewrites the file when it
//! holds more than twice what is live. Blocking I/O: call from a blocking thread.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::history::{Entry, Log};

/// The file's name in the data directory.
pub const FILE_NAME: &str = "history.jsonl";
/// A file is never compacted below this many lines (a young history just appends).
const COMPACT_MIN_LINES: usize = 64;

/// The open history file and how many lines it holds.
#[derive(Debug)]
pub struct HistoryFile {
    path: PathBuf,
    lines: usize,
}

/// What opening found.
#[derive(Debug)]
pub struct Opened {
    pub file: HistoryFile,
    /// The last 24 h, with this boot.
    pub log: Log,
    /// Lines that could not be read.
    pub skipped: usize,
}

impl HistoryFile {
    /// Loads `<data_dir>/history.jsonl` as of `now`, adds `boot`, and appends it (or rewrites
    /// the file with only what is live when it has grown to twice that).
    pub fn open(data_dir: &Path, boot: Entry, now: DateTime<Utc>) -> io::Result<Opened> {
        let path = data_dir.join(FILE_NAME);
        let (mut log, lines, skipped) = load(&path)?;
        log.trim(now);
        log.push(boot.clone());
        let mut file = HistoryFile { path, lines };
        if file.needs_compaction(1, log.len()) {
            file.compact(&log.entries())?;
        } else {
            file.append(&[boot])?;
        }
        Ok(Opened { file, log, skipped })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines in the file.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Whether, after `adding` lines, the file would hold more than twice the `live` entries.
    pub fn needs_compaction(&self, adding: usize, live: usize) -> bool {
        let after = self.lines + adding;
        after > COMPACT_MIN_LINES && after > 2 * live
    }

    /// Appends `entries`, one line each, and syncs.
    pub fn append(&mut self, entries: &[Entry]) -> io::Result<()> {
        let mut text = String::new();
        for entry in entries {
            text.push_str(&serde_json::to_string(entry).map_err(io::Error::other)?);
            text.push('\n');
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(text.as_bytes())?;
        file.sync_data()?;
        self.lines += entries.len();
        Ok(())
    }

    /// Replaces the file with `entries` (written aside, then renamed over it).
    pub fn compact(&mut self, entries: &[Entry]) -> io::Result<()> {
        let aside = self.path.with_extension("jsonl.tmp");
        {
            let mut out = io::BufWriter::new(File::create(&aside)?);
            for entry in entries {
                serde_json::to_writer(&mut out, entry).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&aside, &self.path)?;
        self.lines = entries.len();
        Ok(())
    }
}

/// Every readable line of `path` (none if it does not exist), the lines counted and those
/// skipped.
fn load(path: &Path) -> io::Result<(Log, usize, usize)> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Log::default(), 0, 0)),
        Err(e) => return Err(e),
    };
    let mut log = Log::default();
    let (mut lines, mut skipped) = (0, 0);
    for (number, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        match serde_json::from_slice::<Entry>(&line) {
            Ok(entry) => log.push(entry),
            Err(e) => {
                skipped += 1;
                tracing::warn!(path = %path.display(), line = number + 1, error = %e, "skipping an unreadable history line");
            }
        }
    }
    Ok((log, lines, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::history::{stamp, AgentErrorRecord, BootRecord, HistorySample};
    use crate::protocol::Metrics;

    fn boot(at: DateTime<Utc>) -> Entry {
        Entry::Boot(BootRecord {
            at: stamp(at),
            agent_version: "0.1.0".into(),
        })
    }

    fn sample(at: DateTime<Utc>) -> Entry {
        Entry::Sample(HistorySample::new(stamp(at), &Metrics::default()))
    }

    #[test]
    fn boots_accumulate_across_opens_and_corrupt_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let first = HistoryFile::open(dir.path(), boot(now), now).unwrap();
        assert_eq!(first.log.len(), 1);
        let mut file = first.file;
        file.append(&[sample(now)]).unwrap();
        // A torn write, binary garbage, a line of another shape, and an unknown kind.
        let mut raw = OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE_NAME))
            .unwrap();
        raw.write_all(b"{\"kind\":\"sample\",\"at\":\"2026\n\xff\xfe\n[1,2]\n{\"kind\":\"nap\",\"at\":\"x\"}\n\n")
            .unwrap();
        let later = now + chrono::Duration::seconds(5);
        let second = HistoryFile::open(dir.path(), boot(later), later).unwrap();
        assert_eq!(second.skipped, 4);
        let (samples, boots, errors) = second.log.since(None);
        assert_eq!(boots.len(), 2);
        assert_eq!(samples.len(), 1);
        assert!(errors.is_empty());
        // The new boot was appended after the garbage and reads back.
        let (log, _, skipped) = load(&dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(skipped, 4);
        assert_eq!(log.since(None).1.len(), 2);
    }

    #[test]
    fn a_file_of_mostly_old_entries_is_compacted_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let old = now - chrono::Duration::hours(30);
        let mut file = HistoryFile {
            path: dir.path().join(FILE_NAME),
            lines: 0,
        };
        let mut entries: Vec<Entry> = (0..200)
            .map(|i| sample(old + chrono::Duration::seconds(i)))
            .collect();
        entries.push(Entry::Error(AgentErrorRecord {
            at: stamp(now - chrono::Duration::hours(1)),
            source: "market".into(),
            message: "kept".into(),
        }));
        file.append(&entries).unwrap();
        let opened = HistoryFile::open(dir.path(), boot(now), now).unwrap();
        assert_eq!(opened.log.len(), 2, "the error and the boot");
        assert_eq!(opened.file.lines(), 2);
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().next().unwrap().contains("\"kept\""));
        assert!(!dir.path().join("history.jsonl.tmp").exists());
    }

    #[test]
    fn compaction_waits_for_twice_the_live_entries() {
        let file = HistoryFile {
            path: PathBuf::from("unused"),
            lines: 100,
        };
        assert!(!file.needs_compaction(1, 60));
        assert!(file.needs_compaction(1, 50));
        let young = HistoryFile {
            path: PathBuf::from("unused"),
            lines: 10,
        };
        assert!(!young.needs_compaction(1, 1), "small files just append");
    }

    #[test]
    fn an_unreadable_data_dir_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join(FILE_NAME);
        std::fs::create_dir(&blocker).unwrap();
        assert!(HistoryFile::open(dir.path(), boot(Utc::now()), Utc::now()).is_err());
    }
}
