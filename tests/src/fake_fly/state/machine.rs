//! One machine: its states (§3), its schedule of timed transitions, its events, lease and
//! versions, and how it renders as the API's Machine JSON.

use crate::fake_fly::clock::{rfc3339, unix_millis, unix_secs_ceil, wall};
use crate::fake_fly::config::Timings;
use crate::fake_fly::ids;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::time::{Instant, SystemTime};

/// Machine states from Fly's machine-states doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineState {
    Created,
    Starting,
    Started,
    Stopping,
    Stopped,
    Suspending,
    Suspended,
    Replacing,
    Destroying,
    Destroyed,
    Failed,
}

impl MachineState {
    pub const ALL: [MachineState; 11] = [
        Self::Created,
        Self::Starting,
        Self::Started,
        Self::Stopping,
        Self::Stopped,
        Self::Suspending,
        Self::Suspended,
        Self::Replacing,
        Self::Destroying,
        Self::Destroyed,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Starting => "starting",
            Self::Started => "started",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Suspending => "suspending",
            Self::Suspended => "suspended",
            Self::Replacing => "replacing",
            Self::Destroying => "destroying",
            Self::Destroyed => "destroyed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Transient states: the machine is on its way somewhere.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Starting | Self::Stopping | Self::Suspending | Self::Replacing | Self::Destroying
        )
    }
}

/// A scheduled transition.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub at: Instant,
    pub state: MachineState,
    pub kind: &'static str,
}

/// A recorded event (`MachineEvent`).
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub id: String,
    pub kind: &'static str,
    pub status: String,
    pub source: &'static str,
    pub at: SystemTime,
    pub request: Option<Value>,
}

impl Event {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "type": self.kind,
            "status": self.status,
            "source": self.source,
            "timestamp": unix_millis(self.at),
        });
        if let Some(r) = &self.request {
            v["request"] = r.clone();
        }
        v
    }
}

/// A held lease.
#[derive(Clone, Debug)]
pub(crate) struct Lease {
    pub nonce: String,
    pub expires: Instant,
    pub owner: String,
    pub description: String,
    pub version: String,
}

impl Lease {
    pub fn to_json(&self) -> Value {
        json!({
            "status": "success",
            "data": {
                "nonce": self.nonce,
                "expires_at": unix_secs_ceil(wall(self.expires)),
                "owner": self.owner,
                "description": self.description,
                "version": self.version,
            }
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Machine {
    pub id: String,
    pub name: String,
    pub region: String,
    pub instance_id: String,
    /// Every instance id this machine has had, oldest first (the last is current).
    pub versions: Vec<String>,
    pub state: MachineState,
    pub state_since: Instant,
    pub plan: VecDeque<Step>,
    pub config: Map<String, Value>,
    pub private_ip: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub visible_at: Instant,
    pub destroyed_at: Option<Instant>,
    /// Oldest first.
    pub events: Vec<Event>,
    pub lease: Option<Lease>,
    pub cordoned: bool,
    pub min_secrets_version: Option<u64>,
    pub booted_secrets_version: Option<u64>,
    /// Process mode: a real agent process runs for this machine. While it does, a machine that
    /// left `started` holds its schedule: it reaches the next state only once the process
    /// has exited (`stopped` after the drain, as on Fly).
    pub process_alive: bool,
    /// Process mode: restarts after crashes since the last user start.
    pub restart_count: u32,
    /// Process mode: the `request` of the next `exit` event (the real exit code and signal).
    pub exit_info: Option<Value>,
    /// The signal and grace of the stop in progress (stop body, restart query, forced destroy).
    pub stop_request: Option<StopRequest>,
}

/// How a stop asked the main process to end.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StopRequest {
    pub signal: Option<String>,
    /// Already scaled by the time scale.
    pub timeout: Option<std::time::Duration>,
}

impl Machine {
    pub fn new(
        name: String,
        region: String,
        config: Map<String, Value>,
        now: Instant,
        visible_at: Instant,
    ) -> Self {
        let instance_id = ids::ulid();
        Self {
            id: ids::machine_id(),
            name,
            region,
            versions: vec![instance_id.clone()],
            instance_id,
            state: MachineState::Created,
            state_since: now,
            plan: VecDeque::new(),
            config,
            private_ip: ids::private_ip(),
            created_at: SystemTime::now(),
            updated_at: SystemTime::now(),
            visible_at,
            destroyed_at: None,
            events: Vec::new(),
            lease: None,
            cordoned: false,
            min_secrets_version: None,
            booted_secrets_version: None,
            process_alive: false,
            restart_count: 0,
            exit_info: None,
            stop_request: None,
        }
    }

    /// Whether the schedule waits for the machine's process to exit.
    pub fn held(&self) -> bool {
        self.process_alive && self.state != MachineState::Started
    }

    /// Applies every scheduled step due by `now` (none while [`Machine::held`]), and expires
    /// the lease.
    pub fn advance(&mut self, now: Instant) {
        while !self.held() && self.plan.front().is_some_and(|s| s.at <= now) {
            if let Some(step) = self.plan.pop_front() {
                self.enter(step.state, step.kind, "flyd", step.at);
            }
        }
        if self.lease.as_ref().is_some_and(|l| l.expires <= now) {
            self.lease = None;
        }
    }

    /// Sets the state at `at` and records the event.
    pub fn enter(
        &mut self,
        state: MachineState,
        kind: &'static str,
        source: &'static str,
        at: Instant,
    ) {
        let requested_stop = self.state == MachineState::Stopping;
        let exit_code = i32::from(state == MachineState::Failed);
        self.state = state;
        self.state_since = at;
        self.updated_at = wall(at);
        self.destroyed_at = (state == MachineState::Destroyed).then_some(at);
        if state == MachineState::Destroyed {
            self.lease = None;
        }
        let exit_info = if kind == "exit" {
            self.exit_info.take()
        } else {
            None
        };
        let request =
            (kind == "exit").then(|| {
                exit_info.unwrap_or_else(|| json!({
                "exit_event": {
                    "exit_code": exit_code, "guest_exit_code": exit_code, "guest_signal": -1,
                    "oom_killed": false, "requested_stop": requested_stop, "restarting": false,
                    "signal": -1,
                    "exited_at": rfc3339(wall(at)),
                },
                "restart_count": 0,
            }))
            });
        self.record(kind, state.as_str(), source, at, request);
    }

    /// Appends an event without changing the state.
    pub fn record(
        &mut self,
        kind: &'static str,
        status: &str,
        source: &'static str,
        at: Instant,
        request: Option<Value>,
    ) {
        self.events.push(Event {
            id: ids::ulid(),
            kind,
            status: status.to_string(),
            source,
            at: wall(at),
            request,
        });
    }

    /// Process mode, once the process has exited: the schedule resumes from `now` (steps
    /// that fell due while held move later by the wait, keeping their spacing).
    pub fn release(&mut self, now: Instant) {
        self.process_alive = false;
        self.stop_request = None;
        if let Some(late) = self
            .plan
            .front()
            .map(|s| now.saturating_duration_since(s.at))
        {
            for step in &mut self.plan {
                step.at += late;
            }
        }
    }

    pub fn is_visible(&self, now: Instant, t: &Timings) -> bool {
        now >= self.visible_at && !self.is_gone(now, t)
    }

    /// Destroyed long enough ago that GET answers 404.
    pub fn is_gone(&self, now: Instant, t: &Timings) -> bool {
        self.destroyed_at
            .is_some_and(|d| now >= d + t.destroyed_linger)
    }

    pub fn is_destroyed(&self) -> bool {
        self.state == MachineState::Destroyed
    }

    pub fn metadata(&self) -> Map<String, Value> {
        self.config
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// Started for at least `d`?
    pub fn started_for(&self, now: Instant, d: std::time::Duration) -> bool {
        self.state == MachineState::Started && now.saturating_duration_since(self.state_since) >= d
    }

    fn checks_json(&self, now: Instant, t: &Timings) -> Vec<Value> {
        let Some(checks) = self.config.get("checks").and_then(Value::as_object) else {
            return Vec::new();
        };
        let passing = self.started_for(now, t.checks_pass);
        checks
            .keys()
            .map(|name| {
                json!({
                    "name": name,
                    "status": if passing { "passing" } else { "critical" },
                    "output": if passing { "Success" } else { "waiting for status update" },
                    "updated_at": rfc3339(SystemTime::now()),
                })
            })
            .collect()
    }

    /// The API's Machine object. `summary` omits config, checks and events.
    pub fn to_json(&self, now: Instant, t: &Timings, summary: bool) -> Value {
        let image = self
            .config
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "state": self.state.as_str(),
            "region": self.region,
            "instance_id": self.instance_id,
            "version": self.instance_id,
            "private_ip": self.private_ip,
            "image_ref": image_ref(image),
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
            "host_status": "ok",
            "cordoned": self.cordoned,
        });
        if !summary {
            v["config"] = Value::Object(self.config.clone());
            v["checks"] = Value::Array(self.checks_json(now, t));
            v["events"] = self
                .events
                .iter()
                .rev()
                .take(10)
                .map(Event::to_json)
                .collect();
        }
        v
    }
}

/// `registry/repository:tag@digest` → the API's `image_ref`.
fn image_ref(image: &str) -> Value {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, d.to_string()),
        None => (image, format!("sha256:{}", ids::digest(image).repeat(4))),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], &name[slash + i + 1..]),
        None => (name, "latest"),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            (host.to_string(), rest.to_string())
        }
        _ if name.contains('/') => ("docker-hub-mirror.fly.io".to_string(), name.to_string()),
        _ => (
            "docker-hub-mirror.fly.io".to_string(),
            format!("library/{name}"),
        ),
    };
    json!({ "registry": registry, "repository": repository, "tag": tag, "digest": digest, "labels": {} })
}
