//! The `token`, `app` and `secrets` steps: who the token belongs to, the user's own Fly app,
//! and the agent's tokens set as the app's secrets (kept in the keyring here).

use base64::Engine;
use serde_json::Value;

use super::{Next, RunPlan, RunState, Say};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};

use crate::fly::types::{AppSecret, CreateAppRequest};
use crate::fly::FlyError;
use crate::machine::size::MachineSize;
use crate::machine::{plan, Session};
use crate::secrets::{SecretAccount, Vault};
use crate::sensitive::Sensitive;
use crate::store::machine::MachineRecord;

/// The Fly secret names the agent reads its tokens from (`screener serve`).
pub const OWNER_SECRET: &str = "SCREENER_OWNER_TOKEN";
pub const VIEWER_SECRET: &str = "SCREENER_VIEWER_TOKEN";
/// The Fly secret holding the LLM API key for AI analysis, when configured.
pub const LLM_SECRET: &str = "SCREENER_LLM_API_KEY";

/// `token`: ask Fly which organisation (and which apps) the token covers.
pub(super) async fn token(session: &Session, state: &mut RunState) -> Result<Next> {
    let tokens = session.fly.current_token().await?;
    let info = tokens
        .into_iter()
        .next()
        .ok_or_else(|| Error::InvalidToken {
            reason: "Fly describes no token for it".into(),
        })?;
    let org = info
        .org_slug
        .filter(|slug| !slug.is_empty())
        .ok_or_else(|| Error::InvalidToken {
            reason: "Fly does not say which organisation it belongs to; use an organisation \
                     token (`fly tokens create org`)"
                .into(),
        })?;
    state.user = match info.user {
        Some(Value::String(user)) if !user.is_empty() => Some(user),
        Some(Value::Object(user)) => user.get("email").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let scope = if info.apps.is_empty() {
        "all its apps".to_owned()
    } else {
        format!("only {}", info.apps.join(", "))
    };
    state.token_apps = info.apps;
    let line = format!("Token accepted: organisation {org}, {scope}");
    state.org = Some(org);
    Ok(Next::Continue(line))
}

/// `app`: the user's own app — the one on record, the one an app token is for, or the
/// per-user name — found or created.
pub(super) async fn app(
    session: &Session,
    run: &RunPlan,
    state: &mut RunState,
    say: Say<'_>,
) -> Result<Next> {
    let org = RunState::need(&state.org, "organisation")?.to_owned();
    let record = session.store.machine().await?;
    let name = match (&record, state.token_apps.as_slice()) {
        (Some(record), _) if record.org_slug == org => record.app.clone(),
        (_, [only]) => only.clone(),
        _ => plan::app_name(&org, state.user.as_deref()),
    };
    if !state.token_apps.is_empty() && !state.token_apps.contains(&name) {
        return Err(Error::InvalidInput(format!(
            "this token only covers {}, but your TradeMind app is {name}; use an organisation \
             token (`fly tokens create org`)",
            state.token_apps.join(", ")
        )));
    }
    let created = ensure_app(session, &org, &name, say).await?;
    let mut kept = record.filter(|r| r.app == name).unwrap_or(MachineRecord {
        app: name.clone(),
        org_slug: org.clone(),
        machine_id: None,
        instance_id: None,
        region: run.region.clone(),
        size: run.size.name.clone(),
        image: run.image.clone(),
        state: None,
        seen_at: None,
        secrets_version: None,
        secrets_fingerprint: None,
    });
    kept.org_slug = org;
    session.store.save_machine(&kept).await?;
    state.app = Some(name.clone());
    state.app_created = created;
    let url = session.endpoints.agent_url(&name);
    Ok(Next::Continue(if created {
        format!("Created your app {name} ({url})")
    } else {
        format!("Using your app {name} ({url})")
    }))
}

/// Finds or creates the app; says whether it was created. A name taken meanwhile by our own
/// organisation (a concurrent start elsewhere) is ours to use.
async fn ensure_app(session: &Session, org: &str, name: &str, say: Say<'_>) -> Result<bool> {
    let owner_org = match session.fly.get_app(name).await {
        Ok(app) => app.organization.map(|o| o.slug),
        Err(FlyError::NotFound(_)) => {
            say(&format!("Creating the app {name} in {org}"));
            let request = CreateAppRequest {
                name: name.to_owned(),
                org_slug: org.to_owned(),
                network: None,
                enable_subdomains: None,
            };
            match session.fly.create_app(&request).await {
                Ok(_) => return Ok(true),
                Err(FlyError::AlreadyExists(_)) => {
                    let app = session
                        .fly
                        .wait_for_app(name, std::time::Duration::from_secs(10))
                        .await?;
                    app.organization.map(|o| o.slug)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    match owner_org {
        Some(slug) if !slug.is_empty() && slug != org => Err(Error::InvalidInput(format!(
            "the app {name} belongs to the organisation {slug}, not {org}"
        ))),
        _ => Ok(false),
    }
}

/// The user's app and agent machine on Fly when this profile has no record of them (a new
/// computer, or a reinstalled app): the token's organisation and the per-user app name, as
/// the `app` step would choose them. Found ones are recorded.
pub async fn discover(session: &Session) -> Result<Option<MachineRecord>> {
    let mut state = RunState::default();
    token(session, &mut state).await?;
    let org = RunState::need(&state.org, "organisation")?.to_owned();
    let name = match state.token_apps.as_slice() {
        [only] => only.clone(),
        _ => plan::app_name(&org, state.user.as_deref()),
    };
    match session.fly.get_app(&name).await {
        Ok(_) => {}
        Err(FlyError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let Some(machine) = super::find_agent(session, &name, None).await? else {
        return Ok(None);
    };
    let config = machine.any_config();
    let record = MachineRecord {
        app: name,
        org_slug: org,
        machine_id: Some(machine.id.clone()),
        instance_id: machine.current_version().map(str::to_owned),
        region: machine.region.clone(),
        size: config
            .and_then(|c| c.guest.as_ref())
            .map_or_else(|| "custom".to_owned(), MachineSize::name_of),
        image: config.map(|c| c.image.clone()).unwrap_or_default(),
        state: Some(machine.state.to_string()),
        seen_at: Some(crate::store::now()),
        secrets_version: None,
        secrets_fingerprint: None,
    };
    session.store.save_machine(&record).await?;
    Ok(Some(record))
}

/// `secrets`: the agent's owner and viewer tokens (made here once, kept in the keyring) and
/// the LLM key when configured, set as the app's secrets unless Fly already has them.
pub(super) async fn secrets(session: &Session, state: &mut RunState) -> Result<Next> {
    let app = RunState::need(&state.app, "app")?.to_owned();
    let vault = session.vault()?;
    let (owner, new_owner) = agent_token(vault, SecretAccount::AgentOwnerToken, "tmo_").await?;
    let (viewer, new_viewer) = agent_token(vault, SecretAccount::AgentViewerToken, "tmv_").await?;
    let llm = vault.load_secret(SecretAccount::LlmApiKey).await?;
    let record = super::machine_record(session).await?;
    let mut needed = vec![OWNER_SECRET, VIEWER_SECRET];
    if llm.is_some() {
        needed.push(LLM_SECRET);
    }
    let on_fly = fingerprint(&session.fly.list_secrets(&app, None).await?, &needed);
    if let (false, false, Some(on_fly), Some(version)) =
        (new_owner, new_viewer, on_fly, record.secrets_version)
    {
        if record.secrets_fingerprint.as_deref() == Some(on_fly.as_str()) {
            let version = u64::try_from(version).unwrap_or_default();
            state.secrets_version = Some(version);
            return Ok(Next::Continue(format!(
                "The agent's secrets are already set (version {version})"
            )));
        }
    }
    let version = write_agent_secrets(session, &app, &owner, &viewer, llm.as_ref()).await?;
    state.secrets_version = Some(version);
    state.secrets_changed = true;
    Ok(Next::Continue(format!(
        "Set the agent's owner and viewer tokens{} as secrets of {app} (version {version})",
        if llm.is_some() {
            " and the LLM key"
        } else {
            ""
        }
    )))
}

/// Sets the agent's owner and viewer tokens (and the LLM key, when there is one) as the app's
/// secrets in one write, and keeps Fly's new secrets version and fingerprint on the machine
/// record; returns the version (the machine reads the values at its next boot).
pub(crate) async fn write_agent_secrets(
    session: &Session,
    app: &str,
    owner: &Sensitive<String>,
    viewer: &Sensitive<String>,
    llm: Option<&Sensitive<String>>,
) -> Result<u64> {
    let mut needed = vec![OWNER_SECRET, VIEWER_SECRET];
    let mut values = vec![(OWNER_SECRET, Some(owner)), (VIEWER_SECRET, Some(viewer))];
    if let Some(key) = llm {
        needed.push(LLM_SECRET);
        values.push((LLM_SECRET, Some(key)));
    }
    let written = session.fly.update_secrets(app, &values).await?;
    let mut record = super::machine_record(session).await?;
    record.secrets_version = i64::try_from(written.version).ok();
    record.secrets_fingerprint = fingerprint(&written.secrets, &needed);
    session.store.save_machine(&record).await?;
    Ok(written.version)
}

/// A hash of Fly's digests of the `names` secrets, `None` unless Fly lists all of them with
/// digests. Fly's digest changes whenever a secret's value does, so a different fingerprint
/// means someone else (another computer) set these secrets since.
fn fingerprint(secrets: &[AppSecret], names: &[&str]) -> Option<String> {
    let mut hash = Sha256::new();
    for name in names {
        let digest = secrets
            .iter()
            .find(|s| s.name == *name)?
            .digest
            .as_deref()
            .filter(|d| !d.is_empty())?;
        hash.update(format!("{name}={digest};").as_bytes());
    }
    Some(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The token in the keyring, or a new one stored there first; says whether it is new.
async fn agent_token(
    vault: &Vault,
    account: SecretAccount,
    prefix: &str,
) -> Result<(Sensitive<String>, bool)> {
    if let Some(token) = vault.load_secret(account).await? {
        return Ok((token, false));
    }
    let token = generate_token(prefix);
    vault.store_secret(account, &token).await?;
    Ok((token, true))
}

/// `prefix` and 256 random bits, base64url: a bearer token for the agent.
pub fn generate_token(prefix: &str) -> Sensitive<String> {
    let bytes: [u8; 32] = rand::random();
    Sensitive::new(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_tokens_are_long_random_and_prefixed() {
        let a = generate_token("tmo_");
        let b = generate_token("tmo_");
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with("tmo_"));
        assert_eq!(a.expose().len(), 4 + 43);
        assert!(
            !format!("{a:?}").contains(&a.expose()[4..]),
            "redacted in Debug"
        );
    }
}
