//! Protocol v1 between the desktop and the agent: JSON text frames over a WebSocket, each an
//! object with a `type` field. The types here are the wire format (serde) and the web view's
//! TypeScript types (ts-rs); `docs/protocol.md` describes the exchange.
//!
//! Auth is on the upgrade request (`Authorization: Bearer <token>`): the owner token gives
//! role `owner`, the viewer token role `viewer`. The server speaks first with `hello`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::market::Interval;
use crate::trader::Trader;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// What a connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Owner,
    /// Read only: `resume_from` and `ping`.
    Viewer,
}

/// A frame from the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Hello(Hello),
    Status(Status),
    Metrics(Metrics),
    Signal(SignalFrame),
    Analysis(AnalysisFrame),
    TraderState(TraderState),
    Ack(Ack),
    Error(ErrorFrame),
    Pong,
}

/// A frame from the desktop.
// Frames are parsed one at a time and never stored in bulk, so the large deploy variant
// costs nothing worth a Box (which would also leak into every constructor).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    DeployTrader(DeployTrader),
    UndeployTrader(UndeployTrader),
    Pause(Command),
    Resume(Command),
    ResumeFrom(ResumeFrom),
    Ping,
}

/// The first frame on every connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    pub protocol_version: u32,
    pub agent_version: String,
    /// What this agent offers: `signals`, `resume`, `traders`, `metrics`, and `analysis` when
    /// an LLM key is configured.
    pub capabilities: Vec<String>,
    pub role: Role,
    /// Fly's machine id (`FLY_MACHINE_ID`), or `local`.
    pub machine_id: String,
    /// RFC 3339.
    pub started_at: String,
    /// Names this journal: made when the journal is created, so a client that sees a
    /// different id knows the seqs started over (a new volume, a destroyed machine) and
    /// resumes from 0 instead of from its last seq.
    pub journal_id: String,
    /// The newest journaled seq when the connection opened.
    pub last_seq: u64,
}

/// What the screener is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Backfilling; no signals yet.
    Starting,
    Running,
    /// Paused by the owner: candles are kept, traders are not run.
    Paused,
    /// Shutting down.
    Draining,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub state: AgentState,
    pub reason: Option<String>,
}

/// A snapshot of the agent's health, every 2 s by default. Rates are over the last minute;
/// totals are since the agent started.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Of all the machine's CPUs, 0–100.
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    /// The cgroup limit, else the machine's memory.
    pub memory_limit_bytes: u64,
    pub uptime_seconds: u64,
    pub symbols: u32,
    pub streams_connected: u32,
    /// Since the newest closed candle; `None` before the first.
    pub last_candle_age_seconds: Option<f64>,
    pub active_traders: u32,
    pub evaluations_per_minute: u64,
    /// Closed candles waiting for the engine plus analyses waiting.
    pub queue_depth: u32,
    pub signals_total: u64,
    pub errors_total: u64,
    /// Binance request weight used in the current minute.
    pub binance_weight_used: u32,
    /// vCPUs the load calls for (1–8).
    pub scale_recommendation: u32,
}

/// A journaled signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignalFrame {
    /// The journal's sequence number: increasing, never reused.
    pub seq: u64,
    pub trader_id: String,
    pub symbol: String,
    pub interval: Interval,
    pub open_time: i64,
    pub close_time: i64,
    pub price: f64,
    pub conditions: Vec<String>,
}

/// The AI analysis of signal `seq`, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisFrame {
    pub seq: u64,
    /// `enter_trade`, `bad_setup` or `wait`; `failed` when the analysis could not be made.
    pub decision: String,
    /// `long`, `short` or `none`.
    pub direction: String,
    /// 0–100.
    pub confidence: f64,
    pub reasoning: String,
    #[ts(type = "unknown")]
    pub key_levels: serde_json::Value,
    #[ts(type = "unknown")]
    pub trade_plan: serde_json::Value,
    /// The model that judged (or would have judged) the signal.
    #[serde(default)]
    pub model: String,
    /// Why there is no verdict, when `decision` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<AnalysisError>,
}

/// Why a signal has no AI verdict: `queue_full`, `rate_limited`, `invalid_output`,
/// `no_candles`, `cancelled`, … (see `docs/analysis.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AnalysisError {
    pub code: String,
    pub message: String,
}

/// Where a trader stands on the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeployState {
    Deployed,
    Undeployed,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderState {
    pub trader_id: String,
    pub version: u64,
    pub state: DeployState,
    pub error: Option<String>,
}

/// A command was applied (or had been, for a repeated id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Ack {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorFrame {
    /// `unauthorized`, `forbidden`, `bad_frame`, `invalid_trader`, `version_conflict`,
    /// `unknown_trader`, `draining`, `internal`.
    pub code: String,
    pub message: String,
    /// The command it answers, if any.
    pub id: Option<String>,
}

/// Deploy (or replace) a trader: applied when `trader.version` is newer than the deployed
/// one; the same version again is a no-op; an older one is a `version_conflict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DeployTrader {
    pub id: String,
    pub trader: Trader,
}

/// Remove a trader; `version` must be the deployed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UndeployTrader {
    pub id: String,
    pub trader_id: String,
    pub version: u64,
}

/// A command with nothing but its id (`pause`, `resume`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Command {
    pub id: String,
}

/// Replay every journaled signal after `afterSeq`, in order, then go on live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResumeFrom {
    pub after_seq: u64,
}

impl ClientFrame {
    /// The command id, for frames that carry one.
    pub fn command_id(&self) -> Option<&str> {
        match self {
            Self::DeployTrader(c) => Some(&c.id),
            Self::UndeployTrader(c) => Some(&c.id),
            Self::Pause(c) | Self::Resume(c) => Some(&c.id),
            Self::ResumeFrom(_) | Self::Ping => None,
        }
    }

    /// Whether a viewer may send it.
    pub fn allowed_for(&self, role: Role) -> bool {
        role == Role::Owner || matches!(self, Self::ResumeFrom(_) | Self::Ping)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_are_objects_with_a_type() {
        let frame = ServerFrame::Ack(Ack { id: "c1".into() });
        assert_eq!(
            serde_json::to_value(&frame).unwrap(),
            json!({"type": "ack", "id": "c1"})
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::Pong).unwrap(),
            json!({"type": "pong"})
        );
        let status = ServerFrame::Status(Status {
            state: AgentState::Running,
            reason: None,
        });
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            json!({"type": "status", "state": "running", "reason": null})
        );
        let parsed: ClientFrame =
            serde_json::from_value(json!({"type": "resume_from", "afterSeq": 41})).unwrap();
        assert_eq!(
            parsed,
            ClientFrame::ResumeFrom(ResumeFrom { after_seq: 41 })
        );
        let parsed: ClientFrame = serde_json::from_value(
            json!({"type": "undeploy_trader", "id": "c2", "traderId": "t", "version": 3}),
        )
        .unwrap();
        assert_eq!(parsed.command_id(), Some("c2"));
        assert!(serde_json::from_value::<ClientFrame>(json!({"type": "reboot"})).is_err());
    }

    #[test]
    fn viewers_may_only_resume_and_ping() {
        let pause = ClientFrame::Pause(Command { id: "c".into() });
        assert!(pause.allowed_for(Role::Owner));
        assert!(!pause.allowed_for(Role::Viewer));
        assert!(ClientFrame::Ping.allowed_for(Role::Viewer));
        assert!(ClientFrame::ResumeFrom(ResumeFrom { after_seq: 0 }).allowed_for(Role::Viewer));
    }
}
