//! When the live link runs: it connects only when the machine record says started and the
//! agent answers `/health` with ready; machine stop and destroy disconnect it, restart and
//! resize reconnect it once the agent is back.

use std::time::Duration;

use super::Core;
use crate::cloud::LinkView;
use crate::error::{Error, Result};
use crate::link::{LinkConfig, LinkError};
use crate::machine::health::{self, HealthReply};
use crate::secrets::vault::SecretAccount;

/// How long [`reconnect_when_ready`] waits for the agent after a restart.
pub const READY_WAIT: Duration = Duration::from_secs(120);

/// What [`ensure_connected`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkCheck {
    /// A link runs (it was already there, or was just started).
    Connected,
    /// No machine, or its record does not say started.
    NotStarted(String),
    /// The machine is started but its agent is not ready (the reason).
    AgentNotReady(String),
}

/// The link's config: the agent URL for the machine's app and the owner token from the
/// keyring (kept in a `Sensitive`).
pub async fn link_config(core: &Core) -> Result<LinkConfig> {
    let record = core.store().machine().await?.ok_or(Error::NoMachine)?;
    let agent_url = core.endpoints()?.agent_url(&record.app);
    let token = core
        .vault()?
        .load_secret(SecretAccount::AgentOwnerToken)
        .await?
        // No owner token: the machine's secrets were set by another profile or lost.
        .ok_or(Error::Link(LinkError::Unauthorized))?;
    Ok(LinkConfig::new(agent_url, token))
}

/// Connects the link if the machine record says started and the agent is ready now; a link
/// already running is kept.
pub async fn ensure_connected(core: &Core) -> Result<LinkCheck> {
    if core.cloud().link().is_some() {
        return Ok(LinkCheck::Connected);
    }
    let Some(record) = core.store().machine().await? else {
        return Ok(LinkCheck::NotStarted("there is no machine".into()));
    };
    if record.state.as_deref() != Some("started") {
        return Ok(LinkCheck::NotStarted(format!(
            "the machine is {}",
            record.state.as_deref().unwrap_or("unknown")
        )));
    }
    let agent_url = core.endpoints()?.agent_url(&record.app);
    let http = health::http_client()?;
    match health::check(&http, &agent_url, record.machine_id.as_deref()).await {
        HealthReply::Ready(_) => {}
        HealthReply::NotReady(why) | HealthReply::Unreachable(why) => {
            tracing::info!(reason = %why, "agent not ready; the link waits");
            return Ok(LinkCheck::AgentNotReady(why));
        }
    }
    connect(core).await?;
    Ok(LinkCheck::Connected)
}

/// Starts the link now (no checks; [`ensure_connected`] is the careful way).
pub async fn connect(core: &Core) -> Result<bool> {
    core.require_owner("link connect").await?;
    let config = link_config(core).await?;
    let machine = super::metrics::machine_key(core.store()).await?;
    core.cloud()
        .connect(core.store().clone(), machine, config)
        .await
}

/// Shuts the link down; the view goes offline. Returns whether one ran.
pub async fn disconnect(core: &Core) -> bool {
    core.cloud().disconnect().await
}

/// The view now.
pub fn view(core: &Core) -> LinkView {
    core.cloud().view().borrow().clone()
}

/// Asks the running link to connect again now, or — without a link — connects if the agent is
/// ready. Returns the view after.
pub async fn reconnect(core: &Core) -> Result<LinkView> {
    core.require_owner("link reconnect").await?;
    match core.cloud().link() {
        Some(link) => link.reconnect(),
        None => {
            if let LinkCheck::NotStarted(why) | LinkCheck::AgentNotReady(why) =
                ensure_connected(core).await?
            {
                return Err(Error::AgentNotReady { detail: why });
            }
        }
    }
    Ok(view(core))
}

/// After a machine change that restarts the agent (restart, resize): waits for `/health`
/// ready (up to [`READY_WAIT`]), then reconnects the link — resetting a running link's
/// backoff, or starting one. Failures are logged, not returned: the machine change worked.
pub async fn reconnect_when_ready(core: &Core) {
    let ready = async {
        let record = core.store().machine().await?.ok_or(Error::NoMachine)?;
        if record.state.as_deref() != Some("started") {
            return Ok(false);
        }
        let agent_url = core.endpoints()?.agent_url(&record.app);
        let http = health::http_client()?;
        health::wait_ready(
            &http,
            &agent_url,
            record.machine_id.as_deref(),
            READY_WAIT,
            |_| {},
        )
        .await?;
        Ok::<_, Error>(true)
    };
    match ready.await {
        Ok(true) => match core.cloud().link() {
            Some(link) => link.reconnect(),
            None => {
                if let Err(e) = ensure_connected(core).await {
                    tracing::warn!(code = ?e.code(), "the link did not start: {e}");
                }
            }
        },
        Ok(false) => {}
        Err(e) => tracing::warn!(code = ?e.code(), "the link waits for the agent: {e}"),
    }
}

/// Connects after a machine operation that left it started; logs instead of failing.
pub async fn connect_after(core: &Core, what: &str) {
    match ensure_connected(core).await {
        Ok(check) => tracing::info!(?check, "link after {what}"),
        Err(e) => tracing::warn!(code = ?e.code(), "the link did not start after {what}: {e}"),
    }
}

/// One look at the agent over the link (`trademind link status`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkProbe {
    pub agent_url: String,
    /// `live` when greeted.
    pub state: String,
    pub hello: screener::protocol::Hello,
}

/// Connects once (upgrade and `hello` within `deadline`), closes with 1000 and reports the
/// greeting. The machine record is not consulted beyond the app name.
pub async fn probe(core: &Core, deadline: Duration) -> Result<LinkProbe> {
    let config = link_config(core).await?;
    let url = config.websocket_url()?;
    let (mut socket, hello) = crate::link::connection::open(&url, &config.token, deadline).await?;
    crate::link::session::close(&mut socket, "probe done").await;
    Ok(LinkProbe {
        agent_url: config.agent_url,
        state: "live".into(),
        hello,
    })
}
