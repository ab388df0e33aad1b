//! Runtime and storage intervals from recorded machine state changes, split at UTC day
//! boundaries and priced (the rules are in the [module doc](super)).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use super::price::{self, PriceTable};
use crate::error::{Error, Result};

const MS_PER_HOUR: f64 = 3_600_000.0;
const MS_PER_DAY: i64 = 86_400_000;

/// A state Fly reported for a machine, with the size and region it had then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub machine_id: String,
    pub state: String,
    pub size: String,
    pub region: String,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// Whether Fly bills the started price in this state.
pub fn is_running(state: &str) -> bool {
    matches!(state, "started" | "stopping" | "replacing")
}

/// A calendar month in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidInput(format!(
                "{text:?} is not a month: use YYYY-MM, e.g. 2026-11"
            ))
        };
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        Ok(Self { first })
    }

    /// The month `at_ms` falls in.
    pub fn of(at_ms: i64) -> Self {
        let date = DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .date_naive();
        Self {
            first: date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// Unix milliseconds of the first instant.
    pub fn start_ms(self) -> i64 {
        day_start_ms(self.first)
    }

    /// Unix milliseconds of the next month's first instant.
    pub fn end_ms(self) -> i64 {
        day_start_ms(self.next().first)
    }

    /// The following month.
    pub fn next(self) -> Self {
        let (y, m) = (self.first.year(), self.first.month());
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Self {
            first: NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(self.first),
        }
    }

    /// The days of the month.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let next = self.next().first;
        self.first.iter_days().take_while(move |d| *d < next)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.first.format("%Y-%m"))
    }
}

fn day_start_ms(day: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .timestamp_millis()
}

/// One UTC day's costs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayTotals {
    pub started_hours: f64,
    pub compute_usd: f64,
    pub storage_usd: f64,
}

/// A month's costs, day by day.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthCosts {
    pub month: Month,
    pub days: Vec<(NaiveDate, DayTotals)>,
    /// Sizes with no price (neither a CPU priority nor a Fly preset): counted as $0.
    pub unpriced: Vec<String>,
}

impl MonthCosts {
    pub fn compute_usd(&self) -> f64 {
        self.days.iter().map(|(_, d)| d.compute_usd).sum()
    }

    pub fn storage_usd(&self) -> f64 {
        self.days.iter().map(|(_, d)| d.storage_usd).sum()
    }

    pub fn total_usd(&self) -> f64 {
        self.compute_usd() + self.storage_usd()
    }
}

/// The month's costs from every machine's state changes (any order), counting the last
/// state of each machine up to `now_ms`.
pub fn month_costs(
    changes: &[StateChange],
    prices: &PriceTable,
    month: Month,
    now_ms: i64,
) -> MonthCosts {
    let mut by_machine: BTreeMap<&str, Vec<&StateChange>> = BTreeMap::new();
    for change in changes {
        by_machine
            .entry(change.machine_id.as_str())
            .or_default()
            .push(change);
    }
    let mut days: BTreeMap<NaiveDate, DayTotals> =
        month.days().map(|d| (d, DayTotals::default())).collect();
    let mut unpriced = Vec::new();
    let (from, until) = (month.start_ms(), month.end_ms().min(now_ms));
    for mut machine in by_machine.into_values() {
        machine.sort_by_key(|c| c.at_ms);
        for (i, change) in machine.iter().enumerate() {
            let end = machine.get(i + 1).map_or(now_ms, |next| next.at_ms);
            let (start, end) = (change.at_ms.max(from), end.min(until));
            if start >= end || change.state == "destroyed" {
                continue;
            }
            let compute = if is_running(&change.state) {
                match prices.started_per_hour(&change.size, &change.region) {
                    Some(usd) => Some(usd),
                    None => {
                        if !unpriced.contains(&change.size) {
                            unpriced.push(change.size.clone());
                        }
                        Some(0.0)
                    }
                }
            } else {
                None
            };
            add_interval(&mut days, start, end, compute);
        }
    }
    MonthCosts {
        month,
        days: days.into_iter().collect(),
        unpriced,
    }
}

/// Adds `[start, end)` to the days it overlaps: storage always, compute at `compute` USD/h.
fn add_interval(
    days: &mut BTreeMap<NaiveDate, DayTotals>,
    start: i64,
    end: i64,
    compute: Option<f64>,
) {
    let mut at = start;
    while at < end {
        let day_start = at - at.rem_euclid(MS_PER_DAY);
        let piece_end = end.min(day_start + MS_PER_DAY);
        let hours = (piece_end - at) as f64 / MS_PER_HOUR;
        let date = DateTime::from_timestamp_millis(at)
            .unwrap_or_default()
            .date_naive();
        if let Some(day) = days.get_mut(&date) {
            day.storage_usd += hours * price::storage_per_hour();
            if let Some(usd) = compute {
                day.started_hours += hours;
                day.compute_usd += hours * usd;
            }
        }
        at = piece_end;
    }
}
