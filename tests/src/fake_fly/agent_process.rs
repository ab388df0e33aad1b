//! One boot of a machine's agent: `screener serve` spawned with a [`Launch`]'s arguments and
//! environment (nothing inherited), stdout and stderr read line by line (the pipes drained as
//! they fill) into the machine's log file and the app's log lines (level from the `tracing`
//! word: ` ERROR `, ` WARN `, …), with the fake's boot and exit lines as Fly's runner writes
//! them (an exit other than 0 at level error), reaped by a task that reports the exit to the
//! supervisor. Where `setpriv` exists the agent
//! is started through it with a parent-death SIGKILL, so even a test runner killed outright
//! leaves no agent behind.

use super::agent_spec::{AgentSpec, Launch};
use super::logs::{strip_ansi, LogLevel, LogProvider, LogStore};
use super::server::lock;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
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

/// Spawns `launch` as boot `boot`; its output and the runner's lines go to the machine's log
/// file and to `logs`; the exit is reported on `exits`.
pub(crate) fn spawn(
    spec: &AgentSpec,
    launch: &Launch,
    boot: u64,
    logs: &Arc<Mutex<LogStore>>,
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
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    let mut sink = LogSink {
        file,
        store: Arc::clone(logs),
        app: launch.app.clone(),
        instance: launch.machine_id.clone(),
        region: launch.region.clone(),
    };
    sink.runner(
        LogLevel::Info,
        &format!(
            "--- fake Fly: boot {boot} of machine {} (app {}): {} {} ---",
            launch.machine_id,
            launch.app,
            spec.binary.display(),
            launch.args.join(" ")
        ),
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
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    let pid = child.id().unwrap_or_default();
    let (lines, received) = mpsc::unbounded_channel::<Vec<u8>>();
    let readers = [
        child
            .stdout
            .take()
            .map(|out| tokio::spawn(read_lines(out, lines.clone()))),
        child
            .stderr
            .take()
            .map(|err| tokio::spawn(read_lines(err, lines.clone()))),
    ];
    drop(lines);
    let writer = tokio::spawn(sink.write_all(received));
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
        // The pipes end with the process, unless a child of it still holds them.
        let mut readers: Vec<_> = readers.into_iter().flatten().collect();
        let _ = tokio::time::timeout(READER_GRACE, async {
            for reader in &mut readers {
                let _ = reader.await;
            }
        })
        .await;
        readers.iter().for_each(|r| r.abort());
        let status = status.ok();
        let (level, line) = match status {
            Some(s) if s.success() => (
                LogLevel::Info,
                format!("--- fake Fly: boot {boot} (pid {pid}) ended: {s} ---"),
            ),
            Some(s) => (
                LogLevel::Error,
                format!("--- fake Fly: boot {boot} (pid {pid}) ended: {s} ---"),
            ),
            None => (
                LogLevel::Error,
                format!("--- fake Fly: boot {boot} (pid {pid}) could not be waited for ---"),
            ),
        };
        if let Ok(mut sink) = writer.await {
            let _ = sink.runner(level, &line);
        }
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

/// How long the pipes may stay open after the process ended (a grandchild holding them).
const READER_GRACE: Duration = Duration::from_millis(500);

/// Sends every line of `pipe` (without its newline) to `lines` until end of file.
async fn read_lines(pipe: impl AsyncRead + Unpin, lines: mpsc::UnboundedSender<Vec<u8>>) {
    let mut reader = BufReader::new(pipe);
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if lines.send(line).is_err() {
                    return;
                }
            }
        }
    }
}

/// One boot's output: the machine's log file and the app's log lines.
struct LogSink {
    file: std::fs::File,
    store: Arc<Mutex<LogStore>>,
    app: String,
    instance: String,
    region: String,
}

impl LogSink {
    /// A line of the fake's own (Fly's runner).
    fn runner(&mut self, level: LogLevel, line: &str) -> std::io::Result<()> {
        writeln!(self.file, "{line}")?;
        self.push(level, line, LogProvider::Runner);
        Ok(())
    }

    /// Writes the process's lines as they come, until both pipes are done; hands itself back
    /// for the exit line.
    async fn write_all(mut self, mut lines: mpsc::UnboundedReceiver<Vec<u8>>) -> Self {
        while let Some(raw) = lines.recv().await {
            let _ = self.file.write_all(&raw);
            if !raw.ends_with(b"\n") {
                let _ = self.file.write_all(b"\n");
            }
            let text = strip_ansi(String::from_utf8_lossy(&raw).trim_end_matches(['\r', '\n']));
            self.push(LogLevel::of_line(&text), &text, LogProvider::App);
        }
        self
    }

    fn push(&self, level: LogLevel, message: &str, provider: LogProvider) {
        lock(&self.store).push(
            &self.app,
            &self.instance,
            &self.region,
            level,
            message,
            provider,
        );
    }
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
