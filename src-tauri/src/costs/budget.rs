//! The monthly budget: the share of it spent, warnings at 80 % and 100 %, and whether the
//! hard stop applies — pure decisions over an injectable [`Clock`]; the [`crate::api::costs`]
//! layer records each crossing once per month and acts on it.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};

/// The warning thresholds, percent of the budget.
pub const THRESHOLDS: [u32; 2] = [80, 100];

/// What time it is (unix milliseconds): the system clock, or a test's.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A monthly budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    /// USD per calendar month (UTC).
    pub monthly_usd: f64,
    /// Stop the machine when the month's spend reaches the budget.
    pub hard_stop: bool,
}

impl Budget {
    /// A budget of a finite, positive amount.
    pub fn new(monthly_usd: f64, hard_stop: bool) -> Result<Self> {
        if !monthly_usd.is_finite() || monthly_usd <= 0.0 {
            return Err(Error::InvalidInput(format!(
                "{monthly_usd} is not a budget: give USD per month, more than 0 \
                 (`trademind budget clear` removes the budget)"
            )));
        }
        Ok(Self {
            monthly_usd,
            hard_stop,
        })
    }

    /// Percent of the budget `spent`.
    pub fn percent(&self, spent_usd: f64) -> f64 {
        spent_usd / self.monthly_usd * 100.0
    }

    /// The thresholds `spent` has reached, lowest first.
    pub fn reached(&self, spent_usd: f64) -> Vec<u32> {
        let percent = self.percent(spent_usd);
        THRESHOLDS
            .into_iter()
            .filter(|t| percent >= f64::from(*t))
            .collect()
    }

    /// Whether the hard stop applies at this spend.
    pub fn must_stop(&self, spent_usd: f64) -> bool {
        self.hard_stop && self.percent(spent_usd) >= 100.0
    }
}

/// How close the month's spend is to the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// Under 80 %.
    Ok,
    /// 80 % or more.
    Warning,
    /// 100 % or more.
    Exceeded,
}

/// The budget against the month's spend (the report's `budget` field; the UI's banner).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub monthly_usd: f64,
    pub hard_stop: bool,
    pub spent_usd: f64,
    pub percent: f64,
    pub level: BudgetLevel,
}

impl BudgetStatus {
    pub fn of(budget: &Budget, spent_usd: f64) -> Self {
        let percent = budget.percent(spent_usd);
        let level = match budget.reached(spent_usd).last() {
            Some(100) => BudgetLevel::Exceeded,
            Some(_) => BudgetLevel::Warning,
            None => BudgetLevel::Ok,
        };
        Self {
            monthly_usd: budget.monthly_usd,
            hard_stop: budget.hard_stop,
            spent_usd,
            percent,
            level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_levels() {
        let budget = Budget::new(10.0, false).unwrap();
        assert_eq!(budget.reached(7.99), Vec::<u32>::new());
        assert_eq!(budget.reached(8.0), vec![80]);
        assert_eq!(budget.reached(10.0), vec![80, 100]);
        assert_eq!(BudgetStatus::of(&budget, 5.0).level, BudgetLevel::Ok);
        assert_eq!(BudgetStatus::of(&budget, 9.0).level, BudgetLevel::Warning);
        assert_eq!(BudgetStatus::of(&budget, 12.0).level, BudgetLevel::Exceeded);
        assert!(!budget.must_stop(20.0), "no hard stop unless enabled");
        let strict = Budget::new(10.0, true).unwrap();
        assert!(!strict.must_stop(9.99) && strict.must_stop(10.0));
    }

    #[test]
    fn bad_budgets_are_refused() {
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Budget::new(bad, false),
                Err(Error::InvalidInput(_))
            ));
        }
    }
}
