//! Support operations: support's credentials, finding a user's app, inspecting it, its logs,
//! the live view and the diagnostics report. Every look is recorded in the audit log as
//! `support.access` (actor `support`) with what was looked at; nothing here changes the
//! user's machine (see [`crate::inspect`]).

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Core;
use crate::error::{Error, Result};
use crate::inspect::credentials::{self, Held};
use crate::inspect::{
    live, logs, target, InspectTarget, Inspection, Inspector, LogQuery, LogsView, SupportAccess,
    SupportCredential, SupportFrame, ViewerLinkState, WatchParts,
};
use crate::sensitive::Sensitive;
use crate::store::events::{Actor, EventKind};

/// Support's state: the mode and which credentials are set.
pub async fn access(core: &Core) -> Result<SupportAccess> {
    let fly = credentials::load(core.vault(), SupportCredential::Fly).await?;
    let viewer = credentials::load(core.vault(), SupportCredential::Viewer).await?;
    Ok(SupportAccess {
        mode: core.mode(),
        fly_token: fly.as_ref().map(Held::info),
        viewer_token: viewer.as_ref().map(Held::info),
    })
}

/// Validates and stores a support credential in the keyring. Storing support's own
/// credentials changes nothing of the user's, so support mode allows it.
pub async fn login(
    core: &Core,
    which: SupportCredential,
    raw: Sensitive<String>,
) -> Result<SupportAccess> {
    let value = credentials::validate(which, &raw)?;
    credentials::store(core.vault()?, which, &value).await?;
    record(core, "login", json!({ "credential": which })).await?;
    access(core).await
}

/// Removes support's stored credentials (`None`: both).
pub async fn logout(core: &Core, which: Option<SupportCredential>) -> Result<SupportAccess> {
    let all = [SupportCredential::Fly, SupportCredential::Viewer];
    for credential in all.into_iter().filter(|c| which.is_none_or(|w| w == *c)) {
        credentials::remove(core.vault()?, credential).await?;
    }
    record(core, "logout", json!({ "credential": which })).await?;
    access(core).await
}

/// The inspector with support's credentials (the Fly token is required, the viewer token
/// optional).
pub(super) async fn inspector(core: &Core) -> Result<Inspector> {
    let fly = credentials::require(core.vault(), SupportCredential::Fly).await?;
    let viewer = credentials::load(core.vault(), SupportCredential::Viewer).await?;
    Inspector::new(
        &credentials::fly_token(&fly)?,
        viewer.map(|v| v.value),
        core.endpoints()?,
    )
}

async fn record(core: &Core, what: &str, details: serde_json::Value) -> Result<()> {
    record_about(core, what, None, details).await
}

pub(super) async fn record_target(core: &Core, what: &str, target: &InspectTarget) -> Result<()> {
    let details = json!({ "app": target.app, "machine": target.machine_id });
    record_about(core, what, target.machine_id.as_deref(), details).await
}

/// One `support.access` audit row: what was looked at (about which machine), in which mode.
async fn record_about(
    core: &Core,
    what: &str,
    machine_id: Option<&str>,
    mut details: serde_json::Value,
) -> Result<()> {
    details["what"] = json!(what);
    details["mode"] = json!(core.mode());
    core.store()
        .record_machine_event(
            Actor::Support,
            EventKind::SupportAccess,
            machine_id,
            details,
        )
        .await?;
    Ok(())
}

/// Apps and machines matching `query` (app name, machine id or user id).
pub async fn find(core: &Core, query: &str) -> Result<Vec<InspectTarget>> {
    let inspector = inspector(core).await?;
    record(core, "find", json!({ "query": query.trim() })).await?;
    target::find(&inspector.fly, query).await
}

/// The target named by `app` (and `machine_id`, else the app's agent machine).
pub(super) async fn resolve(
    inspector: &Inspector,
    app: &str,
    machine_id: Option<&str>,
) -> Result<InspectTarget> {
    target::resolve(&inspector.fly, app.trim(), machine_id.map(str::trim)).await
}

/// Everything about a user's app now, with the diagnosis.
pub async fn inspect(core: &Core, app: &str, machine_id: Option<&str>) -> Result<Inspection> {
    let inspector = inspector(core).await?;
    let target = resolve(&inspector, app, machine_id).await?;
    record_target(core, "inspect", &target).await?;
    inspector.inspect(target).await
}

/// One page of the machine's logs (the backlog, or the lines after `query.after`).
pub async fn logs(
    core: &Core,
    app: &str,
    machine_id: Option<&str>,
    query: &LogQuery,
) -> Result<LogsView> {
    logs::check(query)?;
    let inspector = inspector(core).await?;
    let target = resolve(&inspector, app, machine_id).await?;
    record_target(core, "logs", &target).await?;
    logs::page(
        &inspector.logs,
        &target.app,
        target.machine_id.as_deref(),
        query,
    )
    .await
}

/// Follows the machine's logs after `query.after` until `cancel` (see [`logs::follow`]).
pub async fn follow_logs<S>(
    core: &Core,
    app: &str,
    machine_id: Option<&str>,
    query: LogQuery,
    cancel: CancellationToken,
    sink: S,
) -> Result<()>
where
    S: FnMut(LogsView) -> bool,
{
    logs::check(&query)?;
    let inspector = inspector(core).await?;
    let target = resolve(&inspector, app, machine_id).await?;
    record_target(core, "logs.follow", &target).await?;
    logs::follow(
        &inspector.logs,
        &target.app,
        target.machine_id.as_deref(),
        query,
        cancel,
        sink,
    )
    .await
}

/// The agent's live state, metrics, traders and signals until `cancel`.
pub async fn watch<S>(
    core: &Core,
    app: &str,
    machine_id: Option<&str>,
    cancel: CancellationToken,
    sink: S,
) -> Result<()>
where
    S: FnMut(SupportFrame) -> bool,
{
    let inspector = inspector(core).await?;
    let viewer = inspector.viewer.as_ref().ok_or_else(no_viewer)?;
    let target = resolve(&inspector, app, machine_id).await?;
    record_target(core, "watch", &target).await?;
    let base = inspector.endpoints.agent_url(&target.app);
    live::watch(&base, viewer, cancel, sink).await?;
    Ok(())
}

fn no_viewer() -> Error {
    Error::InvalidInput(
        "the live view needs the agent's viewer token: `trademind inspect login --viewer \
         --token-stdin`, or paste it in the support window"
            .into(),
    )
}

/// The support window's watches: the agent's live view (with the viewer token) and/or the log
/// tail after `tail.after`, for one target resolved and audited once, until `cancel`. A live
/// view that ends with an error says so in a `link` frame in state `ended`, a tail in a
/// `tail_ended` frame; the other part goes on.
pub async fn watch_parts<S>(
    core: &Core,
    app: &str,
    machine_id: Option<&str>,
    parts: WatchParts,
    cancel: CancellationToken,
    sink: S,
) -> Result<()>
where
    S: Fn(SupportFrame) -> bool,
{
    if let Some(query) = &parts.tail {
        logs::check(query)?;
    } else if !parts.live {
        return Err(Error::InvalidInput(
            "nothing to watch: ask for the live view, the log tail or both".into(),
        ));
    }
    let inspector = inspector(core).await?;
    let target = resolve(&inspector, app, machine_id).await?;
    let what = if parts.live { "watch" } else { "logs.follow" };
    record_target(core, what, &target).await?;
    let base = inspector.endpoints.agent_url(&target.app);
    let live = async {
        if parts.live {
            let viewer = inspector.viewer.as_ref().ok_or_else(no_viewer)?;
            live::watch(&base, viewer, cancel.clone(), &sink).await?;
        }
        Ok::<(), Error>(())
    };
    let tail = async {
        match parts.tail {
            Some(query) => {
                logs::follow(
                    &inspector.logs,
                    &target.app,
                    target.machine_id.as_deref(),
                    query,
                    cancel.clone(),
                    |view| sink(SupportFrame::Logs(view)),
                )
                .await
            }
            None => Ok(()),
        }
    };
    let (live, tail) = tokio::join!(live, tail);
    if let Err(e) = live {
        sink(SupportFrame::Link {
            state: ViewerLinkState::Ended,
            detail: Some(format!(
                "live view: {}",
                crate::error::ApiError::from(e).message
            )),
        });
    }
    if let Err(e) = tail {
        sink(SupportFrame::TailEnded {
            detail: crate::error::ApiError::from(e).message,
        });
    }
    Ok(())
}
