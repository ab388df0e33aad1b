//! `screener serve` as a real process on a free loopback port, journal in a directory: spawned
//! with the test tokens in its environment and its stderr appended to `agent.log` there,
//! killed when dropped. The binary is the caller's: the screener's own tests pass
//! `env!("CARGO_BIN_EXE_screener")`; other crates locate a built one.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{health_ready, serve_flags, OWNER, QUICK_FLAGS, VIEWER, WAIT};
use crate::FakeBinance;

/// `screener serve` as a real process.
pub struct AgentProcess {
    pub addr: SocketAddr,
    pub child: tokio::process::Child,
    /// Its stderr (the log).
    pub log: PathBuf,
}

impl AgentProcess {
    /// `binary serve` against `fake` with [`QUICK_FLAGS`].
    pub async fn spawn(
        binary: &Path,
        fake: &FakeBinance,
        symbols: &[&str],
        dir: &Path,
    ) -> AgentProcess {
        AgentProcess::spawn_with(binary, fake, symbols, dir, &QUICK_FLAGS).await
    }

    /// With `extra` flags (intervals, history, workers, metrics interval).
    pub async fn spawn_with(
        binary: &Path,
        fake: &FakeBinance,
        symbols: &[&str],
        dir: &Path,
        extra: &[&str],
    ) -> AgentProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("agent.log"))
            .unwrap();
        let child = tokio::process::Command::new(binary)
            .args(["serve", "--listen", &addr.to_string(), "--data-dir"])
            .arg(dir)
            .args(serve_flags(fake, symbols, extra))
            .env("SCREENER_OWNER_TOKEN", OWNER)
            .env("SCREENER_VIEWER_TOKEN", VIEWER)
            .env_remove("SCREENER_LLM_API_KEY")
            .env(
                "SCREENER_LOG",
                std::env::var("AGENT_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("screener serve starts");
        AgentProcess {
            addr,
            child,
            log: dir.join("agent.log"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Waits until `/health` says `ready`.
    pub async fn ready(&self) {
        self.ready_within(WAIT).await
    }

    pub async fn ready_within(&self, wait: Duration) {
        let url = format!("http://{}/health", self.addr);
        assert!(
            health_ready(&url, wait).await,
            "agent never ready; its log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// Resident memory, from /proc (Linux).
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kb * 1024
    }
}
