//! The TradeMind agent's `/health` at `GET /agents/{app}/health`. Simulated (§9 lets the fake
//! answer on the agent's behalf): 503 `{"status":"starting"}` until the app's machine has been
//! `started` for `Timings::agent_ready`, then 200 `{"status":"ready",…}`. In process mode it
//! is forwarded to the real agent, like Fly's proxy. Either way 502 with no started machine
//! (or nothing listening). Not authenticated and not rate-limited (not the Machines API).

use super::agent_spec::AgentSpec;
use super::http::Reply;
use super::router::Route;
use super::server::{lock, Shared};
use super::state::machine::MachineState;
use serde_json::json;
use std::time::Instant;

pub(crate) async fn health(shared: &Shared, route: &Route) -> Reply {
    match shared.config.agent_spec() {
        Some(spec) => forwarded(shared, spec, route).await,
        None => simulated(shared, route),
    }
}

/// Process mode: the real agent's answer, when the app has one running.
async fn forwarded(shared: &Shared, spec: &AgentSpec, route: &Route) -> Reply {
    let app = route.app.as_deref().unwrap_or_default();
    let running = shared.agents.as_ref().is_some_and(|agents| {
        lock(&agents.procs)
            .values()
            .any(|p| p.app == app && p.running.is_some())
    });
    if !running {
        return Reply::error(502, "no started machine to route to");
    }
    let url = format!("{}/health", spec.agent_url());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build();
    let Ok(client) = client else {
        return Reply::error(502, "no HTTP client");
    };
    match client.get(&url).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.json::<serde_json::Value>().await {
                Ok(body) => Reply::json(status, body),
                Err(_) => Reply::empty(status),
            }
        }
        Err(_) => Reply::error(502, "the machine does not answer"),
    }
}

fn simulated(shared: &Shared, route: &Route) -> Reply {
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
