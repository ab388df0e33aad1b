//! Tauri commands of the live group: the link indicator, reconnect, the dashboard stream and
//! the audit log query. Streams run under [`super::watch::Watches`] until `watch_stop`.

use tauri::ipc::Channel;
use tauri::State;

use super::watch::Watches;
use crate::api::{self, Core};
use crate::cloud::LinkView;
use crate::error::ApiError;
use crate::store::events::{AuditEvent, EventFilter};

type CommandResult<T> = std::result::Result<T, ApiError>;

/// Sends the link's view at once and on every change; returns the id for `watch_stop`.
#[tauri::command]
pub async fn link_watch(
    core: State<'_, Core>,
    watches: State<'_, Watches>,
    channel: Channel<LinkView>,
) -> CommandResult<u32> {
    let mut views = core.cloud().view();
    Ok(watches.spawn(move |_cancel| async move {
        loop {
            let view = views.borrow_and_update().clone();
            if let Err(e) = channel.send(view) {
                tracing::debug!(error = %e, "the window stopped listening to the link");
                return;
            }
            if views.changed().await.is_err() {
                return;
            }
        }
    }))
}

/// Connects again now (or connects, when the agent is ready and no link runs).
#[tauri::command]
pub async fn link_reconnect(core: State<'_, Core>) -> CommandResult<LinkView> {
    Ok(api::link::reconnect(&core).await?)
}

/// Streams the dashboard of `range` (`15m`, `1h`, `24h`, `7d`); a bad range is refused here.
#[tauri::command]
pub async fn dashboard_watch(
    app: tauri::AppHandle,
    watches: State<'_, Watches>,
    range: String,
    channel: Channel<api::dashboard::DashboardFrame>,
) -> CommandResult<u32> {
    let range = api::dashboard::parse_range(&range)?;
    Ok(watches.spawn(move |cancel| async move {
        use tauri::Manager;
        let core = app.state::<Core>();
        api::dashboard::watch(&core, range, cancel, |frame| match channel.send(frame) {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(error = %e, "the window stopped listening to the dashboard");
                false
            }
        })
        .await;
    }))
}

/// The audit log, filtered (the Events area).
#[tauri::command]
pub async fn events_query(
    core: State<'_, Core>,
    filter: EventFilter,
) -> CommandResult<Vec<AuditEvent>> {
    Ok(api::status::query_events(&core, &filter).await?)
}
