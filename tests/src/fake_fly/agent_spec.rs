//! Process mode's configuration ([`AgentSpec`]): which `screener` binary a started machine
//! runs, where it listens, the fake Binance it follows, where volumes and logs live on disk —
//! and what one boot gets from it ([`Launch`]): the image's command line with `/data` mapped
//! to the volume's directory, and the environment Fly would give the machine (the app's
//! secrets, the config's `env`, the `FLY_*` variables).
//!
//! Disk layout under [`AgentSpec::root`]: `volumes/<vol_id>/` (a volume: kept across stops,
//! starts and restarts, removed when the volume is deleted), `rootfs/<machine_id>/` (`/data`
//! of a machine without a volume, wiped at every boot like Fly's root file system) and
//! `logs/<machine_id>.log` (every boot's stdout and stderr, appended).

use super::state::machine::Machine;
use super::state::App;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the image's CMD keeps the journal (`serve --listen 0.0.0.0:8080 --data-dir /data`).
pub const DATA_PATH: &str = "/data";

/// How machines run the real agent (see [`super::AgentMode::Process`]).
#[derive(Clone, Debug)]
pub struct AgentSpec {
    /// The `screener` binary (e.g. [`screener_binary`]).
    pub binary: PathBuf,
    /// `--listen` of every machine's agent: the address the test gives the app as
    /// `TRADEMIND_AGENT_URL` (Fly's proxy routes the app's hostname to its started machine).
    /// One agent at a time can hold it, like the one agent machine of a TradeMind app.
    pub listen: SocketAddr,
    /// `--binance-rest-url` and `--binance-ws-url` (the fake Binance).
    pub binance_rest_url: String,
    pub binance_ws_url: String,
    /// `--symbols`.
    pub symbols: Vec<String>,
    /// More `screener serve` flags, after the ones above.
    pub extra_args: Vec<String>,
    /// More environment, applied last (e.g. `SCREENER_LOG=debug`).
    pub extra_env: Vec<(String, String)>,
    /// Volumes, root file systems and logs live under here (the test's temporary directory).
    pub root: PathBuf,
    /// The grace between the stop signal and SIGKILL. `None`: the stop request's `timeout`,
    /// else the config's `stop_config.timeout`, else Fly's default 5 s — times the time scale.
    pub kill_timeout: Option<Duration>,
    /// Pause before a crashed agent is started again (real time, not scaled).
    pub restart_delay: Duration,
}

impl AgentSpec {
    /// A spec with quick agent timings: `--intervals 1m --history 100 --workers 1
    /// --metrics-interval 1`, a 100 ms restart delay and the scaled kill timeout.
    pub fn new(
        binary: impl Into<PathBuf>,
        listen: SocketAddr,
        binance_rest_url: impl Into<String>,
        binance_ws_url: impl Into<String>,
        symbols: &[&str],
        root: impl Into<PathBuf>,
    ) -> Self {
        Self {
            binary: binary.into(),
            listen,
            binance_rest_url: binance_rest_url.into(),
            binance_ws_url: binance_ws_url.into(),
            symbols: symbols.iter().map(|s| (*s).to_string()).collect(),
            extra_args: [
                "--intervals",
                "1m",
                "--history",
                "100",
                "--workers",
                "1",
                "--metrics-interval",
                "1",
            ]
            .map(str::to_string)
            .to_vec(),
            extra_env: Vec::new(),
            root: root.into(),
            kill_timeout: None,
            restart_delay: Duration::from_millis(100),
        }
    }

    /// `http://<listen>`: the agent URL the app should use (`TRADEMIND_AGENT_URL`).
    pub fn agent_url(&self) -> String {
        format!("http://{}", self.listen)
    }

    /// The directory holding volume `volume_id`'s files.
    pub fn volume_dir(&self, volume_id: &str) -> PathBuf {
        self.root.join("volumes").join(volume_id)
    }

    /// The log file of machine `machine_id`.
    pub fn log_path(&self, machine_id: &str) -> PathBuf {
        self.root.join("logs").join(format!("{machine_id}.log"))
    }

    fn rootfs_dir(&self, machine_id: &str) -> PathBuf {
        self.root.join("rootfs").join(machine_id)
    }
}

/// A free loopback address (bound and released), for [`AgentSpec::listen`].
pub fn free_listen_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

/// The `screener` binary: `SCREENER_BIN`, else `target/<profile>/screener` next to this test
/// executable. `cargo test` builds it only for the screener package's own tests, so a test of
/// another package needs `cargo build -p screener --bin screener` first (scripts/test.sh does).
pub fn screener_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SCREENER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps")
        .join("screener");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p screener --bin screener` (or set SCREENER_BIN)",
        bin.display()
    );
    bin
}

/// One boot of a machine's agent.
#[derive(Clone, Debug)]
pub(crate) struct Launch {
    pub app: String,
    pub machine_id: String,
    /// The machine's region (its log lines carry it).
    pub region: String,
    /// Arguments after the binary.
    pub args: Vec<String>,
    /// The whole environment (nothing is inherited).
    pub env: Vec<(String, String)>,
    /// What `/data` maps to.
    pub data_dir: PathBuf,
    /// Wipe `data_dir` before the boot (a root file system, not a volume).
    pub ephemeral: bool,
}

impl Launch {
    /// What `machine` of `app` boots with under `spec`.
    pub fn new(spec: &AgentSpec, app: &App, machine: &Machine) -> Self {
        let volume = data_volume(&machine.config);
        let (data_dir, ephemeral) = match &volume {
            Some(id) => (spec.volume_dir(id), false),
            None => (spec.rootfs_dir(&machine.id), true),
        };
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            spec.listen.to_string(),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--binance-rest-url".into(),
            spec.binance_rest_url.clone(),
            "--binance-ws-url".into(),
            spec.binance_ws_url.clone(),
        ];
        if !spec.symbols.is_empty() {
            args.push("--symbols".into());
            args.push(spec.symbols.join(","));
        }
        args.extend(spec.extra_args.iter().cloned());
        Self {
            app: app.name.clone(),
            machine_id: machine.id.clone(),
            region: machine.region.clone(),
            args,
            env: environment(spec, app, machine, &data_dir),
            data_dir,
            ephemeral,
        }
    }
}

/// The volume mounted on `/data`, if any (a volume mounted elsewhere is not the journal's).
fn data_volume(config: &serde_json::Map<String, Value>) -> Option<String> {
    let mounts = config.get("mounts").and_then(Value::as_array)?;
    mounts
        .iter()
        .find(|m| {
            m.get("path")
                .and_then(Value::as_str)
                .is_some_and(|p| p.trim_end_matches('/') == DATA_PATH)
        })
        .and_then(|m| m.get("volume").and_then(Value::as_str))
        .map(str::to_string)
}

/// The image's `ENV`, then the config's `env`, then the app's secrets (they win, as on Fly),
/// then the `FLY_*` runtime variables, then the spec's extras.
fn environment(
    spec: &AgentSpec,
    app: &App,
    machine: &Machine,
    data_dir: &Path,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), data_dir.display().to_string()),
        ("SCREENER_LOG".into(), "info".into()),
    ];
    if let Some(vars) = machine.config.get("env").and_then(Value::as_object) {
        for (k, v) in vars {
            if let Some(v) = v.as_str() {
                env.push((k.clone(), v.to_string()));
            }
        }
    }
    for (name, secret) in &app.secrets {
        env.push((name.clone(), secret.value.clone()));
    }
    let image = machine
        .config
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let memory = machine
        .config
        .get("guest")
        .and_then(|g| g.get("memory_mb"))
        .and_then(Value::as_u64)
        .unwrap_or(256);
    for (k, v) in [
        ("FLY_APP_NAME", app.name.clone()),
        ("FLY_MACHINE_ID", machine.id.clone()),
        ("FLY_ALLOC_ID", machine.id.clone()),
        ("FLY_REGION", machine.region.clone()),
        ("FLY_IMAGE_REF", image.to_string()),
        ("FLY_MACHINE_VERSION", machine.instance_id.clone()),
        ("FLY_PRIVATE_IP", machine.private_ip.clone()),
        ("FLY_VM_MEMORY_MB", memory.to_string()),
    ] {
        env.push((k.into(), v));
    }
    env.extend(spec.extra_env.iter().cloned());
    // Later entries win.
    let mut seen = std::collections::BTreeSet::new();
    let mut unique: Vec<(String, String)> = env
        .into_iter()
        .rev()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect();
    unique.reverse();
    unique
}
