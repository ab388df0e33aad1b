//! Apps (doc §2.1): create (then wait until the API can see it), get, list by org, delete.
//!
//! App create is not idempotent either: after an ambiguous failure the app is looked up by
//! its name (names are global, so a 200 for it means our org has it) before trying again.

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use super::client::{decode, Call, FlyClient};
use super::error::FlyError;
use super::retry;
use super::types::{App, CreateAppRequest};

/// How long a new app may stay invisible (flyctl `WaitForApp`: 1 min).
const APP_VISIBILITY: Duration = Duration::from_secs(60);

impl FlyClient {
    /// `POST /apps`, then waits until `GET /apps/{name}` answers (new apps 404 or 401 for a
    /// moment). A name in use anywhere on Fly is [`FlyError::AlreadyExists`].
    pub async fn create_app(&self, request: &CreateAppRequest) -> Result<App, FlyError> {
        let call = Call::post(&["apps"]).json(request)?;
        let name = request.name.as_str();
        let policy = &self.options().retry;
        retry::run_recovering(
            policy,
            &call.describe(),
            |attempt| self.send_once(&call, attempt),
            |error| {
                let already = matches!(error, FlyError::AlreadyExists(_));
                async move {
                    let look = if already {
                        self.wait_for_app(name, self.options().propagation.window)
                            .await
                    } else {
                        self.get_app(name).await
                    };
                    Ok(look.ok().map(|_| Vec::new()))
                }
            },
        )
        .await?;
        tracing::info!(app = name, "created Fly app");
        self.wait_for_app(name, APP_VISIBILITY).await
    }

    /// `GET /apps/{name}`. A name held by another org is [`FlyError::Forbidden`], not 404.
    pub async fn get_app(&self, name: &str) -> Result<App, FlyError> {
        self.fetch(Call::get(&["apps", name])).await
    }

    /// `GET /apps?org_slug=…`.
    pub async fn list_apps(&self, org_slug: &str) -> Result<Vec<App>, FlyError> {
        #[derive(Deserialize)]
        struct AppList {
            #[serde(default, deserialize_with = "super::types::null_as_default")]
            apps: Vec<App>,
        }
        let call = Call::get(&["apps"]).query("org_slug", org_slug);
        let list: AppList = self.fetch(call).await?;
        Ok(list.apps)
    }

    /// `DELETE /apps/{name}` (202). Without `force` the machines must be stopped first.
    pub async fn delete_app(&self, name: &str, force: bool) -> Result<(), FlyError> {
        let mut call = Call::delete(&["apps", name]);
        if force {
            call = call.query("force", "true");
        }
        self.perform(call).await
    }

    /// Polls `GET /apps/{name}` while it answers 404 or 401 (fly-go `WaitForApp`), with the
    /// propagation backoff, for at most `within`.
    pub async fn wait_for_app(&self, name: &str, within: Duration) -> Result<App, FlyError> {
        let deadline = Instant::now() + within;
        let call = Call::get(&["apps", name]);
        let mut look = 1;
        loop {
            let error = match self.send(&call).await {
                Ok(body) => return decode(&call, &body),
                Err(e) => e,
            };
            let invisible = matches!(error, FlyError::NotFound(_) | FlyError::Unauthorized(_));
            let pause = self.options().propagation.delay(look);
            if !invisible || Instant::now() + pause >= deadline {
                return Err(error);
            }
            tokio::time::sleep(pause).await;
            look += 1;
        }
    }
}
