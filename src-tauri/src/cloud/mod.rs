//! The cloud side of the app: the live link to the user's agent, started when the machine's
//! agent reports ready and stopped with the machine, with its state and frames for the UI.
//! Subscribers hold on to [`Cloud`], which outlives any one [`crate::link::Link`].

pub mod view;

use std::sync::{Arc, Mutex};

use screener::protocol::ServerFrame;
use tokio::sync::{broadcast, watch};

use crate::link::{Link, LinkState};

pub use view::LinkView;

/// Frames kept for a slow subscriber before it starts missing some.
pub const FRAME_BUFFER: usize = 4096;

/// The app's one cloud link slot.
pub struct Cloud {
    link: Mutex<Option<Arc<Link>>>,
    frames: broadcast::Sender<ServerFrame>,
    view: watch::Sender<LinkView>,
}

impl Default for Cloud {
    fn default() -> Self {
        Self {
            link: Mutex::new(None),
            frames: broadcast::channel(FRAME_BUFFER).0,
            view: watch::channel(LinkView::offline()).0,
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
