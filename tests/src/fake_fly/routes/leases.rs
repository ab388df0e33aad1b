//! `…/{id}/lease`: acquire (201, ttl from body or query; the holder's nonce refreshes),
//! get (404 `lease not found`), release (nonce header required). Lease TTLs run on the wall
//! clock, not the time scale.

use super::{app_name, lease_conflict, machine_id, Ctx, Shared};
use crate::fake_fly::http::{machine_not_found, Outcome, Reply};
use crate::fake_fly::ids;
use crate::fake_fly::state::machine::{Lease, Machine};
use serde_json::{json, Value};
use std::time::Duration;

/// Default TTL when a client names none.
const DEFAULT_TTL_SECS: u64 = 30;

/// A new lease on `machine` for the caller.
pub(super) fn grant(machine: &Machine, ctx: &Ctx, ttl_secs: u64, description: String) -> Lease {
    Lease {
        nonce: ids::lease_nonce(),
        expires: ctx.now + Duration::from_secs(ttl_secs),
        owner: ctx.who.owner.clone(),
        description,
        version: machine.instance_id.clone(),
    }
}

fn lease_not_found() -> Reply {
    Reply::error(404, "lease not found")
}

pub(super) fn acquire(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = ctx.req.object("api.MachineLeaseRequest", true)?;
    let ttl = body
        .get("ttl")
        .and_then(Value::as_u64)
        .or_else(|| ctx.req.param("ttl").and_then(|t| t.parse().ok()))
        .unwrap_or(DEFAULT_TTL_SECS);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    if machine.is_destroyed() {
        return Err(machine_not_found());
    }
    let lease = match machine.lease.take() {
        Some(mut held) if ctx.req.lease_nonce() == Some(held.nonce.as_str()) => {
            held.expires = ctx.now + Duration::from_secs(ttl);
            held
        }
        Some(held) => {
            machine.lease = Some(held);
            return Err(lease_conflict(machine));
        }
        None => grant(machine, ctx, ttl, description),
    };
    let out = lease.to_json();
    machine.lease = Some(lease);
    Ok(Reply::json(201, out))
}

pub(super) fn get(shared: &Shared, ctx: &Ctx) -> Outcome {
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    let lease = machine.lease.as_ref().ok_or_else(lease_not_found)?;
    Ok(Reply::ok(lease.to_json()))
}

pub(super) fn release(shared: &Shared, ctx: &Ctx) -> Outcome {
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    match &machine.lease {
        None => Err(lease_not_found()),
        Some(held) if ctx.req.lease_nonce() != Some(held.nonce.as_str()) => {
            Err(lease_conflict(machine))
        }
        Some(_) => {
            machine.lease = None;
            Ok(Reply::ok(
                json!({ "status": "success", "data": { "ok": true } }),
            ))
        }
    }
}
