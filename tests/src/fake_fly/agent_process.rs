//! One boot of a machine's agent: `screener serve` spawned with a [`Launch`]'s arguments and
//! environment (nothing inherited), stdout and stderr appended to the machine's log file,
//! reaped by a task that reports the exit to the supervisor. Where `setpriv` exists the agent
//! is started through it with a parent-death SIGKILL, so even a test runner killed outright
//! leaves no agent behind.

use super::agent_spec::{AgentSpec, Launch};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Instant, SystemTime};
use tokio::sync::{mpsc, oneshot};

const SETPRIV: &str = "/usr/bin/setpriv";

/// How an agent process ended, as the fake saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentExit {
    pub machine_id: String,
    pub pid: u32,
    /// 1 for the machine's first boot, counting every boot since.
    pub boot: u64,
    /// The exit code, if it exited (not killed by a signal).
    pub code: Option<i32>,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// Fly ended it (stop, restart, update, destroy), rather than the agent exiting on its
    /// own or a test killing it.
    pub requested: bool,
    pub at: SystemTime,
}

impl AgentExit {
    /// Exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Fly's `exit_code`: the code, or 128 + the signal.
    pub fn exit_code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| 128 + self.signal.unwrap_or_default())
    }
}

/// What the reaper task reports.
#[derive(Debug)]
pub(crate) struct Exited {
    pub machine_id: String,
    pub boot: u64,
    pub pid: u32,
    /// `None`: the process could not be spawned or waited for.
    pub status: Option<ExitStatus>,
}

/// A live agent process.
#[derive(Debug)]
pub(crate) struct Running {
    pub pid: u32,
    pub boot: u64,
    kill: Option<oneshot::Sender<()>>,
    /// Set once Fly has asked it to stop: when to SIGKILL it.
    pub stopping: Option<Instant>,
}

impl Running {
    /// SIGKILL, through the task that owns the child (no risk of a reused pid).
    pub fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }
}

/// Spawns `launch` as boot `boot`; the exit is reported on `exits`.
pub(crate) fn spawn(
    spec: &AgentSpec,
    launch: &Launch,
    boot: u64,
    exits: mpsc::UnboundedSender<Exited>,
) -> std::io::Result<Running> {
    if launch.ephemeral {
        let _ = std::fs::remove_dir_all(&launch.data_dir);
    }
    std::fs::create_dir_all(&launch.data_dir)?;
    let log_path = spec.log_path(&launch.machine_id);
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    writeln!(
        log,
        "--- fake Fly: boot {boot} of machine {} (app {}): {} {} ---",
        launch.machine_id,
        launch.app,
        spec.binary.display(),
        launch.args.join(" ")
    )?;
    let mut command = if Path::new(SETPRIV).is_file() {
        let mut c = tokio::process::Command::new(SETPRIV);
        c.args(["--pdeathsig", "KILL", "--"]).arg(&spec.binary);
        c
    } else {
        tokio::process::Command::new(&spec.binary)
    };
    command
        .args(&launch.args)
        .env_clear()
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&launch.data_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?)
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    let pid = child.id().unwrap_or_default();
    let (kill, killed) = oneshot::channel::<()>();
    let machine_id = launch.machine_id.clone();
    tokio::spawn(async move {
        let status = tokio::select! {
            status = child.wait() => status,
            _ = killed => {
                let _ = child.start_kill();
                child.wait().await
            }
        };
        let status = status.ok();
        let line = match status {
            Some(s) => format!("--- fake Fly: boot {boot} (pid {pid}) ended: {s} ---"),
            None => format!("--- fake Fly: boot {boot} (pid {pid}) could not be waited for ---"),
        };
        let _ = writeln!(log, "{line}");
        let _ = exits.send(Exited {
            machine_id,
            boot,
            pid,
            status,
        });
    });
    Ok(Running {
        pid,
        boot,
        kill: Some(kill),
        stopping: None,
    })
}

/// Sends signal `name` (`SIGTERM`, `TERM`, `SIGINT`, …) to `pid` with kill(1); false if
/// that failed.
pub(crate) fn signal(pid: u32, name: &str) -> bool {
    let name = name.trim().trim_start_matches("SIG");
    std::process::Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The exit as the fake records it.
pub(crate) fn exit_record(exited: &Exited, requested: bool) -> AgentExit {
    AgentExit {
        machine_id: exited.machine_id.clone(),
        pid: exited.pid,
        boot: exited.boot,
        code: exited.status.map_or(Some(127), |s| s.code()),
        signal: exited.status.and_then(|s| s.signal()),
        requested,
        at: SystemTime::now(),
    }
}
