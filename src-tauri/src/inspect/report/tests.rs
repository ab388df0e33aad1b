//! Report tests: secrets planted all over an inspection, its logs, the app log and the audit
//! log never reach any file; the index links every file; bad folders are refused untouched.

use std::path::{Path, PathBuf};

use super::sample::*;
use super::*;
use crate::error::ErrorCode;
use crate::inspect::view::*;

/// Every file under `dir`, relative, with its bytes.
fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn write_report(inspection: &Inspection, dir: &Path) -> Result<ReportSummary> {
    let (logs, app_log, audit, secrets) = (logs(), app_log(), audit(), secrets());
    let input = ReportInput {
        inspection,
        logs: &logs,
        app_log: &app_log,
        audit: &audit,
        secrets: &secrets,
    };
    write(&input, dir)
}

#[test]
fn planted_secrets_never_reach_any_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let summary = write_report(&inspection(1440), &dir).unwrap();

    let files = read_all(&dir);
    let mut marks = 0;
    for (name, bytes) in &files {
        for secret in SECRETS {
            assert_eq!(
                occurrences(bytes, secret.as_bytes()),
                0,
                "{secret} in {name}"
            );
        }
        assert_eq!(
            occurrences(bytes, b"PLANTED"),
            0,
            "a planted secret in {name}"
        );
        for known in [KNOWN_VIEWER, KNOWN_LLM] {
            let encoded = base64_of(known);
            assert_eq!(
                occurrences(bytes, encoded.as_bytes()),
                0,
                "{encoded} in {name}"
            );
        }
        marks += occurrences(bytes, redact::MARK.as_bytes());
    }
    assert!(marks > 20, "{marks}");
    assert_eq!(
        summary.redactions as usize, marks,
        "the count matches the marks written"
    );
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    for name in [INDEX_FILE, INSPECTION_FILE, LOGS_FILE, APP_LOG_FILE] {
        assert!(text(name).contains(redact::MARK), "{name}");
    }
    // What is not secret is still there.
    let index = text(INDEX_FILE);
    for kept in [
        "trademind-u42",
        "crash_loop",
        "BTCUSDT",
        "RUST_LOG",
        "u-42",
        "137",
    ] {
        assert!(index.contains(kept), "{kept}");
    }
    let json: serde_json::Value = serde_json::from_str(&text(INSPECTION_FILE)).unwrap();
    assert_eq!(
        json["agent"]["history"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        1440
    );
    assert_eq!(summary.findings, 1);
}

#[test]
fn the_index_links_every_file_and_has_every_section() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let summary = write_report(&inspection(1440), &dir).unwrap();
    let index = std::fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(index.starts_with("<!doctype html>"));
    assert!(index.trim_end().ends_with("</html>"));
    for id in [
        "summary", "findings", "machine", "events", "health", "agent", "traders", "signals",
        "errors", "charts", "logs", "app-log", "audit",
    ] {
        assert!(index.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    // Self-contained: no scripts, nothing fetched from elsewhere.
    assert!(!index.contains("<script"), "the log line's script is text");
    assert!(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!index.contains("http://") && !index.contains("src=\"https"));

    let on_disk: Vec<String> = read_all(&dir).into_iter().map(|(n, _)| n).collect();
    let mut listed = summary.files.clone();
    listed.push(MARKER.to_owned());
    listed.sort();
    assert_eq!(on_disk, listed, "the summary lists every file written");
    for file in summary.files.iter().filter(|f| *f != INDEX_FILE) {
        assert!(
            index.contains(&format!("href=\"{file}\"")),
            "{file} is linked"
        );
    }
    for chart in [
        "cpu",
        "memory",
        "candle-age",
        "evaluations",
        "queue-depth",
        "errors",
    ] {
        let svg = format!("charts/{chart}.svg");
        assert!(summary.files.contains(&svg), "{svg}");
        assert!(summary.files.contains(&format!("charts/{chart}.png")));
        assert!(
            index.contains(&format!("<img src=\"{svg}\"")),
            "{svg} is shown"
        );
    }
    assert_eq!(summary.index, dir.join(INDEX_FILE).display().to_string());
    assert_eq!(summary.dir, dir.display().to_string());

    // The error summary groups the two identical LLM errors.
    let errors = &index[index.find("id=\"errors\"").unwrap()..index.find("id=\"charts\"").unwrap()];
    assert!(errors.contains("<td>2</td><td>llm</td>"), "{errors}");
    assert!(
        errors.contains("Fly log lines at warning or error level: 2 of 4"),
        "a Fly warning and an error of four: {errors}"
    );
    assert!(
        errors.contains("App log lines at warning or error level: 2 of 4"),
        "two app warnings/errors of four: {errors}"
    );
}

#[test]
fn charts_are_drawn_from_the_history_as_svg_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    write_report(&inspection(1440), &dir).unwrap();
    let memory = std::fs::read_to_string(dir.join("charts/memory.svg")).unwrap();
    assert!(memory.starts_with("<svg"));
    assert!(memory.contains("Memory (MB)"));
    assert!(memory.contains("#F85149"), "the memory limit line");
    assert!(!memory.contains("No data"));
    let polyline = memory
        .split("<polyline")
        .find(|p| p.contains("#58A6FF"))
        .expect("the data line");
    let points = polyline
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(points.split_whitespace().count(), 1440, "a point a minute");
    for (name, _) in charts::CHARTS.iter().map(|(m, n)| (n, m)) {
        let png = std::fs::read(dir.join(format!("charts/{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let info = decoder.read_info().unwrap();
        assert_eq!(
            (info.info().width, info.info().height),
            (charts::SIZE.width, charts::SIZE.height)
        );
        assert!(png.len() > 2_000, "{name}: {} bytes", png.len());
    }
}

#[test]
fn no_history_or_no_machine_still_makes_a_report_with_empty_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bare = inspection(0);
    bare.machine = None;
    bare.agent = None;
    bare.findings.clear();
    bare.generated_at = "not a time".into();
    let summary = write_report(&bare, tmp.path()).unwrap();
    let cpu = std::fs::read_to_string(tmp.path().join("charts/cpu.svg")).unwrap();
    assert!(cpu.contains("No data for the last 24 hours"));
    let index = std::fs::read_to_string(tmp.path().join(INDEX_FILE)).unwrap();
    assert!(index.contains("The app has no machine."));
    assert!(index.contains("Nothing wrong was found."));
    assert_eq!(summary.findings, 0);
    // The agent's history present but empty: the same.
    let dir = tmp.path().join("empty-history");
    let mut empty = inspection(1440);
    if let Some(h) = empty.agent.as_mut().and_then(|a| a.history.as_mut()) {
        h.samples.clear();
    }
    write_report(&empty, &dir).unwrap();
    let queue = std::fs::read_to_string(dir.join("charts/queue-depth.svg")).unwrap();
    assert!(queue.contains("No data for the last 24 hours"));
}

#[test]
fn bad_folders_are_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    // A file.
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let err = write_report(&inspection(10), &file).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("is a file"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // Someone's folder.
    let theirs = tmp.path().join("photos");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("cat.jpg"), "meow").unwrap();
    let err = write_report(&inspection(10), &theirs).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("not a TradeMind report"), "{err}");
    let names: Vec<String> = read_all(&theirs).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["cat.jpg"]);
    // Under a file: an io error.
    let err = write_report(&inspection(10), &file.join("report")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io, "{err}");
}

#[test]
fn a_previous_report_is_written_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("r");
    let first = write_report(&inspection(10), &dir).unwrap();
    std::fs::write(dir.join("charts/stale.svg"), "old").unwrap();
    let second = write_report(&inspection(20), &dir).unwrap();
    assert_eq!(first.files, second.files);
    assert_eq!(first.redactions, second.redactions, "counted afresh");
    // A file the previous report did not write stays (it is not ours to remove).
    assert!(dir.join("charts/stale.svg").exists());
    let json = std::fs::read_to_string(dir.join(INSPECTION_FILE)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["agent"]["history"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}
