//! The report's folder: checked before anything is written (a file path, or a non-empty folder
//! that is not a previous TradeMind report, is refused and left untouched), marked with
//! [`MARKER`] (which lists the files written, so the next report into the same folder removes
//! exactly those), and written file by file.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The file that marks a folder as a TradeMind report.
pub const MARKER: &str = ".trademind-report";
const MARKER_HEADER: &str = "TradeMind diagnostics report. Files:";

/// A report folder being written.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    /// Relative paths written, in order.
    files: Vec<String>,
}

impl Folder {
    /// Checks `dir`, creates it if missing, removes the files of a previous report in it and
    /// marks it. Nothing is written when `dir` is refused.
    pub fn prepare(dir: &Path) -> Result<Self> {
        match std::fs::metadata(dir) {
            Ok(meta) if !meta.is_dir() => {
                return Err(Error::InvalidInput(format!(
                    "{} is a file, not a folder: choose a folder for the report",
                    dir.display()
                )))
            }
            Ok(_) => clear_previous(dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            }
            Err(e) => return Err(Error::io(format!("reading {}", dir.display()), e)),
        }
        let folder = Self {
            dir: dir.to_owned(),
            files: Vec::new(),
        };
        // Marked before anything else, so a report that fails half-way can be written over.
        folder.write_marker()?;
        Ok(folder)
    }

    /// Writes `bytes` to `rel` (a `/`-separated path under the folder).
    pub fn put(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        self.files.push(rel.to_owned());
        Ok(())
    }

    /// Records the files written in the marker; returns them.
    pub fn finish(self) -> Result<Vec<String>> {
        self.write_marker()?;
        Ok(self.files)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write_marker(&self) -> Result<()> {
        let mut text = format!("{MARKER_HEADER}\n");
        for file in &self.files {
            text.push_str(file);
            text.push('\n');
        }
        let path = self.dir.join(MARKER);
        std::fs::write(&path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }
}

/// Refuses a non-empty folder without a marker; removes the files a marked one lists.
fn clear_previous(dir: &Path) -> Result<()> {
    let reading = |e| Error::io(format!("reading {}", dir.display()), e);
    let mut entries = std::fs::read_dir(dir).map_err(reading)?;
    if entries.next().is_none() {
        return Ok(());
    }
    let marker = match std::fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::InvalidInput(format!(
                "{} is not empty and is not a TradeMind report: choose an empty or new folder",
                dir.display()
            )))
        }
        Err(e) => return Err(reading(e)),
    };
    for rel in marker.lines().skip(1).filter(|l| is_plain_relative(l)) {
        let path = dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
        }
    }
    Ok(())
}

/// A path inside the folder: only plain names, no `..`, no root.
fn is_plain_relative(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_removed() {
        assert!(is_plain_relative("charts/cpu.svg"));
        for bad in ["", "../x", "/etc/passwd", "charts/../../x", "./x"] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }

    #[test]
    fn a_marked_folder_is_cleared_of_the_listed_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let mut folder = Folder::prepare(&dir).unwrap();
        folder.put("charts/old.svg", b"old").unwrap();
        folder.finish().unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        std::fs::write(tmp.path().join("outside.txt"), "x").unwrap();
        // A marker naming a file outside the folder does not reach it.
        let marker = std::fs::read_to_string(dir.join(MARKER)).unwrap();
        std::fs::write(dir.join(MARKER), format!("{marker}../outside.txt\n")).unwrap();

        let folder = Folder::prepare(&dir).unwrap();
        assert!(!dir.join("charts/old.svg").exists());
        assert!(dir.join("notes.txt").exists(), "unlisted files stay");
        assert!(tmp.path().join("outside.txt").exists());
        assert_eq!(folder.finish().unwrap(), Vec::<String>::new());
    }
}
