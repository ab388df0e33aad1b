//! Faults a test arms on REST endpoints: a 429 or 418 with a chosen `Retry-After`, a 5xx, a
//! slow answer, a body that is not JSON. Each fault fires for the next `times` requests to its
//! endpoint (or to any endpoint), oldest armed first.

use std::time::Duration;

/// The REST endpoints the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Ping,
    Time,
    ExchangeInfo,
    Klines,
    Ticker24h,
}

impl Endpoint {
    /// The endpoint of a request path, if the fake serves it.
    pub fn from_path(path: &str) -> Option<Endpoint> {
        Some(match path {
            "/api/v3/ping" => Endpoint::Ping,
            "/api/v3/time" => Endpoint::Time,
            "/api/v3/exchangeInfo" => Endpoint::ExchangeInfo,
            "/api/v3/klines" => Endpoint::Klines,
            "/api/v3/ticker/24hr" => Endpoint::Ticker24h,
            _ => return None,
        })
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Any,
    Only(Endpoint),
}

impl From<Endpoint> for On {
    fn from(endpoint: Endpoint) -> Self {
        On::Only(endpoint)
    }
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 -1003 with this `Retry-After` (seconds).
    TooManyRequests { retry_after: u64 },
    /// 418 -1003: the IP is banned for this many seconds (later requests get 418 too).
    Banned { retry_after: u64 },
    /// This 5xx status with Binance's unknown-error body.
    ServerError(u16),
    /// The answer comes this much later.
    Delay(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Vec<(Fault, On, u32)>,
}

impl Faults {
    pub fn arm(&mut self, fault: Fault, on: On, times: u32) {
        if times > 0 {
            self.armed.push((fault, on, times));
        }
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// The fault for a request to `endpoint`, consuming one of its uses.
    pub fn take(&mut self, endpoint: Endpoint) -> Option<Fault> {
        let index = self
            .armed
            .iter()
            .position(|(_, on, _)| matches!(on, On::Any) || *on == On::Only(endpoint))?;
        let entry = self.armed.get_mut(index)?;
        entry.2 -= 1;
        let fault = entry.0.clone();
        if entry.2 == 0 {
            self.armed.remove(index);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_in_order_and_run_out() {
        let mut f = Faults::default();
        f.arm(Fault::ServerError(503), Endpoint::Klines.into(), 2);
        f.arm(Fault::Malformed, On::Any, 1);
        assert_eq!(f.take(Endpoint::Time), Some(Fault::Malformed));
        assert_eq!(f.take(Endpoint::Time), None);
        assert_eq!(f.take(Endpoint::Klines), Some(Fault::ServerError(503)));
        assert_eq!(f.take(Endpoint::Klines), Some(Fault::ServerError(503)));
        assert_eq!(f.take(Endpoint::Klines), None);
    }
}
