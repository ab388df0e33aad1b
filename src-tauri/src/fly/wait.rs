//! Waiting for a machine state (doc §3 "`GET …/wait`", §8.1, §8.4, §8.6).
//!
//! One `wait` call never lasts more than 60 s (the server rejects more, a proxy cuts it), so
//! the client loops calls of at most 60 s under the caller's overall deadline, as flyctl does.
//! A 408 just means "not yet"; 429, 5xx and network failures back off and go on; a 404 right
//! after create is retried for the propagation window; a 404 while waiting for `destroyed`
//! is success. Several targets may be given (`started` or `stopped`), sent as a repeated
//! `state` parameter as fly-go does.

use std::time::Duration;

use tokio::time::Instant;

use super::client::{decode, Call, FlyClient};
use super::error::FlyError;
use super::types::{
    LeaseNonce, Machine, MachineState, UpdateMachineRequest, WaitResponse, WaitTarget,
};

/// The longest single `wait` call the API accepts.
pub const MAX_WAIT_CALL: Duration = Duration::from_secs(60);
/// HTTP timeout of a wait call beyond its server-side timeout.
const WAIT_HTTP_MARGIN: Duration = Duration::from_secs(10);

/// What to wait for, and for how long in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitFor {
    /// Any of these ends the wait.
    pub targets: Vec<WaitTarget>,
    /// The machine version to wait on (the `instance_id` of the create/update just made).
    pub version: Option<String>,
    /// Only consider events after this one.
    pub from_event_id: Option<String>,
    /// Overall deadline across all wait calls.
    pub timeout: Duration,
    /// The machine was just created: a 404 may mean "not visible yet".
    pub just_created: bool,
}

impl WaitFor {
    /// Wait for one state.
    pub fn state(target: WaitTarget, timeout: Duration) -> Self {
        Self::any_of([target], timeout)
    }

    /// Wait for any of several states.
    pub fn any_of(targets: impl IntoIterator<Item = WaitTarget>, timeout: Duration) -> Self {
        Self {
            targets: targets.into_iter().collect(),
            version: None,
            from_event_id: None,
            timeout,
            just_created: false,
        }
    }

    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    pub fn from_event(mut self, event_id: impl Into<String>) -> Self {
        self.from_event_id = Some(event_id.into());
        self
    }

    pub fn just_created(mut self) -> Self {
        self.just_created = true;
        self
    }
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOutcome {
    pub state: MachineState,
    pub version: Option<String>,
    pub event_id: Option<String>,
}

/// The `timeout` parameter of the next call: what is left, in whole seconds, within 1–60.
pub fn call_timeout_secs(remaining: Duration) -> u64 {
    let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    secs.clamp(1, MAX_WAIT_CALL.as_secs())
}

impl FlyClient {
    /// Waits until the machine reaches one of `wait.targets`, or fails with
    /// [`FlyError::Timeout`] naming the state it was last seen in.
    pub async fn wait_for_state(
        &self,
        app: &str,
        id: &str,
        wait: &WaitFor,
    ) -> Result<WaitOutcome, FlyError> {
        let targets = if wait.targets.is_empty() {
            vec![WaitTarget::Started]
        } else {
            wait.targets.clone()
        };
        let started = Instant::now();
        let deadline = started + wait.timeout;
        let visible_by = started + self.options().propagation.window;
        let mut failures = 0;
        let mut last_timeout: Option<FlyError> = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(gave_up(id, &targets, wait.timeout, last_timeout));
            }
            let secs = call_timeout_secs(remaining);
            let mut call = Call::get(&["apps", app, "machines", id, "wait"]);
            for target in &targets {
                call = call.query("state", target);
            }
            let call = call
                .query("timeout", secs)
                .query_opt("version", wait.version.as_deref())
                .query_opt("from_event_id", wait.from_event_id.as_deref())
                .timeout(Duration::from_secs(secs) + WAIT_HTTP_MARGIN);
            let answer = tokio::time::timeout_at(
                deadline + WAIT_HTTP_MARGIN,
                self.send_once(&call, failures + 1),
            )
            .await
            .unwrap_or_else(|_| Err(FlyError::deadline(&call.describe(), wait.timeout, None)));
            let error = match answer {
                Ok(body) => {
                    let response: WaitResponse = decode(&call, &body)?;
                    return self.outcome(app, id, &targets, response).await;
                }
                Err(error) => error,
            };
            match &error {
                FlyError::NotFound(_) if targets.contains(&WaitTarget::Destroyed) => {
                    return Ok(WaitOutcome {
                        state: MachineState::Destroyed,
                        version: wait.version.clone(),
                        event_id: None,
                    });
                }
                FlyError::NotFound(_) if wait.just_created && Instant::now() < visible_by => {
                    tracing::debug!(app, machine = id, "machine not visible yet; waiting");
                }
                FlyError::Timeout { reply: Some(_), .. } => {
                    last_timeout = Some(error.clone());
                }
                e if e.is_transient() => {}
                _ => return Err(error),
            }
            failures += 1;
            let pause = match &error {
                FlyError::NotFound(_) => self.options().propagation.delay(failures),
                _ => self.options().retry.delay(failures, error.retry_after()),
            };
            if Instant::now() + pause >= deadline {
                return Err(gave_up(
                    id,
                    &targets,
                    wait.timeout,
                    last_timeout.or(Some(error)),
                ));
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// The reached state: from the answer when the server says it, from the only target when
    /// there is one, else by reading the machine.
    async fn outcome(
        &self,
        app: &str,
        id: &str,
        targets: &[WaitTarget],
        response: WaitResponse,
    ) -> Result<WaitOutcome, FlyError> {
        let state = match (response.state, targets) {
            (Some(state), _) => state,
            (None, [only]) if *only != WaitTarget::Settled => MachineState::from(only.as_str()),
            _ => self.get_machine(app, id).await?.state,
        };
        Ok(WaitOutcome {
            state,
            version: response.version,
            event_id: response.event_id,
        })
    }

    /// Update, then make sure the new version is what runs (doc §8.6): the answer must carry a
    /// new `instance_id` ([`FlyClient::update_machine`] checks), the wait is on that version
    /// (started, or stopped for a machine that was not running), and a final read must still
    /// show it — an update can be rolled back to the old version. `skip_launch` updates are
    /// not waited on.
    pub async fn update_and_wait(
        &self,
        app: &str,
        id: &str,
        request: &UpdateMachineRequest,
        nonce: Option<&LeaseNonce>,
        timeout: Duration,
    ) -> Result<Machine, FlyError> {
        let updated = self.update_machine(app, id, request, nonce).await?;
        if request.skip_launch == Some(true) {
            return Ok(updated);
        }
        let Some(version) = updated.current_version().map(str::to_owned) else {
            return Ok(updated);
        };
        let wait = WaitFor::any_of([WaitTarget::Started, WaitTarget::Stopped], timeout)
            .version(version.clone());
        self.wait_for_state(app, id, &wait).await?;
        let machine = self.get_machine(app, id).await?;
        match machine.current_version() {
            Some(now) if now != version => Err(FlyError::UpdateNotApplied {
                machine_id: id.to_owned(),
                expected: version,
                actual: now.to_owned(),
            }),
            _ => Ok(machine),
        }
    }
}

/// The overall-deadline error, with the last state the server reported (`… currently X`).
fn gave_up(
    id: &str,
    targets: &[WaitTarget],
    timeout: Duration,
    last: Option<FlyError>,
) -> FlyError {
    let wanted: Vec<&str> = targets.iter().map(WaitTarget::as_str).collect();
    let mut detail = format!(
        "machine {id} did not reach {} within {}s",
        wanted.join(" or "),
        timeout.as_secs()
    );
    let reply = last.as_ref().and_then(FlyError::reply).cloned();
    if let Some(current) = reply.as_ref().and_then(|r| currently(&r.message)) {
        detail.push_str(&format!("; it is {current}"));
    } else if let Some(error) = &last {
        detail.push_str(&format!("; last answer: {error}"));
    }
    FlyError::Timeout { detail, reply }
}

/// The state after "currently " in a 408 message
/// (`deadline_exceeded: machine failed to reach desired state, stopped, currently started`).
pub fn currently(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("currently ")?;
    let word = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_timeout_is_within_one_to_sixty_seconds() {
        assert_eq!(call_timeout_secs(Duration::from_secs(600)), 60);
        assert_eq!(call_timeout_secs(Duration::from_secs(60)), 60);
        assert_eq!(call_timeout_secs(Duration::from_millis(4_200)), 5);
        assert_eq!(call_timeout_secs(Duration::from_millis(10)), 1);
        assert_eq!(call_timeout_secs(Duration::ZERO), 1);
    }

    #[test]
    fn current_state_is_read_from_a_408_message() {
        let message =
            "deadline_exceeded: machine failed to reach desired state, stopped, currently started";
        assert_eq!(currently(message), Some("started"));
        assert_eq!(currently("currently failed."), Some("failed"));
        assert_eq!(currently("no state here"), None);
    }

    #[test]
    fn targets_match_states() {
        assert!(WaitTarget::Started.is_met_by(&MachineState::Started));
        assert!(!WaitTarget::Started.is_met_by(&MachineState::Starting));
        assert!(WaitTarget::Settled.is_met_by(&MachineState::Stopped));
        assert!(!WaitTarget::Settled.is_met_by(&MachineState::Replacing));
    }
}
