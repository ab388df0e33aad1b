//! Transient-only retries: 408, 429 (honouring `Retry-After`), 5xx and network failures are
//! retried with capped exponential backoff and jitter, under an overall deadline per operation.
//! Every other 4xx is final on the first answer (doc §4 "How fly-go and flyctl retry").
//!
//! For a call that is not idempotent (machine create) a *recovery* step runs after an
//! ambiguous failure — one that may have taken effect — and may find the result instead of
//! calling again (doc §8.2).

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use super::error::FlyError;

/// How often and how long to retry transient failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub initial_backoff: Duration,
    /// Cap on the exponential backoff.
    pub max_backoff: Duration,
    /// Cap on an honoured `Retry-After` (a server asking for an hour is not waited for).
    pub max_retry_after: Duration,
    /// Overall deadline of one operation, all attempts and waits included.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(30),
            deadline: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based): the server's `Retry-After` if it gave
    /// one (capped), else `initial × 2^(attempt-1)` capped at `max_backoff`, with "equal
    /// jitter" (a random point in the upper half) so clients do not retry in lockstep.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_retry_after);
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = ceiling / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::rng().random_range(0..=jitter_ms))
    }
}

/// How long to keep retrying a 404 for something just created: new machines and apps are
/// served from an eventually consistent store and may be invisible for a moment (doc §8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropagationPolicy {
    /// How long after a create a 404 may still mean "not visible yet".
    pub window: Duration,
    /// How long to look for the result of an ambiguous create before creating again.
    pub create_lookup: Duration,
    /// First pause between looks; doubles up to `max_backoff` (fly-go: 100 → 500 ms).
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for PropagationPolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(10),
            create_lookup: Duration::from_secs(3),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        }
    }
}

impl PropagationPolicy {
    /// The pause after look `attempt` (1-based), without jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        self.initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff)
    }
}

/// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails for good, runs
/// out of attempts, or the policy's deadline would pass. `what` names the operation in logs
/// and in the deadline error.
pub async fn run<T, A, AF>(policy: &RetryPolicy, what: &str, attempt: A) -> Result<T, FlyError>
where
    A: FnMut(u32) -> AF,
    AF: Future<Output = Result<T, FlyError>>,
{
    run_recovering(policy, what, attempt, |_| std::future::ready(Ok(None))).await
}

/// [`run`] for calls that may take effect despite failing. After an ambiguous failure (and
/// after an "already exists" that follows one: our own earlier attempt may be what exists),
/// `recover` looks for the effect; `Some` ends the operation with it, `None` continues
/// retrying as usual.
pub async fn run_recovering<T, A, AF, R, RF>(
    policy: &RetryPolicy,
    what: &str,
    mut attempt: A,
    mut recover: R,
) -> Result<T, FlyError>
where
    A: FnMut(u32) -> AF,
    AF: Future<Output = Result<T, FlyError>>,
    R: FnMut(&FlyError) -> RF,
    RF: Future<Output = Result<Option<T>, FlyError>>,
{
    let deadline = Instant::now() + policy.deadline;
    // The deadline error names the previous attempt's failure, the likely cause.
    let mut last: Option<FlyError> = None;
    let out_of_time =
        |last: &Option<FlyError>| FlyError::deadline(what, policy.deadline, last.as_ref());
    let mut seen_ambiguous = false;
    let mut number = 1;
    loop {
        let result = tokio::time::timeout_at(deadline, attempt(number))
            .await
            .map_err(|_| out_of_time(&last))?;
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let after_ambiguous = seen_ambiguous && matches!(error, FlyError::AlreadyExists(_));
        if error.is_ambiguous() || after_ambiguous {
            seen_ambiguous = true;
            let found = tokio::time::timeout_at(deadline, recover(&error))
                .await
                .map_err(|_| out_of_time(&Some(error.clone())))??;
            if let Some(value) = found {
                tracing::debug!(
                    operation = what,
                    attempt = number,
                    "recovered after ambiguous failure"
                );
                return Ok(value);
            }
        }
        if !error.is_transient() || number >= policy.max_attempts {
            return Err(error);
        }
        let pause = policy.delay(number, error.retry_after());
        if Instant::now() + pause >= deadline {
            tracing::debug!(operation = what, attempt = number, "no time left to retry");
            return Err(error);
        }
        tracing::debug!(
            operation = what,
            attempt = number,
            pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            error = %error,
            "retrying after a transient failure"
        );
        last = Some(error);
        tokio::time::sleep(pause).await;
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::fly::error::Reply;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
            deadline: Duration::from_secs(5),
        }
    }

    fn server_error() -> FlyError {
        FlyError::Server(Reply::parse(503, b"", None))
    }

    #[test]
    fn backoff_doubles_within_the_cap_with_jitter() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.delay(1, None);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let third = policy.delay(3, None);
            assert!((200..=400).contains(&third.as_millis()), "{third:?}");
            let tenth = policy.delay(10, None);
            assert!((500..=1000).contains(&tenth.as_millis()), "{tenth:?}");
        }
        assert!(policy.delay(40, None) <= policy.max_backoff);
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let policy = quick();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = run(&quick(), "test", |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 3 {
                    Err(server_error())
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn final_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = run(&quick(), "test", |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(FlyError::NotFound(Reply::parse(404, b"", None))) }
        })
        .await;
        assert!(matches!(result, Err(FlyError::NotFound(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn attempts_are_capped() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = run(&quick(), "test", |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(server_error()) }
        })
        .await;
        assert!(matches!(result, Err(FlyError::Server(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_hanging_attempt_is_cut_at_the_deadline() {
        let policy = RetryPolicy {
            deadline: Duration::from_millis(100),
            ..quick()
        };
        let started = Instant::now();
        let result: Result<(), _> = run(&policy, "hang", |_| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(())
        })
        .await;
        assert!(
            matches!(result, Err(FlyError::Timeout { .. })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn an_attempt_cut_at_the_deadline_names_the_failure_before_it() {
        let policy = RetryPolicy {
            deadline: Duration::from_millis(150),
            ..quick()
        };
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = run(&policy, "GET /v1/apps/x", |_| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    return Err(server_error());
                }
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok(())
            }
        })
        .await;
        let Err(FlyError::Timeout { detail, .. }) = result else {
            panic!("{result:?}");
        };
        assert!(
            detail.starts_with("GET /v1/apps/x did not finish within 150ms"),
            "{detail}"
        );
        assert!(detail.contains("the attempt before failed"), "{detail}");
        assert!(detail.contains(&server_error().to_string()), "{detail}");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn recovery_runs_only_after_ambiguous_failures() {
        let recoveries = AtomicU32::new(0);
        let result = run_recovering(
            &quick(),
            "create",
            |_| async { Err::<u32, _>(server_error()) },
            |_| {
                let n = recoveries.fetch_add(1, Ordering::SeqCst);
                async move { Ok(if n == 1 { Some(42) } else { None }) }
            },
        )
        .await;
        assert_eq!(result.unwrap(), 42);
        assert_eq!(recoveries.load(Ordering::SeqCst), 2);

        let result: Result<u32, _> = run_recovering(
            &quick(),
            "create",
            |_| async { Err(FlyError::BadRequest(Reply::parse(400, b"", None))) },
            |_| async { panic!("no recovery after a plain refusal") },
        )
        .await;
        assert!(matches!(result, Err(FlyError::BadRequest(_))));
    }
}
