//! The `machine`, `started` and `ready` steps: exactly one agent machine in the user's app,
//! started, with the agent answering `ready`.
//!
//! One machine even across computers: starts in one profile are serialised by the machine
//! lock; across profiles (two computers) the machine has a fixed name, which Fly keeps unique
//! per app, so a second create is refused (409) and the run adopts the machine that has the
//! name. As a last guard, once a run's machine is started it lists the app's agent machines,
//! and if an older one exists, destroys its own and adopts the older, so every run settles on
//! the same, oldest machine.

use std::time::Duration;

use serde_json::json;

use super::{volume, Next, RunPlan, RunState, Say};
use crate::error::{Error, Result};
use crate::fly::types::{Machine, MachineState, WaitTarget};
use crate::fly::{FlyClient, FlyError, ListMachines, WaitFor, DEFAULT_LEASE_TTL};
use crate::machine::{health, plan, Session, Step};
use crate::store::events::EventKind;

/// How long Fly gets to start the machine (image pull and boot).
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a machine Fly says exists (by its name) may take to show in the list.
const VISIBILITY_WINDOW: Duration = Duration::from_secs(15);

/// The app's agent machine to use: the recorded one if it still exists, else the oldest live
/// machine tagged as TradeMind's agent.
pub async fn find_agent(
    session: &Session,
    app: &str,
    recorded: Option<&str>,
) -> Result<Option<Machine>> {
    if let Some(id) = recorded {
        match session.fly.get_machine(app, id).await {
            Ok(machine) if machine.state.is_active() => return Ok(Some(machine)),
            Ok(_) | Err(FlyError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(oldest(agents(&session.fly, app).await?))
}

/// The app's live agent machines (any machine marked as TradeMind's agent, not destroyed).
pub(crate) async fn agents(fly: &FlyClient, app: &str) -> Result<Vec<Machine>> {
    let filter = ListMachines {
        metadata: vec![(plan::ROLE_KEY.to_owned(), plan::ROLE_AGENT.to_owned())],
        ..ListMachines::default()
    };
    let machines = fly.list_machines(app, &filter).await?;
    Ok(machines
        .into_iter()
        .filter(|m| m.state.is_active() && m.metadata(plan::ROLE_KEY) == Some(plan::ROLE_AGENT))
        .collect())
}

/// The order every run agrees on: first created first, ties broken by id.
pub(crate) fn age(m: &Machine) -> (&str, &str) {
    (m.created_at.as_deref().unwrap_or(""), &m.id)
}

/// The first-created machine, which every run agrees on.
pub(crate) fn oldest(machines: Vec<Machine>) -> Option<Machine> {
    machines.into_iter().min_by(|a, b| age(a).cmp(&age(b)))
}

/// `machine`: reuse the agent machine if there is one, else create it (once per request id)
/// in the data volume's region, mounting the volume on `/data`.
pub(super) async fn machine(
    session: &Session,
    run: &RunPlan,
    state: &mut RunState,
    say: Say<'_>,
) -> Result<Next> {
    let app = RunState::need(&state.app, "app")?.to_owned();
    let record = super::machine_record(session).await?;
    let found = match find_agent(session, &app, record.machine_id.as_deref()).await? {
        Some(machine) => Some(machine),
        None => {
            session
                .fly
                .find_machine_by_request_id(&app, &run.request_id)
                .await?
        }
    };
    let (machine, line) = match found {
        Some(machine) => {
            volume::discard_created(session, &app, state, &machine, say).await;
            let mut line = format!(
                "Using your machine {} in {} ({})",
                machine.id, machine.region, machine.state
            );
            if machine.region != run.region {
                line.push_str(&format!(
                    "; it stays in {} (destroy it to move to {})",
                    machine.region, run.region
                ));
            }
            (machine, line)
        }
        None => {
            let Some(volume_id) = state.volume_id.clone() else {
                return Ok(Next::Rewind(
                    Step::Volume,
                    "A new machine needs a data volume; preparing one".into(),
                ));
            };
            // The volume may have gone (destroyed from another computer) or been taken since
            // the volume step; the machine must be created in its region.
            let region = match session.fly.get_volume(&app, &volume_id).await {
                Ok(v) if v.is_live() && !v.is_attached() => v.region,
                Ok(_) | Err(FlyError::NotFound(_)) => {
                    return Ok(Next::Rewind(
                        Step::Volume,
                        format!("The data volume {volume_id} is gone or in use; looking again"),
                    ))
                }
                Err(e) => return Err(e.into()),
            };
            say(&format!(
                "Creating the machine in {region} ({}, image {}) with volume {volume_id} on {}",
                run.size.name,
                run.image,
                plan::DATA_PATH
            ));
            let mut request = plan::create_request(
                &run.image,
                &run.size,
                &region,
                &volume_id,
                state.secrets_version,
            )?;
            if let Some(user) = state.user.as_deref().filter(|u| !u.is_empty()) {
                request
                    .config
                    .metadata
                    .insert(plan::USER_KEY.into(), user.to_owned());
            }
            let machine = match session
                .fly
                .create_machine(&app, &request, &run.request_id)
                .await
            {
                Ok(machine) => machine,
                Err(FlyError::AlreadyExists(_)) => {
                    say("Another start created the machine first; using it");
                    let machine = named_agent(session, &app).await?;
                    volume::discard_created(session, &app, state, &machine, say).await;
                    let line = format!(
                        "Using your machine {} in {} ({}), created by another start",
                        machine.id, machine.region, machine.state
                    );
                    return adopt(session, run, state, record, machine, line).await;
                }
                Err(e) => return Err(e.into()),
            };
            state.machine_created = true;
            // It boots with the secrets just set (`min_secrets_version`).
            state.secrets_changed = false;
            session
                .audit(
                    EventKind::MachineStart,
                    Some(&machine.id),
                    json!({"via": "create", "region": machine.region, "size": run.size.name,
                           "image": run.image, "volume": volume_id}),
                )
                .await;
            let line = format!(
                "Created machine {} in {} ({}, volume {volume_id} on {})",
                machine.id,
                machine.region,
                run.size.name,
                plan::DATA_PATH
            );
            (machine, line)
        }
    };
    adopt(session, run, state, record, machine, line).await
}

/// Records `machine` as the user's machine and the run's.
async fn adopt(
    session: &Session,
    run: &RunPlan,
    state: &mut RunState,
    mut record: crate::store::machine::MachineRecord,
    machine: Machine,
    line: String,
) -> Result<Next> {
    record.machine_id = Some(machine.id.clone());
    record.instance_id = machine.current_version().map(str::to_owned);
    record.region = machine.region.clone();
    record.state = Some(machine.state.to_string());
    record.seen_at = Some(crate::store::now());
    if state.machine_created {
        record.size = run.size.name.clone();
        record.image = run.image.clone();
    }
    session.store.save_machine(&record).await?;
    state.machine_id = Some(machine.id);
    state.instance_id = record.instance_id;
    state.region = Some(machine.region);
    Ok(Next::Continue(line))
}

/// The live machine with the agent's name, polled while it becomes visible.
async fn named_agent(session: &Session, app: &str) -> Result<Machine> {
    let deadline = tokio::time::Instant::now() + VISIBILITY_WINDOW;
    loop {
        let machines = session
            .fly
            .list_machines(app, &ListMachines::default())
            .await?;
        if let Some(machine) = machines
            .into_iter()
            .find(|m| m.name == plan::AGENT_NAME && m.state.is_active())
        {
            return Ok(machine);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::MachineState {
                state: "unknown".into(),
                what: format!(
                    "Fly says a machine named {} exists but does not list it",
                    plan::AGENT_NAME
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `started`: start the machine if it is not running, wait until Fly says `started`, then
/// settle on the oldest agent machine if another start elsewhere made a second one.
pub(super) async fn started(session: &Session, state: &mut RunState, say: Say<'_>) -> Result<Next> {
    let app = RunState::need(&state.app, "app")?.to_owned();
    let id = RunState::need(&state.machine_id, "machine")?.to_owned();
    if state.machine_created {
        // Just created: it launches by itself, and it may not be visible for a moment (a
        // GET would 404); the wait tolerates that window.
        let wait = WaitFor::state(WaitTarget::Started, START_TIMEOUT).just_created();
        session.fly.wait_for_state(&app, &id, &wait).await?;
    } else {
        let machine = match session.fly.get_machine(&app, &id).await {
            Ok(machine) if machine.state.is_active() => machine,
            Ok(_) | Err(FlyError::NotFound(_)) => {
                return Ok(Next::Rewind(
                    Step::Volume,
                    format!("Machine {id} was destroyed meanwhile; looking again"),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        if machine.state == MachineState::Started && state.secrets_changed {
            reboot_for_secrets(session, &app, &id, say).await?;
        } else {
            bring_up(session, &app, &machine, say).await?;
        }
    }
    session.store.machine_seen("started", None).await?;
    if let Some(winner) = settle(session, &app, &id, state.machine_created, say).await? {
        let mut record = session
            .store
            .machine()
            .await?
            .ok_or_else(|| Error::Internal("the machine record vanished".into()))?;
        record.machine_id = Some(winner.id.clone());
        record.instance_id = winner.current_version().map(str::to_owned);
        record.region = winner.region.clone();
        session.store.save_machine(&record).await?;
        volume::discard_created(session, &app, state, &winner, say).await;
        state.machine_id = Some(winner.id.clone());
        state.instance_id = record.instance_id;
        state.region = Some(winner.region.clone());
        state.machine_created = false;
        bring_up(session, &app, &winner, say).await?;
    }
    let id = RunState::need(&state.machine_id, "machine")?;
    Ok(Next::Continue(format!("Fly reports machine {id} started")))
}

/// Makes `machine` started: starts it (under a lease) unless it is on its way, then waits.
/// If another client holds the lease (a start on another computer starting or restarting
/// the same machine), waits for the lease to be released and looks again, once.
async fn bring_up(session: &Session, app: &str, machine: &Machine, say: Say<'_>) -> Result<()> {
    match bring_up_once(session, app, machine, say).await {
        Err(Error::Fly(FlyError::LeaseHeld(_))) => {
            wait_for_lease(session, app, &machine.id, say).await?;
            let fresh = session.fly.get_machine(app, &machine.id).await?;
            bring_up_once(session, app, &fresh, say).await
        }
        other => other,
    }
}

async fn bring_up_once(
    session: &Session,
    app: &str,
    machine: &Machine,
    say: Say<'_>,
) -> Result<()> {
    let id = machine.id.as_str();
    match &machine.state {
        MachineState::Started => return Ok(()),
        MachineState::Stopping | MachineState::Suspending => {
            say(&format!(
                "Machine {id} is {}; waiting for it to settle",
                machine.state
            ));
            // A restart goes stopping → starting → started without stopping for good.
            let settled = WaitFor::any_of(
                [
                    WaitTarget::Stopped,
                    WaitTarget::Suspended,
                    WaitTarget::Started,
                ],
                START_TIMEOUT,
            );
            let outcome = session.fly.wait_for_state(app, id, &settled).await?;
            if outcome.state != MachineState::Started {
                start(session, app, id, say).await?;
            }
        }
        MachineState::Created
        | MachineState::Stopped
        | MachineState::Suspended
        | MachineState::Failed => start(session, app, id, say).await?,
        other => say(&format!("Machine {id} is {other}; waiting for it to start")),
    }
    let wait = WaitFor::state(WaitTarget::Started, START_TIMEOUT);
    session.fly.wait_for_state(app, id, &wait).await?;
    Ok(())
}

/// Waits until nobody holds the machine's lease (released, or expired after its TTL).
async fn wait_for_lease(session: &Session, app: &str, id: &str, say: Say<'_>) -> Result<()> {
    say(&format!(
        "Another client holds machine {id}'s lease; waiting for it to finish"
    ));
    let deadline = tokio::time::Instant::now() + DEFAULT_LEASE_TTL + Duration::from_secs(10);
    while session.fly.current_lease(app, id).await?.is_some() {
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// Restarts a running machine so it boots with the secrets this run set (Fly hands secrets
/// to a machine only when it boots). If another client holds the lease (another computer
/// restarting it for its own secrets), waits for it and restarts after it, once.
async fn reboot_for_secrets(session: &Session, app: &str, id: &str, say: Say<'_>) -> Result<()> {
    say(&format!(
        "Restarting machine {id} so it reads the new secrets"
    ));
    let description = "trademind: restart for secrets";
    let restart = || crate::machine::lifecycle::restart_and_wait(session, app, id, description);
    match restart().await {
        Err(Error::Fly(FlyError::LeaseHeld(_))) => {
            wait_for_lease(session, app, id, say).await?;
            restart().await?;
        }
        other => other?,
    }
    session
        .audit(
            EventKind::MachineRestart,
            Some(id),
            json!({"reason": "new agent secrets"}),
        )
        .await;
    Ok(())
}

async fn start(session: &Session, app: &str, id: &str, say: Say<'_>) -> Result<()> {
    say(&format!("Starting machine {id}"));
    let fly = &session.fly;
    fly.with_lease(
        app,
        id,
        DEFAULT_LEASE_TTL,
        "trademind: start",
        |lease| async move { fly.start_machine(app, id, Some(&lease.nonce)).await },
    )
    .await?;
    session
        .audit(EventKind::MachineStart, Some(id), json!({"via": "start"}))
        .await;
    Ok(())
}

/// If another agent machine is older than ours (a concurrent start elsewhere), destroys ours
/// when this run made it and returns the older one to use instead.
async fn settle(
    session: &Session,
    app: &str,
    ours: &str,
    we_created: bool,
    say: Say<'_>,
) -> Result<Option<Machine>> {
    let all = agents(&session.fly, app).await?;
    if all.len() < 2 {
        return Ok(None);
    }
    let Some(winner) = oldest(all) else {
        return Ok(None);
    };
    if winner.id == ours {
        return Ok(None);
    }
    if we_created {
        say(&format!(
            "Another start made machine {} first; removing the duplicate {ours}",
            winner.id
        ));
        match session.fly.destroy_machine(app, ours, true, None).await {
            Ok(()) | Err(FlyError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        session
            .audit(
                EventKind::MachineDestroy,
                Some(ours),
                json!({"reason": "duplicate of an older agent machine", "kept": winner.id}),
            )
            .await;
    }
    Ok(Some(winner))
}

/// `ready`: poll the agent's `/health` until it says `ready`.
pub(super) async fn ready(session: &Session, state: &mut RunState, say: Say<'_>) -> Result<Next> {
    let app = RunState::need(&state.app, "app")?.to_owned();
    let id = RunState::need(&state.machine_id, "machine")?.to_owned();
    // A resumed run may find the machine changed since `started` was done.
    match session.fly.get_machine(&app, &id).await {
        Ok(machine) if machine.state == MachineState::Started => {}
        Ok(machine) if machine.state.is_active() => {
            return Ok(Next::Rewind(
                Step::Started,
                format!("Machine {id} is {} now; starting it again", machine.state),
            ))
        }
        Ok(_) | Err(FlyError::NotFound(_)) if !state.machine_created => {
            return Ok(Next::Rewind(
                Step::Volume,
                format!("Machine {id} was destroyed meanwhile; looking again"),
            ))
        }
        Ok(_) | Err(FlyError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let base = session.endpoints.agent_url(&app);
    say(&format!("Waiting for the agent at {base}/health"));
    let waited = health::wait_ready(
        &session.agent_http,
        &base,
        Some(&id),
        session.endpoints.ready_timeout,
        |reason| say(reason),
    )
    .await;
    let agent = match waited {
        Ok(agent) => agent,
        Err(Error::AgentNotReady { detail }) => {
            let fly_state = match session.fly.get_machine(&app, &id).await {
                Ok(machine) if machine.is_crash_looping() => {
                    format!("Fly reports it {} and crash-looping", machine.state)
                }
                Ok(machine) => format!("Fly reports the machine {}", machine.state),
                Err(e) => format!("Fly could not be asked: {e}"),
            };
            return Err(Error::AgentNotReady {
                detail: format!("{detail}; {fly_state}"),
            });
        }
        Err(e) => return Err(e),
    };
    state.agent_url = Some(base.clone());
    state.agent_version = agent.agent_version.clone();
    Ok(Next::Continue(format!(
        "Agent {} is {} at {base}",
        agent
            .agent_version
            .as_deref()
            .unwrap_or("(version unknown)"),
        agent.status
    )))
}
