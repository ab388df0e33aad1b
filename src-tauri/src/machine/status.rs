//! Reconciliation: the local record matched with Fly's view, and the state to show — Fly's —
//! with what changed outside the app, whether the machine is stuck, and the next action.
//!
//! Run at start-up and on demand (`machine status`, the dashboard's refresh). Drift found
//! here (machine destroyed or stopped outside the app, app deleted) is written to the record
//! and the audit log; Fly's own machine events are imported into the audit log once each.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use crate::error::{ApiError, Result};
use crate::fly::types::{Machine, MachineState};
use crate::fly::FlyError;
use crate::machine::health::{self, AgentHealth, HealthReply};
use crate::machine::size::MachineSize;
use crate::machine::steps::{self, find_agent};
use crate::machine::{plan, Session};
use crate::store::events::EventKind;
use crate::store::provision::StepState;

/// Fly's "stuck" thresholds (machine-states doc): transient states beyond 5 minutes,
/// `updating`/`replacing` beyond 10.
pub const STUCK_AFTER: Duration = Duration::from_secs(5 * 60);
pub const STUCK_UPDATING_AFTER: Duration = Duration::from_secs(10 * 60);

/// What the user can do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    /// No machine, or it is stopped: Start.
    Start,
    /// A start failed: Retry resumes from the failed step.
    Retry,
    /// Running: Stop (or Restart).
    Stop,
    /// On its way to a state: wait.
    Wait,
    /// Crash-looping or stuck: Restart, or Stop then Start.
    Restart,
    /// Stuck beyond hope: Destroy (forced).
    Destroy,
}

/// Estimated cost while started.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CostView {
    pub usd_per_hour: f64,
    pub usd_per_day: f64,
    pub usd_per_month: f64,
}

/// One step of the latest provisioning run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub step: String,
    pub state: StepState,
    /// RFC 3339: when the step first started (kept across a resume), and when it ended.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// `{code, message, hint}` of a failed step.
    pub error: Option<ApiError>,
}

/// The latest provisioning run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub id: i64,
    pub status: StepState,
    /// The region and size the run asked for.
    pub region: String,
    pub size: String,
    pub started_at: String,
    pub steps: Vec<StepView>,
}

/// The machine as Fly sees it now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MachineStatus {
    pub app: Option<String>,
    pub machine_id: Option<String>,
    pub region: Option<String>,
    pub size: Option<String>,
    pub image: Option<String>,
    /// Fly's state; `none` when there is no machine.
    pub state: String,
    /// RFC 3339: when the machine entered this state (its newest Fly event).
    pub since: Option<String>,
    pub stuck: bool,
    pub crash_looping: bool,
    /// What changed outside TradeMind, found by this check.
    pub drift: Option<String>,
    pub next_action: NextAction,
    /// The next action in words.
    pub advice: String,
    pub agent_url: Option<String>,
    /// The agent's `/health` when the machine is started and answered.
    pub agent: Option<AgentHealth>,
    /// Why the agent is not ready, when started.
    pub agent_problem: Option<String>,
    pub cost: Option<CostView>,
    pub last_run: Option<RunView>,
    /// RFC 3339.
    pub checked_at: String,
}

/// Matches the record with Fly and returns what to show.
pub async fn reconcile(session: &Session) -> Result<MachineStatus> {
    let mut status = empty_status();
    status.last_run = last_run(session).await?;
    let record = match session.store.machine().await? {
        Some(record) => record,
        None => match steps::discover(session).await? {
            Some(found) => {
                status.drift = Some(format!(
                    "Found your machine {} on Fly (made from another computer or install)",
                    found.machine_id.as_deref().unwrap_or("?")
                ));
                found
            }
            None => {
                let region = steps::default_region(session).await;
                advise_none(
                    &mut status,
                    &format!("No machine yet: Start creates one in {region}."),
                );
                return Ok(status);
            }
        },
    };
    status.app = Some(record.app.clone());
    status.size = Some(record.size.clone());
    status.image = Some(record.image.clone());
    status.region = Some(record.region.clone());
    if let Err(FlyError::NotFound(_)) = session.fly.get_app(&record.app).await {
        let drift = format!("The app {} was deleted outside TradeMind", record.app);
        session.store.forget_machine().await?;
        record_drift(session, record.machine_id.as_deref(), &drift).await;
        status.drift = Some(drift);
        status.app = None;
        advise_none(&mut status, "Start creates a new app and machine.");
        return Ok(status);
    }
    status.agent_url = Some(session.endpoints.agent_url(&record.app));
    let Some(machine) = find_agent(session, &record.app, record.machine_id.as_deref()).await?
    else {
        if let Some(id) = &record.machine_id {
            let drift = format!("Machine {id} was destroyed outside TradeMind");
            session.store.machine_gone().await?;
            record_drift(session, Some(id), &drift).await;
            status.drift = Some(drift);
            status.state = "destroyed".into();
        } else if record.state.as_deref() == Some("destroyed") {
            status.state = "destroyed".into();
        }
        advise_none(&mut status, "Start creates the machine again.");
        return Ok(status);
    };
    if record.machine_id.as_deref() != Some(machine.id.as_str()) {
        let mut adopted = record.clone();
        adopted.machine_id = Some(machine.id.clone());
        adopted.region = machine.region.clone();
        session.store.save_machine(&adopted).await?;
        status.drift = Some(format!("Found your agent machine {}", machine.id));
    } else if was_running(record.state.as_deref()) && is_down(&machine.state) {
        let drift = format!(
            "Machine {} was {} outside TradeMind (or it exited)",
            machine.id, machine.state
        );
        record_drift(session, Some(&machine.id), &drift).await;
        status.drift = Some(drift);
    }
    session
        .store
        .machine_seen(machine.state.as_str(), machine.current_version())
        .await?;
    import_events(session, &machine).await;
    describe_machine(session, &mut status, &machine).await;
    if machine
        .any_config()
        .is_some_and(|c| plan::data_volume(c).is_none())
    {
        status.advice.push_str(&format!(
            " It has no data volume on {}, so the agent's journal is lost at every restart: \
             Destroy it and Start again to get one.",
            plan::DATA_PATH
        ));
    }
    if let Ok(size) = MachineSize::parse(&record.size) {
        status.cost = size.cost(&machine.region).map(|c| CostView {
            usd_per_hour: c.per_hour,
            usd_per_day: c.per_day,
            usd_per_month: c.per_month,
        });
    }
    Ok(status)
}

async fn describe_machine(session: &Session, status: &mut MachineStatus, machine: &Machine) {
    status.machine_id = Some(machine.id.clone());
    status.region = Some(machine.region.clone());
    status.state = machine.state.to_string();
    let newest = machine.events.iter().map(|e| e.timestamp).max();
    status.since = newest.and_then(rfc3339_ms);
    status.crash_looping = machine.is_crash_looping();
    let threshold = stuck_threshold(&machine.state);
    status.stuck = is_stuck(
        &machine.state,
        newest,
        chrono::Utc::now().timestamp_millis(),
    );
    let retry = status
        .last_run
        .as_ref()
        .is_some_and(|r| r.status == StepState::Failed);
    let (action, advice) = match &machine.state {
        _ if status.stuck => (
            NextAction::Restart,
            format!(
                "Stuck {} for over {} minutes (Fly's threshold): Stop then Start; if it stays \
                 stuck, Destroy it (forced) and Start again.",
                machine.state,
                threshold.as_secs() / 60
            ),
        ),
        _ if status.crash_looping => (
            NextAction::Restart,
            "The agent keeps crashing: see `trademind machine events`, then Restart.".into(),
        ),
        MachineState::Started if retry => (
            NextAction::Retry,
            "Running, but the last start did not finish: Retry resumes it.".into(),
        ),
        MachineState::Started => (
            NextAction::Stop,
            "Running. Stop it to stop paying for CPU.".into(),
        ),
        s if s.is_transient() => (NextAction::Wait, format!("{s}: wait a moment.")),
        MachineState::Failed => (
            NextAction::Start,
            "The machine failed: see its events, then Start.".into(),
        ),
        _ if retry => (
            NextAction::Retry,
            "The last start failed: Retry resumes from the failed step.".into(),
        ),
        _ => (
            NextAction::Start,
            "Stopped (only its disk is billed). Start runs it again.".into(),
        ),
    };
    status.next_action = action;
    status.advice = advice;
    if machine.state == MachineState::Started {
        if let Some(base) = &status.agent_url {
            match health::check(&session.agent_http, base, Some(&machine.id)).await {
                HealthReply::Ready(agent) => status.agent = Some(agent),
                HealthReply::NotReady(reason) | HealthReply::Unreachable(reason) => {
                    status.agent_problem = Some(reason)
                }
            }
        }
    }
}

/// How long a state may last before Fly calls it stuck.
fn stuck_threshold(state: &MachineState) -> Duration {
    match state {
        MachineState::Updating | MachineState::Replacing => STUCK_UPDATING_AFTER,
        _ => STUCK_AFTER,
    }
}

/// Whether a machine in a transient `state` since its newest event (`newest_ms`, unix ms) is
/// stuck at `now_ms`.
pub fn is_stuck(state: &MachineState, newest_ms: Option<i64>, now_ms: i64) -> bool {
    let age = newest_ms
        .and_then(|ms| u64::try_from(now_ms - ms).ok())
        .map(Duration::from_millis);
    state.is_transient() && age.is_some_and(|a| a > stuck_threshold(state))
}

fn empty_status() -> MachineStatus {
    MachineStatus {
        app: None,
        machine_id: None,
        region: None,
        size: None,
        image: None,
        state: "none".into(),
        since: None,
        stuck: false,
        crash_looping: false,
        drift: None,
        next_action: NextAction::Start,
        advice: String::new(),
        agent_url: None,
        agent: None,
        agent_problem: None,
        cost: None,
        last_run: None,
        checked_at: crate::store::now(),
    }
}

fn advise_none(status: &mut MachineStatus, advice: &str) {
    let retry = status
        .last_run
        .as_ref()
        .is_some_and(|r| r.status == StepState::Failed);
    status.next_action = if retry {
        NextAction::Retry
    } else {
        NextAction::Start
    };
    status.advice = advice.to_owned();
}

fn was_running(state: Option<&str>) -> bool {
    matches!(state, Some("started" | "starting"))
}

fn is_down(state: &MachineState) -> bool {
    matches!(
        state,
        MachineState::Stopped | MachineState::Suspended | MachineState::Failed
    )
}

async fn record_drift(session: &Session, machine_id: Option<&str>, drift: &str) {
    tracing::warn!(drift, "machine changed outside TradeMind");
    session
        .audit(
            EventKind::MachineDrift,
            machine_id,
            json!({ "drift": drift }),
        )
        .await;
}

/// Fly's events of the machine into the audit log (each once).
pub async fn import_events(session: &Session, machine: &Machine) {
    for event in &machine.events {
        if event.id.is_empty() {
            continue;
        }
        let at = rfc3339_ms(event.timestamp).unwrap_or_else(crate::store::now);
        let mut details = json!({"status": event.status, "source": event.source});
        if let Some(exit) = event.exit_event() {
            details["exitCode"] = json!(exit.exit_code);
            details["oomKilled"] = json!(exit.oom_killed);
        }
        if let Some(count) = event.restart_count() {
            details["restartCount"] = json!(count);
        }
        if let Err(e) = session
            .store
            .record_fly_event(&machine.id, &event.id, &at, &event.kind, details)
            .await
        {
            tracing::warn!(error = %e, "could not import a Fly event");
        }
    }
}

async fn last_run(session: &Session) -> Result<Option<RunView>> {
    let Some(run) = session.store.latest_run().await? else {
        return Ok(None);
    };
    let steps = session
        .store
        .run_steps(run.id)
        .await?
        .into_iter()
        .map(|s| StepView {
            step: s.step,
            state: s.state,
            started_at: s.started_at,
            finished_at: s.finished_at,
            error: s.error.map(step_error),
        })
        .collect();
    Ok(Some(RunView {
        id: run.id,
        status: run.status,
        region: run.region,
        size: run.size,
        started_at: run.started_at,
        steps,
    }))
}

/// A failed step's recorded `{code, message, hint}`; a record this version cannot read (a
/// code it does not know) is shown as an internal error with the record as its message.
pub fn step_error(recorded: serde_json::Value) -> ApiError {
    serde_json::from_value(recorded.clone()).unwrap_or_else(|_| ApiError {
        code: crate::error::ErrorCode::Internal,
        message: format!("the step failed: {recorded}"),
        hint: None,
    })
}

/// Unix milliseconds as RFC 3339.
pub fn rfc3339_ms(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_step_errors_are_typed() {
        let e =
            step_error(json!({"code": "fly_no_capacity", "message": "no room", "hint": "try ams"}));
        assert_eq!(e.code, crate::error::ErrorCode::FlyNoCapacity);
        assert_eq!(
            (e.message.as_str(), e.hint.as_deref()),
            ("no room", Some("try ams"))
        );
        // A code from a newer version, or not an error at all: internal, with the record.
        for odd in [
            json!({"code": "from_the_future", "message": "x"}),
            json!("text"),
            json!({}),
        ] {
            let e = step_error(odd.clone());
            assert_eq!(e.code, crate::error::ErrorCode::Internal, "{odd}");
            assert!(e.message.contains(&odd.to_string()));
        }
    }

    #[test]
    fn stuck_follows_flys_thresholds() {
        let now = 10_000_000_000;
        let minutes = |m: i64| Some(now - m * 60_000);
        assert!(!is_stuck(&MachineState::Starting, minutes(4), now));
        assert!(is_stuck(&MachineState::Starting, minutes(6), now));
        assert!(is_stuck(&MachineState::Stopping, minutes(6), now));
        assert!(
            !is_stuck(&MachineState::Replacing, minutes(9), now),
            "updates get 10 min"
        );
        assert!(is_stuck(&MachineState::Replacing, minutes(11), now));
        assert!(
            !is_stuck(&MachineState::Started, minutes(600), now),
            "not transient"
        );
        assert!(
            !is_stuck(&MachineState::Starting, None, now),
            "no events: unknown"
        );
    }

    #[test]
    fn times_are_rfc3339_utc_milliseconds() {
        assert_eq!(rfc3339_ms(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_ms(1_764_000_000_123).unwrap(),
            "2025-11-24T16:00:00.123Z"
        );
    }
}
