//! Live subscriptions of the window (link state, dashboard, signals): each runs as a task that
//! sends into a `tauri::ipc::Channel` until the window calls `watch_stop` with its id, the
//! channel fails (the page went away), or the app exits.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

/// Running subscriptions by id. Managed as Tauri state.
#[derive(Default)]
pub struct Watches {
    next: AtomicU32,
    running: Mutex<HashMap<u32, CancellationToken>>,
    /// Cancelled at exit: ends every subscription.
    all: CancellationToken,
}

impl Watches {
    /// Runs `task` until it ends or the subscription is stopped; returns the id to stop it with.
    /// The task gets a token to watch for cancellation at its own await points.
    pub fn spawn<F, Fut>(&self, task: F) -> u32
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let cancel = self.all.child_token();
        self.lock().insert(id, cancel.clone());
        let fut = task(cancel.clone());
        tauri::async_runtime::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = fut => {}
            }
        });
        id
    }

    /// Stops subscription `id`; unknown ids (already ended) are fine.
    pub fn stop(&self, id: u32) -> bool {
        match self.lock().remove(&id) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops every subscription (app exit).
    pub fn stop_all(&self) {
        self.all.cancel();
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, CancellationToken>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}
