//! Moving traders to and from the cloud over a live [`Link`]: the toggle, the resolution of a
//! conflict with the agent's copy, and taking in the agent's `trader_state` reports.
//!
//! The functions take the link itself (the api layer gets it from [`crate::cloud::Cloud`]),
//! so tests can drive them with a link of their own. Commands go through the link's outbox:
//! durable, resent with the same id until answered, applied at most once by the agent.

use screener::protocol::{DeployState, Role, ServerFrame};
use serde_json::json;

use super::placement::{badge, commands_about};
use super::view::ConflictChoice;
use crate::error::{Error, Result};
use crate::link::{Link, LinkState, OwnerCommand};
use crate::store::events::Actor;
use crate::store::outbox::CommandState;
use crate::store::traders::{event, TraderRow};
use crate::store::Store;

/// The link, if it is live with the owner role; else `machine_state` saying why not.
pub fn owner_link(link: Option<&Link>) -> Result<&Link> {
    let Some(link) = link else {
        return Err(Error::MachineState {
            state: "not connected".into(),
            what: "traders move to the cloud over the live link to your machine; start the \
                   machine first"
                .into(),
        });
    };
    match &*link.state().borrow() {
        LinkState::Live {
            role: Role::Owner, ..
        } => Ok(link),
        LinkState::Live { .. } => Err(Error::MachineState {
            state: "connected as a viewer".into(),
            what: "only the owner's connection may deploy traders".into(),
        }),
        other => Err(Error::MachineState {
            state: format!("{} from the agent", state_name(other)),
            what: "traders move to the cloud only while the link is live; wait for it to \
                   reconnect"
                .into(),
        }),
    }
}

fn state_name(state: &LinkState) -> &'static str {
    match state {
        LinkState::Offline { .. } => "disconnected",
        LinkState::Connecting => "still connecting",
        LinkState::Live { .. } => "live",
        LinkState::Reconnecting { .. } => "reconnecting",
        LinkState::CircuitOpen { .. } => "cut off after repeated failures",
    }
}

/// Turns the cloud on (deploy) or off (undeploy) for trader `id` stored at
/// `expected_version`. On: the trader stops being screened locally (the caller tells local
/// screening) and is deployed at its version. Off: it is undeployed at the version the agent
/// runs.
pub async fn set_cloud(
    store: &Store,
    link: &Link,
    actor: Actor,
    id: &str,
    on: bool,
    expected_version: u64,
) -> Result<()> {
    let row = store.trader_required(id).await?;
    if row.trader.version != expected_version {
        return Err(Error::VersionConflict {
            what: format!("trader `{id}`"),
            expected: expected_version,
            current: row.trader.version,
        });
    }
    store
        .trader_set_cloud_wanted(id, on, expected_version)
        .await?;
    forget_refusals(store, id).await?;
    if on {
        deploy(store, link, actor, &row, row.trader.version).await
    } else {
        undeploy(store, link, actor, &row).await
    }
}

/// Resolves a conflict between this computer's copy of trader `id` and the cloud's (the agent
/// refused our deploy because it runs a newer version, changed elsewhere).
///
/// - [`ConflictChoice::Mine`]: our record, unchanged in content, is stored at a version one
///   above the newer of the two and deployed; the agent replaces its copy with ours.
/// - [`ConflictChoice::Cloud`]: nothing is sent; the agent keeps running its copy, and our
///   record takes the cloud's version number (its content stays ours: the agent does not send
///   trader code back) and is marked as wanted in the cloud, so the badge shows `cloud` once
///   the agent reports that version. A later save of ours is a version above the cloud's and
///   replaces it — a deliberate edit, never a silent overwrite.
///
/// Refused with `invalid_input` when there is no conflict.
pub async fn resolve_conflict(
    store: &Store,
    link: Option<&Link>,
    actor: Actor,
    id: &str,
    choice: ConflictChoice,
) -> Result<()> {
    let row = store.trader_required(id).await?;
    let outbox = store.outbox().await?;
    let Some(conflict) = badge(&row, &outbox).conflict else {
        return Err(Error::InvalidInput(format!(
            "trader `{id}` has no conflict with the cloud's copy"
        )));
    };
    let link = match choice {
        ConflictChoice::Mine => Some(owner_link(link)?),
        ConflictChoice::Cloud => None,
    };
    let version = match choice {
        ConflictChoice::Mine => conflict.local_version.max(conflict.cloud_version) + 1,
        ConflictChoice::Cloud => conflict.cloud_version,
    };
    store.trader_set_version(id, version).await?;
    store.trader_set_cloud_wanted(id, true, version).await?;
    forget_refusals(store, id).await?;
    store
        .record_trader_event(
            actor,
            event::RESOLVE,
            json!({"id": id, "choice": choice, "localVersion": conflict.local_version,
                   "cloudVersion": conflict.cloud_version, "version": version}),
        )
        .await?;
    if let Some(link) = link {
        let row = store.trader_required(id).await?;
        deploy(store, link, actor, &row, version).await?;
    }
    Ok(())
}

/// Takes in a frame from the agent: a `trader_state` updates the trader's cloud columns.
pub async fn take_frame(store: &Store, frame: &ServerFrame) -> Result<()> {
    if let ServerFrame::TraderState(state) = frame {
        if store.trader_cloud_state(state).await? {
            tracing::info!(trader = %state.trader_id, version = state.version, state = ?state.state, "trader state from the agent");
        }
    }
    Ok(())
}

async fn deploy(
    store: &Store,
    link: &Link,
    actor: Actor,
    row: &TraderRow,
    version: u64,
) -> Result<()> {
    let mut trader = row.trader.clone();
    trader.version = version;
    trader.enabled = true;
    trader.cloud.enabled_in_cloud = true;
    let command = link.deploy_trader(trader).await?;
    store
        .record_trader_event(
            actor,
            event::DEPLOY,
            json!({"id": row.trader.id, "version": version, "command": command}),
        )
        .await?;
    Ok(())
}

async fn undeploy(store: &Store, link: &Link, actor: Actor, row: &TraderRow) -> Result<()> {
    let pending_deploy = commands_about(&store.outbox().await?, &row.trader.id)
        .iter()
        .any(|c| c.state == CommandState::Pending && c.kind == "deploy_trader");
    let deployed = row.cloud_state == Some(DeployState::Deployed);
    if !deployed && !pending_deploy {
        // Never reached the agent: nothing to undo there.
        return Ok(());
    }
    let version = match (deployed, pending_deploy) {
        (_, true) => row.trader.version,
        _ => row.cloud_version.unwrap_or(row.trader.version),
    };
    let command = link
        .send(OwnerCommand::UndeployTrader {
            trader_id: row.trader.id.clone(),
            version,
        })
        .await?;
    store
        .record_trader_event(
            actor,
            event::UNDEPLOY,
            json!({"id": row.trader.id, "version": version, "command": command}),
        )
        .await?;
    Ok(())
}

/// Removes the agent's past refusals of commands about `id` (they are superseded).
async fn forget_refusals(store: &Store, id: &str) -> Result<()> {
    for entry in commands_about(&store.outbox().await?, id) {
        if entry.state == CommandState::Failed {
            store.outbox_dismiss(&entry.id).await?;
        }
    }
    Ok(())
}
