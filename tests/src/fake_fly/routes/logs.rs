//! `GET /api/v1/apps/{app}/logs` (Fly's log API, `docs/fly-machines-api.md` §7), JSON:API
//! shaped. Without `next_token`: the last 100 lines of the last 24 h. With it (a nanosecond
//! Unix timestamp): the first 100 lines strictly after it. Oldest first either way, filtered by
//! `instance` (machine id) and `region`; `meta.next_token` is the newest line's stamp, or the
//! token given when nothing is new (`"0"` when there is neither), so a poller keeps polling.

use super::{app_name, Ctx, Shared};
use crate::fake_fly::clock::rfc3339_nanos;
use crate::fake_fly::http::{invalid, Outcome, Reply};
use crate::fake_fly::logs::{unix_nanos, LogLine, LogProvider};
use crate::fake_fly::server::lock;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// Lines per page.
pub(crate) const PAGE: usize = 100;
/// How far back the default page looks.
const BACKLOG: Duration = Duration::from_secs(24 * 60 * 60);

pub(super) fn list(shared: &Shared, ctx: &Ctx) -> Outcome {
    let app = app_name(ctx);
    shared.world().app(app, ctx.now)?;
    let token =
        match ctx.req.param("next_token").map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<u128>().map_err(|_| {
                invalid(format!("next_token {text:?} is not a nanosecond timestamp"))
            })?),
        };
    let instance = ctx.req.param("instance").filter(|v| !v.is_empty());
    let region = ctx.req.param("region").filter(|v| !v.is_empty());
    let store = lock(&shared.logs);
    let wanted = store.lines(app).iter().filter(|l| {
        instance.is_none_or(|i| l.instance == i) && region.is_none_or(|r| l.region == r)
    });
    let page: Vec<&LogLine> = match token {
        Some(after) => wanted.filter(|l| l.ts_nanos() > after).take(PAGE).collect(),
        None => {
            let since = unix_nanos(SystemTime::now() - BACKLOG);
            let recent: Vec<&LogLine> = wanted.filter(|l| l.ts_nanos() >= since).collect();
            recent[recent.len().saturating_sub(PAGE)..].to_vec()
        }
    };
    let next = page
        .last()
        .map(|l| l.ts_nanos())
        .or(token)
        .unwrap_or_default();
    let data: Vec<Value> = page.iter().map(|l| entry(l)).collect();
    Ok(Reply::ok(
        json!({ "data": data, "meta": { "next_token": next.to_string() } }),
    ))
}

fn entry(line: &LogLine) -> Value {
    let provider = match line.provider {
        LogProvider::App => "app",
        LogProvider::Runner => "runner",
    };
    json!({
        "id": format!("{}-{}", line.instance, line.ts_nanos()),
        "type": "logs",
        "attributes": {
            "timestamp": rfc3339_nanos(line.ts),
            "message": line.message,
            "level": line.level.as_str(),
            "instance": line.instance,
            "region": line.region,
            "meta": {
                "instance": line.instance,
                "region": line.region,
                "event": { "provider": provider },
            },
        },
    })
}
