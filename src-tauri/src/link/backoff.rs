//! When to try again: capped exponential backoff with full jitter, and a circuit breaker that
//! stops trying for a cool-down after too many consecutive failures. Both are pure (the
//! random source and the clock are passed in) so they are tested deterministically.

use std::time::{Duration, Instant};

use rand::Rng;

/// Delays between attempts: attempt `n` (1-based) waits a uniform random time in
/// `0..=min(cap, initial × 2^(n-1))` ("full jitter"), so many clients never retry in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, cap: Duration) -> Self {
        Self { initial, cap }
    }

    /// The upper bound of attempt `attempt`'s delay (attempt 0 counts as 1).
    pub fn bound(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// The delay before the next try after `attempt` consecutive failures.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let bound = self.bound(attempt).as_millis() as u64;
        Duration::from_millis(rng.random_range(0..=bound))
    }
}

/// Opens after `threshold` consecutive failures and stays open for `cool_down`; a success or a
/// manual [`CircuitBreaker::close`] resets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    failures: u32,
    open_until: Option<Instant>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cool_down,
            failures: 0,
            open_until: None,
        }
    }

    /// Consecutive failures since the last success or close.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts a failure at `now`; returns the time the circuit stays open until when this
    /// failure opened it.
    pub fn failed(&mut self, now: Instant) -> Option<Instant> {
        self.failures += 1;
        if self.failures >= self.threshold {
            let until = now + self.cool_down;
            self.open_until = Some(until);
            self.failures = 0;
            return Some(until);
        }
        None
    }

    /// A connection succeeded.
    pub fn succeeded(&mut self) {
        self.close();
    }

    /// Closes the circuit and forgets the failures (a manual reconnect).
    pub fn close(&mut self) {
        self.failures = 0;
        self.open_until = None;
    }

    /// Whether attempts are held back at `now`.
    pub fn is_open(&self, now: Instant) -> bool {
        self.open_until.is_some_and(|until| now < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn backoff_bound_doubles_then_is_capped() {
        let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let bounds: Vec<u128> = (1..=9).map(|n| backoff.bound(n).as_millis()).collect();
        assert_eq!(
            bounds,
            [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        // Absurd attempt counts (overflowing shifts) stay at the cap.
        assert_eq!(backoff.bound(0), Duration::from_millis(500));
        assert_eq!(backoff.bound(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn jittered_delays_stay_within_the_bound_and_vary() {
        let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=20 {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..50 {
                let delay = backoff.delay(attempt, &mut rng);
                assert!(
                    delay <= backoff.bound(attempt),
                    "attempt {attempt}: {delay:?}"
                );
                seen.insert(delay);
            }
            assert!(seen.len() > 10, "full jitter spreads the delays: {seen:?}");
        }
        // The same seed gives the same delays (deterministic under test).
        let a: Vec<_> = (1..6)
            .map(|n| backoff.delay(n, &mut StdRng::seed_from_u64(1)))
            .collect();
        let b: Vec<_> = (1..6)
            .map(|n| backoff.delay(n, &mut StdRng::seed_from_u64(1)))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn capped_delay_grows_on_average() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut rng = StdRng::seed_from_u64(3);
        let mean = |attempt: u32, rng: &mut StdRng| {
            (0..400)
                .map(|_| backoff.delay(attempt, rng).as_millis())
                .sum::<u128>()
                / 400
        };
        let means: Vec<u128> = (1..=8).map(|n| mean(n, &mut rng)).collect();
        assert!(means[0] < means[2] && means[2] < means[4], "{means:?}");
        // Capped: attempts 6 to 8 share the 2 s bound, mean about 1 s.
        assert!(
            means[5..].iter().all(|m| (800..1200).contains(m)),
            "{means:?}"
        );
    }

    #[test]
    fn circuit_opens_after_n_failures_for_the_cool_down() {
        let t0 = Instant::now();
        let mut circuit = CircuitBreaker::new(5, Duration::from_secs(60));
        for n in 1..5 {
            assert_eq!(circuit.failed(t0), None, "failure {n} keeps it closed");
            assert!(!circuit.is_open(t0));
        }
        let until = circuit.failed(t0).expect("the 5th failure opens it");
        assert_eq!(until, t0 + Duration::from_secs(60));
        assert!(circuit.is_open(t0 + Duration::from_secs(59)));
        assert!(
            !circuit.is_open(t0 + Duration::from_secs(60)),
            "cool-down over"
        );
        // After the cool-down a new run of 5 failures is needed to open it again.
        assert_eq!(circuit.failures(), 0);
        assert_eq!(circuit.failed(t0), None);
    }

    #[test]
    fn success_or_manual_close_resets_the_count() {
        let t0 = Instant::now();
        let mut circuit = CircuitBreaker::new(3, Duration::from_secs(60));
        circuit.failed(t0);
        circuit.failed(t0);
        circuit.succeeded();
        assert_eq!(
            circuit.failed(t0),
            None,
            "the count restarted after the success"
        );
        circuit.failed(t0);
        assert!(circuit.failed(t0).is_some());
        assert!(circuit.is_open(t0));
        circuit.close();
        assert!(!circuit.is_open(t0), "a manual reconnect closes it");
    }
}
