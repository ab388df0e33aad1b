//! What this build of the screener is: its name and version, one place for every caller.

/// The crate's name as the agent reports it.
pub const NAME: &str = env!("CARGO_PKG_NAME");

/// The crate's semantic version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `screener 0.1.0`: the one-line identity used by `--version` and in logs.
pub fn identity() -> String {
    format!("{NAME} {VERSION}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_crate_and_semver() {
        let id = identity();
        let (name, version) = id.split_once(' ').expect("identity is `name version`");
        assert_eq!(name, "screener");
        assert_eq!(version.split('.').count(), 3, "version {version} is semver");
        assert!(version.split('.').all(|p| p.parse::<u32>().is_ok()));
    }
}
