//! Token operations: show, store and remove the Fly API token.
//!
//! The token is accepted from the user once (paste or stdin), validated, written to the OS
//! keyring and from then on only described: kind, source and last four characters. A token in
//! `FLY_ACCESS_TOKEN` / `FLY_API_TOKEN` (flyctl's variables, same precedence) is used ahead of
//! the keyring and is never persisted.

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use super::{Actor, Core};
use crate::error::Result;
use crate::secrets::{FlyToken, TokenKind};
use crate::sensitive::Sensitive;
use crate::store::events::EventKind;

/// Environment variables read for a token, in flyctl's order of precedence.
pub const TOKEN_ENV_VARS: [&str; 2] = ["FLY_ACCESS_TOKEN", "FLY_API_TOKEN"];

/// Where the token in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    Keyring,
    Environment,
}

/// A token described without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub source: TokenSource,
    pub kind: TokenKind,
    /// The last four characters, e.g. `…x9Qa`.
    pub last4: String,
    /// The variable it was read from, for `environment`.
    pub env_var: Option<String>,
}

/// The token state shown in Settings and by `trademind status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenStatus {
    /// Whether a usable token is available (from the environment or the keyring).
    pub present: bool,
    /// The token operations will use: the environment's ahead of the keyring's.
    pub active: Option<TokenInfo>,
    /// The token in the keyring, whether or not the environment overrides it.
    pub stored: Option<TokenInfo>,
    /// A problem with the environment's token (set but malformed), shown as a warning.
    pub env_warning: Option<String>,
}

/// The token from the process environment, read once at start-up.
#[derive(Debug, Default)]
pub struct EnvToken {
    token: Option<(String, FlyToken)>,
    warning: Option<String>,
}

impl EnvToken {
    /// Reads `FLY_ACCESS_TOKEN`, then `FLY_API_TOKEN`; the first one set and not blank wins.
    pub fn from_process_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        for var in TOKEN_ENV_VARS {
            let Some(value) = lookup(var).map(Sensitive::new) else {
                continue;
            };
            if value.expose().trim().is_empty() {
                continue;
            }
            return match FlyToken::parse(value.expose()) {
                Ok(token) => Self {
                    token: Some((var.to_owned(), token)),
                    warning: None,
                },
                Err(e) => Self {
                    token: None,
                    warning: Some(format!("{var} is set but ignored: {e}")),
                },
            };
        }
        Self::default()
    }

    /// The environment's token, if one is set and well-formed.
    pub fn token(&self) -> Option<&FlyToken> {
        self.token.as_ref().map(|(_, token)| token)
    }

    fn info(&self) -> Option<TokenInfo> {
        self.token.as_ref().map(|(var, token)| TokenInfo {
            source: TokenSource::Environment,
            kind: token.kind(),
            last4: token.last4(),
            env_var: Some(var.clone()),
        })
    }
}

fn keyring_info(token: &FlyToken) -> TokenInfo {
    TokenInfo {
        source: TokenSource::Keyring,
        kind: token.kind(),
        last4: token.last4(),
        env_var: None,
    }
}

/// The current token state.
pub async fn status(core: &Core) -> Result<TokenStatus> {
    let stored = core.vault()?.load_fly_token().await?;
    let stored = stored.as_ref().map(keyring_info);
    let env = core.env_token.info();
    let active = env.or_else(|| stored.clone());
    Ok(TokenStatus {
        present: active.is_some(),
        active,
        stored,
        env_warning: core.env_token.warning.clone(),
    })
}

/// The token operations use: the environment's, else the keyring's.
pub async fn active(core: &Core) -> Result<FlyToken> {
    if let Some(token) = core.env_token.token() {
        return FlyToken::parse(token.expose());
    }
    core.vault()?
        .load_fly_token()
        .await?
        .ok_or(crate::error::Error::NoToken)
}

/// Validates `raw` and stores it in the keyring, replacing any stored token.
pub async fn store(core: &Core, actor: Actor, raw: Sensitive<String>) -> Result<TokenStatus> {
    core.require_owner("token store").await?;
    let token = FlyToken::parse(raw.expose())?;
    drop(raw);
    core.vault()?.store_fly_token(&token).await?;
    core.store()
        .record_event(
            actor,
            EventKind::TokenStored,
            json!({ "tokenKind": token.kind(), "last4": token.last4() }),
        )
        .await?;
    tracing::info!(kind = ?token.kind(), actor = actor.as_str(), "Fly token stored in the keyring");
    status(core).await
}

/// Removes the stored token. Removing when none is stored is not an error (nothing is
/// recorded then).
pub async fn remove(core: &Core, actor: Actor) -> Result<TokenStatus> {
    core.require_owner("token remove").await?;
    if core.vault()?.delete_fly_token().await? {
        core.store()
            .record_event(actor, EventKind::TokenRemoved, json!({}))
            .await?;
        tracing::info!(actor = actor.as_str(), "Fly token removed from the keyring");
    }
    status(core).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "fo1_Yt3ulZq0RtjDkU2xGm6Q5JDEfqv1c7bWlAPKx9sNVrE";

    #[test]
    fn fly_access_token_wins_over_fly_api_token() {
        let env = EnvToken::from_lookup(|name| match name {
            "FLY_ACCESS_TOKEN" => Some(format!("{TOKEN}A")),
            "FLY_API_TOKEN" => Some(format!("{TOKEN}B")),
            _ => None,
        });
        let info = env.info().unwrap();
        assert_eq!(info.env_var.as_deref(), Some("FLY_ACCESS_TOKEN"));
        assert!(info.last4.ends_with('A'));
    }

    #[test]
    fn blank_variables_are_skipped() {
        let env = EnvToken::from_lookup(|name| match name {
            "FLY_ACCESS_TOKEN" => Some("  ".into()),
            "FLY_API_TOKEN" => Some(TOKEN.into()),
            _ => None,
        });
        assert_eq!(
            env.info().unwrap().env_var.as_deref(),
            Some("FLY_API_TOKEN")
        );
    }

    #[test]
    fn malformed_env_token_is_a_warning_not_a_token() {
        let env = EnvToken::from_lookup(|name| (name == "FLY_API_TOKEN").then(|| "nope".into()));
        assert!(env.info().is_none());
        let warning = env.warning.unwrap();
        assert!(warning.starts_with("FLY_API_TOKEN is set but ignored"));
        assert!(!warning.contains("nope"), "warning quotes the value");
    }
}
