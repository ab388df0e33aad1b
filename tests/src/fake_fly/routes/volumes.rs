//! `/v1/apps/{app}/volumes[/{id}[/extend]]`: create (name, region, size_gb default 3,
//! encrypted default true, `compute` checked as a guest), list, get, extend (only to a larger
//! size; `needs_restart` false — [derived]: the doc does not say when Fly asks for a restart)
//! and delete (refused while a live machine mounts it; answered in a destroy-path state).

use super::{app_name, Ctx, Shared};
use crate::fake_fly::http::{invalid, precondition, Outcome, Reply};
use crate::fake_fly::router::Action;
use crate::fake_fly::state::guest::check_guest;
use crate::fake_fly::state::Volume;
use crate::fake_fly::{ids, regions};
use serde_json::{json, Value};
use std::time::SystemTime;

fn valid_name(name: &str) -> bool {
    (1..=30).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn not_found() -> Reply {
    Reply::error(404, "not_found: volume not found")
}

pub(super) fn handle(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = match ctx.route.action {
        Action::CreateVolume => ctx.req.object("api.CreateVolumeRequest", false)?,
        Action::ExtendVolume => ctx.req.object("api.ExtendVolumeRequest", false)?,
        _ => Default::default(),
    };
    let id = ctx.route.key.clone().unwrap_or_default();
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    match ctx.route.action {
        Action::ListVolumes => {
            let list: Vec<Value> = app
                .volumes
                .iter()
                .filter(|v| !v.destroyed)
                .map(|v| app.volume_json(v))
                .collect();
            Ok(Reply::ok(Value::Array(list)))
        }
        Action::GetVolume => {
            let v = app
                .volumes
                .iter()
                .find(|v| v.id == id)
                .ok_or_else(not_found)?;
            Ok(Reply::ok(app.volume_json(v)))
        }
        Action::CreateVolume => {
            let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
            if !valid_name(name) {
                return Err(Reply::error(
                    422,
                    "invalid_argument: volume name must be 1-30 lowercase letters, digits or underscores",
                ));
            }
            let region = body
                .get("region")
                .and_then(Value::as_str)
                .unwrap_or(&shared.config.nearest_region)
                .to_string();
            if !regions::is_known(&region) {
                return Err(invalid(format!("unknown region {region:?}")));
            }
            match body.get("compute") {
                None | Some(Value::Null) => {}
                Some(Value::Object(guest)) => check_guest(guest)?,
                Some(_) => return Err(invalid("compute must be a guest object")),
            }
            let size_gb = body.get("size_gb").and_then(Value::as_u64).unwrap_or(3);
            if size_gb == 0 {
                return Err(invalid("size_gb must be at least 1"));
            }
            let volume = Volume {
                id: ids::volume_id(),
                name: name.to_string(),
                zone: ids::digest(&region)[..4].to_string(),
                region,
                size_gb,
                encrypted: body
                    .get("encrypted")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                fstype: body
                    .get("fstype")
                    .and_then(Value::as_str)
                    .unwrap_or("ext4")
                    .to_string(),
                created_at: SystemTime::now(),
                destroyed: false,
            };
            let out = app.volume_json(&volume);
            app.volumes.push(volume);
            Ok(Reply::ok(out))
        }
        Action::ExtendVolume => {
            let size = body.get("size_gb").and_then(Value::as_u64).unwrap_or(0);
            let v = app
                .volumes
                .iter_mut()
                .find(|v| v.id == id && !v.destroyed)
                .ok_or_else(not_found)?;
            if size <= v.size_gb {
                return Err(invalid(format!(
                    "size_gb {size} must be larger than the current {} GB",
                    v.size_gb
                )));
            }
            v.size_gb = size;
            let v = v.clone();
            let volume = app.volume_json(&v);
            Ok(Reply::ok(json!({"needs_restart": false, "volume": volume})))
        }
        _ => {
            if let Some(m) = app.attached_machine(&id) {
                return Err(precondition(format!(
                    "volume {id} is attached to machine {}",
                    m.id
                )));
            }
            let v = app
                .volumes
                .iter_mut()
                .find(|v| v.id == id && !v.destroyed)
                .ok_or_else(not_found)?;
            v.destroyed = true;
            let v = v.clone();
            shared.volume_deleted(&v.id);
            let mut out = app.volume_json(&v);
            out["state"] = json!("pending_destroy");
            Ok(Reply::ok(out))
        }
    }
}
