//! App secrets through the Machines API (doc §2.4): list names and digests, set or unset in
//! bulk, delete one. Each write answers with a secrets *version*; pass it as
//! `min_secrets_version` on the next machine create or update so the machine boots with at
//! least those secrets. Secrets reach a machine only when it (re)boots.
//!
//! Values are taken as [`Sensitive`] and exposed only into the request body; they are never
//! read back (`show_secrets` is not offered) and never logged.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{Call, FlyClient};
use super::error::FlyError;
use super::types::{AppSecret, SecretsVersion};
use crate::sensitive::Sensitive;

impl FlyClient {
    /// `GET /apps/{app}/secrets[?min_version=N]`: names and digests.
    pub async fn list_secrets(
        &self,
        app: &str,
        min_version: Option<u64>,
    ) -> Result<Vec<AppSecret>, FlyError> {
        #[derive(Deserialize)]
        struct SecretList {
            #[serde(default, deserialize_with = "super::types::null_as_default")]
            secrets: Vec<AppSecret>,
        }
        let call = Call::get(&["apps", app, "secrets"]).query_opt("min_version", min_version);
        let list: SecretList = self.fetch(call).await?;
        Ok(list.secrets)
    }

    /// `POST /apps/{app}/secrets` `{"values": {NAME: value | null}}`: sets each `Some`,
    /// deletes each `None`, in one version.
    pub async fn update_secrets(
        &self,
        app: &str,
        values: &[(&str, Option<&Sensitive<String>>)],
    ) -> Result<SecretsVersion, FlyError> {
        let values: BTreeMap<&str, Option<&str>> = values
            .iter()
            .map(|(name, value)| (*name, value.map(|v| v.expose().as_str())))
            .collect();
        let call =
            Call::post(&["apps", app, "secrets"]).json(&serde_json::json!({ "values": values }))?;
        let version: SecretsVersion = self.fetch(call).await?;
        tracing::info!(
            app,
            names = values.len(),
            version = version.version,
            "updated app secrets"
        );
        Ok(version)
    }

    /// `DELETE /apps/{app}/secrets/{name}`.
    pub async fn delete_secret(&self, app: &str, name: &str) -> Result<SecretsVersion, FlyError> {
        self.fetch(Call::delete(&["apps", app, "secrets", name]))
            .await
    }
}
