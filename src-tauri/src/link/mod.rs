//! The desktop's live link to the agent (`screener serve`, protocol v1, `docs/protocol.md`).
//! Tauri-free: the shell hands its state and frames to the web view.
//!
//! Layout:
//! - [`config`]: the agent URL, the token (a [`crate::sensitive::Sensitive`]) and timings.
//! - [`connection`]: one upgrade with the bearer token and the `hello`, within a deadline.
//! - [`session`]: a live connection: `resume_from`, the outbox, storing signals, pings.
//! - [`supervisor`]: the task that reconnects with [`backoff`] and a circuit breaker.
//! - [`state`]: [`LinkState`], published on a `watch` channel.
//! - [`commands`]: owner commands and their ids; the outbox itself is
//!   [`crate::store::outbox`], the signals [`crate::store::agent_signals`].
//! - [`error`]: [`LinkError`], mapped into the app's `{code, message, hint}`.
//! - [`recorder`]: stores the `metrics` frames into the metrics history.
//!
//! Guarantees: each signal is stored once per (journal, seq) with the cursor moved in the
//! same transaction, and `resume_from` asks for everything after it on every connect; owner
//! commands are written before they are sent, resent with the same id until answered, and
//! survive restarts.

pub mod backoff;
pub mod commands;
pub mod config;
pub mod connection;
pub mod error;
pub mod recorder;
pub mod session;
pub mod shared;
pub mod state;
pub mod supervisor;

#[cfg(test)]
mod tests;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use screener::protocol::ServerFrame;
use screener::trader::Trader;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::store::outbox::OutboxEntry;
use crate::store::Store;

pub use commands::OwnerCommand;
pub use config::{LinkConfig, LinkTimings};
pub use error::LinkError;
pub use state::LinkState;

use shared::LinkShared;

/// A running link: connects at once and keeps reconnecting until [`Link::shutdown`].
pub struct Link {
    shared: Arc<LinkShared>,
    cancel: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Link {
    /// Starts the link's task (inside a Tokio runtime).
    pub async fn start(store: Store, config: LinkConfig) -> Result<Self> {
        let role = store.agent_cursor().await?.and_then(|c| c.role);
        let shared = Arc::new(LinkShared::new(store, role));
        let cancel = CancellationToken::new();
        let task = tokio::spawn(supervisor::run(Arc::clone(&shared), config, cancel.clone()));
        Ok(Self {
            shared,
            cancel,
            task: Mutex::new(Some(task)),
        })
    }

    /// The link's state, now and as it changes.
    pub fn state(&self) -> watch::Receiver<LinkState> {
        self.shared.state.subscribe()
    }

    /// Every frame the agent sends from now on except `hello` and `pong` (metrics, status,
    /// trader_state, signal, analysis, ack, error), signals and analyses after they were
    /// stored.
    pub fn frames(&self) -> broadcast::Receiver<ServerFrame> {
        self.shared.frames.subscribe()
    }

    /// Connects again now: resets the backoff, closes the circuit, retries after a 401, and
    /// replaces a live connection.
    pub fn reconnect(&self) {
        self.shared.reconnect_asked.notify_one();
    }

    /// Connection attempts made so far.
    pub fn attempts(&self) -> u64 {
        self.shared.attempts.load(Ordering::Relaxed)
    }

    /// Writes `command` to the outbox (sent when live, in order) and returns its id. A viewer
    /// link refuses it with `forbidden`.
    pub async fn send(&self, command: OwnerCommand) -> Result<String> {
        command.check_role(self.shared.role())?;
        let id = commands::new_command_id();
        let frame = command.into_frame(id.clone());
        self.shared.store.outbox_push(&frame).await?;
        self.shared.outbox_written.notify_one();
        Ok(id)
    }

    /// Deploys (or replaces) a trader on the agent.
    pub async fn deploy_trader(&self, trader: Trader) -> Result<String> {
        self.send(OwnerCommand::DeployTrader(Box::new(trader)))
            .await
    }

    /// The outbox: commands not answered yet and commands the agent refused.
    pub async fn commands(&self) -> Result<Vec<OutboxEntry>> {
        self.shared.store.outbox().await
    }

    /// Forgets a refused command.
    pub async fn dismiss(&self, id: &str) -> Result<bool> {
        self.shared.store.outbox_dismiss(id).await
    }

    /// Closes the socket with 1000 and waits for the task to end. Idempotent.
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the agent link task failed");
            }
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
