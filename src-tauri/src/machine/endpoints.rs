//! Where the machine's services are: the Fly Machines API, the agent's address and the agent
//! image, from the environment with command-line overrides, plus how long provisioning waits.
//!
//! - `TRADEMIND_FLY_API_URL` / `--fly-api-url`: the Machines API (default
//!   `https://api.machines.dev`; requests go to `<base>/v1/…`).
//! - `TRADEMIND_AGENT_URL` / `--agent-url`: the agent (default `https://<app>.fly.dev`, the
//!   only address Fly serves for an app). `{app}` in the value is replaced by the app name.
//! - `TRADEMIND_FLY_LOGS_URL`: Fly's logs API, which lives on `api.fly.io`, not on the Machines
//!   API's host (requests go to `<base>/api/v1/apps/<app>/logs`). Default `https://api.fly.io`,
//!   or — when only the Machines API address was changed (a test double, a proxy) — that one.
//! - `TRADEMIND_AGENT_IMAGE`: the agent image, pinned by tag or digest.
//! - `TRADEMIND_AGENT_READY_TIMEOUT`: seconds to wait for the agent's `ready` (default 300).

use std::time::Duration;

use crate::error::{Error, Result};
use crate::fly::DEFAULT_BASE_URL;
use crate::machine::plan;

pub const FLY_API_URL_ENV: &str = "TRADEMIND_FLY_API_URL";
pub const AGENT_URL_ENV: &str = "TRADEMIND_AGENT_URL";
pub const FLY_LOGS_URL_ENV: &str = "TRADEMIND_FLY_LOGS_URL";
/// Fly's logs API (support mode).
pub const DEFAULT_FLY_LOGS_URL: &str = "https://api.fly.io";
pub const AGENT_IMAGE_ENV: &str = "TRADEMIND_AGENT_IMAGE";
pub const READY_TIMEOUT_ENV: &str = "TRADEMIND_AGENT_READY_TIMEOUT";

/// The placeholder for the app name in an agent URL.
pub const APP_PLACEHOLDER: &str = "{app}";

/// Where provisioning and the live link talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub fly_api_url: String,
    /// `None`: [`DEFAULT_FLY_LOGS_URL`], or `fly_api_url` when that was changed.
    pub fly_logs_url: Option<String>,
    /// `None`: `https://<app>.fly.dev`.
    pub agent_url: Option<String>,
    pub image: String,
    /// How long the `ready` step waits for the agent.
    pub ready_timeout: Duration,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            fly_api_url: DEFAULT_BASE_URL.to_owned(),
            fly_logs_url: None,
            agent_url: None,
            image: plan::DEFAULT_IMAGE.to_owned(),
            ready_timeout: Duration::from_secs(300),
        }
    }
}

impl Endpoints {
    /// The defaults with the process environment applied; a malformed value is an error that
    /// names the variable.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name| lookup(name).filter(|v: &String| !v.trim().is_empty());
        let mut endpoints = Self::default();
        if let Some(url) = get(FLY_API_URL_ENV) {
            endpoints.fly_api_url = check_url(FLY_API_URL_ENV, &url)?;
        }
        if let Some(url) = get(FLY_LOGS_URL_ENV) {
            endpoints.fly_logs_url = Some(check_url(FLY_LOGS_URL_ENV, &url)?);
        }
        if let Some(url) = get(AGENT_URL_ENV) {
            endpoints.agent_url = Some(check_url(AGENT_URL_ENV, &url)?);
        }
        if let Some(image) = get(AGENT_IMAGE_ENV) {
            plan::check_image(&image)?;
            endpoints.image = image.trim().to_owned();
        }
        if let Some(secs) = get(READY_TIMEOUT_ENV) {
            let secs: u64 = secs.trim().parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                Error::InvalidInput(format!("{READY_TIMEOUT_ENV} must be a number of seconds"))
            })?;
            endpoints.ready_timeout = Duration::from_secs(secs);
        }
        Ok(endpoints)
    }

    /// Applies command-line overrides.
    pub fn with_overrides(
        mut self,
        fly_api_url: Option<&str>,
        agent_url: Option<&str>,
    ) -> Result<Self> {
        if let Some(url) = fly_api_url {
            self.fly_api_url = check_url("--fly-api-url", url)?;
        }
        if let Some(url) = agent_url {
            self.agent_url = Some(check_url("--agent-url", url)?);
        }
        Ok(self)
    }

    /// Fly's logs API base (no trailing slash).
    pub fn fly_logs_url(&self) -> String {
        match &self.fly_logs_url {
            Some(url) => url.clone(),
            None if self.fly_api_url != DEFAULT_BASE_URL => self.fly_api_url.clone(),
            None => DEFAULT_FLY_LOGS_URL.to_owned(),
        }
    }

    /// The agent's base URL for `app` (no trailing slash).
    pub fn agent_url(&self, app: &str) -> String {
        match &self.agent_url {
            Some(template) => template.replace(APP_PLACEHOLDER, app),
            None => format!("https://{app}.fly.dev"),
        }
    }
}

/// An http(s) URL with a host, without a trailing slash.
fn check_url(source: &str, url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let probe = trimmed.replace(APP_PLACEHOLDER, "app");
    match reqwest::Url::parse(&probe) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(trimmed.to_owned())
        }
        _ => Err(Error::InvalidInput(format!(
            "{source}: {url:?} is not an http(s) URL"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_are_fly_and_the_apps_own_hostname() {
        let e = Endpoints::from_lookup(lookup(&[])).unwrap();
        assert_eq!(e.fly_api_url, "https://api.machines.dev");
        assert_eq!(
            e.agent_url("trademind-abc"),
            "https://trademind-abc.fly.dev"
        );
        assert_eq!(e.image, plan::DEFAULT_IMAGE);
    }

    #[test]
    fn environment_and_flags_override_in_that_order() {
        let e = Endpoints::from_lookup(lookup(&[
            (FLY_API_URL_ENV, "http://127.0.0.1:9/"),
            (AGENT_URL_ENV, "http://127.0.0.1:9/agents/{app}/"),
            (AGENT_IMAGE_ENV, "registry.fly.io/agent:1.2.3"),
            (READY_TIMEOUT_ENV, "7"),
        ]))
        .unwrap();
        assert_eq!(e.fly_api_url, "http://127.0.0.1:9");
        assert_eq!(e.agent_url("a1"), "http://127.0.0.1:9/agents/a1");
        assert_eq!(e.image, "registry.fly.io/agent:1.2.3");
        assert_eq!(e.ready_timeout, Duration::from_secs(7));
        let e = e
            .with_overrides(Some("https://fly.example"), Some("https://agent.example"))
            .unwrap();
        assert_eq!(e.fly_api_url, "https://fly.example");
        assert_eq!(e.agent_url("a1"), "https://agent.example");
    }

    #[test]
    fn bad_values_name_their_source() {
        for (name, value) in [
            (FLY_API_URL_ENV, "ftp://x"),
            (AGENT_URL_ENV, "not a url"),
            (AGENT_IMAGE_ENV, "registry.fly.io/agent:latest"),
            (READY_TIMEOUT_ENV, "0"),
            (READY_TIMEOUT_ENV, "soon"),
        ] {
            let err = Endpoints::from_lookup(lookup(&[(name, value)])).unwrap_err();
            assert_eq!(
                err.code(),
                crate::error::ErrorCode::InvalidInput,
                "{name}={value}"
            );
        }
        let err = Endpoints::default()
            .with_overrides(Some("localhost"), None)
            .unwrap_err();
        assert!(err.to_string().contains("--fly-api-url"), "{err}");
    }
}
