//! The window's web engine settings that are not in `tauri.conf.json`.
//!
//! On Linux, WebKitGTK's accelerated compositing is off unless the user sets
//! `WEBKIT_DISABLE_COMPOSITING_MODE` themselves: this app's pages are flat panels and text,
//! and composited layers (with software GL on most VMs and remote desktops) cost the web
//! process about 140 MB of idle memory for nothing visible (measured with the desktop bench:
//! see `docs/desktop-performance.md`).
//!
//! On Linux (WebKitGTK) the web context's cache model is set to "document viewer": the app
//! loads its own few assets from the binary, so WebKit's memory and page caches (sized from
//! the machine's RAM, hundreds of MB on a large one) only hold memory without saving any
//! network work.

/// Sets the web engine's environment; call before any thread starts (the web process inherits
/// it). A value the user set is kept.
pub fn prepare_environment() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Applies the settings to the `label` window's web view (a no-op elsewhere).
pub fn tune(app: &tauri::App, label: &str) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager;
        let Some(window) = app.get_webview_window(label) else {
            tracing::warn!(label, "no window to tune");
            return;
        };
        let tuned = window.with_webview(|webview| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = tuned {
            tracing::warn!(error = %e, "the web view's cache model was not set");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, label);
}
