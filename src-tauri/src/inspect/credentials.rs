//! Support staff's two credentials: a read-only Fly token (`fly tokens create readonly`) and
//! the agent's viewer token (the owner hands it over; see `trademind machine viewer-token`).
//! Kept in the OS keyring under their own accounts — never next to an owner's token — or
//! taken for one session from `TRADEMIND_SUPPORT_FLY_TOKEN` / `TRADEMIND_SUPPORT_VIEWER_TOKEN`
//! (never stored). Only described (source, last four characters) outside this module.

use super::view::{CredentialInfo, CredentialSource, SupportCredential};
use crate::error::{Error, Result};
use crate::secrets::vault::SecretAccount;
use crate::secrets::{FlyToken, Vault};
use crate::sensitive::Sensitive;

pub const SUPPORT_FLY_TOKEN_ENV: &str = "TRADEMIND_SUPPORT_FLY_TOKEN";
pub const SUPPORT_VIEWER_TOKEN_ENV: &str = "TRADEMIND_SUPPORT_VIEWER_TOKEN";

/// Shortest viewer token accepted (the desktop makes 40+ character ones).
const MIN_VIEWER_LEN: usize = 16;
const MAX_VIEWER_LEN: usize = 4096;

impl SupportCredential {
    fn account(self) -> SecretAccount {
        match self {
            Self::Fly => SecretAccount::SupportFlyToken,
            Self::Viewer => SecretAccount::SupportViewerToken,
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Self::Fly => SUPPORT_FLY_TOKEN_ENV,
            Self::Viewer => SUPPORT_VIEWER_TOKEN_ENV,
        }
    }

    /// What the user calls it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Fly => "the read-only Fly token",
            Self::Viewer => "the agent's viewer token",
        }
    }
}

/// A credential and where it came from.
#[derive(Debug)]
pub struct Held {
    pub value: Sensitive<String>,
    pub source: CredentialSource,
}

impl Held {
    /// Its description.
    pub fn info(&self) -> CredentialInfo {
        CredentialInfo {
            source: self.source,
            last4: last4(self.value.expose()),
        }
    }
}

fn last4(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// Checks a pasted credential and returns its canonical form; errors never quote it.
pub fn validate(which: SupportCredential, raw: &Sensitive<String>) -> Result<Sensitive<String>> {
    match which {
        SupportCredential::Fly => {
            let token = FlyToken::parse(raw.expose())?;
            Ok(Sensitive::new(token.expose().to_owned()))
        }
        SupportCredential::Viewer => {
            let value = raw.expose().trim();
            let value = value.strip_prefix("Bearer ").unwrap_or(value).trim();
            if value.len() < MIN_VIEWER_LEN || value.len() > MAX_VIEWER_LEN {
                return Err(Error::InvalidInput(format!(
                    "the viewer token must be {MIN_VIEWER_LEN}–{MAX_VIEWER_LEN} characters"
                )));
            }
            if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::InvalidInput(
                    "the viewer token must not contain spaces or control characters".into(),
                ));
            }
            Ok(Sensitive::new(value.to_owned()))
        }
    }
}

/// The credential in use: the environment's, else the keyring's.
pub async fn load(vault: Result<&Vault>, which: SupportCredential) -> Result<Option<Held>> {
    if let Some(value) = std::env::var(which.env_var())
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let value = validate(which, &Sensitive::new(value)).map_err(|e| {
            Error::InvalidInput(format!("{} is set but unusable: {e}", which.env_var()))
        })?;
        return Ok(Some(Held {
            value,
            source: CredentialSource::Environment,
        }));
    }
    let stored = vault?.load_secret(which.account()).await?;
    Ok(stored.map(|value| Held {
        value,
        source: CredentialSource::Keyring,
    }))
}

/// The credential, or an error that says how to provide it.
pub async fn require(vault: Result<&Vault>, which: SupportCredential) -> Result<Held> {
    load(vault, which).await?.ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} is not set: run `trademind inspect login{} --token-stdin`, paste it in the \
             support window, or set {}",
            which.describe(),
            if which == SupportCredential::Viewer {
                " --viewer"
            } else {
                ""
            },
            which.env_var()
        ))
    })
}

/// Stores a validated credential in the keyring.
pub async fn store(
    vault: &Vault,
    which: SupportCredential,
    value: &Sensitive<String>,
) -> Result<()> {
    vault.store_secret(which.account(), value).await
}

/// Removes a stored credential; `false` when there was none.
pub async fn remove(vault: &Vault, which: SupportCredential) -> Result<bool> {
    vault.delete_secret(which.account()).await
}

/// The read-only Fly token as a [`FlyToken`].
pub fn fly_token(held: &Held) -> Result<FlyToken> {
    FlyToken::parse(held.value.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_tokens_are_checked_without_quoting_them() {
        let ok = validate(
            SupportCredential::Viewer,
            &Sensitive::new("  Bearer tmv_0123456789abcdef0123  ".into()),
        )
        .unwrap();
        assert_eq!(ok.expose(), "tmv_0123456789abcdef0123");
        for bad in [
            "",
            "short",
            "tmv_with a space in it 0123456",
            "tmv_\u{7}bell0123456789abc",
        ] {
            let err = validate(SupportCredential::Viewer, &Sensitive::new(bad.into())).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::InvalidInput, "{bad:?}");
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "the error quoted the token");
            }
        }
    }

    #[test]
    fn fly_tokens_are_parsed_like_the_owners() {
        let bad = validate(SupportCredential::Fly, &Sensitive::new("nonsense".into()));
        assert_eq!(
            bad.unwrap_err().code(),
            crate::error::ErrorCode::InvalidToken
        );
        assert_eq!(last4("abcdefgh"), "…efgh");
        assert_eq!(last4("ab"), "…ab");
    }
}
