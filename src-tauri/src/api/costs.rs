//! Costs and the monthly budget: the month's report (per day, with the budget's status),
//! setting the budget and per-size price overrides, and the periodic budget check that warns
//! at 80 % and 100 % (audited once per month each) and, when enabled, stops the machine once.
//! The accounting rules are in [`crate::costs`].

use std::future::Future;

use serde::Serialize;
use ts_rs::TS;

use super::{Actor, Core};
use crate::costs::budget::{Budget, Clock};
use crate::costs::ledger::{self, Month};
use crate::costs::price::{self, PriceTable};
use crate::costs::view::{CostReport, PriceOverride};
use crate::error::Result;
use crate::store::events::EventKind;

/// How often the window checks the budget.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The costs of `month` (`YYYY-MM`; default: the clock's month) up to the clock's now.
pub async fn report(core: &Core, month: Option<&str>, clock: &dyn Clock) -> Result<CostReport> {
    let now_ms = clock.now_ms();
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => Month::parse(text)?,
        None => Month::of(now_ms),
    };
    let store = core.store();
    let overrides = store.price_overrides().await?;
    let prices = PriceTable::with_overrides(overrides.iter().cloned())?;
    let changes = store
        .machine_states(month.start_ms(), month.end_ms().min(now_ms))
        .await?;
    let costs = ledger::month_costs(&changes, &prices, month, now_ms);
    let budget = store.budget().await?;
    let overrides = overrides
        .into_iter()
        .map(|(size, usd_per_hour)| PriceOverride { size, usd_per_hour })
        .collect();
    Ok(CostReport::new(&costs, now_ms, budget.as_ref(), overrides))
}

/// The smallest and largest chart side, in pixels.
const CHART_SIDE: std::ops::RangeInclusive<u32> = 100..=4096;

/// The month's report drawn as an SVG bar chart of `width` × `height` pixels (each 100–4096).
pub async fn chart(
    core: &Core,
    month: Option<&str>,
    (width, height): (u32, u32),
    clock: &dyn Clock,
) -> Result<String> {
    for side in [width, height] {
        if !CHART_SIDE.contains(&side) {
            return Err(crate::error::Error::InvalidInput(format!(
                "the chart must be 100–4096 pixels wide and high, not {width} × {height}"
            )));
        }
    }
    let report = report(core, month, clock).await?;
    crate::chart::costs::render_costs(&report, (width, height))
}

/// The monthly budget, if set.
pub async fn budget(core: &Core) -> Result<Option<Budget>> {
    core.store().budget().await
}

/// Sets the monthly budget (USD, more than 0), audited.
pub async fn set_budget(
    core: &Core,
    actor: Actor,
    monthly_usd: f64,
    hard_stop: bool,
) -> Result<Budget> {
    core.require_owner("budget set").await?;
    let budget = Budget::new(monthly_usd, hard_stop)?;
    core.store().set_budget(Some(&budget)).await?;
    core.store()
        .record_event(
            actor,
            EventKind::BudgetSet,
            serde_json::json!({ "monthlyUsd": monthly_usd, "hardStop": hard_stop }),
        )
        .await?;
    Ok(budget)
}

/// Removes the monthly budget, audited.
pub async fn clear_budget(core: &Core, actor: Actor) -> Result<()> {
    core.require_owner("budget clear").await?;
    core.store().set_budget(None).await?;
    core.store()
        .record_event(
            actor,
            EventKind::BudgetSet,
            serde_json::json!({ "monthlyUsd": null }),
        )
        .await?;
    Ok(())
}

/// Sets (or with `None` removes) the price of a size per started hour, audited.
pub async fn set_price(
    core: &Core,
    actor: Actor,
    size: &str,
    usd_per_hour: Option<f64>,
) -> Result<Vec<PriceOverride>> {
    core.require_owner("costs price").await?;
    let (size, usd) = match usd_per_hour {
        Some(usd) => {
            let (size, usd) = price::check_override(size, usd)?;
            (size, Some(usd))
        }
        None => (crate::machine::size::MachineSize::parse(size)?.name, None),
    };
    core.store().set_price_override(&size, usd).await?;
    core.store()
        .record_event(
            actor,
            EventKind::BudgetSet,
            serde_json::json!({ "size": size, "usdPerHour": usd }),
        )
        .await?;
    Ok(core
        .store()
        .price_overrides()
        .await?
        .into_iter()
        .map(|(size, usd_per_hour)| PriceOverride { size, usd_per_hour })
        .collect())
}

/// A budget alert raised by [`check_budget`] (first time this month).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetAlert {
    pub month: String,
    /// `80`, `100` or `stop`.
    pub alert: String,
    pub spent_usd: f64,
    pub monthly_usd: f64,
    /// For `stop`: why stopping failed, if it did.
    pub error: Option<String>,
}

impl BudgetAlert {
    /// The audit log's details.
    fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "month": self.month,
            "alert": self.alert,
            "spentUsd": self.spent_usd,
            "monthlyUsd": self.monthly_usd,
            "error": self.error,
        })
    }

    /// The desktop notification's title and body.
    pub fn notice(&self) -> (String, String) {
        let spent = format!(
            "${:.2} of ${:.2} spent in {}",
            self.spent_usd, self.monthly_usd, self.month
        );
        match (self.alert.as_str(), &self.error) {
            ("stop", None) => ("Budget reached: machine stopped".into(), spent),
            ("stop", Some(e)) => (
                "Budget reached: stopping the machine failed".into(),
                format!("{spent}. {e}"),
            ),
            (percent, _) => (format!("{percent} % of your monthly budget"), spent),
        }
    }
}

/// Checks the month's spend against the budget: each threshold reached for the first time
/// this month is audited (`budget.warning`) and returned; with the hard stop on, at 100 %,
/// a started machine is stopped through `stop` once per month (`budget.stop`, with the
/// error if stopping failed).
pub async fn check_budget<F, Fut, T>(
    core: &Core,
    clock: &dyn Clock,
    stop: F,
) -> Result<Vec<BudgetAlert>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let Some(budget) = core.store().budget().await? else {
        return Ok(Vec::new());
    };
    let now_ms = clock.now_ms();
    let report = report(core, None, clock).await?;
    let spent = report.total_usd;
    let store = core.store();
    let mut alerts = Vec::new();
    let alert = |name: &str, error: Option<String>| BudgetAlert {
        month: report.month.clone(),
        alert: name.to_owned(),
        spent_usd: spent,
        monthly_usd: budget.monthly_usd,
        error,
    };
    for threshold in budget.reached(spent) {
        let name = threshold.to_string();
        if store
            .raise_budget_alert(&report.month, &name, now_ms)
            .await?
        {
            let raised = alert(&name, None);
            store
                .record_event(Actor::App, EventKind::BudgetWarning, raised.details())
                .await?;
            alerts.push(raised);
        }
    }
    let record = store.machine().await?;
    let running = record
        .as_ref()
        .and_then(|r| r.state.as_deref())
        .is_some_and(ledger::is_running);
    if budget.must_stop(spent)
        && running
        && store
            .raise_budget_alert(&report.month, "stop", now_ms)
            .await?
    {
        let error = stop().await.err().map(|e| e.to_string());
        let stopped = alert("stop", error);
        let machine_id = record.and_then(|r| r.machine_id);
        store
            .record_machine_event(
                Actor::App,
                EventKind::BudgetStop,
                machine_id.as_deref(),
                stopped.details(),
            )
            .await?;
        alerts.push(stopped);
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::costs::budget::BudgetLevel;
    use crate::costs::StateChange;
    use crate::paths::Paths;
    use crate::store::machine::MachineRecord;

    /// A clock the test moves.
    struct TestClock(AtomicI64);

    impl Clock for TestClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn at(day: u32, hour: u32) -> i64 {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .unwrap()
            .timestamp_millis()
    }

    /// `high` in sin costs 31/720 $/h; started on the 1st 00:00, the volume since then.
    async fn core_with_a_started_machine(dir: &std::path::Path) -> Core {
        let core = Core::open(Paths::for_data_dir(dir.to_path_buf()).unwrap())
            .await
            .unwrap();
        core.store()
            .save_machine(&MachineRecord {
                app: "trademind-abc".into(),
                org_slug: "personal".into(),
                machine_id: Some("m1".into()),
                instance_id: None,
                region: "sin".into(),
                size: "high".into(),
                image: "img:1".into(),
                state: Some("started".into()),
                seen_at: None,
                secrets_version: None,
                secrets_fingerprint: None,
            })
            .await
            .unwrap();
        // The row was recorded at the wall clock's now: replace it by a scripted start.
        sqlx::query("DELETE FROM machine_states")
            .execute(core.store().pool())
            .await
            .unwrap();
        core.store()
            .record_machine_state(&StateChange {
                machine_id: "m1".into(),
                state: "started".into(),
                size: "high".into(),
                region: "sin".into(),
                at_ms: at(1, 0),
            })
            .await
            .unwrap();
        core
    }

    /// Hours of `high` plus volume for a spend of `usd`: $/h = 31/720 + 0.15/720.
    fn hours_for(usd: f64) -> f64 {
        usd / (31.15 / 720.0)
    }

    async fn kinds(core: &Core, kind: &str) -> usize {
        core.store().events_of_kind(kind, 50).await.unwrap().len()
    }

    #[tokio::test]
    async fn warnings_once_per_threshold_and_hard_stop_once() {
        let dir = tempfile::tempdir().unwrap();
        let core = core_with_a_started_machine(dir.path()).await;
        set_budget(&core, Actor::Cli, 10.0, true).await.unwrap();
        let clock = TestClock(AtomicI64::new(at(1, 0)));
        let stops = AtomicU32::new(0);
        let stop = || async {
            stops.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let move_to = |usd: f64| {
            let ms = at(1, 0) + (hours_for(usd) * 3_600_000.0) as i64;
            clock.0.store(ms, Ordering::SeqCst);
        };
        move_to(7.9);
        assert!(check_budget(&core, &clock, stop).await.unwrap().is_empty());
        move_to(8.1);
        let alerts = check_budget(&core, &clock, stop).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].alert.as_str(), alerts[0].month.as_str()),
            ("80", "2026-11")
        );
        assert!((alerts[0].spent_usd - 8.1).abs() < 0.01);
        move_to(9.0);
        assert!(
            check_budget(&core, &clock, stop).await.unwrap().is_empty(),
            "80 % once"
        );
        let report = report(&core, None, &clock).await.unwrap();
        assert_eq!(report.budget.unwrap().level, BudgetLevel::Warning);
        move_to(10.2);
        let alerts = check_budget(&core, &clock, stop).await.unwrap();
        let names: Vec<&str> = alerts.iter().map(|a| a.alert.as_str()).collect();
        assert_eq!(names, ["100", "stop"]);
        assert_eq!(stops.load(Ordering::SeqCst), 1);
        move_to(11.0);
        assert!(check_budget(&core, &clock, stop).await.unwrap().is_empty());
        assert_eq!(
            stops.load(Ordering::SeqCst),
            1,
            "the hard stop acts once a month"
        );
        assert_eq!(kinds(&core, "budget.warning").await, 2);
        let stopped = core.store().events_of_kind("budget.stop", 5).await.unwrap();
        assert_eq!(stopped.len(), 1);
        assert_eq!(stopped[0].machine_id.as_deref(), Some("m1"));
        assert_eq!(stopped[0].actor, "app");
        let (title, body) = alerts[1].notice();
        assert!(
            title.contains("stopped") && body.contains("$10.00"),
            "{title}: {body}"
        );
    }

    #[tokio::test]
    async fn no_stop_when_disabled_or_without_a_budget() {
        let dir = tempfile::tempdir().unwrap();
        let core = core_with_a_started_machine(dir.path()).await;
        let clock = TestClock(AtomicI64::new(at(1, 0) + (hours_for(20.0) * 3.6e6) as i64));
        let stops = AtomicU32::new(0);
        let stop = || async {
            stops.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        assert!(check_budget(&core, &clock, stop).await.unwrap().is_empty());
        set_budget(&core, Actor::Gui, 10.0, false).await.unwrap();
        let alerts = check_budget(&core, &clock, stop).await.unwrap();
        let names: Vec<&str> = alerts.iter().map(|a| a.alert.as_str()).collect();
        assert_eq!(names, ["80", "100"]);
        assert_eq!(stops.load(Ordering::SeqCst), 0);
        assert_eq!(kinds(&core, "budget.stop").await, 0);
        let report = report(&core, None, &clock).await.unwrap();
        assert_eq!(report.budget.unwrap().level, BudgetLevel::Exceeded);
    }

    #[tokio::test]
    async fn a_failed_stop_is_audited_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let core = core_with_a_started_machine(dir.path()).await;
        set_budget(&core, Actor::Cli, 1.0, true).await.unwrap();
        let clock = TestClock(AtomicI64::new(at(3, 0)));
        let alerts = check_budget(&core, &clock, || async {
            Err::<(), _>(crate::error::Error::NoMachine)
        })
        .await
        .unwrap();
        let stop = alerts.iter().find(|a| a.alert == "stop").unwrap();
        assert!(stop.error.is_some());
        let events = core.store().events_of_kind("budget.stop", 5).await.unwrap();
        assert!(!events[0].details["error"].is_null());
    }

    #[tokio::test]
    async fn bad_inputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let core = core_with_a_started_machine(dir.path()).await;
        for usd in [-1.0, 0.0, f64::NAN] {
            assert!(
                set_budget(&core, Actor::Cli, usd, false).await.is_err(),
                "{usd}"
            );
        }
        assert!(set_price(&core, Actor::Cli, "huge", Some(0.1))
            .await
            .is_err());
        assert!(set_price(&core, Actor::Cli, "normal", Some(-0.1))
            .await
            .is_err());
        assert!(set_price(&core, Actor::Cli, "huge", None).await.is_err());
        let clock = TestClock(AtomicI64::new(at(2, 0)));
        for month in ["2026-13", "2026-1", "soon"] {
            assert!(report(&core, Some(month), &clock).await.is_err(), "{month}");
        }
        assert_eq!(budget(&core).await.unwrap(), None);
        assert_eq!(
            kinds(&core, "budget.set").await,
            0,
            "nothing refused is audited"
        );
        for size in [(99, 300), (300, 5000)] {
            assert!(chart(&core, None, size, &clock).await.is_err(), "{size:?}");
        }
        assert!(chart(&core, None, (300, 150), &clock)
            .await
            .unwrap()
            .starts_with("<svg"));
        let overrides = set_price(&core, Actor::Cli, "High", Some(0.05))
            .await
            .unwrap();
        assert_eq!(overrides[0].size, "high");
        let report = report(&core, Some("2026-11"), &clock).await.unwrap();
        assert!((report.compute_usd - 24.0 * 0.05).abs() < 1e-9);
    }
}
