//! Endpoint handlers, one module per resource, and the helpers they share (lease checks,
//! looking up a visible app/machine).

mod apps;
mod leases;
mod lifecycle;
mod logs;
mod machines;
mod metadata;
mod platform;
mod secrets;
mod volumes;
mod wait;

use super::clock::{rfc3339, wall};
use super::http::{Outcome, Reply};
use super::router::Action;
use super::server::{Ctx, Shared};
use super::state::machine::Machine;
use std::sync::Arc;

/// Runs the handler for `ctx.route.action`.
pub(crate) async fn handle(shared: &Arc<Shared>, ctx: &Ctx) -> Reply {
    use Action::*;
    let outcome: Outcome = match ctx.route.action {
        WaitMachine => return wait::wait(shared, ctx).await,
        CurrentToken => platform::current_token(shared, ctx),
        ListRegions => platform::regions(shared),
        CreateApp => apps::create(shared, ctx),
        ListApps => apps::list(shared, ctx),
        GetApp => apps::get(shared, ctx),
        DeleteApp => apps::delete(shared, ctx),
        CreateMachine => machines::create(shared, ctx),
        ListMachines => machines::list(shared, ctx),
        GetMachine => machines::get(shared, ctx),
        UpdateMachine => machines::update(shared, ctx),
        DestroyMachine => machines::destroy(shared, ctx),
        StartMachine | StopMachine | RestartMachine | SuspendMachine | CordonMachine
        | UncordonMachine => lifecycle::act(shared, ctx),
        AcquireLease => leases::acquire(shared, ctx),
        GetLease => leases::get(shared, ctx),
        ReleaseLease => leases::release(shared, ctx),
        ListEvents => metadata::events(shared, ctx),
        GetMetadata | SetMetadata | DeleteMetadata => metadata::handle(shared, ctx),
        ListSecrets | SetSecrets | GetSecret | SetSecret | DeleteSecret => {
            secrets::handle(shared, ctx)
        }
        ListVolumes | CreateVolume | GetVolume | DeleteVolume | ExtendVolume => {
            volumes::handle(shared, ctx)
        }
        AppLogs => logs::list(shared, ctx),
        AgentHealth => Err(Reply::error(404, "not found")),
    };
    outcome.unwrap_or_else(|reply| reply)
}

/// The app named in the route (the router guarantees one for app paths).
pub(crate) fn app_name(ctx: &Ctx) -> &str {
    ctx.route.app.as_deref().unwrap_or_default()
}

pub(crate) fn machine_id(ctx: &Ctx) -> &str {
    ctx.route.machine.as_deref().unwrap_or_default()
}

/// 409 `aborted: …` when a lease is held and the request lacks its nonce.
pub(crate) fn check_lease(machine: &Machine, ctx: &Ctx) -> Result<(), Reply> {
    if !ctx.route.action.needs_lease_nonce() {
        return Ok(());
    }
    match &machine.lease {
        Some(lease) if ctx.req.lease_nonce() != Some(lease.nonce.as_str()) => {
            Err(lease_conflict(machine))
        }
        _ => Ok(()),
    }
}

/// The 409 answer while someone else holds the lease.
pub(crate) fn lease_conflict(machine: &Machine) -> Reply {
    let (owner, expires) = machine
        .lease
        .as_ref()
        .map(|l| (l.owner.clone(), rfc3339(wall(l.expires))))
        .unwrap_or_default();
    Reply::error(
        409,
        format!(
            "aborted: machine ID {} lease currently held by {owner}, expires at {expires}",
            machine.id
        ),
    )
}
