//! Local screening's state as the UI and `trademind local` show it, and what starting asks for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ApiError;

/// Which local screening runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LocalMode {
    Off,
    /// Live Binance data.
    Live,
    /// Recorded candle files (offline).
    Recorded,
}

/// Local screening now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalStatus {
    pub mode: LocalMode,
    /// The trader ids screened locally (never one that is in the cloud).
    pub traders: Vec<String>,
    /// `Binance` or the recorded data folder.
    pub data: Option<String>,
    /// RFC 3339.
    pub started_at: Option<String>,
    pub symbols: u32,
    pub candles: u64,
    pub signals: u64,
    /// A recorded replay has gone through all its files.
    pub finished: bool,
    /// Why it stopped or could not start.
    pub error: Option<ApiError>,
}

/// What to screen locally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct LocalStart {
    /// Trader ids; empty means every enabled trader that is not in the cloud.
    pub traders: Vec<String>,
    /// A folder (or file) of recorded candles; `None` means live Binance.
    pub data_dir: Option<String>,
}
