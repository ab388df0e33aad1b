//! Injected failures: what goes wrong ([`Fault`]), for which requests ([`Match`]) and how
//! many times. Transport faults (429/502/503/delay) hit before authentication, as a proxy
//! would; capacity failures are decided by the create/start/update handlers; a
//! `TimeoutAfterCreate` lets the handler succeed and then answers 408.

use super::http::Reply;
use super::router::Action;
use std::time::Duration;

/// A failure to inject.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 `{"error":"rate limit exceeded"}` with `Retry-After: <secs>`.
    RateLimited { retry_after_secs: u64 },
    /// 502 from the proxy.
    BadGateway,
    /// 503 from the proxy.
    ServiceUnavailable,
    /// Machine create/start/update in `region` (any region if `None`) fails with 503
    /// `status: insufficient_capacity`; nothing is created or started.
    InsufficientCapacity { region: Option<String> },
    /// The request takes effect (e.g. the machine *is* created) but the answer is 408
    /// `deadline_exceeded`, so the client must find what it made (by metadata).
    TimeoutAfterCreate,
    /// The request is held this long (wall clock), then handled normally.
    Delay(Duration),
}

/// Which requests a fault applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Match {
    Any,
    Action(Action),
    /// Path prefix, e.g. `/v1/apps/my-app/machines`.
    Path(String),
    /// Method (`"POST"`) and path prefix.
    MethodPath(String, String),
}

impl From<Action> for Match {
    fn from(action: Action) -> Self {
        Match::Action(action)
    }
}

impl Match {
    fn matches(&self, method: &str, path: &str, action: Option<Action>) -> bool {
        match self {
            Match::Any => true,
            Match::Action(a) => action == Some(*a),
            Match::Path(prefix) => path.starts_with(prefix.as_str()),
            Match::MethodPath(m, prefix) => {
                m.eq_ignore_ascii_case(method) && path.starts_with(prefix.as_str())
            }
        }
    }
}

struct Armed {
    fault: Fault,
    on: Match,
    /// `None` = forever.
    remaining: Option<u32>,
}

/// What a request is subjected to before it reaches its handler.
pub(crate) struct TransportFaults {
    pub delays: Vec<Duration>,
    pub reply: Option<Reply>,
}

/// Armed faults, in injection order.
#[derive(Default)]
pub(crate) struct FaultTable {
    armed: Vec<Armed>,
}

impl FaultTable {
    pub fn arm(&mut self, fault: Fault, on: Match, times: Option<u32>) {
        if times != Some(0) {
            self.armed.push(Armed {
                fault,
                on,
                remaining: times,
            });
        }
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// Consumes the first armed fault that `pick` accepts for this request.
    fn take(
        &mut self,
        method: &str,
        path: &str,
        action: Option<Action>,
        pick: impl Fn(&Fault) -> bool,
    ) -> Option<Fault> {
        let index = self
            .armed
            .iter()
            .position(|a| pick(&a.fault) && a.on.matches(method, path, action))?;
        let armed = &mut self.armed[index];
        let fault = armed.fault.clone();
        if let Some(n) = armed.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.armed.remove(index);
            }
        }
        Some(fault)
    }

    /// All matching delays, then the first matching 429/502/503.
    pub fn transport(
        &mut self,
        method: &str,
        path: &str,
        action: Option<Action>,
    ) -> TransportFaults {
        let mut delays = Vec::new();
        while let Some(Fault::Delay(d)) =
            self.take(method, path, action, |f| matches!(f, Fault::Delay(_)))
        {
            delays.push(d);
        }
        let reply = self
            .take(method, path, action, |f| {
                matches!(
                    f,
                    Fault::RateLimited { .. } | Fault::BadGateway | Fault::ServiceUnavailable
                )
            })
            .map(|fault| match fault {
                Fault::RateLimited { retry_after_secs } => Reply::error(429, "rate limit exceeded")
                    .with_header("retry-after", retry_after_secs.to_string()),
                Fault::BadGateway => Reply::error(502, "bad gateway"),
                _ => Reply::error(503, "service unavailable"),
            });
        TransportFaults { delays, reply }
    }

    /// Does an `InsufficientCapacity` fault hit this create/start/update in `region`?
    pub fn capacity(
        &mut self,
        method: &str,
        path: &str,
        action: Action,
        region: &str,
    ) -> Option<Reply> {
        self.take(method, path, Some(action), |f| match f {
            Fault::InsufficientCapacity { region: r } => r.as_deref().is_none_or(|r| r == region),
            _ => false,
        })
        .map(|_| {
            Reply::error_code(
                503,
                format!("could not reserve resource for machine in region {region}: insufficient memory available to fulfill request"),
                "insufficient_capacity",
            )
        })
    }

    /// Does a `TimeoutAfterCreate` fault replace this (successful) answer with a 408?
    pub fn timeout_after(
        &mut self,
        method: &str,
        path: &str,
        action: Option<Action>,
    ) -> Option<Reply> {
        self.take(method, path, action, |f| *f == Fault::TimeoutAfterCreate)
            .map(|_| Reply::error(408, "deadline_exceeded: context deadline exceeded"))
    }
}
