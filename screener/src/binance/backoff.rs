//! [`Backoff`]: capped exponential delays with "equal jitter" (a random point in the upper half
//! of the ceiling), so many clients, or many connections of one client, do not retry in
//! lockstep. Used for REST retries and stream reconnects.

use std::time::Duration;

use rand::Rng;

/// Delays that double from `initial` up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first delay.
    pub initial: Duration,
    /// The cap on every delay.
    pub max: Duration,
}

impl Backoff {
    /// The ceiling after failure `attempt` (1-based): `initial × 2^(attempt−1)`, at most `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        self.initial.saturating_mul(1 << exponent).min(self.max)
    }

    /// The pause after failure `attempt`: between half the ceiling and the ceiling.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::rng().random_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_the_cap_with_jitter() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        for _ in 0..100 {
            assert!((50..=100).contains(&b.delay(1).as_millis()));
            assert!((200..=400).contains(&b.delay(3).as_millis()));
            assert!((500..=1000).contains(&b.delay(9).as_millis()));
        }
        assert_eq!(b.ceiling(60), Duration::from_millis(1000));
        let spread: std::collections::BTreeSet<u128> =
            (0..50).map(|_| b.delay(4).as_millis()).collect();
        assert!(spread.len() > 5, "jittered: {spread:?}");
    }
}
