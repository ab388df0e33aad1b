//! Memory of a process tree, as the desktop bench reports it: PSS and RSS from
//! `/proc/PID/smaps_rollup` for a process and all its descendants (found by walking the parent
//! pids in `/proc/*/stat`). PSS shares each page among the processes mapping it, so it sums
//! honestly across the app and its WebKit processes; RSS counts shared pages in each.

use std::collections::BTreeMap;

/// One process's memory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProcessMemory {
    pub pid: u32,
    /// `comm` (the executable's name, at most 15 bytes).
    pub name: String,
    pub pss_kb: u64,
    pub rss_kb: u64,
}

/// `Pss:` and `Rss:` of an `smaps_rollup` text, in kB; `None` when either is missing.
pub fn parse_smaps_rollup(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            let mut parts = rest.split_whitespace();
            let value = parts.next()?.parse().ok()?;
            (parts.next() == Some("kB")).then_some(value)
        })
    };
    Some((field("Pss")?, field("Rss")?))
}

/// `(comm, ppid)` of a `/proc/PID/stat` line. The name is in parentheses and may hold spaces
/// or parentheses itself, so the fields are read after the last `)`.
pub fn parse_stat(text: &str) -> Option<(String, u32)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let _state = rest.next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((name, ppid))
}

/// Every live process: pid → (comm, ppid).
fn processes() -> BTreeMap<u32, (String, u32)> {
    let mut all = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return all;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may exit between the listing and the read.
        if let Some(stat) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|t| parse_stat(&t))
        {
            all.insert(pid, stat);
        }
    }
    all
}

/// `root` and every process below it, root first, then by pid.
pub fn tree(root: u32) -> Vec<u32> {
    let all = processes();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            all.iter()
                .filter(|(pid, (_, ppid))| *ppid == parent && **pid != parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found[1..].sort_unstable();
    found
}

/// The memory of one process, if it still exists and its `smaps_rollup` is readable.
pub fn process(pid: u32) -> Option<ProcessMemory> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let (pss_kb, rss_kb) = parse_smaps_rollup(&rollup)?;
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    Some(ProcessMemory {
        pid,
        name,
        pss_kb,
        rss_kb,
    })
}

/// The memory of `root` and all its descendants (processes that vanished are left out).
pub fn tree_memory(root: u32) -> Vec<ProcessMemory> {
    tree(root).into_iter().filter_map(process).collect()
}

/// Sum of PSS and RSS in kB.
pub fn totals(processes: &[ProcessMemory]) -> (u64, u64) {
    processes
        .iter()
        .fold((0, 0), |(p, r), m| (p + m.pss_kb, r + m.rss_kb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pss_and_rss_and_refuses_partial_text() {
        let text = "55d0c0a00000-7ffd5b1f2000 ---p 00000000 00:00 0 [rollup]\n\
                    Rss:              434012 kB\nPss:              261000 kB\n\
                    Pss_Anon:          90000 kB\n";
        assert_eq!(parse_smaps_rollup(text), Some((261_000, 434_012)));
        assert_eq!(parse_smaps_rollup("Rss: 12 kB\n"), None, "no Pss");
        assert_eq!(
            parse_smaps_rollup("Pss: x kB\nRss: 1 kB\n"),
            None,
            "not a number"
        );
        assert_eq!(
            parse_smaps_rollup("Pss: 1 MB\nRss: 1 kB\n"),
            None,
            "other unit"
        );
        assert_eq!(parse_smaps_rollup(""), None);
    }

    #[test]
    fn reads_names_with_spaces_and_parentheses() {
        let line = "4242 (Web Content (x)) S 4200 4242 4200 0 -1 4194560 0 0";
        assert_eq!(parse_stat(line), Some(("Web Content (x)".into(), 4200)));
        assert_eq!(parse_stat("4242 (a) S"), None, "no ppid");
        assert_eq!(parse_stat("garbage"), None);
    }
}
