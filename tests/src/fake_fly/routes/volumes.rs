//! `/v1/apps/{app}/volumes[/{id}]`: create (name, region, size_gb default 3, encrypted
//! default true), list, get and delete (refused while a live machine mounts it).

use super::{app_name, Ctx, Shared};
use crate::fake_fly::http::{invalid, precondition, Outcome, Reply};
use crate::fake_fly::router::Action;
use crate::fake_fly::state::Volume;
use crate::fake_fly::{ids, regions};
use serde_json::Value;
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
            let volume = Volume {
                id: ids::volume_id(),
                name: name.to_string(),
                zone: ids::digest(&region)[..4].to_string(),
                region,
                size_gb: body.get("size_gb").and_then(Value::as_u64).unwrap_or(3),
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
            Ok(Reply::ok(app.volume_json(&v)))
        }
    }
}
