//! The named provisioning steps, in order, and the progress events each emits.

use serde::Serialize;
use ts_rs::TS;

pub use crate::store::provision::StepState;

/// One step of bringing the user's machine up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Validate the Fly token; learn its organisation and scope.
    Token,
    /// The user's own app (one per user), reachable at `https://<app>.fly.dev`.
    App,
    /// The agent's owner and viewer tokens (and the LLM key) as Fly secrets.
    Secrets,
    /// The agent's data volume on `/data` (its journal): the one the machine mounts, else a
    /// free one in the region, else a new one.
    Volume,
    /// Create the machine, or reuse the one that exists.
    Machine,
    /// Fly reports the machine `started`.
    Started,
    /// The agent answers `/health` with `status: ready`.
    Ready,
    /// Everything is up.
    Done,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Token,
        Step::App,
        Step::Secrets,
        Step::Volume,
        Step::Machine,
        Step::Started,
        Step::Ready,
        Step::Done,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::App => "app",
            Self::Secrets => "secrets",
            Self::Volume => "volume",
            Self::Machine => "machine",
            Self::Started => "started",
            Self::Ready => "ready",
            Self::Done => "done",
        }
    }

    /// The step with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What the step does, for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Token => "Checking the Fly token",
            Self::App => "Preparing your Fly app",
            Self::Secrets => "Setting the agent's secrets",
            Self::Volume => "Preparing the data volume",
            Self::Machine => "Creating the machine",
            Self::Started => "Waiting for Fly to start it",
            Self::Ready => "Waiting for the screener agent",
            Self::Done => "Ready",
        }
    }
}

/// One progress event of a run: the UI and the CLI stream these.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub step: Step,
    pub state: StepState,
    /// A log line for people (never a secret).
    pub line: String,
    /// Time since the step first started (across a resume), in milliseconds.
    pub elapsed_ms: u64,
}

/// Where a run sends its progress.
pub type ProgressSink = std::sync::Arc<dyn Fn(Progress) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_order() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
        let names: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["token", "app", "secrets", "volume", "machine", "started", "ready", "done"]
        );
        assert_eq!(Step::parse("nope"), None);
        let json = serde_json::to_value(Progress {
            step: Step::Started,
            state: StepState::Running,
            line: "waiting".into(),
            elapsed_ms: 1200,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"step": "started", "state": "running", "line": "waiting", "elapsedMs": 1200})
        );
    }
}
