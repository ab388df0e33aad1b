//! `MachineConfig` and its parts (doc §2.2 "MachineConfig — fields that matter"): image, env,
//! guest size, init, services with ports and checks, machine checks, restart policy, mounts,
//! stop config, files. Fields the doc lists but this app does not use (dns, processes,
//! containers, statics, …) travel untouched in `extra`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::null_as_default;

/// A machine's whole configuration; an update must send all of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineConfig {
    /// The only field Fly strictly requires. Pin it by digest or tag, never `:latest`.
    #[serde(default)]
    pub image: String,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<Guest>,
    /// A preset name (`shared-cpu-1x`), the deprecated alternative to `guest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<InitConfig>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub services: Vec<MachineService>,
    /// Machine checks by name.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub checks: BTreeMap<String, MachineCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<RestartPolicy>,
    /// Destroy the machine when its main process exits. Keep it `false` for a worker: with
    /// `true` every stop erased the machine and its logs in the original system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_destroy: Option<bool>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mounts: Vec<Mount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_config: Option<StopConfig>,
    /// `hourly`, `daily`, `weekly` or `monthly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub files: Vec<MachineFile>,
    /// Every other field, kept so an update sends it back unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

string_enum! {
    /// `guest.cpu_kind`.
    CpuKind { Shared => "shared", Performance => "performance" }
}

/// CPU and memory of a machine (`guest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guest {
    pub cpu_kind: CpuKind,
    pub cpus: u32,
    pub memory_mb: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_dedication_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_mb: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Guest {
    /// A guest of the given kind and size, nothing else set.
    pub fn new(cpu_kind: CpuKind, cpus: u32, memory_mb: u32) -> Self {
        Self {
            cpu_kind,
            cpus,
            memory_mb,
            gpu_kind: None,
            gpus: None,
            kernel_args: None,
            host_dedication_id: None,
            max_memory_mb: None,
            extra: Map::new(),
        }
    }
}

/// `init`: what the machine runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InitConfig {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exec: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entrypoint: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cmd: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_size_mb: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One service the Fly proxy routes to the machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineService {
    /// `tcp` or `udp`.
    pub protocol: String,
    pub internal_port: u16,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<ServicePort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
    /// Proxy auto-stop. Turn it off for a background worker (no HTTP traffic ⇒ stopped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autostop: Option<Autostop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autostart: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_machines_running: Option<u32>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub checks: Vec<MachineCheck>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A public port of a service (`port`, or the range `start_port`–`end_port`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServicePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<u16>,
    /// `http`, `tls`, `tcp`, `proxy_proto`, …
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub handlers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_https: Option<bool>,
    /// `http_options`, `tls_options`, `proxy_proto_options`, … kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `services[].concurrency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concurrency {
    /// `connections` or `requests`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_limit: Option<u32>,
}

/// A health check, in `config.checks` (by name) or `services[].checks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineCheck {
    /// `tcp` or `http`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<FlyDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<FlyDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<FlyDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_skip_verify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub headers: Vec<CheckHeader>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One header of an HTTP check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckHeader {
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub values: Vec<String>,
}

/// A duration as Fly accepts it: a Go duration string (`"15s"`, what fly-go sends) or integer
/// nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FlyDuration {
    Text(String),
    Nanos(i64),
}

impl FlyDuration {
    /// `"<n>s"`.
    pub fn seconds(seconds: u64) -> Self {
        Self::Text(format!("{seconds}s"))
    }
}

string_enum! {
    /// `restart.policy`; flyctl's "on-fail" is `on-failure` on the wire.
    RestartMode { No => "no", Always => "always", OnFailure => "on-failure" }
}

/// `restart`: what Fly does when the main process exits. Unset means on-failure with 10
/// retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    pub policy: RestartMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

/// A volume mounted into the machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mount {
    /// `vol_…`.
    pub volume: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_threshold_percent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_size_gb: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_gb_limit: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `stop_config`: the signal and grace time of a stop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<FlyDuration>,
}

/// A file written into the machine at boot (`raw_value` base64, or from an app secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineFile {
    pub guest_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// `services[].autostop`. Read from `false|true|"off"|"stop"|"suspend"`; written as fly-go
/// does for back-compat: `false`, `true`, `"suspend"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Autostop {
    Off,
    Stop,
    Suspend,
    Unknown(String),
}

impl Serialize for Autostop {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Off => serializer.serialize_bool(false),
            Self::Stop => serializer.serialize_bool(true),
            Self::Suspend => serializer.serialize_str("suspend"),
            Self::Unknown(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Autostop {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Flag(bool),
            Text(String),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Flag(false) => Self::Off,
            Wire::Flag(true) => Self::Stop,
            Wire::Text(text) => match text.as_str() {
                "off" => Self::Off,
                "stop" => Self::Stop,
                "suspend" => Self::Suspend,
                _ => Self::Unknown(text),
            },
        })
    }
}
