//! The global request budget: a token bucket of `requests` per `period` holding at most
//! `burst` tokens, shared by every analysis (every HTTP attempt takes one token, retries
//! included, because the API counts them all).
//!
//! Implemented as GCRA (the "virtual scheduling" form of a token bucket): each acquisition
//! reserves the next free slot and sleeps until it, so waiters are served in arrival order and
//! no lock is held while sleeping. A 429 from the API [`pauses`](RateLimiter::pause) the whole
//! bucket: the quota behind it is the key's, not one trader's.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// `requests` per `period`, with bursts of at most `burst` back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub period: Duration,
    pub burst: u32,
}

impl RateLimit {
    /// `requests` per minute, a whole minute's worth allowed at once.
    pub fn per_minute(requests: u32) -> RateLimit {
        RateLimit::new(requests, Duration::from_secs(60))
    }

    /// `requests` per `period`, bursts of up to `requests`.
    pub fn new(requests: u32, period: Duration) -> RateLimit {
        RateLimit {
            requests,
            period,
            burst: requests,
        }
    }

    /// The same rate with bursts of at most `burst` (1 = evenly spaced requests).
    pub fn with_burst(self, burst: u32) -> RateLimit {
        RateLimit { burst, ..self }
    }

    /// Time between two requests at the steady rate.
    pub fn interval(&self) -> Duration {
        self.period / self.requests.max(1)
    }
}

/// A shared [`RateLimit`] in force.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// How far ahead of the steady schedule a burst may run.
    tolerance: Duration,
    /// Theoretical arrival time: when the bucket would be full again.
    tat: Mutex<Instant>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        let interval = limit.interval();
        RateLimiter {
            interval,
            tolerance: interval.saturating_mul(limit.burst.max(1) - 1),
            tat: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a token. Cancel-safe, though a cancelled wait forfeits its slot.
    pub async fn acquire(&self) {
        let start = self.reserve(Instant::now());
        tokio::time::sleep_until(start).await;
    }

    /// Takes no more tokens until `until`, then resumes at the steady rate (no burst).
    pub fn pause(&self, until: Instant) {
        let mut tat = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        *tat = (*tat).max(until + self.tolerance);
    }

    /// Reserves the next slot at or after `now` and returns its start.
    fn reserve(&self, now: Instant) -> Instant {
        let mut tat = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let due = (*tat).max(now);
        let start = due.checked_sub(self.tolerance).unwrap_or(now).max(now);
        *tat = due + self.interval;
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let limiter = RateLimiter::new(RateLimit::new(4, ms(400)).with_burst(2));
        let now = Instant::now();
        let starts: Vec<Duration> = (0..5)
            .map(|_| limiter.reserve(now).saturating_duration_since(now))
            .collect();
        assert_eq!(starts, [ms(0), ms(0), ms(100), ms(200), ms(300)]);
    }

    #[test]
    fn an_idle_bucket_refills_up_to_its_burst() {
        let limiter = RateLimiter::new(RateLimit::new(10, ms(1000)).with_burst(3));
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.reserve(t0);
        }
        let later = t0 + ms(10_000);
        let starts: Vec<Duration> = (0..4)
            .map(|_| limiter.reserve(later).saturating_duration_since(later))
            .collect();
        assert_eq!(starts, [ms(0), ms(0), ms(0), ms(100)]);
    }

    #[test]
    fn a_pause_delays_everyone_and_skips_the_burst() {
        let limiter = RateLimiter::new(RateLimit::new(10, ms(1000)));
        let now = Instant::now();
        limiter.pause(now + ms(500));
        let first = limiter.reserve(now).saturating_duration_since(now);
        let second = limiter.reserve(now).saturating_duration_since(now);
        assert_eq!((first, second), (ms(500), ms(600)));
    }
}
