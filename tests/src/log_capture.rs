//! Capturing this thread's log events in a test, reliably beside other tests.
//!
//! `tracing` caches each callsite's interest for the whole process, and while only one
//! dispatcher exists it computes that interest from the subscriber of whichever thread hits
//! the callsite first: a sibling test's thread without a subscriber caches "never", and a
//! scoped subscriber installed later sees nothing from that callsite (a known flake, see
//! tokio-rs/tracing#1527). [`install`] keeps a second, always-interested dispatcher alive and
//! rebuilds the cache, so every callsite stays at least "sometimes" and each event is asked
//! of the emitting thread's own subscriber.

use tracing::subscriber::DefaultGuard;
use tracing::{Dispatch, Subscriber};

/// The installed capture; dropping it uninstalls the subscriber.
pub struct Capture {
    _guard: DefaultGuard,
    _anchor: Dispatch,
}

/// Makes `subscriber` this thread's default and keeps it seeing every event.
pub fn install(subscriber: impl Subscriber + Send + Sync + 'static) -> Capture {
    let guard = tracing::subscriber::set_default(subscriber);
    let anchor = Dispatch::new(tracing_subscriber::registry());
    tracing::callsite::rebuild_interest_cache();
    Capture {
        _guard: guard,
        _anchor: anchor,
    }
}
