//! Finding a user's app and agent machine from what support is told: an app name, a machine
//! id (14 hex characters) or the user's id or email (the machine's `trademind_user`
//! metadata). An app name is tried first (one call); otherwise every app of the token's
//! organisation is searched.

use futures_util::stream::{self, StreamExt};

use super::view::{InspectTarget, MatchKind};
use crate::error::{Error, Result};
use crate::fly::types::Machine;
use crate::fly::{FlyClient, FlyError};
use crate::machine::plan;
use crate::machine::steps::machine::{age, agents};

/// The most apps an org-wide search reads.
const MAX_APPS: usize = 500;
/// Machine lists read at once in an org-wide search (Fly's read bucket allows far more, and
/// the client retries a 429 after its `Retry-After`).
const PARALLEL_LISTS: usize = 8;

/// Every target matching `query`; an error when none does.
pub async fn find(fly: &FlyClient, query: &str) -> Result<Vec<InspectTarget>> {
    let query = query.trim();
    if query.is_empty() || query.len() > 200 || query.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "give an app name, a machine id or a user id (1–200 characters)".into(),
        ));
    }
    if plan::check_app_name(query).is_ok() {
        match agents(fly, query).await {
            Ok(machines) => return Ok(targets(query, machines, MatchKind::App)),
            Err(Error::Fly(FlyError::NotFound(_))) => {}
            Err(e) => return Err(e),
        }
    }
    let apps = org_apps(fly).await?;
    let listed: Vec<(String, Result<Vec<Machine>>)> = stream::iter(apps)
        .map(|app| async move {
            let machines = agents(fly, &app).await;
            (app, machines)
        })
        .buffer_unordered(PARALLEL_LISTS)
        .collect()
        .await;
    let mut found = Vec::new();
    for (app, machines) in listed {
        let machines = match machines {
            Ok(machines) => machines,
            // Deleted meanwhile, or not visible to this token: not this user's.
            Err(Error::Fly(FlyError::NotFound(_) | FlyError::Forbidden(_))) => continue,
            Err(e) => return Err(e),
        };
        for machine in machines {
            let kind = if machine.id.eq_ignore_ascii_case(query) {
                MatchKind::Machine
            } else if machine
                .metadata(plan::USER_KEY)
                .is_some_and(|u| u.eq_ignore_ascii_case(query))
            {
                MatchKind::User
            } else {
                continue;
            };
            found.push(target(&app, Some(&machine), kind));
        }
    }
    found.sort_by(|a, b| (&a.app, &a.machine_id).cmp(&(&b.app, &b.machine_id)));
    if found.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no TradeMind app, agent machine or user matches {query:?} in the token's organisation"
        )));
    }
    Ok(found)
}

/// The target for a known app (and machine, when given): the one support picked.
pub async fn resolve(
    fly: &FlyClient,
    app: &str,
    machine_id: Option<&str>,
) -> Result<InspectTarget> {
    plan::check_app_name(app)?;
    let machines = agents(fly, app).await?;
    let machine =
        match machine_id {
            Some(id) => Some(machines.iter().find(|m| m.id == id).ok_or_else(|| {
                Error::InvalidInput(format!("app {app} has no agent machine {id}"))
            })?),
            None => machines.iter().min_by(|a, b| age(a).cmp(&age(b))),
        };
    Ok(target(app, machine, MatchKind::App))
}

/// The apps of the token's organisation.
async fn org_apps(fly: &FlyClient) -> Result<Vec<String>> {
    let tokens = fly.current_token().await?;
    let org = tokens
        .iter()
        .find_map(|t| t.org_slug.clone())
        .ok_or_else(|| {
            Error::InvalidInput(
                "the Fly token names no organisation: use an org read-only token \
                 (`fly tokens create readonly`)"
                    .into(),
            )
        })?;
    let mut apps: Vec<String> = fly
        .list_apps(&org)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    apps.sort();
    apps.truncate(MAX_APPS);
    Ok(apps)
}

fn targets(app: &str, machines: Vec<Machine>, kind: MatchKind) -> Vec<InspectTarget> {
    if machines.is_empty() {
        return vec![target(app, None, kind)];
    }
    let mut sorted: Vec<&Machine> = machines.iter().collect();
    sorted.sort_by(|a, b| {
        (a.created_at.as_deref().unwrap_or(""), &a.id)
            .cmp(&(b.created_at.as_deref().unwrap_or(""), &b.id))
    });
    sorted
        .into_iter()
        .map(|m| target(app, Some(m), kind))
        .collect()
}

fn target(app: &str, machine: Option<&Machine>, kind: MatchKind) -> InspectTarget {
    InspectTarget {
        app: app.to_owned(),
        machine_id: machine.map(|m| m.id.clone()),
        machine_name: machine.map(|m| m.name.clone()).filter(|n| !n.is_empty()),
        region: machine.map(|m| m.region.clone()).filter(|r| !r.is_empty()),
        state: machine.map(|m| m.state.to_string()),
        user: machine.and_then(|m| m.metadata(plan::USER_KEY).map(str::to_owned)),
        matched_by: kind,
    }
}
