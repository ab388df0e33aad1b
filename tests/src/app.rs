//! The built `trademind` binary and an isolated profile (data dir + HOME) to run it in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the `trademind` binary: `TRADEMIND_BIN`, else `target/<profile>/trademind` next to
/// this test executable. The test command builds it first (`cargo build -p trademind`).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TRADEMIND_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join("trademind");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p trademind` (the test command does)",
        bin.display()
    );
    bin
}

/// A throwaway installation: its own data dir (so its own keyring entry) and its own HOME.
pub struct Profile {
    root: tempfile::TempDir,
}

impl Default for Profile {
    fn default() -> Self {
        Self::new()
    }
}

impl Profile {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("trademind-test-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(root.path().join("home")).expect("home dir");
        Self { root }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir().join("logs")
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// Environment that confines the app to this profile: data dir, HOME and XDG config,
    /// cache and data under HOME, and no inherited Fly token. The D-Bus session (and so the
    /// keyring) is inherited.
    pub fn command(&self, bin: &Path) -> Command {
        let mut cmd = Command::new(bin);
        let home = self.home();
        cmd.env("TRADEMIND_DATA_DIR", self.data_dir())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env_remove("FLY_API_TOKEN")
            .env_remove("FLY_ACCESS_TOKEN")
            .env_remove("TRADEMIND_LOG")
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs `trademind ARGS` headless (no DISPLAY), feeding `stdin`.
    pub fn cli(&self, args: &[&str], stdin: &[u8]) -> CliRun {
        self.cli_with(args, stdin, |_| {})
    }

    /// Like [`Profile::cli`], with extra environment set by `adjust`.
    pub fn cli_with(
        &self,
        args: &[&str],
        stdin: &[u8],
        adjust: impl FnOnce(&mut Command),
    ) -> CliRun {
        let mut cmd = self.command(&binary());
        cmd.args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        adjust(&mut cmd);
        let mut child = cmd.spawn().expect("spawn trademind");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        let output = child.wait_with_output().expect("wait for trademind");
        CliRun { output }
    }
}

/// A finished CLI run.
pub struct CliRun {
    pub output: Output,
}

impl CliRun {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts the run succeeded (for setup steps whose output is not under test).
    pub fn assert_ok(&self) {
        assert_eq!(self.code(), Some(0), "step failed: {}", self.stderr());
    }

    /// Asserts success and parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.code(), Some(0), "failed: {}", self.stderr());
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }

    /// Asserts an orderly failure with `code` (2 user error, 3 remote, 1 local; no panic)
    /// and parses the `{code, message, hint}` JSON written to stderr.
    pub fn json_error_with(&self, code: i32) -> serde_json::Value {
        assert_eq!(
            self.code(),
            Some(code),
            "expected exit {code}; stderr: {}",
            self.stderr()
        );
        let line = self.stderr().lines().last().unwrap_or_default().to_owned();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {}", self.stderr()))
    }

    /// A user error (exit 2): see [`CliRun::json_error_with`].
    pub fn json_error(&self) -> serde_json::Value {
        self.json_error_with(2)
    }
}
