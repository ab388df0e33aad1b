//! `POST …/{id}/start|stop|restart|suspend|cordon|uncordon`: lease check, then the state
//! change from `state::lifecycle` (412 when the current state does not allow it).

use super::{app_name, check_lease, machine_id, Ctx, Shared};
use crate::fake_fly::clock::{json_duration, parse_go_duration};
use crate::fake_fly::http::{Outcome, Reply};
use crate::fake_fly::router::Action;
use crate::fake_fly::server::lock;
use crate::fake_fly::state::machine::StopRequest;
use serde_json::json;

pub(super) fn act(shared: &Shared, ctx: &Ctx) -> Outcome {
    let action = ctx.route.action;
    // The stop body (`{signal, timeout}`) or the restart query (`?signal=&timeout=`).
    let stop_request = match action {
        Action::StopMachine => {
            let body = ctx.req.object("main.stopRequest", false)?;
            StopRequest {
                signal: body
                    .get("signal")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
                timeout: body
                    .get("timeout")
                    .and_then(json_duration)
                    .map(|d| shared.config.scaled(d)),
            }
        }
        Action::RestartMachine => StopRequest {
            signal: ctx.req.param("signal").map(str::to_string),
            timeout: ctx
                .req
                .param("timeout")
                .and_then(parse_go_duration)
                .map(|d| shared.config.scaled(d)),
        },
        _ => StopRequest::default(),
    };
    let stop_timeout = stop_request.timeout;
    let t = &shared.timings;
    let mut world = shared.world();
    let app = world.app_mut(app_name(ctx), ctx.now)?;
    let secrets_version = app.secrets_version;
    let machine = app.machine_mut(machine_id(ctx), ctx.now, t)?;
    check_lease(machine, ctx)?;
    match action {
        Action::StartMachine => {
            let fault = lock(&shared.faults).capacity(
                ctx.req.method.as_str(),
                &ctx.req.path,
                action,
                &machine.region,
            );
            if let Some(reply) = fault {
                return Err(reply);
            }
            let previous = machine.start(ctx.now, t, secrets_version)?;
            Ok(Reply::ok(json!({
                "previous_state": previous.as_str(),
                "migrated": false,
                "new_host": "",
            })))
        }
        Action::StopMachine => {
            machine.stop(ctx.now, t, stop_timeout)?;
            machine.stop_request = Some(stop_request);
            Ok(Reply::ok_true())
        }
        Action::RestartMachine => {
            machine.restart(ctx.now, t, secrets_version)?;
            machine.stop_request = Some(stop_request);
            Ok(Reply::ok_true())
        }
        Action::SuspendMachine => machine.suspend(ctx.now, t).map(|()| Reply::ok_true()),
        Action::CordonMachine | Action::UncordonMachine => {
            machine.cordoned = action == Action::CordonMachine;
            Ok(Reply::ok_true())
        }
        _ => Err(Reply::error(404, "not found")),
    }
}
