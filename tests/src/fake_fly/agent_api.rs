//! What a test can see and do to the real agents of process mode: the running pid, the log
//! file, the exits so far, a crash on demand (SIGKILL) and where a volume's files live. All
//! are empty/`None` in simulated mode.

use super::agent_process::{self, AgentExit};
use super::server::lock;
use super::supervisor::Proc;
use super::FakeFly;
use std::path::PathBuf;
use std::time::{Duration, Instant};

impl FakeFly {
    /// The process-mode spec, if machines run the real agent.
    pub fn agent_spec(&self) -> Option<&super::AgentSpec> {
        self.shared.agents.as_ref().map(|a| &a.spec)
    }

    /// Runs `read` on `app`'s agent records (one per machine that ever booted), newest boot
    /// first.
    fn with_procs<T>(&self, app: &str, read: impl FnOnce(Vec<(&String, &mut Proc)>) -> T) -> T {
        let empty = std::sync::Mutex::default();
        let procs = self.shared.agents.as_ref().map_or(&empty, |a| &a.procs);
        let mut procs = lock(procs);
        let mut mine: Vec<(&String, &mut Proc)> =
            procs.iter_mut().filter(|(_, p)| p.app == app).collect();
        mine.sort_by_key(|(_, p)| std::cmp::Reverse(p.last_boot));
        read(mine)
    }

    /// The pid of the agent running for `app` (`None`: none runs right now).
    pub fn agent_pid(&self, app: &str) -> Option<u32> {
        self.with_procs(app, |procs| {
            procs
                .iter()
                .find_map(|(_, p)| p.running.as_ref().map(|r| r.pid))
        })
    }

    /// SIGKILLs `app`'s agent, as a crash would end it: Fly records an `exit` event and
    /// restarts it per the restart policy. Returns the pid killed.
    pub fn kill_agent(&self, app: &str) -> Option<u32> {
        let pid = self.agent_pid(app)?;
        agent_process::signal(pid, "KILL").then_some(pid)
    }

    /// The log of `app`'s newest machine: every boot's stdout and stderr, with a
    /// `--- fake Fly: … ---` line at each boot and exit.
    pub fn agent_log(&self, app: &str) -> Option<PathBuf> {
        let spec = self.agent_spec()?;
        self.with_procs(app, |procs| {
            procs
                .first()
                .map(|(machine_id, _)| spec.log_path(machine_id))
        })
    }

    /// The text of [`FakeFly::agent_log`] (empty when there is none).
    pub fn agent_log_text(&self, app: &str) -> String {
        self.agent_log(app)
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }

    /// Every exit of `app`'s agents so far, oldest first.
    pub fn agent_exits(&self, app: &str) -> Vec<AgentExit> {
        let mut exits: Vec<AgentExit> = self.with_procs(app, |procs| {
            procs
                .iter()
                .flat_map(|(_, p)| p.exits.iter().cloned())
                .collect()
        });
        exits.sort_by_key(|e| e.at);
        exits
    }

    /// Where volume `volume_id`'s files live (it exists while the volume does, once a
    /// machine has booted with it).
    pub fn volume_dir(&self, volume_id: &str) -> Option<PathBuf> {
        self.agent_spec().map(|s| s.volume_dir(volume_id))
    }

    /// Polls (every 10 ms, up to `timeout`) until `app` has an agent running whose pid is not
    /// `other_than`; returns its pid.
    pub fn wait_agent_pid(
        &self,
        app: &str,
        other_than: Option<u32>,
        timeout: Duration,
    ) -> Option<u32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pid) = self.agent_pid(app).filter(|p| Some(*p) != other_than) {
                return Some(pid);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
