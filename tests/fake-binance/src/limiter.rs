//! Request-weight accounting per IP (docs/binance-data.md §1.5): a fixed window aligned to the
//! epoch, every request adds its weight, the total goes back in `X-MBX-USED-WEIGHT-1M`. Over
//! the limit the answer is 429 with `Retry-After` (seconds to the window's end); a client that
//! sends again in the same window after a 429 is banned with 418 for the ban duration, and
//! every request during a ban gets 418 with the seconds left.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Serve it; `used` is the window's weight including this request.
    Allow { used: u32 },
    /// 429: over the limit.
    TooMuch { used: u32, retry_after: u64 },
    /// 418: banned until `until_ms`.
    Banned {
        used: u32,
        retry_after: u64,
        until_ms: i64,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    window: i64,
    used: u32,
    warned_in_window: bool,
    banned_until_ms: Option<i64>,
}

/// Wall-clock epoch milliseconds.
pub(crate) fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ceil_secs(ms: i64) -> u64 {
    u64::try_from((ms.max(1) + 999) / 1000).unwrap_or(1)
}

impl Limiter {
    /// Accounts `weight` at wall time `now_ms` against `limit` per `window`.
    pub fn check(
        &mut self,
        weight: u32,
        limit: u32,
        window: Duration,
        ban: Duration,
        now_ms: i64,
    ) -> Verdict {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(60_000).max(1);
        let index = now_ms.div_euclid(window_ms);
        if index != self.window {
            self.window = index;
            self.used = 0;
            self.warned_in_window = false;
        }
        self.used = self.used.saturating_add(weight);
        if let Some(until) = self.banned_until_ms.filter(|&until| until > now_ms) {
            return self.banned(until, now_ms);
        }
        self.banned_until_ms = None;
        if self.used <= limit {
            return Verdict::Allow { used: self.used };
        }
        if self.warned_in_window {
            let until = now_ms + i64::try_from(ban.as_millis()).unwrap_or(120_000);
            self.banned_until_ms = Some(until);
            return self.banned(until, now_ms);
        }
        self.warned_in_window = true;
        Verdict::TooMuch {
            used: self.used,
            retry_after: ceil_secs((index + 1) * window_ms - now_ms),
        }
    }

    /// Bans the IP for `duration` from `now_ms` (an injected 418).
    pub fn ban(&mut self, duration: Duration, now_ms: i64) -> Verdict {
        let until = now_ms + i64::try_from(duration.as_millis()).unwrap_or(0);
        self.banned_until_ms = Some(until);
        self.banned(until, now_ms)
    }

    /// The weight used in the current window.
    pub fn used(&self) -> u32 {
        self.used
    }

    fn banned(&self, until: i64, now_ms: i64) -> Verdict {
        Verdict::Banned {
            used: self.used,
            retry_after: ceil_secs(until - now_ms),
            until_ms: until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const BAN: Duration = Duration::from_secs(120);

    #[test]
    fn over_the_limit_is_429_then_418_for_the_stubborn() {
        let mut l = Limiter::default();
        let t = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
        assert_eq!(l.check(6, 10, MIN, BAN, t), Verdict::Allow { used: 6 });
        assert_eq!(l.check(4, 10, MIN, BAN, t + 1), Verdict::Allow { used: 10 });
        assert_eq!(
            l.check(2, 10, MIN, BAN, t + 30_000),
            Verdict::TooMuch {
                used: 12,
                retry_after: 30
            }
        );
        assert!(matches!(
            l.check(2, 10, MIN, BAN, t + 31_000),
            Verdict::Banned {
                retry_after: 120,
                ..
            }
        ));
        // The ban outlives the window.
        assert!(matches!(
            l.check(1, 10, MIN, BAN, t + 90_000),
            Verdict::Banned {
                retry_after: 61,
                ..
            }
        ));
        assert_eq!(
            l.check(1, 10, MIN, BAN, t + 151_001),
            Verdict::Allow { used: 1 }
        );
    }

    #[test]
    fn a_new_window_forgives_the_429() {
        let mut l = Limiter::default();
        let t = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
        assert!(matches!(
            l.check(11, 10, MIN, BAN, t),
            Verdict::TooMuch { .. }
        ));
        assert_eq!(
            l.check(2, 10, MIN, BAN, t + 60_000),
            Verdict::Allow { used: 2 }
        );
    }
}
