//! `GET …/{id}/wait`: blocks until the machine reaches one of the wanted states (repeated or
//! comma-separated `state`, incl. `settled`), honouring `version`/`instance_id` and
//! `from_event_id`. `timeout` must be 1–60 s (400 otherwise) and is scaled by the time scale;
//! on the deadline → 408 `deadline_exceeded: …`.

use super::{app_name, machine_id, Ctx, Shared};
use crate::fake_fly::http::{invalid, Reply};
use crate::fake_fly::state::machine::{Machine, MachineState};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAITABLE: [&str; 6] = [
    "started",
    "stopped",
    "suspended",
    "destroyed",
    "failed",
    "settled",
];

struct Query {
    states: Vec<String>,
    timeout: Duration,
    version: Option<String>,
    from_event_id: Option<String>,
}

fn parse(ctx: &Ctx) -> Result<Query, Reply> {
    let mut states = ctx.req.param_list("state");
    if states.is_empty() {
        states.push("started".into());
    }
    if let Some(bad) = states.iter().find(|s| !WAITABLE.contains(&s.as_str())) {
        return Err(invalid(format!("invalid state {bad:?}")));
    }
    let secs = match ctx.req.param("timeout") {
        None => 60,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=60).contains(s))
            .ok_or_else(|| invalid("timeout must be an integer between 1 and 60 seconds"))?,
    };
    Ok(Query {
        states,
        timeout: Duration::from_secs(secs),
        version: ctx
            .req
            .param("version")
            .or(ctx.req.param("instance_id"))
            .map(str::to_string),
        from_event_id: ctx.req.param("from_event_id").map(str::to_string),
    })
}

enum Verdict {
    Done(Reply),
    Pending(String),
}

fn wanted(state: &str, q: &Query) -> bool {
    q.states.iter().any(|w| {
        w == state
            || (w == "settled" && MachineState::parse(state).is_some_and(|s| !s.is_transient()))
    })
}

fn check(machine: &Machine, q: &Query) -> Result<Verdict, Reply> {
    let state = match &q.version {
        Some(v) if *v == machine.instance_id => machine.state.as_str(),
        Some(v) if machine.versions.contains(v) => "replaced",
        Some(v) => return Err(invalid(format!("unknown machine version {v:?}"))),
        None => machine.state.as_str(),
    };
    let after = q
        .from_event_id
        .as_ref()
        .and_then(|id| machine.events.iter().position(|e| &e.id == id));
    let fresh =
        after.is_none_or(|from| machine.events[from + 1..].iter().any(|e| e.status == state));
    if wanted(state, q) && fresh {
        return Ok(Verdict::Done(Reply::ok(json!({
            "ok": true,
            "state": state,
            "version": machine.instance_id,
            "event_id": machine.events.last().map(|e| e.id.clone()),
        }))));
    }
    Ok(Verdict::Pending(state.to_string()))
}

pub(super) async fn wait(shared: &Arc<Shared>, ctx: &Ctx) -> Reply {
    let q = match parse(ctx) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    let deadline = ctx.now + shared.config.scaled(q.timeout);
    let mut changes = shared.changed.subscribe();
    loop {
        changes.borrow_and_update();
        let now = Instant::now();
        let (verdict, next_step) = {
            let mut world = shared.world();
            let next_step = world.next_step_at();
            let outcome = world
                .app_mut(app_name(ctx), now)
                .and_then(|app| {
                    app.machine_mut(machine_id(ctx), now, &shared.timings)
                        .map(|m| &*m)
                })
                .and_then(|m| check(m, &q));
            (outcome, next_step)
        };
        let current = match verdict {
            Ok(Verdict::Done(reply)) | Err(reply) => return reply,
            Ok(Verdict::Pending(current)) => current,
        };
        if now >= deadline {
            return Reply::error(
                408,
                format!(
                    "deadline_exceeded: machine failed to reach desired state, {}, currently {current}",
                    q.states.join(",")
                ),
            );
        }
        let wake = next_step
            .map_or(deadline, |at| at.min(deadline))
            .max(now + Duration::from_millis(1));
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = changes.changed() => {}
        }
    }
}
