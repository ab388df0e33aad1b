//! Where TradeMind keeps its files, and which keyring entry belongs to this installation.
//!
//! Default: the platform's app data dir for the bundle identifier (on Linux
//! `$XDG_DATA_HOME/app.trademind.desktop`, like Tauri's own `app_data_dir`), with logs in
//! `<data>/logs`. `TRADEMIND_DATA_DIR` moves both (database and logs) for tests and scripts.
//!
//! A data dir is a profile: an overridden data dir gets its own keyring entry, so a test or a
//! script never reads or overwrites the token of the user's everyday installation.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The bundle identifier from `tauri.conf.json`; also the keyring service name.
pub const APP_IDENTIFIER: &str = "app.trademind.desktop";

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "TRADEMIND_DATA_DIR";

/// The resolved locations of one installation (profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Database and everything else the app keeps.
    pub data_dir: PathBuf,
    /// Rotating log files.
    pub log_dir: PathBuf,
    /// The SQLite database file.
    pub database: PathBuf,
    /// Keyring service under which this profile's secrets are stored.
    pub keyring_service: String,
}

impl Paths {
    /// Resolves the paths from the environment: `TRADEMIND_DATA_DIR` if set and not empty,
    /// otherwise the platform's app data dir.
    pub fn from_env() -> Result<Self> {
        match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => Self::for_data_dir(PathBuf::from(dir)),
            None => Ok(Self::platform_default()?),
        }
    }

    /// The platform default installation.
    pub fn platform_default() -> Result<Self> {
        let base = directories::BaseDirs::new().ok_or_else(|| {
            Error::Internal("no home directory: set HOME or TRADEMIND_DATA_DIR".into())
        })?;
        let data_dir = base.data_local_dir().join(APP_IDENTIFIER);
        Ok(Self::layout(data_dir, APP_IDENTIFIER.to_owned()))
    }

    /// An installation rooted at an explicit data dir (made absolute), with its own keyring
    /// entry derived from that path.
    pub fn for_data_dir(dir: PathBuf) -> Result<Self> {
        let dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io("resolving the current directory", e))?
                .join(dir)
        };
        let service = format!("{APP_IDENTIFIER}.profile-{}", profile_id(&dir));
        Ok(Self::layout(dir, service))
    }

    fn layout(data_dir: PathBuf, keyring_service: String) -> Self {
        Self {
            log_dir: data_dir.join("logs"),
            database: data_dir.join("trademind.sqlite"),
            data_dir,
            keyring_service,
        }
    }

    /// Creates the data and log directories (owner-only on Unix).
    pub fn ensure_dirs(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.log_dir] {
            create_private_dir(dir)?;
        }
        Ok(())
    }
}

/// A short stable id of a data dir path: the first 12 hex digits of its SHA-256.
fn profile_id(dir: &Path) -> String {
    let digest = Sha256::digest(dir.to_string_lossy().as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_data_dir_holds_database_and_logs() {
        let p = Paths::for_data_dir(PathBuf::from("/tmp/tm-a")).unwrap();
        assert_eq!(p.database, PathBuf::from("/tmp/tm-a/trademind.sqlite"));
        assert_eq!(p.log_dir, PathBuf::from("/tmp/tm-a/logs"));
    }

    #[test]
    fn each_data_dir_is_its_own_keyring_profile() {
        let a = Paths::for_data_dir(PathBuf::from("/tmp/tm-a")).unwrap();
        let b = Paths::for_data_dir(PathBuf::from("/tmp/tm-b")).unwrap();
        let a2 = Paths::for_data_dir(PathBuf::from("/tmp/tm-a")).unwrap();
        assert_ne!(a.keyring_service, b.keyring_service);
        assert_eq!(a.keyring_service, a2.keyring_service, "stable across runs");
        assert!(a
            .keyring_service
            .starts_with("app.trademind.desktop.profile-"));
        assert_ne!(a.keyring_service, APP_IDENTIFIER);
    }

    #[test]
    fn relative_data_dir_is_made_absolute() {
        let p = Paths::for_data_dir(PathBuf::from("rel/dir")).unwrap();
        assert!(p.data_dir.is_absolute());
        assert!(p.data_dir.ends_with("rel/dir"));
    }

    #[test]
    fn platform_default_uses_the_bundle_identifier() {
        let p = Paths::platform_default().unwrap();
        assert!(p.data_dir.ends_with(APP_IDENTIFIER));
        assert_eq!(p.keyring_service, APP_IDENTIFIER);
    }

    #[cfg(unix)]
    #[test]
    fn dirs_are_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let p = Paths::for_data_dir(tmp.path().join("data")).unwrap();
        p.ensure_dirs().unwrap();
        let mode = std::fs::metadata(&p.log_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
