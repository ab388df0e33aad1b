//! [`AnalysisConfig`]: whether AI analysis runs, against which API and model, and how hard it
//! may push that API. Read from the environment by [`AnalysisConfig::from_env`]:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SCREENER_LLM_API_KEY` | Gemini API key; analysis is disabled without it | — |
//! | `SCREENER_LLM_BASE_URL` | API base URL (https, or http on loopback only) | `https://generativelanguage.googleapis.com` |
//! | `SCREENER_LLM_MODEL` | model of the `standard` tier | `gemini-2.5-flash` |
//! | `SCREENER_LLM_MODEL_LITE`, `SCREENER_LLM_MODEL_PRO` | models of the other tiers | `gemini-2.5-flash-lite`, `gemini-2.5-pro` |
//! | `SCREENER_LLM_RPM` | requests per minute, all traders together | 10 |
//!
//! Everything else (timeouts, retries, queue size) has a sensible default and is set in code.

use std::time::Duration;

use super::key::ApiKey;
use super::limiter::RateLimit;
use super::retry::RetryPolicy;
use crate::trader::record::ModelTier;

/// The public Gemini API.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";
/// Most requests per minute accepted from the environment.
const MAX_RPM: u32 = 10_000;

/// Everything the analyst needs.
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    /// `None`: analysis is disabled.
    pub api_key: Option<ApiKey>,
    /// Scheme, host and optional port, no trailing slash; requests go to
    /// `{base_url}/v1beta/models/{model}:generateContent`.
    pub base_url: String,
    pub models: Models,
    /// The global request budget (every attempt counts, retries included).
    pub rate_limit: RateLimit,
    /// Deadline of one HTTP attempt, connecting and reading the whole reply included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Jobs accepted and not finished (waiting or running) beyond which `submit` refuses.
    pub queue_capacity: usize,
    /// `generationConfig.maxOutputTokens`. Gemini 2.5 models count their thinking against
    /// it, so it is far above the size of a verdict.
    pub max_output_tokens: u32,
    pub temperature: f64,
}

/// The model of each [`ModelTier`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    pub lite: String,
    pub standard: String,
    pub pro: String,
}

impl Default for Models {
    fn default() -> Self {
        Models {
            lite: "gemini-2.5-flash-lite".into(),
            standard: "gemini-2.5-flash".into(),
            pro: "gemini-2.5-pro".into(),
        }
    }
}

impl Models {
    /// The model that analyses signals of traders of `tier`.
    pub fn for_tier(&self, tier: ModelTier) -> &str {
        match tier {
            ModelTier::Lite => &self.lite,
            ModelTier::Standard => &self.standard,
            ModelTier::Pro => &self.pro,
        }
    }
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            api_key: None,
            base_url: DEFAULT_BASE_URL.into(),
            models: Models::default(),
            rate_limit: RateLimit::per_minute(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            queue_capacity: 100,
            max_output_tokens: 16_384,
            temperature: 0.2,
        }
    }
}

/// An environment variable that cannot be used. The value itself is never repeated (it
/// might be a misplaced secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

impl AnalysisConfig {
    /// Whether analysis runs at all (a key is configured).
    pub fn enabled(&self) -> bool {
        self.api_key.is_some()
    }

    /// The defaults, overridden by the process environment.
    pub fn from_env() -> Result<AnalysisConfig, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The defaults, overridden by `var(name)` for each variable of the module table. Empty
    /// values count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<AnalysisConfig, ConfigError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut config = AnalysisConfig {
            api_key: var("SCREENER_LLM_API_KEY").and_then(ApiKey::new),
            ..AnalysisConfig::default()
        };
        if let Some(url) = var("SCREENER_LLM_BASE_URL") {
            config.base_url = base_url("SCREENER_LLM_BASE_URL", &url)?;
        }
        let models = [
            ("SCREENER_LLM_MODEL", &mut config.models.standard),
            ("SCREENER_LLM_MODEL_LITE", &mut config.models.lite),
            ("SCREENER_LLM_MODEL_PRO", &mut config.models.pro),
        ];
        for (name, slot) in models {
            if let Some(model) = var(name) {
                *slot = model_name(name, &model)?;
            }
        }
        if let Some(rpm) = var("SCREENER_LLM_RPM") {
            let requests = match rpm.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_RPM).contains(&n) => n,
                _ => {
                    return Err(ConfigError {
                        name: "SCREENER_LLM_RPM",
                        problem: format!("must be a whole number from 1 to {MAX_RPM}"),
                    })
                }
            };
            config.rate_limit = RateLimit::per_minute(requests);
        }
        Ok(config)
    }
}

/// Checks a base URL: `https://host[:port][/path]`, or `http://` to a loopback host (a local
/// proxy or test fake) — never plain http elsewhere, which would send the key in clear.
pub fn base_url(name: &'static str, url: &str) -> Result<String, ConfigError> {
    let fail = |problem: &str| ConfigError {
        name,
        problem: problem.to_owned(),
    };
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| fail("must start with https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err(fail("must name a host (and no user or password)"));
    }
    if rest.contains(['?', '#']) {
        return Err(fail("must not have a query or fragment"));
    }
    let hostname = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = matches!(hostname, "localhost" | "127.0.0.1" | "[::1]");
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_owned()),
        "http" if loopback => Ok(url.to_owned()),
        "http" => Err(fail("plain http is only allowed to localhost; use https")),
        _ => Err(fail("must start with https://")),
    }
}

/// A model id as it goes into the URL path: letters, digits, `-`, `.`, `_`.
fn model_name(name: &'static str, model: &str) -> Result<String, ConfigError> {
    let model = model.trim().trim_start_matches("models/");
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if model.is_empty() || model.len() > 100 || !model.chars().all(ok) {
        return Err(ConfigError {
            name,
            problem: "must be a model id like gemini-2.5-flash".into(),
        });
    }
    Ok(model.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<AnalysisConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        AnalysisConfig::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn no_key_means_disabled_and_defaults_apply() {
        let c = config(&[]).unwrap_or_default();
        assert!(!c.enabled());
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.models.for_tier(ModelTier::Standard), "gemini-2.5-flash");
        assert_eq!(c.rate_limit, RateLimit::per_minute(10));
        let blank = config(&[("SCREENER_LLM_API_KEY", "  ")]).unwrap_or_default();
        assert!(!blank.enabled());
    }

    #[test]
    fn variables_override_defaults() {
        let c = config(&[
            ("SCREENER_LLM_API_KEY", "k-123"),
            ("SCREENER_LLM_BASE_URL", "http://127.0.0.1:8080/"),
            ("SCREENER_LLM_MODEL", "models/gemini-2.0-flash"),
            ("SCREENER_LLM_MODEL_PRO", "gemini-3-pro-preview"),
            ("SCREENER_LLM_RPM", "30"),
        ])
        .unwrap_or_default();
        assert!(c.enabled());
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.models.standard, "gemini-2.0-flash");
        assert_eq!(c.models.pro, "gemini-3-pro-preview");
        assert_eq!(c.models.lite, "gemini-2.5-flash-lite");
        assert_eq!(c.rate_limit, RateLimit::per_minute(30));
        assert!(!format!("{c:?}").contains("k-123"));
    }

    #[test]
    fn bad_values_name_the_variable_and_not_the_value() {
        let problem = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.to_string());
        let rpm = problem(&[("SCREENER_LLM_RPM", "0")]).unwrap_or_default();
        assert!(rpm.starts_with("SCREENER_LLM_RPM: "), "{rpm}");
        let insecure = problem(&[("SCREENER_LLM_BASE_URL", "http://llm.example.com")]);
        assert_eq!(
            insecure.as_deref(),
            Some("SCREENER_LLM_BASE_URL: plain http is only allowed to localhost; use https")
        );
        let creds = problem(&[("SCREENER_LLM_BASE_URL", "https://me:pw@host")]);
        assert!(creds.is_some_and(|e| !e.contains("pw")));
        let model = problem(&[("SCREENER_LLM_MODEL", "../../x?key=1")]);
        assert!(model.is_some_and(|e| e.starts_with("SCREENER_LLM_MODEL: ")));
        assert!(base_url("X", "ftp://host").is_err());
        assert!(base_url("X", "https://host/path?key=1").is_err());
        assert_eq!(
            base_url("X", "http://localhost:9/").ok().as_deref(),
            Some("http://localhost:9")
        );
    }
}
