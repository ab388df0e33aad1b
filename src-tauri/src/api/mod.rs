//! The one operation layer: every user-visible operation, once, with typed input and output.
//!
//! The Tauri commands ([`crate::shell`]) and the CLI ([`crate::cli`]) are thin callers of the
//! functions here; neither holds business rules of its own. Operations take the [`Core`] (the
//! opened installation) and an [`Actor`] for the audit log, and return [`crate::error::Result`],
//! which the callers turn into `{code, message, hint}`.

pub mod status;
pub mod token;

use crate::error::Result;
use crate::paths::Paths;
use crate::secrets::Vault;
use crate::store::Store;

pub use crate::store::events::Actor;

/// An opened installation: paths, database, keyring vault and the process environment's token.
#[derive(Debug)]
pub struct Core {
    paths: Paths,
    store: Store,
    vault: std::result::Result<Vault, crate::error::ApiError>,
    env_token: token::EnvToken,
}

impl Core {
    /// Creates the directories, opens and migrates the database, and reads the environment.
    /// A missing keyring backend is not fatal here: token operations report it when used.
    pub async fn open(paths: Paths) -> Result<Self> {
        paths.ensure_dirs()?;
        let store = Store::open(&paths.database).await?;
        let vault = Vault::open(paths.keyring_service.clone()).map_err(Into::into);
        let env_token = token::EnvToken::from_process_env();
        tracing::info!(
            data_dir = %paths.data_dir.display(),
            keyring_service = %paths.keyring_service,
            "opened TradeMind data"
        );
        Ok(Self {
            paths,
            store,
            vault,
            env_token,
        })
    }

    /// Where this installation lives.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The keyring vault, or why there is none.
    fn vault(&self) -> Result<&Vault> {
        self.vault
            .as_ref()
            .map_err(|e| crate::error::Error::KeyringUnavailable {
                detail: e.message.clone(),
            })
    }

    /// Drains and closes what the core holds open (the database pool).
    pub async fn close(&self) {
        self.store.close().await;
    }
}
