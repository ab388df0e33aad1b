//! What GUI tests share about the app's window: where screenshots go, the environment the
//! driver gives the app (a private profile and display), and everything the web view can see.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::app::Profile;
use crate::display::Xvfb;
use crate::webdriver::Session;

/// Screenshots and driver logs: `target/gui/`.
pub fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/gui")
}

/// The environment the driver passes to the app: this profile's data dir and HOME (XDG dirs
/// under it, so the web view's own storage is inside HOME too), and the private display.
pub fn app_env(profile: &Profile, xvfb: &Xvfb) -> Vec<(&'static str, OsString)> {
    let home = profile.home();
    vec![
        ("DISPLAY", xvfb.display().into()),
        ("TRADEMIND_DATA_DIR", profile.data_dir().into()),
        ("XDG_CONFIG_HOME", home.join(".config").into()),
        ("XDG_CACHE_HOME", home.join(".cache").into()),
        ("XDG_DATA_HOME", home.join(".local/share").into()),
        ("HOME", home.into()),
        ("LIBGL_ALWAYS_SOFTWARE", "1".into()),
    ]
}

/// Everything the web view can see: the DOM and its storages.
pub fn page_state(session: &Session) -> String {
    session
        .execute(
            "return document.documentElement.outerHTML + JSON.stringify(localStorage) + \
             JSON.stringify(sessionStorage);",
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// How many elements match `css` right now.
pub fn count(session: &Session, css: &str) -> usize {
    let script = format!(
        "return document.querySelectorAll({}).length;",
        serde_json::to_string(css).unwrap_or_default()
    );
    session.execute(&script).as_u64().unwrap_or(0) as usize
}

/// The attribute `name` of the first element matching `css`, if any.
pub fn attribute(session: &Session, css: &str, name: &str) -> Option<String> {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.getAttribute({}) : null;",
        serde_json::to_string(css).unwrap_or_default(),
        serde_json::to_string(name).unwrap_or_default()
    );
    session.execute(&script).as_str().map(str::to_owned)
}
