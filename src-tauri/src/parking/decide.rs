//! The auto-stop decision, pure: given the time, what the app remembers, the machine's state,
//! the traders in the cloud and what is in flight, whether to park the machine now and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::schedule::Schedule;
use crate::error::{Error, Result};

/// The longest idle period accepted: a week.
pub const MAX_IDLE_MINUTES: u32 = 7 * 24 * 60;

/// The user's auto-stop settings; both off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AutoStopSettings {
    /// Park after this many minutes with no enabled cloud trader (1–10080).
    pub idle_minutes: Option<u32>,
    /// Park outside this schedule.
    pub schedule: Option<Schedule>,
}

impl AutoStopSettings {
    /// Refuses an idle period of 0 or over a week and an invalid schedule.
    pub fn validate(&self) -> Result<()> {
        if let Some(minutes) = self.idle_minutes {
            if !(1..=MAX_IDLE_MINUTES).contains(&minutes) {
                return Err(Error::InvalidInput(format!(
                    "the idle period must be 1 minute to 7 days, not {minutes} min"
                )));
            }
        }
        if let Some(schedule) = &self.schedule {
            schedule.validate()?;
        }
        Ok(())
    }
}

/// Why the app parked the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParkReason {
    /// No enabled cloud trader for `minutes`.
    Idle { minutes: u32 },
    /// Outside the schedule (shown as text).
    OutsideSchedule { schedule: String },
}

impl std::fmt::Display for ParkReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Idle { minutes } => write!(f, "no cloud trader for {minutes} min"),
            Self::OutsideSchedule { schedule } => write!(f, "outside the schedule {schedule}"),
        }
    }
}

/// An operation on the machine that parking waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InFlight {
    /// A window or command holds the profile's machine lock.
    MachineLock { holder: String },
    /// A deploy or undeploy is waiting in the outbox.
    PendingCommand { command: String },
    /// Someone holds the machine's Fly lease.
    Lease { owner: String },
}

/// What the parking task remembers between minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParkingMemory {
    /// Since when the started machine has had no enabled cloud trader.
    pub idle_since: Option<DateTime<Utc>>,
    /// The user started the machine outside the schedule after it was parked: leave it
    /// running until the next window begins.
    pub schedule_overridden: bool,
    /// The machine was started at the previous look.
    pub was_started: bool,
}

/// What the task saw this minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Fly (the record) says started.
    pub started: bool,
    /// Enabled traders the user wants in the cloud.
    pub cloud_traders: usize,
    /// An operation in flight, if any.
    pub in_flight: Option<InFlight>,
    /// The app parked the machine and it has not run since (the stored parked reason).
    pub parked: bool,
}

/// Whether to park the machine at `now`. Updates `memory` (the idle clock and the user's
/// schedule override). Never parks while something is in flight: the next minute asks again.
pub fn decide(
    now: DateTime<Utc>,
    memory: &mut ParkingMemory,
    seen: &Observation,
    settings: &AutoStopSettings,
) -> Option<ParkReason> {
    let just_started = seen.started && !memory.was_started;
    memory.was_started = seen.started;
    if !seen.started {
        memory.idle_since = None;
        return None;
    }
    if seen.cloud_traders > 0 {
        memory.idle_since = None;
    } else {
        memory.idle_since.get_or_insert(now);
    }
    let mut reason = None;
    if let Some(schedule) = &settings.schedule {
        if schedule.contains(now) {
            memory.schedule_overridden = false;
        } else {
            // Started again by the user after the app parked it (or started before this
            // schedule applied, when the app first sees it): the user's choice until the next
            // window.
            if just_started && seen.parked {
                memory.schedule_overridden = true;
            }
            if !memory.schedule_overridden {
                reason = Some(ParkReason::OutsideSchedule {
                    schedule: schedule.to_string(),
                });
            }
        }
    }
    if reason.is_none() {
        if let (Some(minutes), Some(since)) = (settings.idle_minutes, memory.idle_since) {
            if now - since >= chrono::Duration::minutes(i64::from(minutes)) {
                reason = Some(ParkReason::Idle { minutes });
            }
        }
    }
    if seen.in_flight.is_some() {
        return None;
    }
    reason
}
