//! Token buckets per (action, machine-or-app id), as Fly documents its limits (§4): 1 req/s
//! with burst 3 for mutations, 5 req/s with burst 10 for reads, 100 app deletions a minute.
//! Over the limit → 429 with a `Retry-After` of whole seconds until the next token.

use super::config::{BucketSpec, RateLimits};
use super::http::Reply;
use super::router::Action;
use std::collections::HashMap;
use std::time::{Duration, Instant};

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// Takes a token, or says how long until one is available.
    fn take(&mut self, spec: BucketSpec, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * spec.per_second).min(f64::from(spec.burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else if spec.per_second <= 0.0 {
            Err(Duration::from_secs(60))
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / spec.per_second,
            ))
        }
    }
}

/// All buckets of one fake.
#[derive(Default)]
pub(crate) struct RateLimiter {
    buckets: HashMap<(Action, String), Bucket>,
}

impl RateLimiter {
    fn take(
        &mut self,
        key: (Action, String),
        spec: BucketSpec,
        now: Instant,
    ) -> Result<(), Duration> {
        self.buckets
            .entry(key)
            .or_insert(Bucket {
                tokens: f64::from(spec.burst),
                last: now,
            })
            .take(spec, now)
    }

    /// Charges one request of `action` against `id` (machine id, else app name, else org).
    pub fn check(
        &mut self,
        limits: &RateLimits,
        action: Action,
        id: &str,
        now: Instant,
    ) -> Result<(), Reply> {
        if !limits.enabled {
            return Ok(());
        }
        let spec = if action.is_read() {
            limits.reads
        } else {
            limits.mutations
        };
        let mut verdict = self.take((action, id.to_string()), spec, now);
        if verdict.is_ok() && action == Action::DeleteApp {
            let per_minute = BucketSpec {
                per_second: f64::from(limits.app_deletes_per_minute) / 60.0,
                burst: limits.app_deletes_per_minute,
            };
            verdict = self.take((action, "*org*".into()), per_minute, now);
        }
        verdict.map_err(|wait| {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            Reply::error(429, "rate limit exceeded").with_header("retry-after", secs.to_string())
        })
    }
}
