//! What the Traders area and `trademind traders` show: a card per trader, the editor's
//! check, conflicts with the cloud's copy, and import reports.

use screener::trader::Trader;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::signals::SignalView;

/// Where a trader runs, as its badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// On this computer (when local screening runs and the trader is enabled).
    Local,
    /// Deployed on the agent at the card's version.
    Cloud,
    /// A deploy is waiting in the outbox or for the agent's answer.
    Deploying,
    /// An undeploy is waiting in the outbox or for the agent's answer.
    Undeploying,
    /// The agent refused the last deploy or reported the trader failing.
    Error,
}

/// A trader as its card shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderCard {
    pub trader: Trader,
    /// Shipped with the app: it can be copied and toggled but not edited or deleted.
    pub builtin: bool,
    pub placement: Placement,
    /// The version the agent last reported running, if deployed.
    pub cloud_version: Option<u64>,
    /// Why the placement is `error`, in the user's words.
    pub error: Option<String>,
    /// Set when the cloud's copy changed elsewhere; the user chooses which to keep.
    pub conflict: Option<TraderConflict>,
    pub last_signal: Option<SignalView>,
}

/// The trader was changed elsewhere (another computer, or the agent refused our version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderConflict {
    pub local_version: u64,
    pub cloud_version: u64,
    pub message: String,
}

/// How the user resolves a [`TraderConflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Deploy this computer's version over the cloud's (as a newer version).
    Mine,
    /// Keep the cloud's copy running and stop offering ours.
    Cloud,
}

/// The editor's check: the engine's validation and a dry run on recorded data.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderCheck {
    /// No problem: it can be saved.
    pub ok: bool,
    pub problems: Vec<TraderProblem>,
    /// Not blocking (e.g. a declared timeframe the code never reads).
    pub warnings: Vec<String>,
    pub dry_run: Option<DryRunView>,
}

/// One problem, with the field and, for code, the line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TraderProblem {
    /// Dotted path, e.g. `filter.code` or `name`.
    pub field: String,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// The filter replayed on recorded candles.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DryRunView {
    /// What it ran on, e.g. `BTCUSDT 1h, 500 recorded candles`.
    pub sample: String,
    pub evaluations: u32,
    pub signals: u32,
    pub errors: Vec<TraderProblem>,
    pub duration_ms: f64,
}

/// What an import did: ids imported, and what was skipped and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub imported: Vec<String>,
    pub skipped: Vec<ImportSkip>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSkip {
    /// The record's name (or its position when it has none).
    pub name: String,
    pub reason: String,
}
