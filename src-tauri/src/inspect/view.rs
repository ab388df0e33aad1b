//! What support mode shows: the typed views the support window, `trademind inspect` and the
//! diagnostics report share. Nothing here carries a secret: credentials are described by
//! source and last four characters, machine env values are never copied (only their names).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use screener::protocol::{Metrics, SignalFrame, Status, TraderState};

use crate::api::Mode;
use crate::error::ApiError;
use crate::machine::lifecycle::FlyEventView;

/// Where a support credential comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    Keyring,
    Environment,
}

/// A support credential, described without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialInfo {
    pub source: CredentialSource,
    /// `…x9Qa`.
    pub last4: String,
}

/// Which support credential an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SupportCredential {
    /// A read-only Fly token (`fly tokens create readonly`).
    Fly,
    /// The agent's viewer token.
    Viewer,
}

/// Support mode's state: the mode and which credentials are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SupportAccess {
    pub mode: Mode,
    pub fly_token: Option<CredentialInfo>,
    pub viewer_token: Option<CredentialInfo>,
}

/// How a target was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    App,
    Machine,
    User,
}

/// A user's app and its agent machine, found by app name, machine id or user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InspectTarget {
    pub app: String,
    /// The agent machine; `None` when the app has none (never started, or destroyed).
    pub machine_id: Option<String>,
    pub machine_name: Option<String>,
    pub region: Option<String>,
    /// Fly's state when found.
    pub state: Option<String>,
    /// The user the machine was made for (metadata `trademind_user`).
    pub user: Option<String>,
    pub matched_by: MatchKind,
}

/// One service the machine exposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView {
    pub protocol: String,
    pub internal_port: u16,
    /// e.g. `443 (tls, http)`.
    pub ports: Vec<String>,
    pub autostop: Option<String>,
}

/// One health check: its config and, when Fly reports it, its last result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    pub name: String,
    pub kind: Option<String>,
    pub path: Option<String>,
    pub interval: Option<String>,
    /// `passing`, `warning`, `critical`.
    pub status: Option<String>,
    pub output: Option<String>,
}

/// The machine's config as support needs it (env values left out: only names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MachineConfigView {
    pub image: String,
    pub cpu_kind: Option<String>,
    pub cpus: Option<u32>,
    pub memory_mb: Option<u32>,
    pub services: Vec<ServiceView>,
    pub checks: Vec<CheckView>,
    /// e.g. `on-failure (max 10)`.
    pub restart: Option<String>,
    /// e.g. `vol_123 on /data`.
    pub mounts: Vec<String>,
    pub env_names: Vec<String>,
    pub metadata: Vec<MetadataEntry>,
}

/// A metadata key and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetadataEntry {
    pub key: String,
    pub value: String,
}

/// Fly's view of the machine.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MachineInspection {
    pub id: String,
    pub name: String,
    pub state: String,
    pub region: String,
    pub instance_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub config: Option<MachineConfigView>,
    /// Newest first.
    pub events: Vec<FlyEventView>,
}

/// The agent's `GET /health` as it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    /// The HTTP status (503 while starting).
    #[serde(default)]
    pub http_status: u16,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub agent_version: Option<String>,
    #[serde(default)]
    pub uptime_seconds: Option<u64>,
    #[serde(default)]
    pub symbols: Option<u32>,
    #[serde(default)]
    pub last_candle_age_seconds: Option<f64>,
    #[serde(default)]
    pub active_traders: Option<u32>,
    #[serde(default)]
    pub machine_id: Option<String>,
}

/// What the agent said when the viewer connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentGreeting {
    pub agent_version: String,
    pub protocol_version: u32,
    pub machine_id: String,
    pub started_at: String,
    pub capabilities: Vec<String>,
    pub last_seq: u64,
}

/// The agent as a viewer sees it: health, greeting, state, metrics, traders, recent signals
/// and its 24 h history. Each part that failed says why instead.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentInspection {
    /// The agent's base URL.
    pub url: String,
    pub health: Option<HealthView>,
    pub health_error: Option<ApiError>,
    pub greeting: Option<AgentGreeting>,
    pub status: Option<Status>,
    pub metrics: Option<Metrics>,
    pub traders: Vec<TraderState>,
    /// Newest last.
    pub signals: Vec<SignalFrame>,
    pub link_error: Option<ApiError>,
    pub history: Option<AgentHistory>,
    pub history_error: Option<ApiError>,
}

/// The agent's 24 h history (`GET /history`, viewer token): one sample a minute, its boots
/// and its last errors — the agent's own wire types.
pub use screener::agent::history::{AgentErrorRecord, AgentHistory, BootRecord, HistorySample};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

/// One thing the inspector noticed, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Severity,
    /// Stable: `crash_loop`, `stale_candles`, `agent_unreachable`, …
    pub code: String,
    pub title: String,
    pub detail: String,
    pub advice: String,
}

/// Versions on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub app: String,
    pub app_protocol: u32,
    pub agent: Option<String>,
    pub agent_protocol: Option<u32>,
    /// The image the machine runs.
    pub image: Option<String>,
}

/// Everything one look at a user's machine found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// RFC 3339.
    pub generated_at: String,
    pub target: InspectTarget,
    pub versions: Versions,
    /// `None` when the app has no machine.
    pub machine: Option<MachineInspection>,
    pub agent: Option<AgentInspection>,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// The agent's last 24 h as charts (from its history), like the dashboard's.
    pub charts: Vec<crate::api::dashboard::ChartView>,
}

/// A log level, for filtering (at least this severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// Which log lines to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct LogQuery {
    /// At least this severe.
    pub min_level: Option<LogLevel>,
    /// Case-insensitive text the message must contain.
    pub search: Option<String>,
    /// Lines after this token (from a previous page); `None`: the recent backlog.
    pub after: Option<String>,
}

/// What one support watch streams: the agent's live view, the log tail after `tail.after`, or
/// both. The support window runs them as two watches, so a new log filter restarts only the
/// tail and the viewer connection (each one a look the agent records) stays up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct WatchParts {
    pub live: bool,
    pub tail: Option<LogQuery>,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// RFC 3339.
    pub at: String,
    pub level: String,
    pub message: String,
    pub instance: String,
    pub region: String,
}

/// A page of matching lines (oldest first) and the token to ask for newer ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LogsView {
    pub lines: Vec<LogLine>,
    pub next_token: Option<String>,
    /// Lines Fly returned before filtering.
    pub scanned: u32,
}

/// The state of support's viewer connection to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ViewerLinkState {
    Connecting,
    Live,
    /// Lost; a new attempt follows after the delay in `detail`.
    Retrying,
    /// The agent refused the viewer token: no retry.
    Unauthorized,
    /// The live view (or the log tail beside it) stopped for the reason in `detail`.
    Ended,
}

impl std::fmt::Display for ViewerLinkState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Retrying => "retrying",
            Self::Unauthorized => "unauthorized",
            Self::Ended => "ended",
        })
    }
}

/// What a support watch streams.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SupportFrame {
    /// The viewer connection's state, with what happened for people.
    Link {
        state: ViewerLinkState,
        detail: Option<String>,
    },
    Metrics(Metrics),
    Status(Status),
    TraderState(TraderState),
    Signal(SignalFrame),
    /// New log lines from the live tail.
    Logs(LogsView),
    /// The log tail stopped (the live view, if any, goes on).
    TailEnded {
        detail: String,
    },
}

/// What a diagnostics report wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    /// The report's directory.
    pub dir: String,
    /// `index.html` in it: open it in a browser.
    pub index: String,
    /// Every file written, relative to `dir`.
    pub files: Vec<String>,
    /// How many secret occurrences were replaced with `[redacted]`.
    pub redactions: u32,
    pub findings: u32,
}
