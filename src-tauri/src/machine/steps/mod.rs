//! The work of each provisioning step, as idempotent "make it so" actions: each one checks
//! what already exists on Fly before changing anything, so running a step twice (after a
//! crash, a retry or a concurrent start) changes nothing the first run did.
//!
//! - [`account`]: `token`, `app`, `secrets` — the user's organisation, app and agent secrets.
//! - [`volume`]: `volume` — the agent's data volume on `/data`, one per app.
//! - [`machine`]: `machine`, `started`, `ready` — the one agent machine, running and answering.

mod account;
pub(crate) mod machine;
mod volume;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fly::sizes::{self, BinanceAccess};
use crate::fly::CreateRequestId;
use crate::machine::size::MachineSize;
use crate::machine::{Session, Step};

pub use account::discover;
pub(crate) use account::{generate_token, write_agent_secrets};
pub use machine::find_agent;

/// What a run was asked to make.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub region: String,
    pub size: MachineSize,
    pub image: String,
    /// Kept across resumes: the machine created under it is found again, not duplicated.
    pub request_id: CreateRequestId,
}

/// What the steps of a run learned so far (stored as each finished step's output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunState {
    pub org: Option<String>,
    pub user: Option<String>,
    /// The apps an app-scoped token covers (empty: the whole organisation).
    pub token_apps: Vec<String>,
    pub app: Option<String>,
    pub app_created: bool,
    pub secrets_version: Option<u64>,
    /// This run wrote the secrets: a machine already running must reboot to read them.
    pub secrets_changed: bool,
    /// The data volume the machine mounts on `/data` (`None`: a machine made without one).
    pub volume_id: Option<String>,
    /// The volume's region: where the machine is created.
    pub volume_region: Option<String>,
    /// This run created the volume (deleted again if the run adopts another start's machine).
    pub volume_created: bool,
    pub machine_id: Option<String>,
    pub instance_id: Option<String>,
    pub region: Option<String>,
    /// This run created the machine (rather than finding one).
    pub machine_created: bool,
    pub agent_url: Option<String>,
    pub agent_version: Option<String>,
}

impl RunState {
    pub(crate) fn need<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str> {
        value
            .as_deref()
            .ok_or_else(|| Error::Internal(format!("the run has no {what} before this step")))
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Done; the line says what it did.
    Continue(String),
    /// An earlier step's result is gone: redo from that step.
    Rewind(Step, String),
}

/// A progress line reporter.
pub type Say<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// Does `step`, updating `state`.
pub async fn perform(
    session: &Session,
    plan: &RunPlan,
    step: Step,
    state: &mut RunState,
    say: Say<'_>,
) -> Result<Next> {
    match step {
        Step::Token => account::token(session, state).await,
        Step::App => account::app(session, plan, state, say).await,
        Step::Secrets => account::secrets(session, state).await,
        Step::Volume => volume::volume(session, plan, state, say).await,
        Step::Machine => machine::machine(session, plan, state, say).await,
        Step::Started => machine::started(session, state, say).await,
        Step::Ready => machine::ready(session, state, say).await,
        Step::Done => {
            let url = state.agent_url.clone().unwrap_or_default();
            Ok(Next::Continue(format!(
                "Your screener machine {} is running in {}: {url}",
                state.machine_id.as_deref().unwrap_or("?"),
                state.region.as_deref().unwrap_or("?"),
            )))
        }
    }
}

/// The local machine record, which the `app` step creates: every later step updates it.
async fn machine_record(session: &Session) -> Result<crate::store::machine::MachineRecord> {
    session
        .store
        .machine()
        .await?
        .ok_or_else(|| Error::Internal("no machine record after the app step".into()))
}

/// Checks a region the user chose: a three-letter Fly region (the documented table, else
/// Fly's live list) from which Binance answers.
pub async fn check_region(session: &Session, region: &str) -> Result<()> {
    if region.len() != 3 || !region.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(Error::InvalidInput(format!(
            "{region:?} is not a Fly region code (three lowercase letters, e.g. sin, ams, fra)"
        )));
    }
    match sizes::binance_access(region) {
        Some(BinanceAccess::Allowed) => Ok(()),
        Some(BinanceAccess::Blocked) => Err(Error::InvalidInput(format!(
            "Binance refuses connections from the US, so the screener cannot run in {region}; \
             choose a region outside the US such as sin, nrt, ams or fra"
        ))),
        None => {
            let live = session.fly.regions().await?;
            if live.regions.iter().any(|r| r.code == region) {
                Ok(())
            } else {
                Err(Error::InvalidInput(format!(
                    "Fly has no region {region:?} (`trademind regions` lists them)"
                )))
            }
        }
    }
}

/// The region to use when none was chosen: the nearest one where Binance answers.
pub async fn default_region(session: &Session) -> String {
    let nearest = match session.fly.regions().await {
        Ok(list) => list.nearest,
        Err(e) => {
            tracing::warn!(error = %e, "could not read Fly's regions; using the default");
            None
        }
    };
    sizes::default_region(nearest.as_deref()).to_owned()
}
