//! `idle`: the memory of the app and all its processes (WebKitWebProcess,
//! WebKitNetworkProcess, …) after it became interactive and then sat idle.

use std::time::Duration;

use serde_json::{json, Value};
use trademind_tests::app::Profile;
use trademind_tests::display::Xvfb;
use trademind_tests::procmem;

use crate::launch::{launch, stop};
use crate::report::Table;
use trademind_tests::figures::mb;

/// The target (PSS, all processes).
const TARGET_PSS_MB: f64 = 330.0;
/// A minimal Tauri window measured here (`shared/docs/tauri-on-linux.md`).
const MINIMAL_PSS_MB: f64 = 261.0;
const MINIMAL_RSS_MB: f64 = 434.0;

pub fn run(idle: Duration) -> Result<Value, String> {
    let xvfb = Xvfb::start();
    let profile = Profile::new();
    let app = launch(&profile, &xvfb)?;
    std::thread::sleep(idle);
    let processes = procmem::tree_memory(app.child.id());
    stop(app.child);
    if processes.is_empty() {
        return Err("the app's memory could not be read".into());
    }
    let (pss, rss) = procmem::totals(&processes);
    let mut table = Table::new(&["pid", "process", "PSS (MB)", "RSS (MB)"]);
    for p in &processes {
        table.row(&[
            p.pid.to_string(),
            p.name.clone(),
            format!("{:.1}", mb(p.pss_kb)),
            format!("{:.1}", mb(p.rss_kb)),
        ]);
    }
    table.row(&[
        "".into(),
        "total".into(),
        format!("{:.1}", mb(pss)),
        format!("{:.1}", mb(rss)),
    ]);
    println!(
        "\nidle memory after {} s (target PSS ≤ {TARGET_PSS_MB} MB; minimal Tauri window ≈ \
         {MINIMAL_PSS_MB} MB PSS / {MINIMAL_RSS_MB} MB RSS)\n{table}",
        idle.as_secs()
    );
    Ok(json!({
        "idleSeconds": idle.as_secs(),
        "processes": processes,
        "totalPssKb": pss,
        "totalRssKb": rss,
        "totalPssMb": mb(pss),
        "totalRssMb": mb(rss),
        "targetPssMb": TARGET_PSS_MB,
        "minimalWindowPssMb": MINIMAL_PSS_MB,
        "overMinimalPercent": (mb(pss) / MINIMAL_PSS_MB - 1.0) * 100.0,
        "pass": mb(pss) <= TARGET_PSS_MB,
    }))
}
