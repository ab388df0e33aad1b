//! `machine start`: bring the user's machine up through the named steps, persisting each one
//! so a crashed or failed run resumes where it stopped, with progress for the UI and CLI.
//!
//! A run holds the profile's [`MachineLock`] (so concurrent starts in one profile queue up
//! and the second finds everything done), keeps its request id across resumes (so a machine
//! created just before a crash is found, not created twice), and skips the steps it finished.
//! What each step learned is stored as the run's [`RunState`] in the step's output. A later
//! step that finds an earlier step's result gone (the machine destroyed meanwhile) rewinds to
//! that step once.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::error::{ApiError, Error, Result};
use crate::fly::CreateRequestId;
use crate::machine::lock::MachineLock;
use crate::machine::size::{MachineSize, DEFAULT_SIZE};
use crate::machine::steps::{self, Next, RunPlan, RunState};
use crate::machine::{Progress, Session, Step, StepState};
use crate::store::events::EventKind;
use crate::store::provision::RunRecord;

/// How long a start waits for another process's machine operation to finish.
const LOCK_PATIENCE: Duration = Duration::from_secs(600);

/// What the user asked for; unset values come from the existing machine, then defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartOptions {
    pub region: Option<String>,
    pub size: Option<String>,
}

/// Runs (or resumes) provisioning to the end. Returns the run's final state.
pub async fn start(session: &Session, options: StartOptions) -> Result<RunState> {
    let size = options
        .size
        .as_deref()
        .map(MachineSize::parse)
        .transpose()?;
    if let Some(region) = &options.region {
        steps::check_region(session, region).await?;
    }
    let lock = MachineLock::acquire(&session.store, LOCK_PATIENCE, |holder| {
        session.progress(Progress {
            step: Step::Token,
            state: StepState::Pending,
            line: format!(
                "Waiting for another TradeMind process to finish with the machine ({holder})"
            ),
            elapsed_ms: 0,
        });
    })
    .await?;
    let outcome = run(session, &options, size).await;
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the machine lock");
    }
    outcome
}

async fn run(
    session: &Session,
    options: &StartOptions,
    size: Option<MachineSize>,
) -> Result<RunState> {
    let (run, plan) = open_run(session, options, size).await?;
    let records = session.store.run_steps(run.id).await?;
    let mut started_at: Vec<Option<Instant>> = vec![None; Step::ALL.len()];
    let mut done: Vec<bool> = Step::ALL
        .iter()
        .map(|step| {
            records
                .iter()
                .any(|r| r.step == step.as_str() && r.state == StepState::Done)
        })
        .collect();
    let mut state: RunState = records
        .iter()
        .rev()
        .filter(|r| r.state == StepState::Done)
        .find_map(|r| serde_json::from_value(r.output.clone()).ok())
        .unwrap_or_default();
    // "Created just now" (may not be visible yet) does not survive into another process.
    state.machine_created = false;
    let earlier_ms: Vec<u64> = Step::ALL
        .iter()
        .map(|step| {
            records
                .iter()
                .find(|r| r.step == step.as_str())
                .and_then(|r| r.started_at.as_deref())
                .and_then(elapsed_since)
                .unwrap_or(0)
        })
        .collect();
    let mut rewound = false;
    let mut index = 0;
    while index < Step::ALL.len() {
        let step = Step::ALL[index];
        if done[index] {
            session.progress(Progress {
                step,
                state: StepState::Done,
                line: format!("{} — done earlier", step.title()),
                elapsed_ms: 0,
            });
            index += 1;
            continue;
        }
        let since = *started_at[index].get_or_insert_with(Instant::now);
        let elapsed = {
            let offset = earlier_ms[index];
            move || offset + since.elapsed().as_millis() as u64
        };
        session.store.step_running(run.id, step.as_str()).await?;
        session.progress(Progress {
            step,
            state: StepState::Running,
            line: step.title().to_owned(),
            elapsed_ms: elapsed(),
        });
        let say = |line: &str| {
            session.progress(Progress {
                step,
                state: StepState::Running,
                line: line.to_owned(),
                elapsed_ms: elapsed(),
            })
        };
        match steps::perform(session, &plan, step, &mut state, &say).await {
            Ok(Next::Continue(line)) => {
                let output = serde_json::to_value(&state)
                    .map_err(|e| Error::Internal(format!("run state: {e}")))?;
                session
                    .store
                    .step_done(run.id, step.as_str(), &output)
                    .await?;
                session.progress(Progress {
                    step,
                    state: StepState::Done,
                    line: line.clone(),
                    elapsed_ms: elapsed(),
                });
                session
                    .audit(
                        EventKind::ProvisionStep,
                        state.machine_id.as_deref(),
                        json!({"runId": run.id, "step": step.as_str(), "state": "done", "line": line,
                               "elapsedMs": elapsed()}),
                    )
                    .await;
                done[index] = true;
                index += 1;
            }
            Ok(Next::Rewind(to, line)) if !rewound => {
                rewound = true;
                say(&line);
                let to_index = Step::ALL.iter().position(|s| *s == to).unwrap_or(0);
                for (i, flag) in done.iter_mut().enumerate().skip(to_index) {
                    if *flag {
                        session
                            .store
                            .step_pending(run.id, Step::ALL[i].as_str())
                            .await?;
                    }
                    *flag = false;
                }
                index = to_index;
            }
            Ok(Next::Rewind(_, line)) => {
                let error = Error::MachineState {
                    state: "changing".into(),
                    what: format!("{line}; it changed again while starting"),
                };
                return Err(fail(session, &run, step, &state, error, elapsed()).await);
            }
            Err(error) => return Err(fail(session, &run, step, &state, error, elapsed()).await),
        }
    }
    session
        .store
        .finish_run(run.id, StepState::Done, None)
        .await?;
    Ok(state)
}

/// Records a failed step (and run) and reports it; returns the error for the caller.
async fn fail(
    session: &Session,
    run: &RunRecord,
    step: Step,
    state: &RunState,
    error: Error,
    elapsed_ms: u64,
) -> Error {
    let api = ApiError::from_ref(&error);
    let wire = serde_json::to_value(&api).unwrap_or_default();
    if let Err(e) = session
        .store
        .step_failed(run.id, step.as_str(), &wire)
        .await
    {
        tracing::error!(error = %e, "could not record the failed step");
    }
    session.progress(Progress {
        step,
        state: StepState::Failed,
        line: api.message.clone(),
        elapsed_ms,
    });
    session
        .audit(
            EventKind::MachineError,
            state.machine_id.as_deref(),
            json!({"runId": run.id, "step": step.as_str(), "error": wire}),
        )
        .await;
    tracing::warn!(step = step.as_str(), error = %error, "provisioning step failed");
    error
}

/// The run to work on: the unfinished or failed latest run if it asked for the same region
/// and size (a retry resumes from the failed step), else a new one.
async fn open_run(
    session: &Session,
    options: &StartOptions,
    size: Option<MachineSize>,
) -> Result<(RunRecord, RunPlan)> {
    let record = session.store.machine().await?;
    if let Some(run) = session.store.latest_run().await? {
        let same = options.region.as_ref().is_none_or(|r| *r == run.region)
            && size.as_ref().is_none_or(|s| s.name == run.size);
        if run.status != StepState::Done && same {
            if run.status == StepState::Failed {
                session.store.reopen_run(run.id).await?;
            }
            // A run started by an older version may lack a step added since (`volume`).
            session.store.sync_run_steps(run.id, &step_names()).await?;
            tracing::info!(run = run.id, "resuming provisioning run");
            let plan = RunPlan {
                region: run.region.clone(),
                size: MachineSize::parse(&run.size)?,
                image: session.endpoints.image.clone(),
                request_id: CreateRequestId::new(run.request_id.clone()),
            };
            return Ok((run, plan));
        }
    }
    let region = match (&options.region, &record) {
        (Some(region), _) => region.clone(),
        (None, Some(record)) if record.machine_id.is_some() => record.region.clone(),
        _ => steps::default_region(session).await,
    };
    let size = match (size, &record) {
        (Some(size), _) => size,
        (None, Some(record)) => MachineSize::parse(&record.size)?,
        (None, None) => MachineSize::parse(DEFAULT_SIZE)?,
    };
    let request_id = CreateRequestId::generate();
    let id = session
        .store
        .start_run(
            request_id.as_str(),
            session.actor.as_str(),
            &region,
            &size.name,
            &step_names(),
        )
        .await?;
    let run = session
        .store
        .latest_run()
        .await?
        .filter(|r| r.id == id)
        .ok_or_else(|| Error::Internal("the new run is missing".into()))?;
    let plan = RunPlan {
        region,
        size,
        image: session.endpoints.image.clone(),
        request_id,
    };
    Ok((run, plan))
}

fn step_names() -> Vec<&'static str> {
    Step::ALL.iter().map(|s| s.as_str()).collect()
}

/// Milliseconds since an RFC 3339 time.
fn elapsed_since(at: &str) -> Option<u64> {
    let then = chrono::DateTime::parse_from_rfc3339(at).ok()?;
    let ms = chrono::Utc::now()
        .signed_duration_since(then)
        .num_milliseconds();
    u64::try_from(ms).ok()
}
