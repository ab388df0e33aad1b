//! The dead-man detector, pure: fed the agent's frames, the link's liveness and whether Fly
//! says the machine is started, with the time passed in, it tells when an alert begins and
//! when it clears. Armed once the link has been live while the machine is started; a
//! stopped machine disarms it (no alert for a machine the user stopped).

use std::time::Duration;

use screener::protocol::ServerFrame;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use ts_rs::TS;

/// No frame for longer than this: alert (default).
pub const SILENCE: Duration = Duration::from_secs(120);
/// The agent's newest candle older than this: alert (default).
pub const CANDLE_AGE: Duration = Duration::from_secs(600);

/// The thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub silence: Duration,
    pub candle_age: Duration,
}

/// The range a silence threshold may take (seconds): below 30 s a slow network raises false
/// alarms (the agent sends metrics every 2 s, pings every 15 s); above a day it is no switch.
pub const SILENCE_RANGE: std::ops::RangeInclusive<u64> = 30..=86_400;
/// The range a candle-age threshold may take (seconds): at least a minute (the shortest
/// interval), at most a day.
pub const CANDLE_AGE_RANGE: std::ops::RangeInclusive<u64> = 60..=86_400;

impl Thresholds {
    /// Checked thresholds from seconds; the error names the range.
    pub fn from_seconds(silence: u64, candle_age: u64) -> crate::error::Result<Self> {
        let check = |what: &str, value: u64, range: &std::ops::RangeInclusive<u64>| {
            if range.contains(&value) {
                Ok(Duration::from_secs(value))
            } else {
                Err(crate::error::Error::InvalidInput(format!(
                    "the {what} threshold must be {}–{} seconds, not {value}",
                    range.start(),
                    range.end()
                )))
            }
        };
        Ok(Self {
            silence: check("silence", silence, &SILENCE_RANGE)?,
            candle_age: check("candle age", candle_age, &CANDLE_AGE_RANGE)?,
        })
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            silence: SILENCE,
            candle_age: CANDLE_AGE,
        }
    }
}

/// Why the agent looks dead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum DeadManAlert {
    /// No heartbeat or metrics from the agent for `silent_seconds`.
    Silent {
        #[serde(alias = "silent_seconds")]
        silent_seconds: u64,
    },
    /// The agent's newest candle is `age_seconds` old.
    StaleCandles {
        #[serde(alias = "age_seconds")]
        age_seconds: u64,
    },
}

impl std::fmt::Display for DeadManAlert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Silent { silent_seconds } => write!(
                f,
                "the agent has sent nothing for {silent_seconds} s; the machine may be down"
            ),
            Self::StaleCandles { age_seconds } => write!(
                f,
                "the agent's newest candle is {age_seconds} s old; its market feed may be stuck"
            ),
        }
    }
}

/// A change of the alert.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Raised(DeadManAlert),
    Cleared,
}

/// The detector's memory.
#[derive(Debug, Default)]
pub struct Detector {
    thresholds: Thresholds,
    /// The link was live while the machine was started; the silence counts from here on.
    armed_at: Option<Instant>,
    last_frame: Option<Instant>,
    /// The newest reported candle age (seconds) and when it was reported.
    candle: Option<(f64, Instant)>,
    alert: Option<DeadManAlert>,
}

impl Detector {
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            ..Self::default()
        }
    }

    /// Applies new thresholds from the next check on.
    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }

    /// The alert in force.
    pub fn alert(&self) -> Option<&DeadManAlert> {
        self.alert.as_ref()
    }

    /// A frame from the agent.
    pub fn frame(&mut self, frame: &ServerFrame, now: Instant) {
        self.last_frame = Some(now);
        if let ServerFrame::Metrics(m) = frame {
            self.candle = m.last_candle_age_seconds.map(|age| (age, now));
        }
    }

    /// Looks at `now`: `started` is Fly's (the record's) word, `live` the link's.
    pub fn check(&mut self, now: Instant, started: bool, live: bool) -> Option<Change> {
        if !started {
            self.armed_at = None;
            self.last_frame = None;
            self.candle = None;
            return self.set(None);
        }
        if live && self.armed_at.is_none() {
            self.armed_at = Some(now);
        }
        let armed_at = self.armed_at?;
        let heard = self.last_frame.map_or(armed_at, |f| f.max(armed_at));
        let silent = now.saturating_duration_since(heard);
        let alert = if silent > self.thresholds.silence {
            Some(DeadManAlert::Silent {
                silent_seconds: silent.as_secs(),
            })
        } else {
            self.candle.and_then(|(age, at)| {
                let age = age.max(0.0) + now.saturating_duration_since(at).as_secs_f64();
                (age > self.thresholds.candle_age.as_secs_f64()).then_some(
                    DeadManAlert::StaleCandles {
                        age_seconds: age as u64,
                    },
                )
            })
        };
        self.set(alert)
    }

    /// A new alert of another kind than the one in force counts as a new episode; the same
    /// kind with a larger number does not.
    fn set(&mut self, alert: Option<DeadManAlert>) -> Option<Change> {
        let same_kind = |a: &DeadManAlert, b: &DeadManAlert| {
            std::mem::discriminant(a) == std::mem::discriminant(b)
        };
        match (&self.alert, alert) {
            (None, None) => None,
            (Some(_), None) => {
                self.alert = None;
                Some(Change::Cleared)
            }
            (Some(old), Some(new)) if same_kind(old, &new) => {
                self.alert = Some(new);
                None
            }
            (_, Some(new)) => {
                self.alert = Some(new.clone());
                Some(Change::Raised(new))
            }
        }
    }
}
