//! The link as the UI's indicator and `trademind link` show it.

use serde::Serialize;
use ts_rs::TS;

use crate::link::LinkState;

/// The link's state with what the indicator needs around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub state: LinkState,
    /// The agent's base URL (never a token).
    pub agent_url: Option<String>,
    /// Connection attempts since the link started.
    pub attempts: u64,
    /// Commands in the outbox not answered yet.
    pub pending_commands: u32,
}
