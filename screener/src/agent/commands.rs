//! The owner's commands — deploy, undeploy, pause, resume — applied one at a time by a
//! single task, each at most once: an id already applied is acknowledged again without being
//! applied. A command is recorded as applied only after it took effect; every command is
//! harmless to apply twice, so a crash in between loses nothing.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::journal::JournalError;
use super::screening::Job;
use super::state::{lock, Shared};
use crate::engine::{Change, EngineError, RegistryError};
use crate::protocol::{
    Ack, AgentState, ClientFrame, DeployState, ErrorFrame, ServerFrame, TraderState,
};
use crate::trader::Trader;

/// A command from a connection, and where its answer goes.
pub struct CommandRequest {
    pub frame: ClientFrame,
    pub reply: oneshot::Sender<ServerFrame>,
}

/// Why a command was refused.
#[derive(Debug)]
struct Refusal {
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<JournalError> for Refusal {
    fn from(e: JournalError) -> Self {
        Self::new("internal", e.to_string())
    }
}

/// Applies commands until the channel closes.
pub async fn run(
    shared: Arc<Shared>,
    jobs: mpsc::UnboundedSender<Job>,
    mut requests: mpsc::Receiver<CommandRequest>,
) {
    while let Some(CommandRequest { frame, reply }) = requests.recv().await {
        let id = frame.command_id().unwrap_or_default().to_owned();
        let answer = match apply(&shared, &jobs, &id, frame).await {
            Ok(()) => ServerFrame::Ack(Ack { id }),
            Err(refusal) => {
                tracing::info!(command = %id, code = refusal.code, "command refused: {}", refusal.message);
                shared.record_error(
                    "command",
                    &format!(
                        "command {id} refused ({}): {}",
                        refusal.code, refusal.message
                    ),
                );
                ServerFrame::Error(ErrorFrame {
                    code: refusal.code.into(),
                    message: refusal.message,
                    id: Some(id),
                })
            }
        };
        let _ = reply.send(answer);
    }
}

async fn apply(
    shared: &Shared,
    jobs: &mpsc::UnboundedSender<Job>,
    id: &str,
    frame: ClientFrame,
) -> Result<(), Refusal> {
    if id.is_empty() || id.len() > 128 {
        return Err(Refusal::new(
            "bad_frame",
            "a command needs an id of 1–128 characters",
        ));
    }
    if shared.journal.applied(id).await? {
        return Ok(());
    }
    if shared.shutdown.is_cancelled() {
        return Err(Refusal::new("draining", "the agent is shutting down"));
    }
    match frame {
        ClientFrame::DeployTrader(c) => deploy(shared, jobs, c.trader).await?,
        ClientFrame::UndeployTrader(c) => undeploy(shared, jobs, &c.trader_id, c.version).await?,
        ClientFrame::Pause(_) => set_paused(shared, jobs, true).await?,
        ClientFrame::Resume(_) => set_paused(shared, jobs, false).await?,
        ClientFrame::ResumeFrom(_) | ClientFrame::Ping => {
            return Err(Refusal::new("bad_frame", "not a command"))
        }
    }
    shared.journal.remember(id).await?;
    Ok(())
}

async fn deploy(
    shared: &Shared,
    jobs: &mpsc::UnboundedSender<Job>,
    trader: Trader,
) -> Result<(), Refusal> {
    trader
        .validate()
        .map_err(|e| Refusal::new("invalid_trader", format!("trader {}: {e}", trader.id)))?;
    let (reply, answer) = oneshot::channel();
    if jobs
        .send(Job::Deploy(Box::new(trader.clone()), reply))
        .is_err()
    {
        return Err(Refusal::new("draining", "the engine has stopped"));
    }
    let outcome = answer
        .await
        .map_err(|_| Refusal::new("draining", "the engine has stopped"))?;
    match outcome {
        // The same version again: the engine keeps what it has, and so does the journal.
        Ok(Change::Unchanged) => return Ok(()),
        Ok(_) => {}
        Err(EngineError::Registry(RegistryError::StaleVersion { current, .. })) => {
            return Err(Refusal::new(
                "version_conflict",
                format!(
                    "trader {} is deployed at version {current}; version {} is older (changed \
                     elsewhere?)",
                    trader.id, trader.version
                ),
            ))
        }
        Err(e) => {
            shared.set_trader_state(TraderState {
                trader_id: trader.id.clone(),
                version: trader.version,
                state: DeployState::Error,
                error: Some(e.to_string()),
            });
            return Err(Refusal::new("invalid_trader", e.to_string()));
        }
    }
    shared.journal.save_trader(&trader).await?;
    shared.set_trader_state(TraderState {
        trader_id: trader.id.clone(),
        version: trader.version,
        state: DeployState::Deployed,
        error: None,
    });
    Ok(())
}

async fn undeploy(
    shared: &Shared,
    jobs: &mpsc::UnboundedSender<Job>,
    trader_id: &str,
    version: u64,
) -> Result<(), Refusal> {
    let deployed = lock(&shared.traders)
        .get(trader_id)
        .filter(|t| t.state == DeployState::Deployed)
        .map(|t| t.version);
    match deployed {
        None => {}
        Some(current) if current != version => {
            return Err(Refusal::new(
                "version_conflict",
                format!(
                    "trader {trader_id} is deployed at version {current}, not {version} \
                     (changed elsewhere?)"
                ),
            ))
        }
        Some(_) => {
            let (reply, answer) = oneshot::channel();
            if jobs
                .send(Job::Undeploy(trader_id.to_owned(), reply))
                .is_err()
            {
                return Err(Refusal::new("draining", "the engine has stopped"));
            }
            match answer.await {
                Ok(Ok(())) | Ok(Err(EngineError::Registry(RegistryError::Unknown(_)))) => {}
                Ok(Err(e)) => return Err(Refusal::new("internal", e.to_string())),
                Err(_) => return Err(Refusal::new("draining", "the engine has stopped")),
            }
        }
    }
    shared.journal.remove_trader(trader_id).await?;
    shared.set_trader_state(TraderState {
        trader_id: trader_id.to_owned(),
        version,
        state: DeployState::Undeployed,
        error: None,
    });
    Ok(())
}

async fn set_paused(
    shared: &Shared,
    jobs: &mpsc::UnboundedSender<Job>,
    paused: bool,
) -> Result<(), Refusal> {
    shared.journal.set_paused(paused).await?;
    if jobs.send(Job::SetPaused(paused)).is_err() {
        return Err(Refusal::new("draining", "the engine has stopped"));
    }
    let ready = shared.market().ready;
    match (paused, ready) {
        (true, _) => shared.set_status(AgentState::Paused, Some("paused by the owner".into())),
        (false, true) => shared.set_status(AgentState::Running, None),
        (false, false) => {
            shared.set_status(AgentState::Starting, Some("backfilling market data".into()))
        }
    }
    Ok(())
}
