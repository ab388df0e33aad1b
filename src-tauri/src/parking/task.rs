//! The auto-stop task: once a minute it looks at the machine, the traders in the cloud and
//! what is in flight, asks [`decide`], and parks the machine (a stop by actor `app`, audited
//! as `machine.parked` with the reason). The clock is passed in, so tests drive it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::decide::{decide, InFlight, Observation, ParkReason, ParkingMemory};
use super::record::event;
use crate::api::{Actor, Core};
use crate::error::{Error, Result};

/// How often the task looks.
pub const EVERY: Duration = Duration::from_secs(60);
/// The deadline of the lease look-up on Fly.
const LEASE_DEADLINE: Duration = Duration::from_secs(15);

/// What one look did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do.
    Keep,
    /// A park was due but an operation is in flight: asked again next minute.
    Deferred(InFlight),
    /// The machine was stopped for this reason.
    Parked(ParkReason),
}

/// The machine, the traders and what is in flight now (without Fly).
async fn observe(core: &Core) -> Result<Observation> {
    let store = core.store();
    let started = store
        .machine()
        .await?
        .is_some_and(|m| m.state.as_deref() == Some("started"));
    let cloud_traders = store
        .traders()
        .await?
        .iter()
        .filter(|t| t.cloud_wanted && t.trader.enabled)
        .count();
    Ok(Observation {
        started,
        cloud_traders,
        in_flight: store.local_in_flight().await?,
        parked: store.parked().await?.is_some(),
    })
}

/// Someone's Fly lease on the machine, if one is held (with a deadline).
async fn lease_in_flight(core: &Core) -> Result<Option<InFlight>> {
    let Some(record) = core.store().machine().await? else {
        return Ok(None);
    };
    let Some(id) = record.machine_id else {
        return Ok(None);
    };
    let session = core.session(Actor::App).await?;
    let lease = tokio::time::timeout(LEASE_DEADLINE, session.fly.current_lease(&record.app, &id))
        .await
        .map_err(|_| Error::Internal("the Fly lease look-up timed out".into()))??;
    let now = Utc::now().timestamp();
    Ok(lease
        .filter(|l| l.expires_at == 0 || l.expires_at > now)
        .map(|l| InFlight::Lease { owner: l.owner }))
}

/// One look at `now`: decides and, when due and nothing is in flight, parks the machine.
pub async fn tick(core: &Core, memory: &mut ParkingMemory, now: DateTime<Utc>) -> Result<Outcome> {
    let settings = core.store().autostop_settings().await?;
    let seen = observe(core).await?;
    let waiting = seen.in_flight.clone();
    // The reason ignoring what is in flight, to tell "deferred" from "keep".
    let mut probe_memory = memory.clone();
    let due = decide(
        now,
        &mut probe_memory,
        &Observation {
            in_flight: None,
            ..seen.clone()
        },
        &settings,
    );
    let decided = decide(now, memory, &seen, &settings);
    if seen.started && seen.parked {
        // Running again since the app parked it.
        core.store().set_parked(None).await?;
    }
    if let Some(in_flight) = waiting {
        return Ok(match due {
            Some(_) => Outcome::Deferred(in_flight),
            None => Outcome::Keep,
        });
    }
    let Some(reason) = decided else {
        return Ok(Outcome::Keep);
    };
    if let Some(lease) = lease_in_flight(core).await? {
        return Ok(Outcome::Deferred(lease));
    }
    let outcome = crate::api::machine::stop(core, Actor::App, None).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        // Another operation took the lock meanwhile: next minute.
        Err(Error::MachineBusy { holder }) => {
            return Ok(Outcome::Deferred(InFlight::MachineLock { holder }))
        }
        Err(e) => return Err(e),
    };
    if outcome.status.state != "stopped" {
        tracing::warn!(state = %outcome.status.state, "auto-stop: the machine did not stop");
        return Ok(Outcome::Keep);
    }
    memory.was_started = false;
    memory.idle_since = None;
    core.store().set_parked(Some(&reason)).await?;
    core.store()
        .record_named_event(
            Actor::App,
            event::PARKED,
            outcome.status.machine_id.as_deref(),
            json!({"reason": reason, "text": reason.to_string()}),
        )
        .await?;
    tracing::info!(reason = %reason, "auto-stop parked the machine");
    Ok(Outcome::Parked(reason))
}

/// Looks every [`EVERY`] until cancelled; `clock` tells the time.
pub async fn run(
    core: &Core,
    clock: impl Fn() -> DateTime<Utc>,
    cancel: CancellationToken,
) -> Result<()> {
    let mut memory = ParkingMemory::default();
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = every.tick() => {}
        }
        match tick(core, &mut memory, clock()).await {
            Ok(Outcome::Deferred(what)) => {
                tracing::info!(?what, "auto-stop deferred: an operation is in flight")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(code = ?e.code(), "auto-stop look failed: {e}"),
        }
    }
}
