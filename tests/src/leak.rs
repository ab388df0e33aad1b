//! Finds files that contain a secret, byte for byte, anywhere below a directory.

use std::path::{Path, PathBuf};

/// Every regular file under `root` (recursively, symlinks not followed) whose bytes contain
/// `needle`. Unreadable files are reported too, as they cannot be cleared.
pub fn files_containing(root: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                match std::fs::read(&path) {
                    Ok(bytes) if contains(&bytes, needle.as_bytes()) => hits.push(path),
                    Ok(_) => {}
                    Err(_) => hits.push(path),
                }
            }
        }
    }
    hits
}

/// Number of regular files under `root`, to show a scan looked at something.
pub fn file_count(root: &Path) -> usize {
    let mut count = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(k) if k.is_dir() => stack.push(entry.path()),
                Ok(k) if k.is_file() => count += 1,
                _ => {}
            }
        }
    }
    count
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_secret_in_nested_files_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/hit.log"), b"xx fm2_SECRET yy").unwrap();
        std::fs::write(dir.path().join("a/miss.log"), b"fm2_SECRE").unwrap();
        let hits = files_containing(dir.path(), "fm2_SECRET");
        assert_eq!(hits, vec![dir.path().join("a/b/hit.log")]);
        assert_eq!(file_count(dir.path()), 2);
    }
}
