//! Build script: compiles the root `tauri.conf.json` (no second copy) and the app's command
//! permissions into the binary.

fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=capabilities/support.json");
    let manifest = tauri_build::AppManifest::new().commands(trademind_commands());
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        // Capability files (the support window's) live in `src-tauri/capabilities`.
        .capabilities_path_pattern(concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/**/*"))
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {error:#}");
    }
}

/// Every command the shell registers; each gets `allow-<name>` / `deny-<name>` permissions that
/// the capabilities in `tauri.conf.json` grant explicitly.
fn trademind_commands() -> &'static [&'static str] {
    &[
        "app_status",
        "token_status",
        "token_store",
        "token_remove",
        "events_recent",
        "machine_start",
        "machine_status",
        "machine_stop",
        "machine_restart",
        "machine_replace_viewer_token",
        "machine_resize",
        "machine_destroy",
        "machine_events",
        "regions_list",
        "watch_stop",
        "link_watch",
        "link_reconnect",
        "dashboard_watch",
        "events_query",
        "traders_list",
        "trader_check",
        "trader_save",
        "trader_delete",
        "trader_set_enabled",
        "trader_set_cloud",
        "trader_resolve_conflict",
        "traders_import",
        "traders_export",
        "signals_list",
        "signals_watch",
        "signal_detail",
        "local_status",
        "local_start",
        "local_stop",
        "costs_report",
        "costs_chart",
        "budget_set",
        "autostop_get",
        "autostop_set",
        "watchdog_state",
        "watchdog_set",
        "app_ready",
        "support_access",
        "support_login",
        "support_logout",
        "support_find",
        "support_inspect",
        "support_logs",
        "support_watch",
        "support_report",
    ]
}
