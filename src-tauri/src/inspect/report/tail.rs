//! The app's own recent log lines: the tail of the newest `trademind*.log` file in the log
//! folder (`crate::logging` rotates `trademind.YYYY-MM-DD.log` daily), read backwards from the
//! end in blocks so a huge file is never loaded whole.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// Read from the end in blocks of this size.
const BLOCK: u64 = 64 * 1024;
/// At most this much of the file's end is read, however few lines it holds.
const MAX_TAIL_BYTES: u64 = 8 * 1024 * 1024;

/// The last `lines` lines of the newest log file in `log_dir`; none when there is no log
/// folder or no log file yet. Invalid UTF-8 is replaced, not refused.
pub fn app_log_tail(log_dir: &Path, lines: usize) -> Result<Vec<String>> {
    if lines == 0 {
        return Ok(Vec::new());
    }
    let Some(path) = newest_log(log_dir)? else {
        return Ok(Vec::new());
    };
    let reading = |e| Error::io(format!("reading {}", path.display()), e);
    let mut file = File::open(&path).map_err(reading)?;
    let len = file.metadata().map_err(reading)?.len();
    let floor = len.saturating_sub(MAX_TAIL_BYTES);
    let mut start = len;
    let mut tail: Vec<u8> = Vec::new();
    // One newline more than the lines wanted: the first line read may be partial.
    while start > floor && tail.iter().filter(|b| **b == b'\n').count() <= lines {
        let from = start.saturating_sub(BLOCK).max(floor);
        let mut block = vec![0; (start - from) as usize];
        file.seek(SeekFrom::Start(from)).map_err(reading)?;
        file.read_exact(&mut block).map_err(reading)?;
        block.extend_from_slice(&tail);
        tail = block;
        start = from;
    }
    let text = String::from_utf8_lossy(&tail);
    let mut all: Vec<&str> = text.lines().collect();
    if start > 0 && !all.is_empty() {
        all.remove(0); // cut mid-line
    }
    let skip = all.len().saturating_sub(lines);
    Ok(all[skip..].iter().map(|l| (*l).to_owned()).collect())
}

/// The most recently modified `trademind*.log` file (the later name when equal).
fn newest_log(log_dir: &Path) -> Result<Option<PathBuf>> {
    let entries = match std::fs::read_dir(log_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("reading {}", log_dir.display()), e)),
    };
    let mut newest: Option<(SystemTime, String, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("trademind") && name.ends_with(".log")) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let key = (modified, name);
        if newest
            .as_ref()
            .is_none_or(|(m, n, _)| key > (*m, n.clone()))
        {
            newest = Some((key.0, key.1, entry.path()));
        }
    }
    Ok(newest.map(|(_, _, path)| path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn write(dir: &Path, name: &str, text: &str, age_s: u64) {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let file = File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age_s))
            .unwrap();
    }

    #[test]
    fn the_newest_log_files_last_lines() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "trademind.2026-11-23.log",
            "old 1\nold 2\n",
            86_400,
        );
        write(tmp.path(), "trademind.2026-11-24.log", "a\nb\nc\nd\n", 10);
        write(tmp.path(), "other.log", "not ours\n", 0);
        write(tmp.path(), "trademind.txt", "not a log\n", 0);
        assert_eq!(app_log_tail(tmp.path(), 2).unwrap(), ["c", "d"]);
        assert_eq!(app_log_tail(tmp.path(), 10).unwrap(), ["a", "b", "c", "d"]);
        assert!(app_log_tail(tmp.path(), 0).unwrap().is_empty());
    }

    #[test]
    fn a_big_file_is_read_from_its_end() {
        let tmp = tempfile::tempdir().unwrap();
        let text: String = (0..200_000)
            .map(|i| format!("line {i} {}\n", "x".repeat(40)))
            .collect();
        assert!(text.len() as u64 > 2 * BLOCK * 10);
        write(tmp.path(), "trademind.2026-11-24.log", &text, 0);
        let tail = app_log_tail(tmp.path(), 3).unwrap();
        assert_eq!(tail.len(), 3);
        assert!(tail[0].starts_with("line 199997 "), "{tail:?}");
        assert!(tail[2].starts_with("line 199999 "));
        // More lines than one block holds.
        let tail = app_log_tail(tmp.path(), 5_000).unwrap();
        assert_eq!(tail.len(), 5_000);
        assert!(tail[0].starts_with("line 195000 "), "{}", tail[0]);
    }

    #[test]
    fn no_folder_or_no_log_is_no_lines_and_bad_bytes_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(app_log_tail(&tmp.path().join("missing"), 5)
            .unwrap()
            .is_empty());
        assert!(app_log_tail(tmp.path(), 5).unwrap().is_empty());
        std::fs::write(tmp.path().join("trademind.log"), b"ok\n\xff\xfe bad\nlast").unwrap();
        assert_eq!(
            app_log_tail(tmp.path(), 5).unwrap(),
            ["ok", "\u{fffd}\u{fffd} bad", "last"]
        );
        // A file where the folder should be is an error, not silence.
        let file = tmp.path().join("trademind.log");
        assert_eq!(
            app_log_tail(&file, 5).unwrap_err().code(),
            crate::error::ErrorCode::Io
        );
    }
}
