//! The user's running schedule: the days and the daily window (local time, a fixed UTC
//! offset) in which the machine may run. A window whose end is before its start runs past
//! midnight (`22:00-06:00` on Friday runs until Saturday 06:00). Parsed from and shown as
//! `mon-fri 08:00-22:00` (days: a list or ranges of `mon`…`sun`, `daily`).

use chrono::{DateTime, Datelike, Duration, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

const DAYS: [Day; 7] = [
    Day::Mon,
    Day::Tue,
    Day::Wed,
    Day::Thu,
    Day::Fri,
    Day::Sat,
    Day::Sun,
];

impl Day {
    fn name(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self as usize]
    }

    fn parse(text: &str) -> Result<Self> {
        DAYS.into_iter()
            .find(|d| d.name() == text)
            .ok_or_else(|| Error::InvalidInput(format!("unknown day {text:?} (mon … sun)")))
    }

    fn of(weekday: chrono::Weekday) -> Self {
        DAYS[weekday.num_days_from_monday() as usize]
    }
}

/// When the machine may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// The days a window starts on, in week order, no repeats.
    pub days: Vec<Day>,
    /// Minutes after local midnight (0–1439).
    pub start_minute: u16,
    /// Minutes after local midnight (0–1439); before `start_minute`: past midnight.
    pub end_minute: u16,
    /// Local time's offset from UTC in minutes (e.g. 60 for UTC+1).
    pub utc_offset_minutes: i16,
}

impl Schedule {
    /// Parses `DAYS HH:MM-HH:MM` (e.g. `mon-fri 08:00-22:00`, `sat,sun 10:00-02:00`,
    /// `daily 07:30-23:00`) at the given UTC offset (minutes, within ±14 h).
    pub fn parse(text: &str, utc_offset_minutes: i16) -> Result<Self> {
        let bad = |why: &str| Error::InvalidInput(format!("schedule {text:?}: {why}"));
        if !(-14 * 60..=14 * 60).contains(&utc_offset_minutes) {
            return Err(bad("the UTC offset must be within ±14 h"));
        }
        let mut parts = text.split_whitespace();
        let (Some(days), Some(window), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected DAYS HH:MM-HH:MM, e.g. mon-fri 08:00-22:00"));
        };
        let days = parse_days(&days.to_lowercase())?;
        let (start, end) = window
            .split_once('-')
            .ok_or_else(|| bad("the window is HH:MM-HH:MM"))?;
        let (start_minute, end_minute) = (parse_time(start)?, parse_time(end)?);
        if start_minute == end_minute {
            return Err(bad("the window starts and ends at the same time"));
        }
        Ok(Self {
            days,
            start_minute,
            end_minute,
            utc_offset_minutes,
        })
    }

    /// Whether `now` is inside a window.
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        let offset = FixedOffset::east_opt(i32::from(self.utc_offset_minutes) * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
        let local = now.with_timezone(&offset);
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let today = Day::of(local.weekday());
        let yesterday = Day::of((local - Duration::days(1)).weekday());
        let (start, end) = (self.start_minute, self.end_minute);
        if start < end {
            self.days.contains(&today) && (start..end).contains(&minute)
        } else {
            (self.days.contains(&today) && minute >= start)
                || (self.days.contains(&yesterday) && minute < end)
        }
    }

    /// Checks a schedule that came in as JSON (the window's form).
    pub fn validate(&self) -> Result<()> {
        let bad = |why: &str| Error::InvalidInput(format!("schedule: {why}"));
        if self.days.is_empty() {
            return Err(bad("no days"));
        }
        if self.start_minute >= 1440 || self.end_minute >= 1440 {
            return Err(bad("a time is past 23:59"));
        }
        if self.start_minute == self.end_minute {
            return Err(bad("the window starts and ends at the same time"));
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return Err(bad("the UTC offset must be within ±14 h"));
        }
        Ok(())
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days: Vec<&str> = self.days.iter().map(|d| d.name()).collect();
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(
            f,
            "{} {}-{}",
            days.join(","),
            hm(self.start_minute),
            hm(self.end_minute)
        )?;
        if self.utc_offset_minutes != 0 {
            let sign = if self.utc_offset_minutes < 0 {
                '-'
            } else {
                '+'
            };
            let m = self.utc_offset_minutes.unsigned_abs();
            write!(f, " UTC{sign}{:02}:{:02}", m / 60, m % 60)?;
        }
        Ok(())
    }
}

/// `mon-fri`, `sat,sun`, `mon,wed-fri`, `daily`.
fn parse_days(text: &str) -> Result<Vec<Day>> {
    if text == "daily" {
        return Ok(DAYS.to_vec());
    }
    let mut days = Vec::new();
    for item in text.split(',') {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (Day::parse(from)?, Day::parse(to)?);
                if from > to {
                    return Err(Error::InvalidInput(format!(
                        "days {item:?} run backwards (write e.g. fri,sat,sun)"
                    )));
                }
                days.extend(DAYS[from as usize..=to as usize].iter().copied());
            }
            None => days.push(Day::parse(item)?),
        }
    }
    days.sort();
    days.dedup();
    Ok(days)
}

/// `HH:MM`, 00:00–23:59.
fn parse_time(text: &str) -> Result<u16> {
    let bad = || Error::InvalidInput(format!("time {text:?} is not HH:MM within 00:00-23:59"));
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}
