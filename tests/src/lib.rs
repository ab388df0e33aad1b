//! Shared harness for TradeMind's cross-crate, end-to-end and GUI tests.
//!
//! - [`app`]: the built `trademind` binary, run as a CLI in an isolated profile.
//! - [`keyring`]: the guarantee that tests run against a real Secret Service.
//! - [`leak`]: scanning directories for a secret; [`log_capture`]: a test's own log events.
//! - [`fake_fly`]: a faithful fake of the Fly Machines API, whose machines can run the real agent
//!   (process mode); [`fly_profile`]: the CLI against it.
//! - [`display`]: a private Xvfb server.
//! - [`load_agent`]: a load generator speaking the agent's protocol at 10 metrics/s and 100
//!   signals/s; [`procmem`]: PSS/RSS of a process tree (`/proc/PID/smaps_rollup`).
//!   [`figures`]: the bench's statistics and start-up log line.
//! - [`partition`]: a TCP forwarder a test can cut (a network partition).
//! - [`webdriver`]: a small W3C WebDriver client for WebKitWebDriver (std only); [`window`]:
//!   what GUI tests share (environment, artifacts, page inspection).

pub mod app;
pub mod display;
pub mod fake_fly;
pub mod figures;
pub mod fly_profile;
pub mod keyring;
pub mod leak;
pub mod load_agent;
pub mod log_capture;
pub mod partition;
pub mod procmem;
pub mod webdriver;
pub mod window;

/// A unique, well-formed Fly macaroon token for one test: the marker makes it greppable and
/// the nanosecond suffix makes it unique across runs.
pub fn unique_token(marker: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "fm2_lJPECAAAAAAAAxgnxBBe2vy0nWbLSmzrbAqP{marker}{nanos}{}",
        std::process::id()
    )
}
