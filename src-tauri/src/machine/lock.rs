//! The profile's machine lock: one window or command at a time changes the machine.
//!
//! The lock is a row in the profile's database ([`crate::store::provision`]) with an expiry
//! that the holder renews while it works, so a holder that dies loses it after [`TTL`]. On
//! Linux a holder names its process (pid and start time from `/proc`), and a waiter takes over
//! at once from a holder whose process is gone — a crashed `machine start` is resumed
//! without waiting for the lapse.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::store::Store;

/// A holder that stops renewing loses the lock after this long.
pub const TTL: Duration = Duration::from_secs(30);
/// How often the holder renews.
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// How often a waiter looks again.
const POLL: Duration = Duration::from_millis(200);

/// A held lock; renewed in the background until [`MachineLock::release`].
#[derive(Debug)]
pub struct MachineLock {
    store: Store,
    holder: String,
    stop: watch::Sender<bool>,
    renewal: Option<JoinHandle<()>>,
}

impl MachineLock {
    /// Takes the lock, waiting up to `patience` while another live holder has it;
    /// `on_wait` is called once with the holder's name when waiting begins.
    pub async fn acquire(
        store: &Store,
        patience: Duration,
        on_wait: impl FnOnce(&str),
    ) -> Result<Self> {
        let holder = holder_name();
        let ttl_ms = TTL.as_millis() as i64;
        let deadline = tokio::time::Instant::now() + patience;
        let mut on_wait = Some(on_wait);
        loop {
            if store.try_lock_machine(&holder, ttl_ms).await? {
                break;
            }
            let current = store.machine_lock_holder().await?.unwrap_or_default();
            if !current.is_empty()
                && !process_alive(&current)
                && store
                    .take_over_machine_lock(&current, &holder, ttl_ms)
                    .await?
            {
                tracing::warn!(previous = %current, "took over the machine lock of an exited process");
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::MachineBusy { holder: current });
            }
            if let Some(notify) = on_wait.take() {
                notify(&current);
            }
            tokio::time::sleep(POLL).await;
        }
        let (stop, mut stopped) = watch::channel(false);
        let renew_store = store.clone();
        let renew_holder = holder.clone();
        let renewal = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(RENEW_EVERY) => {}
                    _ = stopped.changed() => return,
                }
                if let Err(e) = renew_store.try_lock_machine(&renew_holder, ttl_ms).await {
                    tracing::warn!(error = %e, "could not renew the machine lock");
                }
            }
        });
        Ok(Self {
            store: store.clone(),
            holder,
            stop,
            renewal: Some(renewal),
        })
    }

    /// This holder's name.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Stops renewing and releases the lock.
    pub async fn release(mut self) -> Result<()> {
        let _ = self.stop.send(true);
        if let Some(renewal) = self.renewal.take() {
            let _ = renewal.await;
        }
        self.store.unlock_machine(&self.holder).await
    }
}

impl Drop for MachineLock {
    /// A lock dropped without [`MachineLock::release`] stops renewing and lapses by its TTL.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// `pid:<pid>:<start time>:<random>` on Linux, `pid:<pid>:-:<random>` elsewhere.
fn holder_name() -> String {
    let pid = std::process::id();
    let start = process_start(pid).unwrap_or_else(|| "-".into());
    let nonce: u32 = rand::random();
    format!("pid:{pid}:{start}:{nonce:08x}")
}

/// Whether the process named in `holder` may still be running (`true` when unknown).
fn process_alive(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some("pid"), Some(pid), Some(start)) = (parts.next(), parts.next(), parts.next()) else {
        return true;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return true;
    };
    if start == "-" || !cfg!(target_os = "linux") {
        return true;
    }
    process_start(pid).is_some_and(|now| now == start)
}

/// The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        (dir, store)
    }

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        let me = holder_name();
        assert!(process_alive(&me), "{me}");
        if cfg!(target_os = "linux") {
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            let start = process_start(pid);
            child.wait().unwrap();
            let holder = format!("pid:{pid}:{}:00000000", start.unwrap_or_else(|| "1".into()));
            assert!(!process_alive(&holder), "{holder}");
        }
        assert!(
            process_alive("someone-else"),
            "unknown holders are presumed alive"
        );
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_dead_holder_is_replaced() {
        let (_dir, store) = store().await;
        let first = MachineLock::acquire(&store, Duration::ZERO, |_| {})
            .await
            .unwrap();
        let mut waited = None;
        let err = MachineLock::acquire(&store, Duration::from_millis(300), |h| {
            waited = Some(h.to_owned())
        })
        .await
        .unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::MachineBusy);
        assert_eq!(waited.as_deref(), Some(first.holder()));
        first.release().await.unwrap();
        let second = MachineLock::acquire(&store, Duration::ZERO, |_| {})
            .await
            .unwrap();
        second.release().await.unwrap();

        // A holder whose process exited (pid of a finished child) is taken over at once.
        if cfg!(target_os = "linux") {
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            let start = process_start(pid).unwrap_or_else(|| "1".into());
            child.wait().unwrap();
            let dead = format!("pid:{pid}:{start}:deadbeef");
            assert!(store.try_lock_machine(&dead, 60_000).await.unwrap());
            let taken = MachineLock::acquire(&store, Duration::ZERO, |_| {})
                .await
                .unwrap();
            assert_eq!(
                store.machine_lock_holder().await.unwrap().as_deref(),
                Some(taken.holder())
            );
            taken.release().await.unwrap();
        }
        assert_eq!(store.machine_lock_holder().await.unwrap(), None);
    }
}
