//! Support mode in the operation layer: every operation that changes a machine, a trader, a
//! token or a setting is refused with `forbidden` before it touches anything, each refusal
//! is audited, and the same database is untouched; reads still work. And the support window's
//! capability grants no command that changes anything.

use std::sync::Arc;

use super::*;
use crate::error::ErrorCode;
use crate::machine::provision::StartOptions;
use crate::paths::Paths;
use crate::sensitive::Sensitive;

async fn support_core(dir: &std::path::Path) -> Core {
    Core::open_as(
        Paths::for_data_dir(dir.to_path_buf()).unwrap(),
        Mode::Support,
    )
    .await
    .unwrap()
}

fn forbidden<T: std::fmt::Debug>(what: &str, result: crate::error::Result<T>) {
    let error = result.expect_err(what);
    assert_eq!(error.code(), ErrorCode::Forbidden, "{what}: {error}");
    let api = crate::error::ApiError::from(error);
    assert!(
        api.message.contains("support mode"),
        "{what}: {}",
        api.message
    );
    assert!(api.hint.is_some(), "{what}");
}

#[tokio::test]
async fn every_change_is_refused_and_audited_in_support_mode() {
    let dir = tempfile::tempdir().unwrap();
    let core = support_core(dir.path()).await;
    let traders_before = core.store().traders().await.unwrap();
    let trader = traders_before[0].trader.clone();
    let gui = Actor::Gui;
    let sink: crate::machine::ProgressSink = Arc::new(|_| {});

    forbidden(
        "token store",
        token::store(&core, gui, Sensitive::new("FlyV1 fm2_x".into())).await,
    );
    forbidden("token remove", token::remove(&core, gui).await);
    forbidden(
        "machine start",
        machine::start(&core, gui, StartOptions::default(), sink).await,
    );
    forbidden("machine stop", machine::stop(&core, gui, None).await);
    forbidden("machine restart", machine::restart(&core, gui, None).await);
    forbidden(
        "machine resize",
        machine::resize(&core, gui, "shared-cpu-2x").await,
    );
    forbidden(
        "machine destroy",
        machine::destroy(&core, gui, true, None).await,
    );
    forbidden(
        "machine viewer-token replace",
        machine::replace_viewer_token(&core, gui, None).await,
    );
    forbidden(
        "machine status (owner session)",
        machine::status(&core, gui).await,
    );
    forbidden("link connect", link::connect(&core).await);
    forbidden("link reconnect", link::reconnect(&core).await);
    forbidden(
        "trader save",
        traders::save(&core, gui, trader.clone()).await,
    );
    forbidden(
        "trader delete",
        traders::delete(&core, gui, &trader.id, trader.version).await,
    );
    forbidden(
        "trader enable",
        traders::set_enabled(&core, gui, &trader.id, false).await,
    );
    forbidden(
        "trader cloud",
        traders::set_cloud(&core, gui, &trader.id, true, trader.version).await,
    );
    forbidden(
        "trader conflict",
        traders::resolve_conflict(&core, gui, &trader.id, crate::traders::ConflictChoice::Mine)
            .await,
    );
    forbidden(
        "traders import",
        traders::import(&core, gui, "[]".into()).await,
    );
    forbidden(
        "local start",
        local::start(&core, crate::local::LocalStart::default()).await,
    );
    forbidden(
        "budget set",
        costs::set_budget(&core, gui, 10.0, true).await,
    );
    forbidden("budget clear", costs::clear_budget(&core, gui).await);
    forbidden(
        "price set",
        costs::set_price(&core, gui, "shared-cpu-1x", Some(0.01)).await,
    );
    forbidden(
        "autostop set",
        parking::set(&core, gui, crate::parking::AutoStopSettings::default()).await,
    );
    forbidden(
        "deadman set",
        parking::set_watchdog(&core, gui, Some((60, 600))).await,
    );

    // Nothing changed, every refusal is in the audit log, and reads still answer.
    assert_eq!(core.store().traders().await.unwrap(), traders_before);
    let refused = core
        .store()
        .events_of_kind("support.refused", 100)
        .await
        .unwrap();
    assert_eq!(refused.len(), 23, "{refused:#?}");
    assert!(refused.iter().all(|e| e.actor == "support"));
    assert!(refused
        .iter()
        .any(|e| e.details["operation"] == "machine destroy"));
    assert!(traders::list(&core).await.is_ok());
    assert!(costs::report(&core, None, &crate::costs::SystemClock)
        .await
        .is_ok());
    core.close().await;
}

#[tokio::test]
async fn the_owner_mode_is_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(Paths::for_data_dir(dir.path().to_path_buf()).unwrap())
        .await
        .unwrap();
    assert!(core.require_owner("anything").await.is_ok());
    let budget = costs::set_budget(&core, Actor::Cli, 10.0, false)
        .await
        .unwrap();
    assert_eq!(budget.monthly_usd, 10.0);
    core.close().await;
}

/// The commands the support window may call: reads, and support's own credentials.
const SUPPORT_WINDOW: &[&str] = &[
    "app_status",
    "app_ready",
    "watch_stop",
    "events_query",
    "support_access",
    "support_login",
    "support_logout",
    "support_find",
    "support_inspect",
    "support_logs",
    "support_watch",
    "support_report",
];

/// Every command that changes the user's machine, traders, token or settings.
const CHANGES: &[&str] = &[
    "token_store",
    "token_remove",
    "machine_start",
    "machine_stop",
    "machine_restart",
    "machine_resize",
    "machine_destroy",
    "machine_replace_viewer_token",
    "link_reconnect",
    "trader_save",
    "trader_delete",
    "trader_set_enabled",
    "trader_set_cloud",
    "trader_resolve_conflict",
    "traders_import",
    "local_start",
    "local_stop",
    "budget_set",
    "autostop_set",
    "watchdog_set",
];

#[test]
fn the_support_capability_grants_no_change() {
    let text = include_str!("../../capabilities/support.json");
    let capability: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(capability["windows"], serde_json::json!(["support"]));
    let granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .filter(|p| p != "core:default")
        .collect();
    let expected: Vec<String> = SUPPORT_WINDOW
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(granted, expected);
    for change in CHANGES {
        let permission = format!("allow-{}", change.replace('_', "-"));
        assert!(
            !text.contains(&permission),
            "{permission} in the support capability"
        );
    }
    // Every change command exists (a renamed command would make this list stale).
    let build = include_str!("../../build.rs");
    for command in CHANGES.iter().chain(SUPPORT_WINDOW) {
        assert!(
            build.contains(&format!("\"{command}\"")),
            "{command} is not a registered command"
        );
    }
    // And the trader's window does not get the support commands.
    let conf = include_str!("../../../tauri.conf.json");
    assert!(
        !conf.contains("allow-support-"),
        "the main capability grants support commands"
    );
}

#[tokio::test]
async fn a_watch_must_ask_for_something_and_a_bad_tail_query_is_refused_first() {
    use crate::inspect::{LogQuery, SupportFrame, WatchParts};
    let dir = tempfile::tempdir().unwrap();
    let core = support_core(dir.path()).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let sink = |_: SupportFrame| true;
    let nothing = inspect::watch_parts(
        &core,
        "tm-x",
        None,
        WatchParts::default(),
        cancel.clone(),
        sink,
    )
    .await
    .unwrap_err();
    assert_eq!(nothing.code(), ErrorCode::InvalidInput);
    assert!(
        nothing.to_string().contains("nothing to watch"),
        "{nothing}"
    );
    let long = WatchParts {
        live: true,
        tail: Some(LogQuery {
            search: Some("x".repeat(201)),
            ..LogQuery::default()
        }),
    };
    let refused = inspect::watch_parts(&core, "tm-x", None, long, cancel, sink)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput, "{refused}");
    // Refused before any look: nothing recorded as support's access.
    let looks = core
        .store()
        .events_of_kind("support.access", 10)
        .await
        .unwrap();
    assert!(looks.is_empty(), "{looks:?}");
}
