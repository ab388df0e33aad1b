//! The cloud side of the app: the live link to the user's agent, started when the machine's
//! agent reports ready and stopped with the machine, with its state and frames for the UI.
//! Subscribers hold on to [`Cloud`], which outlives any one [`crate::link::Link`].
//!
//! - [`Cloud::connect`] starts a link with three tasks beside it: the frame forwarder (into
//!   [`Cloud::frames`]), the metrics recorder ([`crate::link::recorder`]) and the view
//!   publisher ([`publish`]: [`LinkView`] on every change, link transitions in the audit log).
//! - [`Cloud::disconnect`] closes the socket with 1000 and waits for all of them.

pub mod publish;
pub mod view;

use std::sync::{Arc, Mutex};

use screener::protocol::ServerFrame;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::link::{recorder, Link, LinkConfig, LinkState};
use crate::store::Store;

pub use view::LinkView;

/// Frames kept for a slow subscriber before it starts missing some.
pub const FRAME_BUFFER: usize = 4096;

/// The app's one cloud link slot.
pub struct Cloud {
    link: Mutex<Option<Arc<Link>>>,
    /// The running link and its tasks; held across connect and disconnect so that they run
    /// one at a time.
    running: tokio::sync::Mutex<Option<Running>>,
    frames: broadcast::Sender<ServerFrame>,
    view: Arc<watch::Sender<LinkView>>,
}

/// A link and the tasks that serve it.
struct Running {
    link: Arc<Link>,
    agent_url: String,
    cancel: CancellationToken,
    forward: JoinHandle<()>,
    publish: JoinHandle<()>,
    recorder: JoinHandle<u64>,
}

impl Default for Cloud {
    fn default() -> Self {
        Self {
            link: Mutex::new(None),
            running: tokio::sync::Mutex::new(None),
            frames: broadcast::channel(FRAME_BUFFER).0,
            view: Arc::new(watch::channel(LinkView::offline()).0),
        }
    }
}

impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud")
            .field("view", &*self.view.borrow())
            .finish_non_exhaustive()
    }
}

impl Cloud {
    /// The current link, if one runs.
    pub fn link(&self) -> Option<Arc<Link>> {
        self.link.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every frame from whichever link is current (stable across link restarts).
    pub fn frames(&self) -> broadcast::Receiver<ServerFrame> {
        self.frames.subscribe()
    }

    /// The link as the UI shows it, now and as it changes.
    pub fn view(&self) -> watch::Receiver<LinkView> {
        self.view.subscribe()
    }

    /// Whether the link is live now.
    pub fn is_live(&self) -> bool {
        self.view.borrow().state.is_live()
    }

    /// Starts a link to `config`'s agent, recording its metrics under `machine` (see
    /// [`crate::api::metrics::machine_key`]). A link to the same agent URL is kept as it is;
    /// one to another URL is shut down first. Returns whether a new link was started.
    pub async fn connect(&self, store: Store, machine: String, config: LinkConfig) -> Result<bool> {
        let mut running = self.running.lock().await;
        if running
            .as_ref()
            .is_some_and(|r| r.agent_url == config.agent_url)
        {
            return Ok(false);
        }
        if let Some(old) = running.take() {
            self.stop(old).await;
        }
        let agent_url = config.agent_url.clone();
        tracing::info!(agent_url = %agent_url, "starting the agent link");
        let link = Arc::new(Link::start(store.clone(), config).await?);
        let cancel = CancellationToken::new();
        let recorder = recorder::spawn(store.clone(), machine, link.frames(), cancel.clone());
        let forward = tokio::spawn(forward(link.frames(), self.frames.clone(), cancel.clone()));
        let publish = tokio::spawn(publish::run(
            Arc::clone(&link),
            store,
            agent_url.clone(),
            Arc::clone(&self.view),
            cancel.clone(),
        ));
        *self.link.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&link));
        *running = Some(Running {
            link,
            agent_url,
            cancel,
            forward,
            publish,
            recorder,
        });
        Ok(true)
    }

    /// Shuts the link down (socket closed with 1000), waits for its tasks and publishes
    /// offline. Returns whether a link was running.
    pub async fn disconnect(&self) -> bool {
        let mut running = self.running.lock().await;
        match running.take() {
            Some(old) => {
                self.stop(old).await;
                true
            }
            None => false,
        }
    }

    async fn stop(&self, old: Running) {
        *self.link.lock().unwrap_or_else(|e| e.into_inner()) = None;
        old.link.shutdown().await;
        old.cancel.cancel();
        for (what, task) in [("forwarder", old.forward), ("view publisher", old.publish)] {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the agent link's {what} failed");
            }
        }
        match old.recorder.await {
            Ok(stored) => tracing::info!(stored, "agent link stopped"),
            Err(e) => tracing::error!(error = %e, "the metrics recorder failed"),
        }
        self.view.send_replace(LinkView::offline());
    }
}

/// Hands the link's frames to the slot's subscribers until cancelled (then the ones already
/// waiting) or the link is gone.
async fn forward(
    mut from: broadcast::Receiver<ServerFrame>,
    to: broadcast::Sender<ServerFrame>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            frame = from.recv() => match frame {
                Ok(frame) => {
                    let _ = to.send(frame);
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the frame forwarder fell behind; frames were lost");
                }
                Err(RecvError::Closed) => return,
            },
        }
    }
    loop {
        match from.try_recv() {
            Ok(frame) => {
                let _ = to.send(frame);
            }
            Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
}

impl LinkView {
    /// No link.
    pub fn offline() -> Self {
        Self {
            state: LinkState::Offline { error: None },
            agent_url: None,
            attempts: 0,
            pending_commands: 0,
        }
    }
}
