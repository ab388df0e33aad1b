//! The OS keyring entries of a profile: its Fly API token and the secrets provisioning
//! generates (the agent's owner and viewer tokens) or the user configures (an LLM API key).
//!
//! Backed by the `keyring` crate: Secret Service on Linux (GNOME Keyring, KWallet), Keychain
//! on macOS, Credential Manager on Windows. The crate silently falls back to an in-memory mock
//! when built without a backend, so [`Vault::open`] refuses any backend that does not keep
//! entries until they are deleted. Every keyring call is blocking D-Bus I/O and runs on
//! `spawn_blocking`.

use keyring::credential::CredentialPersistence;

use crate::error::{Error, Result};
use crate::secrets::FlyToken;
use crate::sensitive::Sensitive;

/// Account name of the Fly API token inside the profile's keyring service.
pub const FLY_TOKEN_ACCOUNT: &str = "fly-api-token";

/// The other secrets a profile keeps, each under its own account of the profile's service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAccount {
    /// The agent's owner token (generated here, set as a Fly secret of the user's app).
    AgentOwnerToken,
    /// The agent's read-only viewer token (for support staff).
    AgentViewerToken,
    /// The LLM API key for AI analysis, when the user configured one.
    LlmApiKey,
    /// Support staff's read-only Fly token (`fly tokens create readonly`), for support mode.
    SupportFlyToken,
    /// The viewer token of the agent support staff inspect, for support mode.
    SupportViewerToken,
}

impl SecretAccount {
    /// The keyring account name.
    pub fn account(self) -> &'static str {
        match self {
            Self::AgentOwnerToken => "agent-owner-token",
            Self::AgentViewerToken => "agent-viewer-token",
            Self::LlmApiKey => "llm-api-key",
            Self::SupportFlyToken => "support-fly-token",
            Self::SupportViewerToken => "support-viewer-token",
        }
    }
}

/// The keyring entries of one profile (see [`crate::paths::Paths::keyring_service`]).
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
}

impl Vault {
    /// A vault for `service`; fails when the compiled-in backend does not persist secrets.
    pub fn open(service: impl Into<String>) -> Result<Self> {
        let persistence = keyring::default::default_credential_builder().persistence();
        ensure_persistent(persistence)?;
        Ok(Self {
            service: service.into(),
        })
    }

    /// The keyring service name (shown in diagnostics; not secret).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The stored token, if any.
    pub async fn load_fly_token(&self) -> Result<Option<FlyToken>> {
        let stored = self
            .with_entry(|entry| match entry.get_password() {
                Ok(value) => Ok(Some(Sensitive::new(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        match stored {
            None => Ok(None),
            Some(value) => FlyToken::parse(value.expose())
                .map(Some)
                .map_err(|_| Error::Keyring {
                    detail:
                        "the keyring holds a value that is not a Fly token; remove it and paste \
                         the token again"
                            .into(),
                }),
        }
    }

    /// Stores (or replaces) the token.
    pub async fn store_fly_token(&self, token: &FlyToken) -> Result<()> {
        let value = Sensitive::new(token.expose().to_owned());
        self.with_entry(move |entry| entry.set_password(value.expose()))
            .await
    }

    /// Deletes the token; `false` when there was none.
    pub async fn delete_fly_token(&self) -> Result<bool> {
        self.with_entry(|entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
        .await
    }

    /// A stored secret, if any.
    pub async fn load_secret(&self, account: SecretAccount) -> Result<Option<Sensitive<String>>> {
        self.with_account(account.account(), |entry| match entry.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    /// Stores (or replaces) a secret.
    pub async fn store_secret(
        &self,
        account: SecretAccount,
        value: &Sensitive<String>,
    ) -> Result<()> {
        let value = Sensitive::new(value.expose().clone());
        self.with_account(account.account(), move |entry| {
            entry.set_password(value.expose())
        })
        .await
    }

    /// Deletes a secret; `false` when there was none.
    pub async fn delete_secret(&self, account: SecretAccount) -> Result<bool> {
        self.with_account(account.account(), |entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
        .await
    }

    /// Runs a blocking keyring call for the token entry on the blocking pool.
    async fn with_entry<T, F>(&self, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        self.with_account(FLY_TOKEN_ACCOUNT, call).await
    }

    /// Runs a blocking keyring call for one account's entry on the blocking pool.
    async fn with_account<T, F>(&self, account: &'static str, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        let service = self.service.clone();
        tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&service, account)?;
            call(&entry)
        })
        .await
        .map_err(|e| Error::Internal(format!("keyring task failed: {e}")))?
        .map_err(keyring_error)
    }
}

/// Refuses backends that would lose the token: the mock (`EntryOnly`), process-only stores and
/// the kernel keyring (`UntilReboot`).
fn ensure_persistent(persistence: CredentialPersistence) -> Result<()> {
    match persistence {
        CredentialPersistence::UntilDelete => Ok(()),
        other => Err(Error::KeyringUnavailable {
            detail: format!(
                "this build has no persistent keyring backend (it would keep secrets {})",
                lifetime(&other)
            ),
        }),
    }
}

fn lifetime(persistence: &CredentialPersistence) -> &'static str {
    match persistence {
        CredentialPersistence::EntryOnly => "only in memory, per entry: a mock",
        CredentialPersistence::ProcessOnly => "only while the process runs",
        CredentialPersistence::UntilReboot => "only until reboot",
        CredentialPersistence::UntilDelete => "until deleted",
        _ => "for an unknown time",
    }
}

/// Maps a keyring error to ours. The keyring's messages name D-Bus or platform failures,
/// never the secret.
fn keyring_error(error: keyring::Error) -> Error {
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            Error::KeyringUnavailable {
                detail: e.to_string(),
            }
        }
        keyring::Error::NoEntry => Error::Keyring {
            detail: "no entry".into(),
        },
        keyring::Error::BadEncoding(_) => Error::Keyring {
            detail: "the stored value is not text".into(),
        },
        keyring::Error::Ambiguous(_) => Error::Keyring {
            detail: "several keyring items match the TradeMind entry; remove the duplicates".into(),
        },
        other => Error::Keyring {
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_build_has_a_persistent_backend_not_the_mock() {
        let persistence = keyring::default::default_credential_builder().persistence();
        assert!(
            matches!(persistence, CredentialPersistence::UntilDelete),
            "default keyring backend keeps secrets {}: a backend feature is missing",
            lifetime(&persistence)
        );
        assert!(Vault::open("t").is_ok());
    }

    #[test]
    fn mock_and_volatile_backends_are_refused() {
        for p in [
            CredentialPersistence::EntryOnly,
            CredentialPersistence::ProcessOnly,
            CredentialPersistence::UntilReboot,
        ] {
            let err = ensure_persistent(p).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::KeyringUnavailable);
        }
    }

    #[test]
    fn platform_failures_mean_unavailable() {
        let e = keyring_error(keyring::Error::PlatformFailure("no D-Bus session".into()));
        assert_eq!(e.code(), crate::error::ErrorCode::KeyringUnavailable);
        assert!(e.to_string().contains("no D-Bus session"));
    }
}
