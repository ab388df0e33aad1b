//! Trader operations: the cards, the editor's check and save, delete, enable, the cloud
//! toggle and conflict resolution, import and export, and the task that takes in the agent's
//! reports about traders and signals.

use std::collections::HashSet;
use std::future::Future;

use screener::filter::{Limits, Sandbox};
use screener::trader::Trader;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Actor, Core};
use crate::error::{Error, Result};
use crate::signals::feed::{trader_names, view};
use crate::signals::SignalFilter;
use crate::store::traders::{event, TraderRow};
use crate::store::Store;
use crate::traders::placement::badge;
use crate::traders::transfer::{self, parse_import};
use crate::traders::{cloud, ConflictChoice, ImportReport, TraderCard, TraderCheck};

/// Every trader's card: built-ins first, then by name.
pub async fn list(core: &Core) -> Result<Vec<TraderCard>> {
    let rows = core.store().traders().await?;
    let mut cards = Vec::with_capacity(rows.len());
    for row in rows {
        cards.push(card_of(core.store(), row).await?);
    }
    Ok(cards)
}

/// One trader's card.
pub async fn card(core: &Core, id: &str) -> Result<TraderCard> {
    let row = core.store().trader_required(id).await?;
    card_of(core.store(), row).await
}

async fn card_of(store: &Store, row: TraderRow) -> Result<TraderCard> {
    let outbox = store.outbox().await?;
    let badge = badge(&row, &outbox);
    let last = store
        .signals(
            &SignalFilter {
                trader_id: Some(row.trader.id.clone()),
                ..SignalFilter::default()
            },
            1,
        )
        .await?;
    let names = [(row.trader.id.clone(), row.trader.name.clone())].into();
    Ok(TraderCard {
        builtin: row.builtin,
        placement: badge.placement,
        cloud_version: row.cloud_version,
        error: badge.error,
        conflict: badge.conflict,
        last_signal: last.first().map(|s| view(s, &names)),
        trader: row.trader,
    })
}

/// The editor's check (field rules, compile, timeframes, dry run), on a blocking thread.
pub async fn check(trader: Trader) -> Result<TraderCheck> {
    tokio::task::spawn_blocking(move || crate::traders::check::check(&trader))
        .await
        .map_err(|e| Error::Internal(format!("the trader check: {e}")))
}

/// Saves a user trader: a new one when `id` is empty (an id is made) or unknown, else an
/// update of the version it was loaded at (`version_conflict` when it changed since). The
/// fields must be valid and the code must compile. A trader in the cloud is redeployed at
/// its new version through the outbox.
pub async fn save(core: &Core, actor: Actor, mut trader: Trader) -> Result<TraderCard> {
    core.require_owner("trader save").await?;
    let store = core.store();
    if trader.id.trim().is_empty() {
        trader.id = transfer::new_id();
        trader.version = 1;
    }
    trader
        .validate()
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    compiles(&trader).await?;
    let existing = store.trader(&trader.id).await?;
    let id = trader.id.clone();
    match existing {
        None => {
            trader.version = 1;
            trader.cloud.enabled_in_cloud = false;
            store.trader_insert(&trader).await?;
            store
                .record_trader_event(actor, event::CREATE, json!({"id": id, "name": trader.name}))
                .await?;
        }
        Some(row) => {
            let version = store.trader_update(&trader).await?;
            store
                .record_trader_event(actor, event::UPDATE, json!({"id": id, "version": version}))
                .await?;
            if row.cloud_wanted {
                redeploy(core, &id).await?;
            }
        }
    }
    card(core, &id).await
}

/// Deploys the stored trader again (after an edit) when the link can take it; otherwise the
/// card shows `deploying` until the user turns the cloud on again.
async fn redeploy(core: &Core, id: &str) -> Result<()> {
    let row = core.store().trader_required(id).await?;
    let link = core.cloud().link();
    match cloud::owner_link(link.as_deref()) {
        Ok(link) => {
            let mut trader = row.trader;
            trader.enabled = true;
            link.deploy_trader(trader).await?;
        }
        Err(e) => tracing::info!(trader = %id, "edited trader not redeployed now: {e}"),
    }
    Ok(())
}

async fn compiles(trader: &Trader) -> Result<()> {
    let trader = trader.clone();
    tokio::task::spawn_blocking(move || {
        let mut sandbox =
            Sandbox::new(Limits::default()).map_err(|e| Error::Internal(e.to_string()))?;
        sandbox
            .compile(&trader.id, trader.version, &trader.filter.code)
            .map_err(|e| {
                let at = e.line.map(|l| format!(" at line {l}")).unwrap_or_default();
                Error::InvalidInput(format!("filter.code{at}: {}", e.message))
            })
    })
    .await
    .map_err(|e| Error::Internal(format!("compiling the filter: {e}")))?
}

/// Deletes a user trader at `version`. One in the cloud must be taken out of it first.
pub async fn delete(core: &Core, actor: Actor, id: &str, version: u64) -> Result<()> {
    core.require_owner("trader delete").await?;
    let row = core.store().trader_required(id).await?;
    if row.cloud_wanted {
        return Err(Error::InvalidInput(format!(
            "trader `{id}` runs in the cloud; turn the cloud off before deleting it"
        )));
    }
    core.store().trader_delete(id, version).await?;
    core.local().exclude(id);
    core.store()
        .record_trader_event(actor, event::DELETE, json!({"id": id, "version": version}))
        .await?;
    Ok(())
}

/// Turns a trader on or off (local screening picks it up at its next start).
pub async fn set_enabled(core: &Core, actor: Actor, id: &str, enabled: bool) -> Result<TraderCard> {
    core.require_owner("trader enable").await?;
    core.store().trader_set_enabled(id, enabled).await?;
    if !enabled {
        core.local().exclude(id);
    }
    core.store()
        .record_trader_event(actor, event::ENABLE, json!({"id": id, "enabled": enabled}))
        .await?;
    card(core, id).await
}

/// The cloud toggle: needs the live link with the owner role (`machine_state` otherwise)
/// and the version the card showed (`version_conflict` otherwise). Turning it on takes the
/// trader out of local screening at once.
pub async fn set_cloud(
    core: &Core,
    actor: Actor,
    id: &str,
    on: bool,
    expected_version: u64,
) -> Result<TraderCard> {
    core.require_owner("trader cloud toggle").await?;
    let link = core.cloud().link();
    let link = cloud::owner_link(link.as_deref())?;
    cloud::set_cloud(core.store(), link, actor, id, on, expected_version).await?;
    if on {
        core.local().exclude(id);
    }
    card(core, id).await
}

/// Resolves a conflict with the cloud's copy (see [`cloud::resolve_conflict`]).
pub async fn resolve_conflict(
    core: &Core,
    actor: Actor,
    id: &str,
    choice: ConflictChoice,
) -> Result<TraderCard> {
    core.require_owner("trader conflict resolve").await?;
    let link = core.cloud().link();
    cloud::resolve_conflict(core.store(), link.as_deref(), actor, id, choice).await?;
    core.local().exclude(id);
    card(core, id).await
}

/// Imports trader records (see [`crate::traders::transfer`]); a record whose id is taken by
/// one of the user's traders is imported as a copy under a new id.
pub async fn import(core: &Core, actor: Actor, json: String) -> Result<ImportReport> {
    core.require_owner("traders import").await?;
    let store = core.store();
    let rows = store.traders().await?;
    let builtin_ids: HashSet<String> = rows
        .iter()
        .filter(|r| r.builtin)
        .map(|r| r.trader.id.clone())
        .collect();
    let taken: HashSet<String> = rows.iter().map(|r| r.trader.id.clone()).collect();
    let parsed = tokio::task::spawn_blocking(move || parse_import(&json, &builtin_ids))
        .await
        .map_err(|e| Error::Internal(format!("reading the import: {e}")))?;
    let mut imported = Vec::new();
    for mut trader in parsed.traders {
        if taken.contains(&trader.id) {
            trader.id = transfer::new_id();
        }
        trader.version = 1;
        trader.cloud.enabled_in_cloud = false;
        store.trader_insert(&trader).await?;
        imported.push(trader.id);
    }
    store
        .record_trader_event(
            actor,
            event::IMPORT,
            json!({"imported": imported, "skipped": parsed.skipped.len()}),
        )
        .await?;
    Ok(ImportReport {
        imported,
        skipped: parsed.skipped,
    })
}

/// Pretty JSON array of the user traders `ids` (all of them when empty); built-ins may be
/// named explicitly.
pub async fn export(core: &Core, ids: &[String]) -> Result<String> {
    let rows = core.store().traders().await?;
    let mut traders = Vec::new();
    if ids.is_empty() {
        traders.extend(rows.into_iter().filter(|r| !r.builtin).map(|r| r.trader));
    } else {
        for id in ids {
            let row = rows
                .iter()
                .find(|r| &r.trader.id == id)
                .ok_or_else(|| Error::InvalidInput(format!("there is no trader `{id}`")))?;
            traders.push(row.trader.clone());
        }
    }
    Ok(transfer::export(&traders))
}

/// The task that takes in the agent's frames from whichever link is current: `trader_state`
/// into the traders table, stored signals and analyses onto the signal bus. Ends on `cancel`.
pub fn follow_cloud(
    core: &Core,
    cancel: CancellationToken,
) -> impl Future<Output = ()> + Send + 'static {
    crate::signals::feed::follow_cloud(
        core.store().clone(),
        core.signals().clone(),
        core.cloud().frames(),
        cancel,
    )
}

/// The enabled traders not in the cloud (what local screening runs by default), or the
/// named ones (refused when one is in the cloud or unknown).
pub async fn local_traders(core: &Core, ids: &[String]) -> Result<Vec<Trader>> {
    let rows = core.store().traders().await?;
    if ids.is_empty() {
        return Ok(rows
            .into_iter()
            .filter(|r| r.trader.enabled && !r.cloud_wanted)
            .map(|r| r.trader)
            .collect());
    }
    let mut chosen = Vec::new();
    for id in ids {
        let row = rows
            .iter()
            .find(|r| &r.trader.id == id)
            .ok_or_else(|| Error::InvalidInput(format!("there is no trader `{id}`")))?;
        if row.cloud_wanted {
            return Err(Error::InvalidInput(format!(
                "trader `{id}` runs in the cloud; a trader never runs in both places"
            )));
        }
        let mut trader = row.trader.clone();
        trader.enabled = true;
        chosen.push(trader);
    }
    Ok(chosen)
}

/// Trader names by id (for views elsewhere).
pub async fn names(core: &Core) -> Result<std::collections::HashMap<String, String>> {
    trader_names(core.store()).await
}
