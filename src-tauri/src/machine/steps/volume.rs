//! The `volume` step: the agent's data volume, mounted on `/data`, where `screener serve
//! --data-dir /data` keeps its SQLite journal (signals, deployed traders, applied command
//! ids). Fly resets a machine's root file system on every restart, stop/start and update, so
//! without a volume the journal would not survive them.
//!
//! One volume per app:
//! - an agent machine that exists keeps the volume it mounts (an update cannot change a
//!   mount, doc §2.2), and nothing is created;
//! - else the oldest volume named [`plan::VOLUME_NAME`] in the run's region that no machine
//!   mounts is used (one made before a crash, or by a start that failed later);
//! - else one is created: [`plan::VOLUME_SIZE_GB`] GB, encrypted, in the run's region, with
//!   the machine's guest as `compute` so it lands on a host that can run it. The machine is
//!   then created in the volume's region (doc §2.2 "Placement rule").
//!
//! A create that failed ambiguously (408, 5xx) is looked for before it is sent again (the
//! client), and a crash after it is covered by listing first. Starts in one profile are
//! serialised by the machine lock; starts on two computers at once may both create one, so a
//! run that created a volume lists again and, if an older free one exists, deletes its own and
//! uses that. A run whose machine create then loses to another start's machine deletes the
//! volume it made ([`discard_created`]).

use serde_json::json;

use super::{find_agent, Next, RunPlan, RunState, Say};
use crate::error::Result;
use crate::fly::types::{CreateVolumeRequest, Machine, Volume};
use crate::fly::FlyError;
use crate::machine::{plan, Session};
use crate::store::events::EventKind;

/// `volume`: the mounted volume of the existing machine, else a free one, else a new one.
pub(super) async fn volume(
    session: &Session,
    run: &RunPlan,
    state: &mut RunState,
    say: Say<'_>,
) -> Result<Next> {
    let app = RunState::need(&state.app, "app")?.to_owned();
    let record = super::machine_record(session).await?;
    if let Some(machine) = find_agent(session, &app, record.machine_id.as_deref()).await? {
        return Ok(Next::Continue(keep_mounted(state, &machine)));
    }
    let region = run.region.as_str();
    let all = session.fly.list_volumes(&app).await?;
    let ours = |v: &&Volume| v.is_live() && v.name == plan::VOLUME_NAME && !v.is_attached();
    let elsewhere: Vec<String> = all
        .iter()
        .filter(ours)
        .filter(|v| v.region != region)
        .map(|v| format!("{} in {}", v.id, v.region))
        .collect();
    let free = oldest(all.iter().filter(ours).filter(|v| v.region == region));
    let (volume, mut line) = match free {
        Some(volume) => {
            // Still "created by this run" only if it is the one this run made (a rewind).
            state.volume_created &= state.volume_id.as_deref() == Some(volume.id.as_str());
            let line = format!(
                "Using your data volume {} in {} ({} GB) for {}",
                volume.id,
                volume.region,
                volume.size_gb,
                plan::DATA_PATH
            );
            (volume.clone(), line)
        }
        None => {
            say(&format!(
                "Creating a {} GB encrypted volume {} in {region}",
                plan::VOLUME_SIZE_GB,
                plan::VOLUME_NAME
            ));
            let request = CreateVolumeRequest {
                name: plan::VOLUME_NAME.to_owned(),
                region: region.to_owned(),
                size_gb: Some(plan::VOLUME_SIZE_GB),
                encrypted: Some(true),
                // One volume per app: zone spreading (for replicas) only risks a refusal when
                // a leftover volume of the same name holds the region's zone.
                require_unique_zone: Some(false),
                compute: serde_json::to_value(&run.size.guest).ok(),
                ..CreateVolumeRequest::default()
            };
            let existing: Vec<String> = all.iter().map(|v| v.id.clone()).collect();
            let created = session.fly.create_volume(&app, &request, &existing).await?;
            session
                .audit(
                    EventKind::VolumeCreate,
                    None,
                    json!({"volume": created.id, "name": created.name, "region": created.region,
                           "sizeGb": created.size_gb, "encrypted": created.encrypted}),
                )
                .await;
            match settle(session, &app, &created, say).await? {
                Some(older) => {
                    state.volume_created = false;
                    let line = format!(
                        "Using the data volume {} in {} made by another start",
                        older.id, older.region
                    );
                    (older, line)
                }
                None => {
                    state.volume_created = true;
                    let line = format!(
                        "Created the data volume {} in {} ({} GB, encrypted) for {}",
                        created.id,
                        created.region,
                        created.size_gb,
                        plan::DATA_PATH
                    );
                    (created, line)
                }
            }
        }
    };
    if !elsewhere.is_empty() {
        line.push_str(&format!(
            "; unused volume(s) {} are kept (destroy removes them)",
            elsewhere.join(", ")
        ));
    }
    state.volume_id = Some(volume.id);
    state.volume_region = Some(volume.region);
    Ok(Next::Continue(line))
}

/// Records the volume an existing machine mounts on `/data` (or that it has none) and says so.
fn keep_mounted(state: &mut RunState, machine: &Machine) -> String {
    state.volume_created = false;
    match machine.any_config().and_then(plan::data_volume) {
        Some(id) => {
            state.volume_id = Some(id.to_owned());
            state.volume_region = Some(machine.region.clone());
            format!(
                "Machine {} keeps its data volume {id} on {}",
                machine.id,
                plan::DATA_PATH
            )
        }
        None => {
            state.volume_id = None;
            state.volume_region = None;
            format!(
                "Machine {} has no data volume (it was made before TradeMind kept the journal on \
                 one), so its journal is lost when it restarts; Fly cannot add one to an existing \
                 machine: destroy it and start again to get one",
                machine.id
            )
        }
    }
}

/// The first-created volume (ties broken by id), which every run agrees on.
fn oldest<'a>(volumes: impl Iterator<Item = &'a Volume>) -> Option<&'a Volume> {
    volumes.min_by(|a, b| order(a).cmp(&order(b)))
}

fn order(v: &Volume) -> (&str, &str) {
    (v.created_at.as_deref().unwrap_or(""), v.id.as_str())
}

/// After creating `ours`: if another start (another computer) made a free volume of the same
/// name in the region first, deletes ours and returns that one.
async fn settle(
    session: &Session,
    app: &str,
    ours: &Volume,
    say: Say<'_>,
) -> Result<Option<Volume>> {
    let all = session.fly.list_volumes(app).await?;
    let older = oldest(all.iter().filter(|v| {
        v.id != ours.id
            && v.is_live()
            && v.name == ours.name
            && v.region == ours.region
            && !v.is_attached()
            && order(v) < order(ours)
    }));
    let Some(older) = older.cloned() else {
        return Ok(None);
    };
    say(&format!(
        "Another start made the volume {} first; removing the duplicate {}",
        older.id, ours.id
    ));
    delete(session, app, &ours.id, "duplicate of an older volume").await;
    Ok(Some(older))
}

/// Deletes the volume this run created when the run ends up using another machine (another
/// start's, which mounts its own volume), so the app keeps one. Only a free volume is deleted.
pub(super) async fn discard_created(
    session: &Session,
    app: &str,
    state: &mut RunState,
    adopted: &Machine,
    say: Say<'_>,
) {
    let mounted = adopted
        .any_config()
        .and_then(plan::data_volume)
        .map(str::to_owned);
    let ours = state.volume_id.clone().filter(|_| state.volume_created);
    state.volume_created = false;
    state.volume_id.clone_from(&mounted);
    state.volume_region = mounted.as_ref().map(|_| adopted.region.clone());
    let Some(ours) = ours.filter(|id| mounted.as_deref() != Some(id.as_str())) else {
        return;
    };
    match session.fly.get_volume(app, &ours).await {
        Ok(v) if v.is_live() && !v.is_attached() => {}
        Ok(_) | Err(FlyError::NotFound(_)) => return,
        Err(e) => {
            tracing::warn!(volume = %ours, error = %e, "could not check the unused volume");
            return;
        }
    }
    say(&format!(
        "Removing the volume {ours} this start made (machine {} has its own)",
        adopted.id
    ));
    delete(
        session,
        app,
        &ours,
        "made by a start that adopted another machine",
    )
    .await;
}

/// Deletes a volume, recorded in the audit log; a failure is logged, not raised (a leftover
/// volume is removed by `machine destroy`).
async fn delete(session: &Session, app: &str, id: &str, reason: &str) {
    match session.fly.delete_volume(app, id).await {
        Ok(_) | Err(FlyError::NotFound(_)) => {
            session
                .audit(
                    EventKind::VolumeDelete,
                    None,
                    json!({"volume": id, "reason": reason}),
                )
                .await;
        }
        Err(e) => tracing::warn!(volume = %id, error = %e, "could not delete the volume"),
    }
}
