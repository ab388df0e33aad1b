//! Start-up time: when `main` began, and the one log line that says how long the window took
//! to become interactive (`window interactive`, `ms_since_start`). Users and support read it in
//! the log; the desktop bench (`tests/benches/desktop.rs`) measures with it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static STARTED: OnceLock<Instant> = OnceLock::new();
static READY: AtomicBool = AtomicBool::new(false);

/// Records that the process started; the first call wins. `main` calls it first thing.
pub fn mark() {
    let _ = STARTED.get_or_init(Instant::now);
}

/// Time since [`mark`] (or since the first call of this, when `main` did not mark).
pub fn since_start() -> Duration {
    STARTED.get_or_init(Instant::now).elapsed()
}

/// The window says it is interactive: logged once per process (a reload of the page does not
/// log again). Returns the figure, or `None` when it was already reported.
pub fn interactive() -> Option<u128> {
    if READY.swap(true, Ordering::SeqCst) {
        return None;
    }
    let ms = since_start().as_millis();
    tracing::info!(ms_since_start = ms as u64, "window interactive");
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_is_reported_once_with_the_time_since_mark() {
        mark();
        std::thread::sleep(Duration::from_millis(20));
        let first = interactive().expect("the first report");
        assert!(first >= 20, "{first} ms");
        assert!(since_start().as_millis() >= first);
        assert_eq!(interactive(), None, "a second report is ignored");
    }
}
