//! `/v1/apps`: create (201; global names → 422 `name_taken`), get, list by `org_slug`
//! (`{total_apps, apps}`), delete (202; refused while machines run unless `force=true`).

use super::{app_name, Ctx, Shared};
use crate::fake_fly::http::{invalid, precondition, unauthorized, Outcome, Reply};
use crate::fake_fly::state::machine::MachineState;
use crate::fake_fly::state::App;
use crate::fake_fly::tokens::TokenKind;
use serde_json::{json, Value};

fn valid_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(super) fn create(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = ctx.req.object("main.createAppRequest", false)?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let name = field("name")
        .or_else(|| field("app_name"))
        .unwrap_or_default();
    let org = field("org_slug").ok_or_else(|| invalid("org_slug is required"))?;
    if matches!(ctx.who.kind, TokenKind::App(_)) || org != ctx.who.org_slug {
        return Err(unauthorized());
    }
    if !valid_name(&name) {
        return Err(Reply::error(
            422,
            "Validation failed: Name under 63 chars using numbers, lowercase letters and dashes",
        ));
    }
    let mut world = shared.world();
    if world.apps.contains_key(&name) {
        return Err(Reply::error_code(
            422,
            "Validation failed: Name has already been taken",
            "name_taken",
        ));
    }
    let lag = if ctx.req.flag("wait") {
        Default::default()
    } else {
        shared.timings.app_visibility
    };
    world.next_numeric_id += 1;
    let app = App::new(
        name.clone(),
        org,
        ctx.now + lag,
        40_000 + world.next_numeric_id,
    );
    let (org_name, org_id) = shared.org(&app.org_slug);
    let body = app.to_json(&org_name, org_id);
    world.apps.insert(name, app);
    Ok(Reply::json(201, body))
}

pub(super) fn list(shared: &Shared, ctx: &Ctx) -> Outcome {
    let org = ctx
        .req
        .param("org_slug")
        .ok_or_else(|| invalid("org_slug is required"))?;
    if org != ctx.who.org_slug {
        return Err(unauthorized());
    }
    let world = shared.world();
    let (org_name, org_id) = shared.org(org);
    let apps: Vec<Value> = world
        .apps
        .values()
        .filter(|a| a.org_slug == org && ctx.now >= a.visible_at)
        .filter(|a| ctx.who.may_access(&a.name, &a.org_slug))
        .map(|a| a.to_json(&org_name, org_id))
        .collect();
    Ok(Reply::ok(json!({ "total_apps": apps.len(), "apps": apps })))
}

pub(super) fn get(shared: &Shared, ctx: &Ctx) -> Outcome {
    let world = shared.world();
    let app = world.app(app_name(ctx), ctx.now)?;
    let (org_name, org_id) = shared.org(&app.org_slug);
    Ok(Reply::ok(app.to_json(&org_name, org_id)))
}

pub(super) fn delete(shared: &Shared, ctx: &Ctx) -> Outcome {
    let mut world = shared.world();
    let app = world.app(app_name(ctx), ctx.now)?;
    let running = app
        .live_machines()
        .filter(|m| {
            !matches!(
                m.state,
                MachineState::Stopped
                    | MachineState::Suspended
                    | MachineState::Created
                    | MachineState::Failed
            )
        })
        .count();
    if running > 0 && !ctx.req.flag("force") {
        return Err(precondition(format!(
            "app has {running} running machine(s); stop them first or pass force=true"
        )));
    }
    if let Some(app) = world.apps.remove(app_name(ctx)) {
        for volume in &app.volumes {
            shared.volume_deleted(&volume.id);
        }
    }
    Ok(Reply::empty(202))
}
