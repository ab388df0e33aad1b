//! The Machine object, its states and events, and the bodies of create, update, start and
//! wait (doc §2.2, §3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{null_as_default, MachineConfig};

string_enum! {
    /// A machine's state (doc §3: persistent, transient and terminal states).
    MachineState {
        Creating => "creating",
        Created => "created",
        Starting => "starting",
        Started => "started",
        Stopping => "stopping",
        Stopped => "stopped",
        Suspending => "suspending",
        Suspended => "suspended",
        Restarting => "restarting",
        Updating => "updating",
        Replacing => "replacing",
        Destroying => "destroying",
        Destroyed => "destroyed",
        Failed => "failed",
        LaunchFailed => "launch_failed",
        Replaced => "replaced",
        Migrated => "migrated",
    }
}

impl MachineState {
    /// On its way to another state; an action now may be refused (412).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Creating
                | Self::Starting
                | Self::Stopping
                | Self::Suspending
                | Self::Restarting
                | Self::Updating
                | Self::Replacing
                | Self::Destroying
                | Self::LaunchFailed
        )
    }

    /// Still a machine to count (fly-go `IsActive`): neither destroyed nor being destroyed.
    pub fn is_active(&self) -> bool {
        !matches!(self, Self::Destroyed | Self::Destroying)
    }
}

string_enum! {
    /// A state `GET …/wait` can wait for. `Failed` and `Settled` (any non-transient state) are
    /// in the newer spec only.
    WaitTarget {
        Started => "started",
        Stopped => "stopped",
        Suspended => "suspended",
        Destroyed => "destroyed",
        Failed => "failed",
        Settled => "settled",
    }
}

impl WaitTarget {
    /// Whether a machine in `state` satisfies this target.
    pub fn is_met_by(&self, state: &MachineState) -> bool {
        match self {
            Self::Settled => !state.is_transient() && !matches!(state, MachineState::Unknown(_)),
            other => other.as_str() == state.as_str(),
        }
    }
}

/// A Fly Machine (`GET /apps/{app}/machines/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// 14 hex characters; the only stable handle (names are not used for addressing).
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub state: MachineState,
    #[serde(default)]
    pub region: String,
    /// The version (a 26-character ULID); changes on every update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The newer name of `instance_id`, when the API sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<MachineConfig>,
    /// Filled instead of `config` when the host is not reachable (`host_status` ≠ `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_config: Option<MachineConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<ImageRef>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Newest first.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<MachineEvent>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub checks: Vec<CheckStatus>,
    /// The lease nonce, when created with `lease_ttl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `ok`, `unknown` or `unreachable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cordoned: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Machine {
    /// The current version: `instance_id`, else `version`.
    pub fn current_version(&self) -> Option<&str> {
        self.instance_id.as_deref().or(self.version.as_deref())
    }

    /// The config, or the incomplete one an unreachable host reports.
    pub fn any_config(&self) -> Option<&MachineConfig> {
        self.config.as_ref().or(self.incomplete_config.as_ref())
    }

    /// A metadata value of the config.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.any_config()?.metadata.get(key).map(String::as_str)
    }

    /// flyctl's crash-loop test on the newest exit event: not a requested stop, restarting,
    /// restart count above 1, non-zero exit code.
    pub fn is_crash_looping(&self) -> bool {
        let Some(event) = self.events.iter().find(|e| e.kind == "exit") else {
            return false;
        };
        let Some(exit) = event.exit_event() else {
            return false;
        };
        !exit.requested_stop.unwrap_or(false)
            && exit.restarting.unwrap_or(false)
            && event.restart_count().unwrap_or(0) > 1
            && exit.exit_code.unwrap_or(0) != 0
    }
}

/// Which image a machine runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub digest: String,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
}

/// The result of one health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckStatus {
    pub name: String,
    /// `passing`, `warning` or `critical`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// One lifecycle event (`launch`, `start`, `stop`, `exit`, `update`, `restart`, `destroy`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineEvent {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    /// `user` or `flyd`.
    #[serde(default)]
    pub source: String,
    /// Unix milliseconds.
    pub timestamp: i64,
    /// Free-form; for `exit` events it holds `exit_event` and `restart_count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
}

impl MachineEvent {
    /// `request.exit_event` of an `exit` event.
    pub fn exit_event(&self) -> Option<ExitEvent> {
        let value = self.request.as_ref()?.get("exit_event")?;
        serde_json::from_value(value.clone()).ok()
    }

    /// `request.restart_count`.
    pub fn restart_count(&self) -> Option<u64> {
        self.request.as_ref()?.get("restart_count")?.as_u64()
    }
}

/// How the main process ended (`request.exit_event` of an `exit` event).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExitEvent {
    pub exit_code: Option<i64>,
    pub guest_exit_code: Option<i64>,
    pub guest_signal: Option<i64>,
    pub oom_killed: Option<bool>,
    pub requested_stop: Option<bool>,
    pub restarting: Option<bool>,
    pub signal: Option<i64>,
    pub exited_at: Option<Value>,
}

/// `POST /apps/{app}/machines`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateMachineRequest {
    pub config: MachineConfig,
    /// Unique per app; generated by Fly when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Three-letter code; always set it (Fly otherwise picks one near the caller, which may be
    /// a region Binance blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_launch: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_service_registration: Option<bool>,
    /// Seconds; the answer then carries the lease `nonce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_ttl: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_secrets: Option<bool>,
    /// Boot with at least this app-secrets version (from the last secrets write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_secrets_version: Option<u64>,
}

/// `POST /apps/{app}/machines/{id}`: the whole config, never a patch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateMachineRequest {
    pub config: MachineConfig,
    /// The version (`instance_id`) the config was read from. The client also uses it to check
    /// that the update produced a new version (doc §8.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_launch: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_service_registration: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_ttl: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_secrets: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_secrets_version: Option<u64>,
}

/// The answer to `POST …/start`; `status: "error"` means the start failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<MachineState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer to `GET …/wait`: `{"ok":true}`, newer servers add state, version and event id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitResponse {
    #[serde(default)]
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MachineState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}
