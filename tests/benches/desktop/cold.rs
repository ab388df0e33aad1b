//! `cold`: start-up to interactive, several fresh profiles in a row. Only the first run reads
//! the binary and WebKit from disk (if they were not read recently); the later ones find them
//! in the page cache, which is what a user's second start sees.

use serde_json::{json, Value};
use trademind_tests::app::Profile;
use trademind_tests::display::Xvfb;

use crate::launch::{launch, stop};
use crate::report::Table;
use trademind_tests::figures::median;

/// The target.
const TARGET_MS: f64 = 1500.0;

pub fn run(runs: usize) -> Result<Value, String> {
    let xvfb = Xvfb::start();
    let mut rows = Vec::new();
    for _ in 0..runs {
        let profile = Profile::new();
        let app = launch(&profile, &xvfb)?;
        rows.push((app.spawn_to_interactive_ms, app.ms_since_start as f64));
        stop(app.child);
    }
    let spawn: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let logged: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let mut table = Table::new(&["run", "spawn → interactive (ms)", "logged ms_since_start"]);
    for (i, (s, l)) in rows.iter().enumerate() {
        let note = if i == 0 { " (first)" } else { "" };
        table.row(&[
            format!("{}{note}", i + 1),
            format!("{s:.0}"),
            format!("{l:.0}"),
        ]);
    }
    let med = median(&spawn);
    table.row(&[
        "median".into(),
        format!("{med:.0}"),
        format!("{:.0}", median(&logged)),
    ]);
    println!("\ncold start to interactive (target ≤ {TARGET_MS} ms)\n{table}");
    Ok(json!({
        "runs": rows.iter().map(|(s, l)| json!({"spawnToInteractiveMs": s, "msSinceStart": l})).collect::<Vec<_>>(),
        "medianSpawnToInteractiveMs": med,
        "medianMsSinceStart": median(&logged),
        "firstRunMs": spawn.first(),
        "targetMs": TARGET_MS,
        "pass": med <= TARGET_MS,
        "note": "first run after dropping nothing: page cache may already be warm; later runs are warm"
    }))
}
