//! `/v1/apps/{app}/machines[/{id}]`: create, list (filters), get, update (full config, new
//! `instance_id`) and destroy (`force`/`kill`).

use super::leases::grant;
use super::{app_name, check_lease, machine_id, Ctx, Shared};
use crate::fake_fly::http::{invalid, machine_not_found, Outcome, Reply};
use crate::fake_fly::router::Action;
use crate::fake_fly::server::lock;
use crate::fake_fly::state::guest::{mounted_volumes, normalise};
use crate::fake_fly::state::machine::Machine;
use crate::fake_fly::state::App;
use crate::fake_fly::{ids, regions};
use serde_json::{json, Map, Value};

fn str_field(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_string)
}

fn flag(body: &Map<String, Value>, key: &str) -> bool {
    body.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Mounted volumes must exist, be in the machine's region and not be attached elsewhere.
fn check_mounts(
    app: &App,
    config: &Map<String, Value>,
    region: &str,
    machine: Option<&str>,
) -> Result<(), Reply> {
    for id in mounted_volumes(config) {
        let volume = app
            .volumes
            .iter()
            .find(|v| v.id == id && !v.destroyed)
            .ok_or_else(|| Reply::error(422, format!("invalid_argument: volume {id} not found")))?;
        if volume.region != region {
            return Err(Reply::error(
                422,
                format!(
                    "invalid_argument: volume {id} is in region {}, not {region}",
                    volume.region
                ),
            ));
        }
        if let Some(other) = app
            .attached_machine(&id)
            .filter(|m| Some(m.id.as_str()) != machine)
        {
            return Err(Reply::error(
                422,
                format!(
                    "invalid_argument: volume {id} is already attached to machine {}",
                    other.id
                ),
            ));
        }
    }
    Ok(())
}

fn capacity(shared: &Shared, ctx: &Ctx, action: Action, region: &str) -> Result<(), Reply> {
    let fault =
        lock(&shared.faults).capacity(ctx.req.method.as_str(), &ctx.req.path, action, region);
    fault.map_or(Ok(()), Err)
}

pub(super) fn create(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = ctx.req.object("api.LaunchMachineInput", false)?;
    let config = normalise(
        body.get("config")
            .ok_or_else(|| invalid("config is required"))?,
    )?;
    let region = str_field(&body, "region").unwrap_or_else(|| shared.config.nearest_region.clone());
    if !regions::is_known(&region) {
        return Err(invalid(format!("unknown region {region:?}")));
    }
    let name = str_field(&body, "name").unwrap_or_else(ids::machine_name);
    let t = &shared.timings;
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    if let Some(existing) = app.live_machines().find(|m| m.name == name) {
        return Err(Reply::error(
            409,
            format!(
                "already_exists: machine with name {name:?} already exists with ID {}",
                existing.id
            ),
        ));
    }
    check_mounts(app, &config, &region, None)?;
    capacity(shared, ctx, Action::CreateMachine, &region)?;
    let mut machine = Machine::new(
        name,
        region,
        config,
        ctx.now,
        ctx.now + t.machine_visibility,
    );
    machine.cordoned = flag(&body, "skip_service_registration");
    machine.min_secrets_version = body.get("min_secrets_version").and_then(Value::as_u64);
    machine.launch(ctx.now, t, flag(&body, "skip_launch"), app.secrets_version);
    let mut out = machine.to_json(ctx.now, t, false);
    if let Some(ttl) = body.get("lease_ttl").and_then(Value::as_u64) {
        let lease = grant(&machine, ctx, ttl, String::new());
        out["nonce"] = json!(lease.nonce);
        machine.lease = Some(lease);
    }
    app.machines.push(machine);
    Ok(Reply::ok(out))
}

pub(super) fn list(shared: &Shared, ctx: &Ctx) -> Outcome {
    let world = shared.world();
    let app = world.app(app_name(ctx), ctx.now)?;
    let req = &ctx.req;
    let include_deleted = req.flag("include_deleted");
    let states = req.param_list("state");
    let region = req.param("region");
    let wanted_metadata: Vec<(&str, &str)> = req
        .query
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("metadata.").map(|k| (k, v.as_str())))
        .collect();
    let machines: Vec<Value> = app
        .machines
        .iter()
        .filter(|m| ctx.now >= m.visible_at)
        .filter(|m| include_deleted || !m.is_destroyed())
        .filter(|m| states.is_empty() || states.iter().any(|s| s == m.state.as_str()))
        .filter(|m| region.is_none_or(|r| r == m.region))
        .filter(|m| {
            let metadata = m.metadata();
            wanted_metadata
                .iter()
                .all(|(k, v)| metadata.get(*k).and_then(Value::as_str) == Some(*v))
        })
        .map(|m| m.to_json(ctx.now, &shared.timings, req.flag("summary")))
        .collect();
    Ok(Reply::ok(Value::Array(machines)))
}

pub(super) fn get(shared: &Shared, ctx: &Ctx) -> Outcome {
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    Ok(Reply::ok(machine.to_json(ctx.now, &shared.timings, false)))
}

pub(super) fn update(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = ctx.req.object("api.LaunchMachineInput", false)?;
    let config = normalise(
        body.get("config")
            .ok_or_else(|| invalid("config is required"))?,
    )?;
    let t = &shared.timings;
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let secrets_version = app.secrets_version;
    let (region, old_mounts) = {
        let machine = app.machine_mut(machine_id(ctx), ctx.now, t)?;
        if machine.is_destroyed() {
            return Err(machine_not_found());
        }
        check_lease(machine, ctx)?;
        for (key, current) in [("region", &machine.region), ("name", &machine.name)] {
            if str_field(&body, key).is_some_and(|v| &v != current) {
                return Err(invalid(format!("{key} cannot be changed by an update")));
            }
        }
        (machine.region.clone(), mounted_volumes(&machine.config))
    };
    if mounted_volumes(&config) != old_mounts {
        return Err(Reply::error(
            422,
            "invalid_argument: mounts cannot be changed by an update",
        ));
    }
    capacity(shared, ctx, Action::UpdateMachine, &region)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, t)?;
    machine.update(
        ctx.now,
        t,
        config,
        flag(&body, "skip_launch"),
        secrets_version,
    )?;
    machine.min_secrets_version = body.get("min_secrets_version").and_then(Value::as_u64);
    let mut out = machine.to_json(ctx.now, t, false);
    if let Some(ttl) = body.get("lease_ttl").and_then(Value::as_u64) {
        if machine.lease.is_none() {
            let lease = grant(machine, ctx, ttl, String::new());
            out["nonce"] = json!(lease.nonce);
            machine.lease = Some(lease);
        }
    }
    Ok(Reply::ok(out))
}

pub(super) fn destroy(shared: &Shared, ctx: &Ctx) -> Outcome {
    let force = ctx.req.flag("force") || ctx.req.flag("kill");
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    if machine.is_destroyed() {
        return Err(machine_not_found());
    }
    check_lease(machine, ctx)?;
    machine.destroy(ctx.now, &shared.timings, force)?;
    Ok(Reply::ok_true())
}
