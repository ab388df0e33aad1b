//! Platform facts (doc §2.5, §1): the live region list with the nearest region, and what the
//! token in use covers (`GET /v1/tokens/current`), the cheap check a Settings page runs after
//! a token is pasted.

use serde::Deserialize;

use super::client::{Call, FlyClient};
use super::error::FlyError;
use super::types::{RegionList, TokenInfo};

impl FlyClient {
    /// `GET /platform/regions`: `{regions, nearest}` (read case-insensitively).
    pub async fn regions(&self) -> Result<RegionList, FlyError> {
        self.fetch(Call::get(&["platform", "regions"])).await
    }

    /// `GET /tokens/current`: one entry per token part (org, apps it is limited to, user).
    pub async fn current_token(&self) -> Result<Vec<TokenInfo>, FlyError> {
        #[derive(Deserialize)]
        struct Tokens {
            #[serde(default, deserialize_with = "super::types::null_as_default")]
            tokens: Vec<TokenInfo>,
        }
        let tokens: Tokens = self.fetch(Call::get(&["tokens", "current"])).await?;
        Ok(tokens.tokens)
    }
}
