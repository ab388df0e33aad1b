//! The Tauri shell: opens the window and registers the commands. Everything it does is
//! delegated to [`crate::api`]; nothing here decides anything.

mod commands;
mod costs;
mod live;
mod local;
mod parking;
mod signals;
pub mod startup;
mod support;
mod traders;
pub mod watch;
mod webview;

use std::process::ExitCode;

use crate::api::{Core, Mode};
use crate::error::{ApiError, Result};
use crate::logging::{self, Console};
use crate::paths::Paths;

/// Runs the desktop app until its last window closes.
pub fn run(paths: Result<Paths>, mode: Mode) -> ExitCode {
    webview::prepare_environment();
    match run_app(paths, mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            tracing::error!(code = ?error.code, message = %error.message, "the app could not start");
            ExitCode::FAILURE
        }
    }
}

fn run_app(paths: Result<Paths>, mode: Mode) -> std::result::Result<(), ApiError> {
    let paths = paths?;
    paths.ensure_dirs()?;
    let _log = logging::init(&paths.log_dir, Console::Info)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "TradeMind starting");
    let core = tauri::async_runtime::block_on(Core::open_as(paths, mode))?;

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(core)
        .manage(watch::Watches::default())
        .manage(Background::default())
        .setup(move |app| {
            let label = open_window(app, mode)?;
            webview::tune(app, label);
            exit_on_signal(app.handle().clone());
            if mode == Mode::Support {
                // Support only inspects: no reconciling, no link of its own, no budget or
                // auto-stop acting on a machine.
                return Ok(());
            }
            reconcile_at_start(app.handle().clone());
            follow_cloud_and_notify(app.handle().clone());
            {
                use tauri::Manager;
                let cancel = app.handle().state::<Background>().0.clone();
                costs::watch_budget(app.handle().clone(), cancel);
            }
            parking::spawn_tasks(app.handle().clone());
            import_support_access(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::token_status,
            commands::token_store,
            commands::token_remove,
            commands::events_recent,
            commands::machine_start,
            commands::machine_status,
            commands::machine_stop,
            commands::machine_restart,
            commands::machine_replace_viewer_token,
            commands::machine_resize,
            commands::machine_destroy,
            commands::machine_events,
            commands::regions_list,
            commands::watch_stop,
            traders::traders_list,
            traders::trader_check,
            traders::trader_save,
            traders::trader_delete,
            traders::trader_set_enabled,
            traders::trader_set_cloud,
            traders::trader_resolve_conflict,
            traders::traders_import,
            traders::traders_export,
            signals::signals_list,
            signals::signals_watch,
            signals::signal_detail,
            local::local_status,
            local::local_start,
            local::local_stop,
            costs::costs_report,
            costs::costs_chart,
            costs::budget_set,
            parking::autostop_get,
            parking::autostop_set,
            parking::watchdog_state,
            parking::watchdog_set,
            live::link_watch,
            live::link_reconnect,
            live::dashboard_watch,
            live::events_query,
            commands::app_ready,
            support::support_access,
            support::support_login,
            support::support_logout,
            support::support_find,
            support::support_inspect,
            support::support_logs,
            support::support_watch,
            support::support_report,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"))
        .map_err(|e| crate::error::Error::Internal(format!("building the window: {e}")))?;

    // `run_return` (unlike `run`) comes back here instead of calling `process::exit`, so the
    // log guard below is dropped and buffered log lines reach the file.
    let code = app.run_return(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            use tauri::Manager;
            handle.state::<watch::Watches>().stop_all();
            handle.state::<Background>().0.cancel();
            let core = handle.state::<Core>();
            tauri::async_runtime::block_on(core.close());
            tracing::info!("TradeMind stopped");
        }
    });
    if code != 0 {
        tracing::warn!(code, "the event loop ended with a non-zero code");
    }
    Ok(())
}

/// The label of the window each mode opens: the trader's `main`, or the read-only `support`
/// window with its own capability (`src-tauri/capabilities/support.json`).
pub fn window_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Owner => "main",
        Mode::Support => "support",
    }
}

/// Creates the mode's window from its entry in `tauri.conf.json` (both are `create: false`,
/// so exactly one window, with exactly its capability, exists).
fn open_window(
    app: &tauri::App,
    mode: Mode,
) -> std::result::Result<&'static str, Box<dyn std::error::Error>> {
    let label = window_label(mode);
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == label)
        .ok_or_else(|| format!("tauri.conf.json has no `{label}` window"))?
        .clone();
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
    Ok(label)
}

/// Matches the machine record with Fly once at start-up (drift is recorded in the audit log),
/// then connects the live link if the machine is started and its agent ready; without a token
/// there is nothing to match. Every Fly call in it has a deadline.
fn reconcile_at_start(handle: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tauri::Manager;
        let core = handle.state::<Core>();
        match crate::api::machine::status(&core, crate::api::Actor::Gui).await {
            Ok(status) => {
                tracing::info!(state = %status.state, drift = ?status.drift, "machine reconciled at start-up")
            }
            Err(e) => tracing::info!(code = ?e.code(), "machine not reconciled at start-up: {e}"),
        }
        // The status above connects the link when the agent is ready; without a Fly token
        // (or Fly unreachable) the record and the agent's own `/health` still decide.
        crate::api::link::connect_after(&core, "start-up").await;
    });
}

/// Every [`ACCESS_IMPORT_EVERY`] until exit: support's looks at the agent (recorded by the
/// agent for its viewer token) into the owner's audit log.
fn import_support_access(handle: tauri::AppHandle) {
    use tauri::Manager;
    let cancel = handle.state::<Background>().0.clone();
    every(ACCESS_IMPORT_EVERY, cancel, move || {
        let handle = handle.clone();
        async move {
            let core = handle.state::<Core>();
            if let Err(e) = crate::api::access::import(&core).await {
                tracing::debug!(error = %e, "support accesses not imported");
            }
        }
    });
}

/// Runs `task` now and every `period` after (a late tick waits a whole period) until
/// `cancel`, which also ends a run in progress.
pub(crate) fn every<F, Fut>(
    period: std::time::Duration,
    cancel: tokio_util::sync::CancellationToken,
    task: F,
) where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tauri::async_runtime::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = ticks.tick() => {}
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = task() => {}
            }
        }
    });
}

/// How often the app reads the agent's record of support's looks.
const ACCESS_IMPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Cancelled at exit: ends the app's background tasks.
#[derive(Default)]
pub(crate) struct Background(pub(crate) tokio_util::sync::CancellationToken);

/// Takes in the agent's trader states and signals (onto the signal bus) and shows desktop
/// notifications of new signals, until the app exits (the watch registry's exit token).
fn follow_cloud_and_notify(handle: tauri::AppHandle) {
    use tauri::Manager;
    let cancel = handle.state::<Background>().0.clone();
    let core = handle.state::<Core>();
    let follow = crate::api::traders::follow_cloud(&core, cancel.clone());
    let notifier = handle.clone();
    let notify = crate::api::signals::notifications(
        &core,
        move |notice| signals::deliver(&notifier, notice),
        cancel,
    );
    tauri::async_runtime::spawn(follow);
    tauri::async_runtime::spawn(notify);
}

/// SIGTERM / SIGINT (a session ending, `kill`, Ctrl-C in a terminal) take the same exit path as
/// closing the window, so the database pool is drained and the logs are flushed.
fn exit_on_signal(handle: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                tracing::warn!("could not install signal handlers");
                return;
            };
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received, exiting"),
                _ = int.recv() => tracing::info!("SIGINT received, exiting"),
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
        }
        handle.exit(0);
    });
}
