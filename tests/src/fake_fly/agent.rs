//! The TradeMind agent's `/health`, answered on the agent's behalf (§9 lets the fake do this):
//! `GET /agents/{app}/health` → 503 `{"status":"starting"}` until the app's machine has been
//! `started` for `Timings::agent_ready`, then 200 `{"status":"ready",…}`; 502 with no started
//! machine. Not authenticated and not rate-limited (it is not the Machines API).

use super::http::Reply;
use super::router::Route;
use super::server::Shared;
use super::state::machine::MachineState;
use serde_json::json;
use std::time::Instant;

pub(crate) fn health(shared: &Shared, route: &Route) -> Reply {
    let now = Instant::now();
    let world = shared.world();
    let started: Vec<_> = route
        .app
        .as_deref()
        .and_then(|name| world.apps.get(name))
        .map(|app| {
            app.machines
                .iter()
                .filter(|m| m.state == MachineState::Started && m.is_visible(now, &shared.timings))
                .collect()
        })
        .unwrap_or_default();
    if let Some(ready) = started
        .iter()
        .find(|m| m.started_for(now, shared.timings.agent_ready))
    {
        return Reply::ok(json!({
            "status": "ready",
            "agentVersion": shared.config.agent_version,
            "machineId": ready.id,
        }));
    }
    if started.is_empty() {
        return Reply::error(502, "no started machine to route to");
    }
    Reply::json(503, json!({ "status": "starting" }))
}
