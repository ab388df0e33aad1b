//! Machine operations: start (provisioning with progress), status (reconciled with Fly),
//! stop, restart, destroy, Fly's machine events, and the agent's viewer token. For the window
//! ([`Actor::Gui`]) each keeps the live link in step ([`super::link`]): up once the agent is
//! ready, down with the machine (the CLI has no link to keep, except `trademind link watch`).

use serde::Serialize;
use ts_rs::TS;

use super::{link, Actor, Core};
use crate::error::Result;
use crate::machine::lifecycle::{self, FlyEventView};
use crate::machine::operation::{Operation, OperationSink, Reporter};
use crate::machine::provision::{self, StartOptions};
use crate::machine::status::{self, MachineStatus};
use crate::machine::viewer;
use crate::machine::ProgressSink;

/// What an operation did, and the machine's state after it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MachineOutcome {
    pub message: String,
    pub status: MachineStatus,
}

/// Brings the machine up (or resumes a failed or interrupted start), reporting each step.
pub async fn start(
    core: &Core,
    actor: Actor,
    options: StartOptions,
    progress: ProgressSink,
) -> Result<MachineOutcome> {
    core.require_owner("machine start").await?;
    let session = core.session(actor).await?.with_progress(progress);
    let state = provision::start(&session, options).await?;
    let status = status::reconcile(&session).await?;
    if actor == Actor::Gui {
        link::connect_after(core, "start").await;
    }
    Ok(MachineOutcome {
        message: format!(
            "Machine {} is running; the agent answers at {}",
            state.machine_id.as_deref().unwrap_or("?"),
            state.agent_url.as_deref().unwrap_or("?")
        ),
        status,
    })
}

/// The machine as Fly sees it now (the record is brought in line).
pub async fn status(core: &Core, actor: Actor) -> Result<MachineStatus> {
    let session = core.session(actor).await?;
    let status = status::reconcile(&session).await?;
    if actor == Actor::Gui {
        follow_link(core, &status).await;
    }
    Ok(status)
}

/// Brings the link in line with what Fly says: connected when started with the agent ready,
/// disconnected when the machine is not started.
async fn follow_link(core: &Core, status: &MachineStatus) {
    let started = status.state == "started";
    let has_link = core.cloud().link().is_some();
    let agent_ready = status
        .agent
        .as_ref()
        .is_some_and(|a| matches!(a.status.as_str(), "ready" | "degraded"));
    if started && !has_link && agent_ready {
        link::connect_after(core, "status").await;
    } else if !started
        && has_link
        && !matches!(status.state.as_str(), "starting" | "replacing" | "updating")
    {
        link::disconnect(core).await;
    }
}

/// Stops the machine, reporting each phase to `progress`.
pub async fn stop(
    core: &Core,
    actor: Actor,
    progress: Option<OperationSink>,
) -> Result<MachineOutcome> {
    core.require_owner("machine stop").await?;
    let session = core.session(actor).await?;
    link::disconnect(core).await;
    let message = lifecycle::stop(&session, &reporter(Operation::Stop, progress)).await?;
    let status = status::reconcile(&session).await?;
    Ok(MachineOutcome { message, status })
}

/// Restarts the machine and waits for the agent, reporting each phase to `progress`.
pub async fn restart(
    core: &Core,
    actor: Actor,
    progress: Option<OperationSink>,
) -> Result<MachineOutcome> {
    core.require_owner("machine restart").await?;
    let session = core.session(actor).await?;
    link::disconnect(core).await;
    let message = lifecycle::restart(&session, &reporter(Operation::Restart, progress)).await?;
    let status = status::reconcile(&session).await?;
    if actor == Actor::Gui {
        link::connect_after(core, "restart").await;
    }
    Ok(MachineOutcome { message, status })
}

/// Replaces the agent's viewer token (ending the live access given to support), restarting
/// a started machine so the old token stops working; reports each phase to `progress`.
pub async fn replace_viewer_token(
    core: &Core,
    actor: Actor,
    progress: Option<OperationSink>,
) -> Result<MachineOutcome> {
    core.require_owner("machine viewer-token replace").await?;
    let session = core.session(actor).await?;
    link::disconnect(core).await;
    let message = viewer::rotate(&session, &reporter(Operation::ViewerToken, progress)).await?;
    let status = status::reconcile(&session).await?;
    if actor == Actor::Gui && status.state == "started" {
        link::connect_after(core, "viewer token").await;
    }
    Ok(MachineOutcome { message, status })
}

/// Changes the machine's size (a CPU priority or Fly preset).
pub async fn resize(core: &Core, actor: Actor, size: &str) -> Result<MachineOutcome> {
    core.require_owner("machine resize").await?;
    let session = core.session(actor).await?;
    let message = lifecycle::resize(&session, size).await?;
    // A running machine restarts on the new size: reconnect (resetting the backoff) once its
    // agent is ready again.
    if actor == Actor::Gui {
        link::reconnect_when_ready(core).await;
    }
    let status = status::reconcile(&session).await?;
    Ok(MachineOutcome { message, status })
}

/// Destroys the machine; `confirmed` must be true (the UI's dialog, the CLI's `--yes`). Each
/// phase goes to `progress`.
pub async fn destroy(
    core: &Core,
    actor: Actor,
    confirmed: bool,
    progress: Option<OperationSink>,
) -> Result<MachineOutcome> {
    core.require_owner("machine destroy").await?;
    let session = core.session(actor).await?;
    if confirmed {
        link::disconnect(core).await;
    }
    let report = reporter(Operation::Destroy, progress);
    let message = lifecycle::destroy(&session, confirmed, &report).await?;
    let status = status::reconcile(&session).await?;
    Ok(MachineOutcome { message, status })
}

fn reporter(operation: Operation, progress: Option<OperationSink>) -> Reporter {
    match progress {
        Some(sink) => Reporter::new(operation, sink),
        None => Reporter::silent(operation),
    }
}

/// Fly's newest events for the machine (1–50).
pub async fn events(core: &Core, actor: Actor, limit: u32) -> Result<Vec<FlyEventView>> {
    let session = core.session(actor).await?;
    lifecycle::events(&session, limit.clamp(1, 50)).await
}

/// The agent's viewer token (made at provisioning, kept in the keyring), to hand to support
/// staff. Sharing it is recorded in the audit log (`support.access`, what `viewer-token`).
pub async fn viewer_token(
    core: &Core,
    actor: Actor,
) -> Result<crate::sensitive::Sensitive<String>> {
    let token = core
        .vault()?
        .load_secret(crate::secrets::SecretAccount::AgentViewerToken)
        .await?
        .ok_or_else(|| {
            crate::error::Error::InvalidInput(
                "there is no viewer token yet: it is made when the machine is first started".into(),
            )
        })?;
    core.store()
        .record_event(
            actor,
            crate::store::events::EventKind::SupportAccess,
            serde_json::json!({ "what": "viewer-token shared" }),
        )
        .await?;
    Ok(token)
}
