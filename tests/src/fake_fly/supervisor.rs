//! Process mode's supervisor, the fake's flyd: keeps one real agent running on every
//! `started` machine. It wakes on every change, scheduled transition, exit and deadline, and
//! reconciles:
//!
//! - a `started` machine without a process gets one (a user start resets `restart_count`);
//! - a process whose machine left `started` (stop, restart, update, suspend, destroy) gets
//!   the stop signal — the stop request's, else the config's `stop_config.signal`, else
//!   SIGINT — and SIGKILL after the grace; the machine's schedule waits for the exit
//!   ([`Machine::held`]), so it is `stopped` only once the agent has exited;
//! - a process that exits on its own while `started` (a crash, a test's SIGKILL) is an `exit`
//!   event with `requested_stop: false`, then — per `restart.policy` (`no`, `always`,
//!   `on-failure`, the default) and `max_retries` (default 10) — a restart after
//!   [`AgentSpec::restart_delay`] with `restarting: true` and a rising `restart_count`, the
//!   machine staying `started`; or, when no restart is due, `stopped`;
//! - processes of machines that vanished are killed, and directories of deleted volumes
//!   removed.
//!
//! Suspend ends the process like a stop, and a resume boots a new one: memory snapshots are
//! not simulated (the volume, as on Fly, is kept).

use super::agent_process::{self, AgentExit, Exited, Running};
use super::agent_spec::{AgentSpec, Launch};
use super::clock::{json_duration, rfc3339};
use super::logs::LogStore;
use super::server::{lock, Shared};
use super::state::machine::{Machine, MachineState};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Fly's default restart policy when the config names none.
const DEFAULT_MAX_RETRIES: u64 = 10;
/// Fly's default kill timeout.
const DEFAULT_KILL_TIMEOUT: Duration = Duration::from_secs(5);
/// Re-check at least this often.
const TICK: Duration = Duration::from_millis(250);

/// One machine's agent, as the supervisor tracks it.
#[derive(Debug)]
pub(crate) struct Proc {
    pub app: String,
    pub running: Option<Running>,
    /// A crashed agent is started again at this time.
    pub respawn_at: Option<Instant>,
    pub boots: u64,
    pub last_boot: Option<Instant>,
    pub exits: Vec<AgentExit>,
}

/// The process-mode state shared by the supervisor and the test's [`super::FakeFly`].
pub(crate) struct Agents {
    pub spec: AgentSpec,
    /// Where the agents' output and the runner's lines go (the fake's log API).
    logs: Arc<Mutex<LogStore>>,
    pub procs: Mutex<BTreeMap<String, Proc>>,
    exits_tx: mpsc::UnboundedSender<Exited>,
    exits_rx: Mutex<Option<mpsc::UnboundedReceiver<Exited>>>,
}

impl Agents {
    pub fn new(spec: AgentSpec, logs: Arc<Mutex<LogStore>>) -> Self {
        for dir in ["volumes", "rootfs", "logs"] {
            let _ = std::fs::create_dir_all(spec.root.join(dir));
        }
        let (exits_tx, exits_rx) = mpsc::unbounded_channel();
        Self {
            spec,
            logs,
            procs: Mutex::default(),
            exits_tx,
            exits_rx: Mutex::new(Some(exits_rx)),
        }
    }

    /// Removes a deleted volume's directory.
    pub fn volume_deleted(&self, volume_id: &str) {
        let _ = std::fs::remove_dir_all(self.spec.volume_dir(volume_id));
    }
}

/// What reconciling decided to do once the locks are released.
#[derive(Default)]
struct Actions {
    spawns: Vec<(Launch, u64)>,
    signals: Vec<(u32, String)>,
}

/// Runs until `stop` fires, then kills and reaps every agent.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let Some(agents) = shared.agents.as_ref() else {
        return;
    };
    let Some(mut exits) = lock(&agents.exits_rx).take() else {
        return;
    };
    let mut changes = shared.changed.subscribe();
    loop {
        changes.borrow_and_update();
        let actions = reconcile(&shared, agents, Instant::now());
        let failed = perform(agents, actions);
        if !failed.is_empty() {
            for exited in failed {
                on_exit(&shared, agents, exited);
            }
            shared.notify();
        }
        let wake = next_wake(&shared, agents);
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = changes.changed() => {}
            Some(exited) = exits.recv() => {
                on_exit(&shared, agents, exited);
                while let Ok(more) = exits.try_recv() {
                    on_exit(&shared, agents, more);
                }
                shared.notify();
            }
            _ = &mut stop => break,
        }
    }
    // Shutdown: kill everything still running and wait for each exit.
    let mut pending = 0;
    for proc in lock(&agents.procs).values_mut() {
        if let Some(running) = proc.running.as_mut() {
            running.kill();
            pending += 1;
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while pending > 0 {
        match tokio::time::timeout_at(deadline, exits.recv()).await {
            Ok(Some(_)) => pending -= 1,
            _ => break,
        }
    }
}

/// The earliest moment something is due.
fn next_wake(shared: &Shared, agents: &Agents) -> Instant {
    let now = Instant::now();
    let mut wake = now + TICK;
    if let Some(at) = shared.world().next_step_at() {
        wake = wake.min(at);
    }
    for proc in lock(&agents.procs).values() {
        let due = proc
            .respawn_at
            .into_iter()
            .chain(proc.running.as_ref().and_then(|r| r.stopping));
        for at in due {
            wake = wake.min(at);
        }
    }
    wake.max(now + Duration::from_millis(1))
}

/// Compares every machine with its process and decides what to spawn and signal.
fn reconcile(shared: &Shared, agents: &Agents, now: Instant) -> Actions {
    let mut actions = Actions::default();
    let mut world = shared.world();
    let mut procs = lock(&agents.procs);
    let mut live_machines = BTreeSet::new();
    let mut live_volumes = BTreeSet::new();
    for app in world.apps.values_mut() {
        live_volumes.extend(
            app.volumes
                .iter()
                .filter(|v| !v.destroyed)
                .map(|v| v.id.clone()),
        );
        let mut launches = Vec::new();
        for machine in &mut app.machines {
            live_machines.insert(machine.id.clone());
            let proc = procs.entry(machine.id.clone()).or_insert_with(|| Proc {
                app: app.name.clone(),
                running: None,
                respawn_at: None,
                boots: 0,
                last_boot: None,
                exits: Vec::new(),
            });
            match proc.running.as_mut() {
                None if machine.state == MachineState::Started => {
                    if proc.respawn_at.is_some_and(|at| at > now) {
                        continue;
                    }
                    if proc.respawn_at.take().is_some() {
                        machine.record("start", "started", "flyd", now, None);
                    } else {
                        machine.restart_count = 0;
                    }
                    machine.process_alive = true;
                    proc.boots += 1;
                    proc.last_boot = Some(now);
                    launches.push((machine.id.clone(), proc.boots));
                }
                None => proc.respawn_at = None,
                Some(_) if machine.state == MachineState::Started => {}
                Some(running) => match running.stopping {
                    None => {
                        let (signal, grace) = stop_plan(shared, &agents.spec, machine);
                        running.stopping = Some(now + grace);
                        if signal.trim_start_matches("SIG") == "KILL" {
                            running.kill();
                        } else {
                            actions.signals.push((running.pid, signal));
                        }
                    }
                    Some(deadline) if now >= deadline => running.kill(),
                    Some(_) => {}
                },
            }
        }
        for (id, boot) in launches {
            if let Some(machine) = app.machines.iter().find(|m| m.id == id) {
                actions
                    .spawns
                    .push((Launch::new(&agents.spec, app, machine), boot));
            }
        }
    }
    // Machines that vanished (app deleted, removed by the test): their agents go at once.
    for (id, proc) in procs.iter_mut() {
        if !live_machines.contains(id) {
            proc.respawn_at = None;
            if let Some(running) = proc.running.as_mut() {
                running.kill();
            }
        }
    }
    drop(procs);
    drop(world);
    // Directories of volumes that no longer exist.
    if let Ok(entries) = std::fs::read_dir(agents.spec.root.join("volumes")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live_volumes.contains(&name) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    actions
}

/// The stop signal and the grace before SIGKILL for `machine`'s process.
fn stop_plan(shared: &Shared, spec: &AgentSpec, machine: &Machine) -> (String, Duration) {
    let request = machine.stop_request.clone().unwrap_or_default();
    let config = machine.config.get("stop_config");
    let signal = request
        .signal
        .or_else(|| {
            config
                .and_then(|c| c.get("signal"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "SIGINT".into());
    let configured = config
        .and_then(|c| c.get("timeout"))
        .and_then(json_duration)
        .map(|d| shared.config.scaled(d));
    let grace = if signal.trim_start_matches("SIG") == "KILL" {
        Duration::ZERO
    } else {
        spec.kill_timeout
            .or(request.timeout)
            .or(configured)
            .unwrap_or_else(|| shared.config.scaled(DEFAULT_KILL_TIMEOUT))
    };
    (signal, grace)
}

/// Sends the signals and spawns the processes; returns the spawns that failed, as exits.
fn perform(agents: &Agents, actions: Actions) -> Vec<Exited> {
    for (pid, signal) in actions.signals {
        agent_process::signal(pid, &signal);
    }
    let mut failed = Vec::new();
    for (launch, boot) in actions.spawns {
        let spawned = agent_process::spawn(
            &agents.spec,
            &launch,
            boot,
            &agents.logs,
            agents.exits_tx.clone(),
        );
        match spawned {
            Ok(running) => {
                if let Some(proc) = lock(&agents.procs).get_mut(&launch.machine_id) {
                    proc.running = Some(running);
                }
            }
            Err(e) => {
                eprintln!(
                    "fake Fly: cannot start {} for machine {}: {e}",
                    agents.spec.binary.display(),
                    launch.machine_id
                );
                failed.push(Exited {
                    machine_id: launch.machine_id,
                    boot,
                    pid: 0,
                    status: None,
                });
            }
        }
    }
    failed
}

/// Records an exit: releases a stopping machine's schedule, or applies the restart policy to
/// a crash.
fn on_exit(shared: &Shared, agents: &Agents, exited: Exited) {
    let now = Instant::now();
    let mut world = shared.world();
    let mut procs = lock(&agents.procs);
    let Some(proc) = procs.get_mut(&exited.machine_id) else {
        return;
    };
    if proc.running.as_ref().is_some_and(|r| r.boot != exited.boot) {
        return;
    }
    proc.running = None;
    let machine = world
        .apps
        .values_mut()
        .flat_map(|a| a.machines.iter_mut())
        .find(|m| m.id == exited.machine_id);
    let Some(machine) = machine else {
        proc.exits.push(agent_process::exit_record(&exited, true));
        return;
    };
    let requested = machine.state != MachineState::Started;
    let exit = agent_process::exit_record(&exited, requested);
    proc.exits.push(exit.clone());
    if requested {
        machine.release(now);
        let info = exit_request(&exit, true, false, machine.restart_count);
        if machine.plan.front().is_some_and(|s| s.kind == "exit") {
            machine.exit_info = Some(info);
        } else {
            machine.record("exit", "stopped", "flyd", now, Some(info));
        }
        return;
    }
    machine.process_alive = false;
    if restart_due(machine, &exit) {
        machine.restart_count += 1;
        let info = exit_request(&exit, false, true, machine.restart_count);
        machine.record("exit", "stopped", "flyd", now, Some(info));
        proc.respawn_at = Some(now + agents.spec.restart_delay);
    } else {
        machine.exit_info = Some(exit_request(&exit, false, false, machine.restart_count));
        machine.plan.clear();
        machine.enter(MachineState::Stopped, "exit", "flyd", now);
    }
}

/// Whether the restart policy restarts after `exit`.
fn restart_due(machine: &Machine, exit: &AgentExit) -> bool {
    let restart = machine.config.get("restart");
    let policy = restart
        .and_then(|r| r.get("policy"))
        .and_then(Value::as_str)
        .unwrap_or("on-failure");
    let max = restart
        .and_then(|r| r.get("max_retries"))
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_MAX_RETRIES);
    let wanted = match policy {
        "no" => false,
        "always" => true,
        _ => !exit.success(),
    };
    wanted && u64::from(machine.restart_count) < max
}

/// An `exit` event's `request`.
fn exit_request(exit: &AgentExit, requested: bool, restarting: bool, restart_count: u32) -> Value {
    let code = exit.exit_code();
    let signal = exit.signal.unwrap_or(-1);
    json!({
        "exit_event": {
            "exit_code": code, "guest_exit_code": code, "guest_signal": signal,
            "oom_killed": false, "requested_stop": requested, "restarting": restarting,
            "signal": signal,
            "exited_at": rfc3339(exit.at),
        },
        "restart_count": restart_count,
    })
}
