//! [`WeightBudget`]: the client's side of Binance's request-weight limit (docs §1.5).
//!
//! Binance counts weight per IP in fixed windows (one minute, aligned to the clock) and
//! reports the window's total in `X-MBX-USED-WEIGHT-1M` on every answer. The budget keeps its
//! own count of what it let through in the current window, raised to the header's value when
//! an answer reports more (other processes on the IP, requests still in flight), and makes a
//! request wait for the next window when it would take the count past the limit minus a
//! headroom. On a 429 every request waits out `Retry-After`; on a 418 every request fails at
//! once until the ban ends — nothing is sent to Binance while banned.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// What the budget says to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Go,
    Wait(Duration),
    Banned(Duration),
}

/// Counters of the budget, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetSnapshot {
    /// The limit per window (from exchangeInfo's `REQUEST_WEIGHT` once known).
    pub limit: u32,
    /// Weight used in the current window as far as the client knows.
    pub used: u32,
    /// Times a request waited for the next window.
    pub waits: u64,
    /// Time spent waiting for windows, 429 pauses and included.
    pub waited: Duration,
    /// Time left of a 418 ban, if banned.
    pub banned_for: Option<Duration>,
}

#[derive(Debug)]
struct State {
    limit: u32,
    window: i64,
    used: u32,
    paused_until: Option<Instant>,
    banned_until: Option<Instant>,
    waits: u64,
    waited: Duration,
}

/// The shared request-weight budget of one client.
#[derive(Debug)]
pub struct WeightBudget {
    window: Duration,
    headroom_percent: u32,
    state: Mutex<State>,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl WeightBudget {
    /// A budget of `limit` per `window`, keeping `headroom_percent` of the limit unused.
    pub fn new(limit: u32, window: Duration, headroom_percent: u32) -> Self {
        Self {
            window: window.max(Duration::from_millis(1)),
            headroom_percent: headroom_percent.min(90),
            state: Mutex::new(State {
                limit,
                window: 0,
                used: 0,
                paused_until: None,
                banned_until: None,
                waits: 0,
                waited: Duration::ZERO,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(60_000)
    }

    /// Sets the limit per window (Binance publishes it in exchangeInfo's `rateLimits`).
    pub fn set_limit(&self, limit: u32) {
        self.state().limit = limit.max(1);
    }

    /// The weight a window may use: the limit less the headroom.
    fn usable(&self, limit: u32) -> u32 {
        limit - limit * self.headroom_percent / 100
    }

    /// Decides for a request of `weight` at wall time `wall` and instant `now`; a `Go` counts
    /// the weight.
    pub(crate) fn admit(&self, weight: u32, wall: i64, now: Instant) -> Admission {
        let window_ms = self.window_ms();
        let mut state = self.state();
        if let Some(until) = state.banned_until.filter(|&until| until > now) {
            return Admission::Banned(until - now);
        }
        if let Some(until) = state.paused_until.filter(|&until| until > now) {
            return Admission::Wait(until - now);
        }
        let index = wall.div_euclid(window_ms);
        if index != state.window {
            state.window = index;
            state.used = 0;
        }
        let usable = self.usable(state.limit);
        if state.used == 0 || state.used.saturating_add(weight) <= usable {
            state.used = state.used.saturating_add(weight);
            return Admission::Go;
        }
        let to_next = (index + 1) * window_ms - wall;
        // A few ms past the boundary, so the server's window has turned too.
        Admission::Wait(Duration::from_millis(
            u64::try_from(to_next).unwrap_or(0) + 5,
        ))
    }

    /// Waits until a request of `weight` may go and counts it; `Err(time left)` while banned.
    pub async fn acquire(&self, weight: u32) -> Result<(), Duration> {
        loop {
            match self.admit(weight, wall_ms(), Instant::now()) {
                Admission::Go => return Ok(()),
                Admission::Banned(left) => return Err(left),
                Admission::Wait(pause) => {
                    {
                        let mut state = self.state();
                        state.waits += 1;
                        state.waited += pause;
                    }
                    tracing::debug!(
                        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "waiting for Binance request weight"
                    );
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    /// Takes in an answer's `X-MBX-USED-WEIGHT-1M`.
    pub fn observe(&self, used: u32) {
        let index = wall_ms().div_euclid(self.window_ms());
        let mut state = self.state();
        if index == state.window {
            state.used = state.used.max(used);
        } else {
            state.window = index;
            state.used = used;
        }
    }

    /// Holds every request for `pause` (a 429's `Retry-After`).
    pub fn pause_for(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.state();
        state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
    }

    /// Fails every request for `ban` (a 418's `Retry-After`).
    pub fn ban_for(&self, ban: Duration) {
        let until = Instant::now() + ban;
        let mut state = self.state();
        state.banned_until = Some(state.banned_until.map_or(until, |u| u.max(until)));
    }

    /// The time left of a ban, if banned.
    pub fn banned_for(&self) -> Option<Duration> {
        let now = Instant::now();
        self.state()
            .banned_until
            .filter(|&until| until > now)
            .map(|until| until - now)
    }

    pub fn snapshot(&self) -> BudgetSnapshot {
        let banned_for = self.banned_for();
        let state = self.state();
        BudgetSnapshot {
            limit: state.limit,
            used: state.used,
            waits: state.waits,
            waited: state.waited,
            banned_for,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: i64 = 1_800_000_000_000; // on the minute grid

    #[test]
    fn requests_wait_for_the_next_window_before_the_limit() {
        let b = WeightBudget::new(100, Duration::from_secs(60), 10);
        let now = Instant::now();
        for _ in 0..45 {
            assert_eq!(b.admit(2, W + 1_000, now), Admission::Go);
        }
        // 90 used of a usable 90: the next one waits for the window to turn.
        assert_eq!(
            b.admit(2, W + 50_000, now),
            Admission::Wait(Duration::from_millis(10_005))
        );
        assert_eq!(b.admit(2, W + 60_000, now), Admission::Go);
        assert_eq!(b.snapshot().used, 2);
    }

    #[test]
    fn the_header_raises_the_count_and_a_single_heavy_request_still_goes() {
        let b = WeightBudget::new(100, Duration::from_secs(3600), 0);
        assert_eq!(b.admit(150, wall_ms(), Instant::now()), Admission::Go);
        b.observe(500);
        assert_eq!(b.snapshot().used, 500);
        assert!(matches!(
            b.admit(1, wall_ms(), Instant::now()),
            Admission::Wait(_)
        ));
    }

    #[test]
    fn pauses_and_bans_hold_everything() {
        let b = WeightBudget::new(100, Duration::from_secs(60), 0);
        let now = Instant::now();
        b.pause_for(Duration::from_secs(2));
        assert!(matches!(b.admit(1, W, now), Admission::Wait(d) if d > Duration::from_secs(1)));
        b.ban_for(Duration::from_secs(120));
        assert!(matches!(b.admit(1, W, now), Admission::Banned(d) if d > Duration::from_secs(119)));
        assert!(b.snapshot().banned_for.is_some());
    }
}
