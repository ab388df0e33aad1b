//! What the link's handle and its connection task share: the store, the state channel, the
//! stream of frames for the UI, the role last greeted with and the two wake-ups (new outbox
//! command, manual reconnect).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use screener::protocol::{Role, ServerFrame};
use tokio::sync::{broadcast, watch, Notify};

use crate::link::state::LinkState;
use crate::store::Store;

/// Frames kept for a slow UI subscriber before it starts missing some.
pub const FRAME_BUFFER: usize = 1024;

pub struct LinkShared {
    pub store: Store,
    pub state: watch::Sender<LinkState>,
    pub frames: broadcast::Sender<ServerFrame>,
    /// The role of the last greeted connection (from the store until then).
    pub role: Mutex<Option<Role>>,
    /// A command was written to the outbox.
    pub outbox_written: Notify,
    /// The user asked to reconnect now.
    pub reconnect_asked: Notify,
    /// Connection attempts made.
    pub attempts: AtomicU64,
}

impl LinkShared {
    pub fn new(store: Store, role: Option<Role>) -> Self {
        Self {
            store,
            // The task starts connecting at once.
            state: watch::channel(LinkState::Connecting).0,
            frames: broadcast::channel(FRAME_BUFFER).0,
            role: Mutex::new(role),
            outbox_written: Notify::new(),
            reconnect_asked: Notify::new(),
            attempts: AtomicU64::new(0),
        }
    }

    /// Publishes a new state (watchers see only the latest).
    pub fn set_state(&self, state: LinkState) {
        tracing::debug!(?state, "agent link");
        self.state.send_replace(state);
    }

    pub fn role(&self) -> Option<Role> {
        *self.role.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_role(&self, role: Role) {
        *self.role.lock().unwrap_or_else(|e| e.into_inner()) = Some(role);
    }

    /// Hands a frame to the UI's subscribers (none listening is fine).
    pub fn publish(&self, frame: ServerFrame) {
        let _ = self.frames.send(frame);
    }

    pub fn count_attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }
}
