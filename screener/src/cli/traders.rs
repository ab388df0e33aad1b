//! Loading trader records from a file or a directory of `*.json` files. A file holds one
//! trader or an array of them (the export format). Every problem names the file and, for a
//! record, its position and field; one bad record never hides the good ones.

use std::path::{Path, PathBuf};

use crate::trader::Trader;

/// Traders loaded, and what could not be loaded.
#[derive(Debug, Default)]
pub struct LoadedTraders {
    pub traders: Vec<Trader>,
    pub problems: Vec<String>,
}

/// Reads traders from `path` (a file or a directory).
pub fn load_traders(path: &Path) -> LoadedTraders {
    let mut loaded = LoadedTraders::default();
    for file in files(path, "json", &mut loaded.problems) {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                loaded.problems.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let records = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(items)) => items,
            Ok(one) => vec![one],
            Err(e) => {
                loaded
                    .problems
                    .push(format!("{}: not JSON: {e}", file.display()));
                continue;
            }
        };
        let many = records.len() > 1;
        for (index, record) in records.into_iter().enumerate() {
            let at = if many {
                format!("{} [{index}]", file.display())
            } else {
                file.display().to_string()
            };
            match Trader::from_json(&record.to_string()) {
                Ok(trader) => loaded.traders.push(trader),
                Err(e) => loaded.problems.push(format!("{at}: {e}")),
            }
        }
    }
    loaded
}

/// `path` itself, or the files in it with the given extension (sorted), recording problems.
pub fn files(path: &Path, extension: &str, problems: &mut Vec<String>) -> Vec<PathBuf> {
    if !path.is_dir() {
        if !path.exists() {
            problems.push(format!("{}: no such file or directory", path.display()));
            return Vec::new();
        }
        return vec![path.to_path_buf()];
    }
    match std::fs::read_dir(path) {
        Ok(entries) => {
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case(extension))
                })
                .collect();
            found.sort();
            if found.is_empty() {
                problems.push(format!("{}: no .{extension} files", path.display()));
            }
            found
        }
        Err(e) => {
            problems.push(format!("{}: {e}", path.display()));
            Vec::new()
        }
    }
}
