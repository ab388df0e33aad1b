//! Support inspection: a read-only look at a user's app, machine and agent, with a read-only
//! Fly token and the agent's viewer token (`architecture.md` "Support inspection").
//!
//! - [`credentials`]: support's two tokens (keyring or environment), described only.
//! - [`target`]: find a user's app and agent machine by app name, machine id or user id.
//! - [`machine`]: Fly's state, config and events; [`agent`]: health, a viewer snapshot and
//!   the agent's 24 h history; [`logs`]: Fly's logs (backlog, tail, filters).
//! - [`findings`]: the diagnosis; [`view`]: the types all of it is shown with.
//!
//! Nothing here can change anything: the Fly client only reads (and the token cannot write),
//! the agent connection is a viewer's. The operation layer ([`crate::api::inspect`]) adds the
//! audit trail and the support-mode guard on everything else.

pub mod agent;
pub mod credentials;
pub mod findings;
pub mod live;
pub mod logs;
pub mod machine;
pub mod report;
pub mod target;
pub mod view;

use crate::error::Result;
use crate::fly::FlyClient;
use crate::machine::Endpoints;
use crate::secrets::FlyToken;
use crate::sensitive::Sensitive;

pub use view::*;

/// History charts the support window shows (CPU, memory, candle age, evaluations, queue,
/// errors); the report draws them all.
const CHARTS_SHOWN: usize = 6;

/// What an inspection talks to, with support's credentials.
#[derive(Debug)]
pub struct Inspector {
    /// The Machines API with the read-only token.
    pub fly: FlyClient,
    /// Fly's logs API with the same token.
    pub logs: FlyClient,
    pub endpoints: Endpoints,
    /// The agent's viewer token, when support has it.
    pub viewer: Option<Sensitive<String>>,
}

impl Inspector {
    /// Clients for `endpoints` with `token` (and the viewer token, if any).
    pub fn new(
        token: &FlyToken,
        viewer: Option<Sensitive<String>>,
        endpoints: Endpoints,
    ) -> Result<Self> {
        let fly = FlyClient::at(token, &endpoints.fly_api_url)?;
        let logs = FlyClient::at(token, &format!("{}/api", endpoints.fly_logs_url()))?;
        Ok(Self {
            fly,
            logs,
            endpoints,
            viewer,
        })
    }

    /// Everything about `target` now: Fly's machine, the agent, and the diagnosis.
    pub async fn inspect(&self, target: InspectTarget) -> Result<Inspection> {
        let machine = match &target.machine_id {
            Some(id) => Some(self.fly.get_machine(&target.app, id).await?),
            None => None,
        };
        let machine = machine.as_ref().map(machine::inspection);
        let agent = match &machine {
            Some(_) => Some(
                agent::inspect(&self.endpoints.agent_url(&target.app), self.viewer.as_ref()).await,
            ),
            None => None,
        };
        let now = chrono::Utc::now();
        let findings = findings::diagnose(machine.as_ref(), agent.as_ref(), now);
        let history = agent.as_ref().and_then(|a| a.history.clone());
        let end_ms = now.timestamp_millis();
        let charts = tokio::task::spawn_blocking(move || {
            report::charts::views(history.as_ref(), end_ms, CHARTS_SHOWN)
        })
        .await
        .map_err(|e| crate::error::Error::Internal(format!("drawing the history charts: {e}")))??;
        let versions = Versions {
            app: env!("CARGO_PKG_VERSION").to_owned(),
            app_protocol: screener::protocol::PROTOCOL_VERSION,
            agent: agent.as_ref().and_then(|a| {
                a.greeting
                    .as_ref()
                    .map(|g| g.agent_version.clone())
                    .or_else(|| a.health.as_ref().and_then(|h| h.agent_version.clone()))
            }),
            agent_protocol: agent
                .as_ref()
                .and_then(|a| a.greeting.as_ref().map(|g| g.protocol_version)),
            image: machine
                .as_ref()
                .and_then(|m| m.config.as_ref().map(|c| c.image.clone())),
        };
        Ok(Inspection {
            generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            target,
            versions,
            machine,
            agent,
            findings,
            charts,
        })
    }
}
