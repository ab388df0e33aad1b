//! Support's looks at the owner's agent, in the OWNER's audit log: the agent records every
//! use of its viewer token (`GET /history`'s `accesses`), and the owner's app reads them with
//! the owner token into `support.access` events (actor `support`, `via: agent`), each once.
//! Support's own app records its looks too, in its own audit log ([`super::inspect`]).

use serde_json::json;

use super::Core;
use super::Mode;
use crate::error::Result;
use crate::inspect::agent::history_since;
use crate::secrets::SecretAccount;
use crate::store::events::{Actor, EventKind};

/// How many `support.access` events are searched for the newest imported one.
const LOOKBACK: u32 = 500;

/// Imports the viewer accesses the agent recorded since the newest one imported; returns how
/// many were new. Nothing to do (0) in support mode, without a machine or an owner token.
pub async fn import(core: &Core) -> Result<u32> {
    if core.mode() != Mode::Owner {
        return Ok(0);
    }
    let Some(record) = core.store().machine().await? else {
        return Ok(0);
    };
    if record.state.as_deref() != Some("started") {
        return Ok(0);
    }
    let Ok(vault) = core.vault() else {
        return Ok(0);
    };
    let Some(token) = vault.load_secret(SecretAccount::AgentOwnerToken).await? else {
        return Ok(0);
    };
    let newest = newest_imported(core).await?;
    let base = core.endpoints()?.agent_url(&record.app);
    let history = history_since(&base, &token, newest.as_deref()).await?;
    let mut imported = 0;
    for access in history.accesses {
        if newest.as_deref().is_some_and(|n| access.at.as_str() <= n) {
            continue;
        }
        core.store()
            .record_machine_event(
                Actor::Support,
                EventKind::SupportAccess,
                record.machine_id.as_deref(),
                json!({ "what": access.what, "at": access.at, "via": "agent" }),
            )
            .await?;
        imported += 1;
    }
    if imported > 0 {
        tracing::info!(
            imported,
            "support looked at the agent with the viewer token"
        );
    }
    Ok(imported)
}

/// The time of the newest access imported from the agent.
async fn newest_imported(core: &Core) -> Result<Option<String>> {
    let events = core
        .store()
        .events_of_kind(EventKind::SupportAccess.as_str(), LOOKBACK)
        .await?;
    Ok(events
        .iter()
        .filter(|e| e.details["via"] == "agent")
        .filter_map(|e| e.details["at"].as_str().map(str::to_owned))
        .max())
}
