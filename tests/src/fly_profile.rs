//! A CLI profile wired to a [`FakeFly`]: the `trademind` binary run with the fake's API URL,
//! the fake agent's address and a token of the fake, in the foreground or as a child whose
//! JSON progress lines a test reads as they come.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::app::{binary, CliRun, Profile};
use crate::fake_fly::FakeFly;

/// A profile that talks to `fly` with `token`.
pub struct FlyProfile {
    pub profile: Profile,
    pub fly_url: String,
    pub agent_url: String,
    pub token: String,
    /// `TRADEMIND_AGENT_READY_TIMEOUT` in seconds.
    pub ready_timeout_secs: u64,
    /// More environment for every run.
    pub env: Vec<(String, String)>,
}

impl FlyProfile {
    pub fn new(fly: &FakeFly, token: &str) -> Self {
        Self {
            profile: Profile::new(),
            fly_url: fly.base_url(),
            agent_url: format!("{}/agents/{{app}}", fly.base_url()),
            token: token.to_owned(),
            ready_timeout_secs: 30,
            env: Vec::new(),
        }
    }

    fn configure(&self, cmd: &mut Command) {
        cmd.env("FLY_API_TOKEN", &self.token)
            .env("TRADEMIND_FLY_API_URL", &self.fly_url)
            .env("TRADEMIND_AGENT_URL", &self.agent_url)
            .env(
                "TRADEMIND_AGENT_READY_TIMEOUT",
                self.ready_timeout_secs.to_string(),
            );
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
    }

    /// Runs `trademind ARGS` to the end.
    pub fn cli(&self, args: &[&str]) -> CliRun {
        self.profile.cli_with(args, b"", |cmd| self.configure(cmd))
    }

    /// Runs `trademind --json machine start` to success; returns the app and machine id.
    pub fn start_machine(&self) -> (String, String) {
        let started = self.cli(&["--json", "machine", "start"]);
        assert_eq!(started.code(), Some(0), "{}", started.stderr());
        let result: serde_json::Value =
            serde_json::from_str(started.stdout().lines().last().unwrap()).unwrap();
        let field = |name: &str| result["status"][name].as_str().unwrap().to_owned();
        (field("app"), field("machineId"))
    }

    /// Starts `trademind ARGS` (expected to print JSON lines) in the background.
    pub fn spawn(&self, args: &[&str]) -> Streaming {
        let mut cmd = self.profile.command(&binary());
        cmd.args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.configure(&mut cmd);
        let mut child = cmd.spawn().expect("spawn trademind");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((SystemTime::now(), line)).is_err() {
                    break;
                }
            }
        });
        Streaming {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }
}

/// A running CLI whose stdout lines arrive with their arrival times.
pub struct Streaming {
    pub child: Child,
    lines: mpsc::Receiver<(SystemTime, String)>,
    /// Every line read so far, parsed, with its arrival time.
    pub seen: Vec<(SystemTime, serde_json::Value)>,
}

impl Streaming {
    /// Reads lines until `until` matches one (returned) or `timeout`.
    pub fn read_until(
        &mut self,
        timeout: Duration,
        until: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let (at, line) = self.lines.recv_timeout(left).ok()?;
            let value: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            self.seen.push((at, value.clone()));
            if until(&value) {
                return Some(value);
            }
        }
    }

    /// SIGKILLs the process (a crash: nothing runs after it).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the end and returns the exit code and stderr.
    pub fn finish(mut self, timeout: Duration) -> (Option<i32>, String, Vec<serde_json::Value>) {
        let _ = self.read_until(timeout, |_| false);
        let status = self.child.wait().expect("wait");
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut stderr);
        }
        let lines = self.seen.into_iter().map(|(_, v)| v).collect();
        (status.code(), stderr, lines)
    }
}

/// Whether a JSON progress line is `step` in `state`.
pub fn is_step(line: &serde_json::Value, step: &str, state: &str) -> bool {
    line["type"] == "progress" && line["step"] == step && line["state"] == state
}
