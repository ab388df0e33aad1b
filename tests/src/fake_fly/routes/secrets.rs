//! `/v1/apps/{app}/secrets[/{name}]`: a store whose every write bumps a monotonically
//! increasing `version` (§2.4). Values are listed only with `show_secrets=true`.

use super::{app_name, Ctx, Shared};
use crate::fake_fly::clock::rfc3339;
use crate::fake_fly::http::{invalid, Outcome, Reply};
use crate::fake_fly::ids;
use crate::fake_fly::router::Action;
use crate::fake_fly::state::{App, Secret};
use serde_json::{json, Value};
use std::time::SystemTime;

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn secret_json(name: &str, secret: &Secret, show: bool) -> Value {
    let mut v = json!({
        "name": name,
        "digest": ids::digest(&secret.value),
        "created_at": rfc3339(secret.created_at),
        "updated_at": rfc3339(secret.updated_at),
    });
    if show {
        v["value"] = json!(secret.value);
    }
    v
}

fn listing(app: &App, show: bool) -> Vec<Value> {
    app.secrets
        .iter()
        .map(|(n, s)| secret_json(n, s, show))
        .collect()
}

/// Sets (`Some`) or deletes (`None`) one secret; does not bump the version.
fn write(app: &mut App, name: &str, value: Option<String>) -> Result<(), Reply> {
    if !valid_name(name) {
        return Err(invalid(format!("invalid secret name {name:?}")));
    }
    let now = SystemTime::now();
    match value {
        Some(value) => {
            let created_at = app.secrets.get(name).map_or(now, |s| s.created_at);
            app.secrets.insert(
                name.to_string(),
                Secret {
                    value,
                    created_at,
                    updated_at: now,
                },
            );
        }
        None => {
            app.secrets.remove(name);
        }
    }
    Ok(())
}

pub(super) fn handle(shared: &Shared, ctx: &Ctx) -> Outcome {
    let body = match ctx.route.action {
        Action::SetSecrets | Action::SetSecret => {
            ctx.req.object("main.setSecretsRequest", false)?
        }
        _ => Default::default(),
    };
    let show = ctx.req.flag("show_secrets");
    let name = ctx.route.key.clone().unwrap_or_default();
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    match ctx.route.action {
        Action::ListSecrets => Ok(Reply::ok(json!({ "secrets": listing(app, show) }))),
        Action::GetSecret => {
            let secret = app
                .secrets
                .get(&name)
                .ok_or_else(|| Reply::error(404, "secret not found"))?;
            Ok(Reply::ok(secret_json(&name, secret, show)))
        }
        Action::SetSecrets => {
            let values = body
                .get("values")
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("values must be an object"))?;
            for (key, value) in values {
                match value {
                    Value::String(v) => write(app, key, Some(v.clone()))?,
                    Value::Null => write(app, key, None)?,
                    _ => return Err(invalid(format!("value of {key} must be a string or null"))),
                }
            }
            app.secrets_version += 1;
            Ok(Reply::ok(
                json!({ "secrets": listing(app, false), "version": app.secrets_version }),
            ))
        }
        Action::SetSecret => {
            let value = body
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("value must be a string"))?;
            write(app, &name, Some(value.to_string()))?;
            app.secrets_version += 1;
            let mut out = secret_json(&name, &app.secrets[&name], false);
            out["version"] = json!(app.secrets_version);
            Ok(Reply::ok(out))
        }
        _ => {
            if app.secrets.remove(&name).is_none() {
                return Err(Reply::error(404, "secret not found"));
            }
            app.secrets_version += 1;
            Ok(Reply::ok(json!({ "version": app.secrets_version })))
        }
    }
}
