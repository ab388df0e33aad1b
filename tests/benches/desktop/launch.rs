//! Launching the app the way a user does (no WebDriver), in a fresh profile on a private
//! display, waiting for its `window interactive` log line, and closing it with SIGTERM.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use trademind_tests::app::{binary, Profile};
use trademind_tests::display::Xvfb;
use trademind_tests::figures::interactive_ms;
use trademind_tests::window::app_env;

/// How long the app may take to become interactive before the bench gives up.
const START_LIMIT: Duration = Duration::from_secs(60);
/// How often the log is read while waiting (the resolution of the wall-clock figure).
const POLL: Duration = Duration::from_millis(10);

/// A running app and its start-up figures.
pub struct Launched {
    pub child: Child,
    /// From spawn to the `window interactive` line being in the log file, as seen here.
    pub spawn_to_interactive_ms: f64,
    /// The figure the app logged: milliseconds since its `main` started.
    pub ms_since_start: u64,
}

/// Every log file of the profile, concatenated.
pub fn log_text(profile: &Profile) -> String {
    std::fs::read_dir(profile.log_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

/// Starts the app in `profile` on `xvfb` and waits until it says it is interactive.
pub fn launch(profile: &Profile, xvfb: &Xvfb) -> Result<Launched, String> {
    let mut cmd = profile.command(&binary());
    for (key, value) in app_env(profile, xvfb) {
        cmd.env(key, value);
    }
    let spawned = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary().display()))?;
    loop {
        if let Some(ms) = interactive_ms(&log_text(profile)) {
            return Ok(Launched {
                child,
                spawn_to_interactive_ms: spawned.elapsed().as_secs_f64() * 1000.0,
                ms_since_start: ms,
            });
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the app exited ({status}) before it was interactive"
            ));
        }
        if spawned.elapsed() > START_LIMIT {
            stop(child);
            return Err(format!(
                "no `window interactive` in the log after {START_LIMIT:?}"
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// SIGTERM (WebKit's children exit with the app), then SIGKILL after 15 s.
pub fn stop(mut child: Child) {
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
