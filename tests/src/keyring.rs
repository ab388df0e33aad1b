//! Tests that store tokens need the real keyring started by `scripts/with-keyring.sh` (the
//! README's test command runs everything inside it). Without it they fail loudly: a skipped
//! keyring test would let a mock backend pass unnoticed.

/// Panics unless the process runs inside `scripts/with-keyring.sh`.
pub fn require_real_keyring() {
    let inside = std::env::var("TRADEMIND_TEST_KEYRING").as_deref() == Ok("1")
        && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    assert!(
        inside,
        "this test needs the real Secret Service: run it through `scripts/with-keyring.sh` \
         (e.g. `make test`), which starts a private D-Bus session with an unlocked GNOME Keyring"
    );
}

/// The directory holding the test keyring's files, if known.
pub fn keyring_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("TRADEMIND_TEST_KEYRING_DIR").map(Into::into)
}
