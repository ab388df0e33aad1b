//! The one operation layer: every user-visible operation, once, with typed input and output.
//!
//! The Tauri commands ([`crate::shell`]) and the CLI ([`crate::cli`]) are thin callers of the
//! functions here; neither holds business rules of its own. Operations take the [`Core`] (the
//! opened installation) and an [`Actor`] for the audit log, and return [`crate::error::Result`],
//! which the callers turn into `{code, message, hint}`.

pub mod access;
pub mod costs;
pub mod dashboard;
pub mod inspect;
pub mod link;
pub mod local;
pub mod machine;
pub mod metrics;
pub mod parking;
pub mod regions;
pub mod report;
pub mod signals;
pub mod status;
pub mod token;
pub mod traders;

use std::sync::Arc;

use crate::cloud::Cloud;
use crate::error::Result;
use crate::local::LocalScreening;
use crate::machine::{Endpoints, Session};
use crate::paths::Paths;
use crate::secrets::Vault;
use crate::signals::SignalBus;
use crate::store::Store;

pub use crate::store::events::Actor;

/// Whom the installation acts for. A support session ([`Mode::Support`]) inspects a user's
/// machine with a read-only Fly token and the agent's viewer token; every operation that
/// would change a machine, a trader or a setting is refused by [`Core::require_owner`] —
/// in the backend, whatever window or command asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Owner,
    Support,
}

/// An opened installation: paths, database, keyring vault and the process environment's token.
#[derive(Debug)]
pub struct Core {
    paths: Paths,
    store: Store,
    vault: std::result::Result<Vault, crate::error::ApiError>,
    env_token: token::EnvToken,
    /// `Err`: why the environment's endpoint settings are invalid.
    endpoints: std::result::Result<Endpoints, String>,
    /// The live link to the agent (a slot that outlives any one link).
    cloud: Arc<Cloud>,
    /// New signals from both sources.
    signals: SignalBus,
    /// Local screening (the engine in-process).
    local: LocalScreening,
    /// Owner, or read-only support.
    mode: Mode,
}

impl Core {
    /// Creates the directories, opens and migrates the database, and reads the environment.
    /// A missing keyring backend is not fatal here: token operations report it when used.
    pub async fn open(paths: Paths) -> Result<Self> {
        Self::open_as(paths, Mode::Owner).await
    }

    /// [`Core::open`] for `mode`: a support session refuses every change (see [`Mode`]).
    pub async fn open_as(paths: Paths, mode: Mode) -> Result<Self> {
        paths.ensure_dirs()?;
        let store = Store::open(&paths.database).await?;
        store
            .seed_builtin_traders(&screener::trader::builtins::builtins())
            .await?;
        let vault = Vault::open(paths.keyring_service.clone()).map_err(Into::into);
        let env_token = token::EnvToken::from_process_env();
        let endpoints = Endpoints::from_env().map_err(|e| match e {
            crate::error::Error::InvalidInput(detail) => detail,
            other => other.to_string(),
        });
        tracing::info!(
            data_dir = %paths.data_dir.display(),
            keyring_service = %paths.keyring_service,
            ?mode,
            "opened TradeMind data"
        );
        Ok(Self {
            paths,
            store,
            vault,
            env_token,
            endpoints,
            cloud: Arc::new(Cloud::default()),
            signals: SignalBus::default(),
            local: LocalScreening::default(),
            mode,
        })
    }

    /// Owner or support.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Refuses `operation` (e.g. "machine stop") in support mode with `forbidden`, and records
    /// the refusal in the audit log. Every operation that changes the user's machine, traders
    /// or settings calls this first.
    pub async fn require_owner(&self, operation: &str) -> Result<()> {
        if self.mode == Mode::Owner {
            return Ok(());
        }
        tracing::warn!(operation, "support mode refused a change");
        self.store
            .record_event(
                Actor::Support,
                crate::store::events::EventKind::SupportRefused,
                serde_json::json!({ "operation": operation }),
            )
            .await?;
        Err(crate::error::Error::SupportReadOnly {
            operation: operation.to_owned(),
        })
    }

    /// Applies the command line's `--fly-api-url` / `--agent-url`.
    pub fn override_endpoints(
        &mut self,
        fly_api_url: Option<&str>,
        agent_url: Option<&str>,
    ) -> Result<()> {
        let endpoints = self.endpoints()?.with_overrides(fly_api_url, agent_url)?;
        self.endpoints = Ok(endpoints);
        Ok(())
    }

    /// Where the Fly API and the agent are, or why the configuration is invalid.
    pub fn endpoints(&self) -> Result<Endpoints> {
        self.endpoints
            .clone()
            .map_err(crate::error::Error::InvalidInput)
    }

    /// A machine-operation session for `actor` with the active token.
    pub async fn session(&self, actor: Actor) -> Result<Session> {
        self.require_owner(
            "using the owner's machine session (support inspects with `trademind inspect`)",
        )
        .await?;
        let token = token::active(self).await?;
        let vault = self.vault.clone().map_err(|e| e.message);
        Session::new(self.store.clone(), vault, &token, self.endpoints()?, actor)
    }

    /// Where this installation lives.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The cloud link slot.
    pub fn cloud(&self) -> &Arc<Cloud> {
        &self.cloud
    }

    /// New signals (cloud and local) for live subscribers.
    pub fn signals(&self) -> &SignalBus {
        &self.signals
    }

    /// Local screening.
    pub fn local(&self) -> &LocalScreening {
        &self.local
    }

    /// The keyring vault, or why there is none.
    fn vault(&self) -> Result<&Vault> {
        self.vault
            .as_ref()
            .map_err(|e| crate::error::Error::KeyringUnavailable {
                detail: e.message.clone(),
            })
    }

    /// Drains and closes what the core holds open: the agent link and its tasks, then the
    /// database pool.
    pub async fn close(&self) {
        self.cloud.disconnect().await;
        self.local.stop().await;
        self.store.close().await;
    }
}

#[cfg(test)]
mod support_mode_tests;
