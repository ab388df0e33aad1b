//! Tauri commands of the Machine area's cost panel, and the budget check every
//! [`api::costs::CHECK_EVERY`] (desktop notifications of budget alerts; the hard stop).

use tauri::{Manager, State};
use tokio_util::sync::CancellationToken;

use crate::api::{self, Actor, Core};
use crate::costs::view::CostReport;
use crate::costs::SystemClock;
use crate::error::ApiError;
use crate::signals::notify::Notice;

type CommandResult<T> = std::result::Result<T, ApiError>;

/// The month's costs (`YYYY-MM`; default this month) with the budget's status.
#[tauri::command]
pub async fn costs_report(
    core: State<'_, Core>,
    month: Option<String>,
) -> CommandResult<CostReport> {
    Ok(api::costs::report(&core, month.as_deref(), &SystemClock).await?)
}

/// The month's costs as an SVG bar chart.
#[tauri::command]
pub async fn costs_chart(
    core: State<'_, Core>,
    month: Option<String>,
    width: u32,
    height: u32,
) -> CommandResult<String> {
    Ok(api::costs::chart(&core, month.as_deref(), (width, height), &SystemClock).await?)
}

/// Sets the monthly budget (`monthlyUsd: null` removes it); returns this month's report.
#[tauri::command]
pub async fn budget_set(
    core: State<'_, Core>,
    monthly_usd: Option<f64>,
    hard_stop: bool,
) -> CommandResult<CostReport> {
    match monthly_usd {
        Some(usd) => {
            api::costs::set_budget(&core, Actor::Gui, usd, hard_stop).await?;
        }
        None => api::costs::clear_budget(&core, Actor::Gui).await?,
    }
    Ok(api::costs::report(&core, None, &SystemClock).await?)
}

/// Checks the budget at start-up and every [`api::costs::CHECK_EVERY`] until `cancel`: each
/// new alert becomes a desktop notification; the hard stop stops the machine (actor `app`).
pub fn watch_budget(handle: tauri::AppHandle, cancel: CancellationToken) {
    super::every(api::costs::CHECK_EVERY, cancel, move || {
        let handle = handle.clone();
        async move {
            let core = handle.state::<Core>();
            let stop = || api::machine::stop(&core, Actor::App, None);
            match api::costs::check_budget(&core, &SystemClock, stop).await {
                Ok(alerts) => {
                    for alert in alerts {
                        let (title, body) = alert.notice();
                        super::signals::deliver(&handle, Notice { title, body });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the budget check failed"),
            }
        }
    });
}
