//! The link's one long-running task: connect, run the session, and after a failure wait
//! (backoff, or the open circuit's cool-down) and try again — until shutdown. A 401 stops it
//! until a manual reconnect.

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

use crate::error::{ApiError, Error};
use crate::link::backoff::{Backoff, CircuitBreaker};
use crate::link::config::LinkConfig;
use crate::link::connection;
use crate::link::error::LinkError;
use crate::link::session::{self, SessionEnd};
use crate::link::shared::LinkShared;
use crate::link::state::LinkState;

/// What ended a wait.
enum Woken {
    Shutdown,
    Reconnect,
    Elapsed,
}

/// Runs until `cancel`; leaves the state `Offline`.
pub async fn run(shared: Arc<LinkShared>, config: LinkConfig, cancel: CancellationToken) {
    let url = match config.websocket_url() {
        Ok(url) => url,
        Err(e) => {
            shared.set_state(LinkState::Offline {
                error: Some(ApiError::from_ref(&Error::Link(e))),
            });
            cancel.cancelled().await;
            return;
        }
    };
    let timings = config.timings;
    let backoff = Backoff::new(timings.backoff_initial, timings.backoff_cap);
    let mut circuit = CircuitBreaker::new(timings.failures_to_open, timings.cool_down);
    let mut rng = StdRng::from_os_rng();
    let mut attempt: u32 = 0;
    shared.set_state(LinkState::Connecting);
    loop {
        shared.count_attempt();
        let opened = tokio::select! {
            _ = cancel.cancelled() => break,
            opened = connection::open(&url, &config.token, timings.connect_timeout) => opened,
        };
        let failure: Error = match opened {
            Ok((socket, hello)) => {
                circuit.succeeded();
                attempt = 0;
                match session::run(&shared, socket, hello, &timings, &cancel).await {
                    Ok(SessionEnd::Shutdown) => break,
                    Ok(SessionEnd::Reconnect) => {
                        shared.set_state(LinkState::Connecting);
                        continue;
                    }
                    Ok(SessionEnd::Dropped(e)) => e.into(),
                    Err(e) => e,
                }
            }
            Err(LinkError::Unauthorized) => {
                tracing::warn!("the agent refused the token; not retrying until reconnect");
                shared.set_state(LinkState::Offline {
                    error: Some(ApiError::from_ref(&Error::Link(LinkError::Unauthorized))),
                });
                match wait(&shared, &cancel, None).await {
                    Woken::Shutdown => break,
                    _ => {
                        circuit.close();
                        attempt = 0;
                        shared.set_state(LinkState::Connecting);
                        continue;
                    }
                }
            }
            Err(e) => e.into(),
        };
        attempt = attempt.saturating_add(1);
        tracing::warn!(attempt, error = %failure, "agent link failed");
        let reason = ApiError::from_ref(&failure);
        let pause = match circuit.failed(std::time::Instant::now()) {
            Some(_) => {
                shared.set_state(LinkState::CircuitOpen {
                    until: rfc3339_in(timings.cool_down),
                    reason,
                });
                timings.cool_down
            }
            None => {
                let delay = backoff.delay(attempt, &mut rng);
                shared.set_state(LinkState::Reconnecting {
                    attempt,
                    next_in_ms: delay.as_millis() as u64,
                    last_error: reason,
                });
                delay
            }
        };
        match wait(&shared, &cancel, Some(pause)).await {
            Woken::Shutdown => break,
            Woken::Reconnect => {
                circuit.close();
                attempt = 0;
                shared.set_state(LinkState::Connecting);
            }
            Woken::Elapsed => {}
        }
    }
    shared.set_state(LinkState::Offline { error: None });
}

/// Waits for `pause` (forever if `None`), a manual reconnect or shutdown.
async fn wait(shared: &LinkShared, cancel: &CancellationToken, pause: Option<Duration>) -> Woken {
    let sleep = async {
        match pause {
            Some(pause) => tokio::time::sleep(pause).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = cancel.cancelled() => Woken::Shutdown,
        _ = shared.reconnect_asked.notified() => Woken::Reconnect,
        _ = sleep => Woken::Elapsed,
    }
}

/// RFC 3339 of now + `span`.
fn rfc3339_in(span: Duration) -> String {
    let at = chrono::Utc::now()
        + chrono::Duration::from_std(span).unwrap_or_else(|_| chrono::Duration::zero());
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
