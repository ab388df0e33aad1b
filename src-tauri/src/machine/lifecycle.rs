//! Stop, restart, resize and destroy the user's machine, each under the profile's machine lock and a
//! Fly lease, waited until Fly reports the new state, and recorded in the audit log; and the
//! machine's events as Fly reports them. Destroy also deletes the machine's data volume, which
//! Fly would otherwise keep billing.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::fly::types::{Machine, MachineState, UpdateMachineRequest, Volume, WaitTarget};
use crate::fly::{FlyError, RestartOptions, StopOptions, WaitFor, DEFAULT_LEASE_TTL};
use crate::machine::lock::MachineLock;
use crate::machine::operation::Reporter;
use crate::machine::size::MachineSize;
use crate::machine::status::{import_events, rfc3339_ms};
use crate::machine::steps::{discover, find_agent};
use crate::machine::{health, plan, Session};
use crate::store::events::EventKind;

/// How long a stop, restart or destroy may take before it is reported as not done.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(180);
/// How long these operations wait for another process's machine operation.
const LOCK_PATIENCE: Duration = Duration::from_secs(30);
/// How long a destroyed machine's volume may still show as attached before it is deleted.
const DETACH_TIMEOUT: Duration = Duration::from_secs(30);

/// The machine and app an operation acts on.
pub(crate) struct Target {
    pub app: String,
    pub machine: Machine,
}

/// The machine on record (or discovered on Fly) and its app, as Fly sees it now.
pub(crate) async fn target(session: &Session) -> Result<Target> {
    let record = match session.store.machine().await? {
        Some(record) => record,
        None => discover(session).await?.ok_or(Error::NoMachine)?,
    };
    let machine = find_agent(session, &record.app, record.machine_id.as_deref())
        .await?
        .ok_or(Error::NoMachine)?;
    Ok(Target {
        app: record.app,
        machine,
    })
}

/// Runs `work` under the machine lock, recording a failure in the audit log.
pub(crate) async fn locked<T, F, Fut>(session: &Session, what: &str, work: F) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let lock = MachineLock::acquire(&session.store, LOCK_PATIENCE, |_| {}).await?;
    let outcome = work().await;
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the machine lock");
    }
    if let Err(error) = &outcome {
        let machine_id = session
            .store
            .machine()
            .await
            .ok()
            .flatten()
            .and_then(|r| r.machine_id);
        session
            .audit(
                EventKind::MachineError,
                machine_id.as_deref(),
                json!({"operation": what, "error": crate::error::ApiError::from_ref(error)}),
            )
            .await;
    }
    outcome
}

/// Stops the machine (the agent gets its stop timeout to drain). Stopping a stopped machine
/// does nothing and succeeds.
pub async fn stop(session: &Session, report: &Reporter) -> Result<String> {
    locked(session, "stop", || async {
        report.line("Finding the machine on Fly");
        let Target { app, machine } = target(session).await?;
        let id = machine.id.as_str();
        if matches!(
            machine.state,
            MachineState::Stopped | MachineState::Suspended
        ) {
            session
                .store
                .machine_seen(machine.state.as_str(), None)
                .await?;
            let message = format!("Machine {id} is already {}", machine.state);
            report.done(&message);
            return Ok(message);
        }
        report.line(format!(
            "Stopping machine {id}: the agent gets {} s to drain",
            plan::STOP_TIMEOUT_SECS
        ));
        stop_and_wait(session, &app, id).await?;
        session.store.machine_seen("stopped", None).await?;
        report.done(format!("Machine {id} stopped"));
        session
            .audit(
                EventKind::MachineStop,
                Some(id),
                json!({"from": machine.state.as_str()}),
            )
            .await;
        Ok(format!("Machine {id} stopped"))
    })
    .await
}

async fn stop_and_wait(session: &Session, app: &str, id: &str) -> Result<()> {
    let fly = &session.fly;
    let options = StopOptions {
        timeout: Some(Duration::from_secs(plan::STOP_TIMEOUT_SECS)),
        ..StopOptions::default()
    };
    fly.with_lease(
        app,
        id,
        DEFAULT_LEASE_TTL,
        "trademind: stop",
        |lease| async move {
            fly.stop_machine(app, id, &options, Some(&lease.nonce))
                .await?;
            fly.wait_for_state(
                app,
                id,
                &WaitFor::state(WaitTarget::Stopped, CHANGE_TIMEOUT),
            )
            .await
            .map(|_| ())
        },
    )
    .await
    .map_err(Error::from)
}

/// Restarts a machine under a lease and waits until Fly reports it started.
pub(crate) async fn restart_and_wait(
    session: &Session,
    app: &str,
    id: &str,
    description: &str,
) -> Result<()> {
    let fly = &session.fly;
    fly.with_lease(
        app,
        id,
        DEFAULT_LEASE_TTL,
        description,
        |lease| async move {
            fly.restart_machine(app, id, &RestartOptions::default(), Some(&lease.nonce))
                .await?;
            let started = WaitFor::state(WaitTarget::Started, CHANGE_TIMEOUT);
            fly.wait_for_state(app, id, &started).await.map(|_| ())
        },
    )
    .await
    .map_err(Error::from)
}

/// Restarts a started machine and waits for the agent to answer `ready` again.
pub async fn restart(session: &Session, report: &Reporter) -> Result<String> {
    locked(session, "restart", || async {
        report.line("Finding the machine on Fly");
        let Target { app, machine } = target(session).await?;
        if machine.state != MachineState::Started {
            return Err(Error::MachineState {
                state: machine.state.to_string(),
                what: "only a started machine restarts; use Start".into(),
            });
        }
        restart_started(session, report, &app, &machine.id, json!({})).await
    })
    .await
}

/// Restarts machine `id` (started, found by the caller, under the machine lock), records it
/// with `details`, and waits for the agent to answer `ready` again.
pub(crate) async fn restart_started(
    session: &Session,
    report: &Reporter,
    app: &str,
    id: &str,
    details: serde_json::Value,
) -> Result<String> {
    report.line(format!("Restarting machine {id}"));
    restart_and_wait(session, app, id, "trademind: restart").await?;
    session.store.machine_seen("started", None).await?;
    session
        .audit(EventKind::MachineRestart, Some(id), details)
        .await;
    report.line("Fly reports it started; waiting for the screener agent");
    let base = session.endpoints.agent_url(app);
    let agent = health::wait_ready(
        &session.agent_http,
        &base,
        Some(id),
        session.endpoints.ready_timeout,
        |reason| report.line(reason),
    )
    .await?;
    report.done(format!(
        "Machine {id} restarted; the agent is {}",
        agent.status
    ));
    Ok(format!(
        "Machine {id} restarted; agent {} is {}",
        agent
            .agent_version
            .as_deref()
            .unwrap_or("(version unknown)"),
        agent.status
    ))
}

/// Destroys the machine (stopping it first so the agent drains; forced when it is stuck in a
/// transient state), then deletes its data volume — and any other volume of the agent's name
/// that no machine mounts (left by a failed start) — so nothing keeps billing. The journal
/// on the volume goes with it. The app, its secrets and the keyring entries are kept, so
/// Start makes a new machine (and volume) without new tokens. With no machine but leftover
/// volumes, deletes those. Needs `confirmed`.
pub async fn destroy(session: &Session, confirmed: bool, report: &Reporter) -> Result<String> {
    if !confirmed {
        return Err(Error::ConfirmationRequired {
            what: "destroying the machine and its data volume".into(),
        });
    }
    locked(session, "destroy", || async {
        report.line("Finding the machine on Fly");
        let Target { app, machine } = match target(session).await {
            Ok(target) => target,
            Err(Error::NoMachine) => {
                report.line("No machine: looking for leftover data volumes");
                let message = destroy_leftovers(session).await?;
                report.done(&message);
                return Ok(message);
            }
            Err(e) => return Err(e),
        };
        let id = machine.id.as_str();
        let mounted = machine
            .any_config()
            .and_then(plan::data_volume)
            .map(str::to_owned);
        let force = machine.state.is_transient();
        if !force
            && !matches!(
                machine.state,
                MachineState::Stopped
                    | MachineState::Suspended
                    | MachineState::Created
                    | MachineState::Failed
            )
        {
            report.line(format!("Stopping machine {id} first so the agent drains"));
            stop_and_wait(session, &app, id).await?;
        }
        report.line(if force {
            format!(
                "Destroying machine {id} (forced: it is stuck {})",
                machine.state
            )
        } else {
            format!("Destroying machine {id}")
        });
        match session.fly.destroy_machine(&app, id, force, None).await {
            Ok(()) | Err(FlyError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let gone = WaitFor::state(WaitTarget::Destroyed, CHANGE_TIMEOUT);
        match session.fly.wait_for_state(&app, id, &gone).await {
            Ok(_) | Err(FlyError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        session.store.machine_gone().await?;
        session
            .audit(
                EventKind::MachineDestroy,
                Some(id),
                json!({"from": machine.state.as_str(), "forced": force, "volume": mounted}),
            )
            .await;
        report.line("Deleting the data volume");
        let volumes = delete_volumes(session, &app, Some(id), mounted.as_deref()).await;
        let message = format!(
            "Machine {id} destroyed{}; the app {app} and its secrets are kept (an app without \
             machines or volumes costs nothing)",
            volumes.describe()
        );
        report.done(&message);
        Ok(message)
    })
    .await
}

/// `destroy` without a machine: deletes the agent volumes no machine mounts, if any.
async fn destroy_leftovers(session: &Session) -> Result<String> {
    let record = match session.store.machine().await? {
        Some(record) => record,
        None => discover(session).await?.ok_or(Error::NoMachine)?,
    };
    let volumes = delete_volumes(session, &record.app, None, None).await;
    if volumes.deleted.is_empty() && volumes.failed.is_empty() {
        return Err(Error::NoMachine);
    }
    Ok(format!("No machine to destroy{}", volumes.describe()))
}

/// What [`delete_volumes`] did.
#[derive(Debug, Default)]
struct VolumesDeleted {
    deleted: Vec<String>,
    /// `(volume, why)` of the ones that are left.
    failed: Vec<(String, String)>,
    app: String,
}

impl VolumesDeleted {
    /// A clause for the outcome message (empty when there were none).
    fn describe(&self) -> String {
        let mut text = String::new();
        if !self.deleted.is_empty() {
            text.push_str(&format!(
                "; data volume {} deleted (the agent's journal with it)",
                self.deleted.join(", ")
            ));
        }
        for (id, why) in &self.failed {
            text.push_str(&format!(
                "; the data volume {id} could not be deleted ({why}) and is billed until it is: \
                 `trademind machine destroy --yes` again, or `fly volumes destroy {id} -a {}`",
                self.app
            ));
        }
        text
    }
}

/// Deletes the destroyed machine's volume (`mounted`, once Fly no longer shows it attached)
/// and every other live volume of the agent's name that no machine mounts. Failures are
/// reported in the result and the audit log, not raised: the machine is gone either way.
async fn delete_volumes(
    session: &Session,
    app: &str,
    machine_id: Option<&str>,
    mounted: Option<&str>,
) -> VolumesDeleted {
    let mut outcome = VolumesDeleted {
        app: app.to_owned(),
        ..VolumesDeleted::default()
    };
    let listed = match session.fly.list_volumes(app).await {
        Ok(listed) => listed,
        Err(e) => {
            if let Some(id) = mounted {
                outcome.failed.push((id.to_owned(), e.to_string()));
            }
            return outcome;
        }
    };
    let targets: Vec<&Volume> = listed
        .iter()
        .filter(|v| v.is_live())
        .filter(|v| {
            Some(v.id.as_str()) == mounted || (v.name == plan::VOLUME_NAME && !v.is_attached())
        })
        .collect();
    for volume in targets {
        let id = volume.id.as_str();
        let result = async {
            if volume.is_attached() {
                wait_detached(session, app, id).await?;
            }
            match session.fly.delete_volume(app, id).await {
                Ok(_) | Err(FlyError::NotFound(_)) => Ok(()),
                Err(e) => Err(Error::from(e)),
            }
        }
        .await;
        match result {
            Ok(()) => {
                session
                    .audit(
                        EventKind::VolumeDelete,
                        machine_id,
                        json!({"volume": id, "region": volume.region, "sizeGb": volume.size_gb,
                               "reason": if Some(id) == mounted { "destroy" } else { "unused" }}),
                    )
                    .await;
                outcome.deleted.push(id.to_owned());
            }
            Err(e) => {
                session
                    .audit(
                        EventKind::MachineError,
                        machine_id,
                        json!({"operation": "delete volume", "volume": id,
                               "error": crate::error::ApiError::from_ref(&e)}),
                    )
                    .await;
                outcome.failed.push((id.to_owned(), e.to_string()));
            }
        }
    }
    outcome
}

/// Waits until Fly no longer shows the volume attached (a destroyed machine lets go of it).
async fn wait_detached(session: &Session, app: &str, id: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + DETACH_TIMEOUT;
    loop {
        match session.fly.get_volume(app, id).await {
            Ok(v) if !v.is_attached() || !v.is_live() => return Ok(()),
            Ok(_) => {}
            Err(FlyError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::MachineState {
                state: "attached".into(),
                what: format!("volume {id} is still attached to the destroyed machine"),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Changes the machine's guest size through a lease-protected update of its whole, freshly
/// read config, and checks that the new version is what runs. A running machine restarts on
/// the new size; a stopped one stays stopped.
pub async fn resize(session: &Session, size: &str) -> Result<String> {
    let size = MachineSize::parse(size)?;
    locked(session, "resize", || async {
        let Target { app, machine } = target(session).await?;
        let id = machine.id.as_str();
        let fly = &session.fly;
        let guest = size.guest.clone();
        let updated = fly
            .with_lease(&app, id, DEFAULT_LEASE_TTL, "trademind: resize", |lease| {
                let app = app.as_str();
                async move {
                    let fresh = fly.get_machine(app, id).await?;
                    let mut config = fresh.config.clone().ok_or_else(|| FlyError::Decode {
                        what: "the machine's config".into(),
                        detail: "Fly returned the machine without its config".into(),
                    })?;
                    config.guest = Some(guest);
                    let request = UpdateMachineRequest {
                        config,
                        current_version: fresh.current_version().map(str::to_owned),
                        ..UpdateMachineRequest::default()
                    };
                    fly.update_and_wait(app, id, &request, Some(&lease.nonce), CHANGE_TIMEOUT)
                        .await
                }
            })
            .await?;
        let mut record = session.store.machine().await?.ok_or(Error::NoMachine)?;
        let from = std::mem::replace(&mut record.size, size.name.clone());
        record.instance_id = updated.current_version().map(str::to_owned);
        record.state = Some(updated.state.to_string());
        session.store.save_machine(&record).await?;
        session
            .audit(
                EventKind::MachineUpdate,
                Some(id),
                json!({"size": {"from": from, "to": size.name}, "version": record.instance_id}),
            )
            .await;
        Ok(format!(
            "Machine {id} is now {} ({} {} CPU, {} MB) and {}",
            size.name, size.guest.cpus, size.guest.cpu_kind, size.guest.memory_mb, updated.state
        ))
    })
    .await
}

/// A machine event as Fly reports it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FlyEventView {
    pub id: String,
    /// RFC 3339.
    pub at: String,
    /// `launch`, `start`, `stop`, `exit`, `restart`, `update`, `destroy`, …
    pub kind: String,
    pub status: String,
    /// `user` or `flyd`.
    pub source: String,
    pub exit_code: Option<i64>,
    pub oom_killed: Option<bool>,
    pub restart_count: Option<u64>,
}

/// The machine's newest events from Fly (also imported into the audit log).
pub async fn events(session: &Session, limit: u32) -> Result<Vec<FlyEventView>> {
    let Target { machine, .. } = target(session).await?;
    import_events(session, &machine).await;
    Ok(event_views(&machine, limit))
}

/// A machine's newest `limit` events, newest first.
pub fn event_views(machine: &Machine, limit: u32) -> Vec<FlyEventView> {
    let mut events: Vec<FlyEventView> = machine
        .events
        .iter()
        .map(|e| {
            let exit = e.exit_event();
            FlyEventView {
                id: e.id.clone(),
                at: rfc3339_ms(e.timestamp).unwrap_or_default(),
                kind: e.kind.clone(),
                status: e.status.clone(),
                source: e.source.clone(),
                exit_code: exit.as_ref().and_then(|x| x.exit_code),
                oom_killed: exit.as_ref().and_then(|x| x.oom_killed),
                restart_count: e.restart_count(),
            }
        })
        .collect();
    events.sort_by(|a, b| b.at.cmp(&a.at));
    events.truncate(limit as usize);
    events
}
