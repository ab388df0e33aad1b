//! `…/{id}/metadata[/{key}]` (GET map; POST `{"value"}` → 204; DELETE → 204) and
//! `…/{id}/events?limit=` (newest first, default 20, at most 50).

use super::{app_name, check_lease, machine_id, Ctx, Shared};
use crate::fake_fly::http::{invalid, Outcome, Reply};
use crate::fake_fly::router::Action;
use crate::fake_fly::state::machine::Event;
use serde_json::{Map, Value};

pub(super) fn events(shared: &Shared, ctx: &Ctx) -> Outcome {
    let limit = match ctx.req.param("limit") {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| invalid("limit must be an integer"))?,
        None => 20,
    }
    .min(50);
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    let events: Vec<Value> = machine
        .events
        .iter()
        .rev()
        .take(limit)
        .map(Event::to_json)
        .collect();
    Ok(Reply::ok(Value::Array(events)))
}

pub(super) fn handle(shared: &Shared, ctx: &Ctx) -> Outcome {
    let value = if ctx.route.action == Action::SetMetadata {
        let body = ctx.req.object("main.metadataRequest", false)?;
        match body.get("value") {
            Some(Value::String(v)) => Some(v.clone()),
            _ => return Err(invalid("value must be a string")),
        }
    } else {
        None
    };
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, &shared.timings)?;
    if ctx.route.action == Action::GetMetadata {
        return Ok(Reply::ok(Value::Object(machine.metadata())));
    }
    check_lease(machine, ctx)?;
    let key = ctx.route.key.clone().unwrap_or_default();
    let metadata = machine
        .config
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(map) = metadata {
        match value {
            Some(v) => {
                map.insert(key, Value::String(v));
            }
            None => {
                map.remove(&key);
            }
        }
    }
    Ok(Reply::empty(204))
}
