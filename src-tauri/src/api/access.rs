//! Support's looks at the owner's agent, in the OWNER's audit log: the agent records every
//! use of its viewer token (`GET /history`'s `accesses`), and the owner's app reads them with
//! the owner token into `support.access` events (actor `support`, `via: agent`), each once.
//! Support's own app records its looks too, in its own audit log ([`super::inspect`]).

use std::cmp::Ordering;

use serde_json::json;

use super::Core;
use super::Mode;
use crate::error::Result;
use crate::inspect::agent::history_since;
use crate::secrets::SecretAccount;
use crate::store::events::{Actor, EventKind};
use screener::agent::history::AccessRecord;

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
    let imported_at_newest = newest_imported(core).await?;
    let newest = imported_at_newest.first().map(|(at, _)| at.clone());
    let base = core.endpoints()?.agent_url(&record.app);
    let history = history_since(&base, &token, newest.as_deref()).await?;
    let mut imported = 0;
    for access in fresh(history.accesses, imported_at_newest) {
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

/// The accesses not imported yet. Times are kept to the millisecond, so two looks can share
/// one: of those at the newest imported time, only as many of each kind as were imported are
/// skipped, and a later look in that same millisecond is still imported.
fn fresh(accesses: Vec<AccessRecord>, mut at_newest: Vec<(String, String)>) -> Vec<AccessRecord> {
    let Some(newest) = at_newest.first().map(|(at, _)| at.clone()) else {
        return accesses;
    };
    accesses
        .into_iter()
        .filter(|access| match access.at.as_str().cmp(newest.as_str()) {
            Ordering::Less => false,
            Ordering::Greater => true,
            Ordering::Equal => match at_newest.iter().position(|(_, what)| *what == access.what) {
                Some(seen) => {
                    at_newest.swap_remove(seen);
                    false
                }
                None => true,
            },
        })
        .collect()
}

/// The imported accesses at the newest imported time, as `(at, what)`.
async fn newest_imported(core: &Core) -> Result<Vec<(String, String)>> {
    let events = core
        .store()
        .events_of_kind(EventKind::SupportAccess.as_str(), LOOKBACK)
        .await?;
    let imported: Vec<(String, String)> = events
        .iter()
        .filter(|e| e.details["via"] == "agent")
        .filter_map(|e| {
            let at = e.details["at"].as_str()?.to_owned();
            let what = e.details["what"].as_str().unwrap_or_default().to_owned();
            Some((at, what))
        })
        .collect();
    let Some(newest) = imported.iter().map(|(at, _)| at.clone()).max() else {
        return Ok(Vec::new());
    };
    Ok(imported
        .into_iter()
        .filter(|(at, _)| *at == newest)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(at: &str, what: &str) -> AccessRecord {
        AccessRecord {
            at: at.to_owned(),
            what: what.to_owned(),
        }
    }

    fn whats(accesses: &[AccessRecord]) -> Vec<(&str, &str)> {
        accesses
            .iter()
            .map(|a| (a.at.as_str(), a.what.as_str()))
            .collect()
    }

    #[test]
    fn nothing_imported_yet_takes_every_look() {
        let looks = vec![look("2026-11-24T10:00:00.001Z", "history")];
        assert_eq!(fresh(looks.clone(), Vec::new()).len(), 1);
    }

    #[test]
    fn looks_sharing_the_newest_millisecond_are_imported_once_each() {
        let t = "2026-11-24T10:00:00.005Z";
        let imported = vec![(t.to_owned(), "history".to_owned())];
        let looks = vec![
            look("2026-11-24T10:00:00.004Z", "history"),
            look(t, "history"),
            look(t, "history"),
            look(t, "live connection"),
            look("2026-11-24T10:00:00.006Z", "history"),
        ];
        assert_eq!(
            whats(&fresh(looks, imported)),
            [
                (t, "history"),
                (t, "live connection"),
                ("2026-11-24T10:00:00.006Z", "history")
            ]
        );
    }
}
