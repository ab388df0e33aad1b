//! What a test can tune about the fake: organisations, region, lifecycle timings (with a time
//! scale so a test runs in milliseconds what Fly does in seconds), the rate limits, and
//! whether machines run the real agent ([`AgentMode`]).

use super::agent_spec::AgentSpec;
use std::time::Duration;

/// How long each lifecycle step takes at `time_scale == 1.0`. Every one of these is multiplied by
/// [`FakeConfig::time_scale`], and so is the `timeout` a client passes to `/wait`.
#[derive(Clone, Debug)]
pub struct Timings {
    /// A new app 404s on `GET /v1/apps/{app}` (and is missing from lists) for this long.
    pub app_visibility: Duration,
    /// A new machine 404s on GET/wait/actions (and is missing from lists) for this long.
    pub machine_visibility: Duration,
    /// `created` → `starting` after a create without `skip_launch`.
    pub create_to_start: Duration,
    /// `starting` → `started` (a cold boot).
    pub boot: Duration,
    /// `starting` → `started` when resuming a `suspended` machine.
    pub resume: Duration,
    /// `stopping` → `stopped` (capped by the stop request's `timeout`).
    pub stop: Duration,
    /// `suspending` → `suspended`.
    pub suspend: Duration,
    /// `replacing` → next state during an update.
    pub replace: Duration,
    /// `destroying` → `destroyed`.
    pub destroy: Duration,
    /// A `destroyed` machine is still returned by GET for this long, then 404s.
    pub destroyed_linger: Duration,
    /// Health checks report `passing` once the machine has been `started` this long.
    pub checks_pass: Duration,
    /// The agent's `/health` says `ready` once the machine has been `started` this long.
    pub agent_ready: Duration,
}

impl Default for Timings {
    /// Realistic values, read from the API doc (boots of "a few seconds", short visibility lags).
    fn default() -> Self {
        Self {
            app_visibility: Duration::from_millis(300),
            machine_visibility: Duration::from_millis(500),
            create_to_start: Duration::from_millis(300),
            boot: Duration::from_secs(2),
            resume: Duration::from_millis(400),
            stop: Duration::from_secs(1),
            suspend: Duration::from_secs(1),
            replace: Duration::from_secs(1),
            destroy: Duration::from_secs(1),
            destroyed_linger: Duration::from_secs(3),
            checks_pass: Duration::from_secs(1),
            agent_ready: Duration::from_secs(3),
        }
    }
}

/// One token bucket: `per_second` refill, `burst` capacity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketSpec {
    pub per_second: f64,
    pub burst: u32,
}

/// Fly's documented limits (§4): per action and per machine/app id. Rate limits run on the
/// wall clock, never scaled, because they are about how fast the *client* sends requests.
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub enabled: bool,
    /// Every non-GET action: 1 req/s, burst 3.
    pub mutations: BucketSpec,
    /// Every GET (the doc's "GET machine" figure): 5 req/s, burst 10.
    pub reads: BucketSpec,
    /// App deletions per organisation: 100 per minute.
    pub app_deletes_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            mutations: BucketSpec {
                per_second: 1.0,
                burst: 3,
            },
            reads: BucketSpec {
                per_second: 5.0,
                burst: 10,
            },
            app_deletes_per_minute: 100,
        }
    }
}

impl RateLimits {
    /// No rate limiting at all (faults can still inject 429s).
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

/// What answers for the agent on the user's machine.
#[derive(Clone, Debug, Default)]
pub enum AgentMode {
    /// Simulated: the fake answers `GET /agents/{app}/health` itself (`ready` once a machine
    /// has been `started` for [`Timings::agent_ready`]); no process runs.
    #[default]
    Simulated,
    /// Every `started` machine runs the real `screener serve`, as flyd runs a machine's main
    /// process: spawned when the machine starts, stopped with the stop signal and grace,
    /// restarted after a crash per the restart policy. `/agents/{app}/health` is forwarded to
    /// it.
    Process(Box<AgentSpec>),
}

/// Everything [`super::FakeFly::start`] needs.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Multiplies every [`Timings`] value and every `/wait` timeout: 0.05 runs 20× faster.
    pub time_scale: f64,
    pub timings: Timings,
    pub rate_limits: RateLimits,
    /// The organisation the normal tokens belong to.
    pub org_slug: String,
    pub org_name: String,
    /// The organisation of [`super::TokenKind::OtherOrg`] tokens.
    pub other_org_slug: String,
    /// Region used when a create names none; also `nearest` in `/v1/platform/regions`.
    pub nearest_region: String,
    /// Owner shown on leases taken with a user (`Bearer`) token.
    pub user_email: String,
    /// `agentVersion` reported by the fake agent `/health`.
    pub agent_version: String,
    /// Simulated `/health` (the default) or real agent processes.
    pub agent: AgentMode,
}

impl Default for FakeConfig {
    /// Real-time timings and the documented rate limits.
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            timings: Timings::default(),
            rate_limits: RateLimits::default(),
            org_slug: "personal".into(),
            org_name: "Test User".into(),
            other_org_slug: "other-org".into(),
            nearest_region: "iad".into(),
            user_email: "tester@example.com".into(),
            agent_version: "0.1.0".into(),
            agent: AgentMode::Simulated,
        }
    }
}

impl FakeConfig {
    /// Default timings run 20× faster (a boot takes 100 ms, a 60 s wait 3 s).
    pub fn fast() -> Self {
        Self {
            time_scale: 0.05,
            ..Self::default()
        }
    }

    /// [`FakeConfig::fast`] with every started machine running the real agent of `spec`.
    pub fn with_agent(spec: AgentSpec) -> Self {
        Self {
            agent: AgentMode::Process(Box::new(spec)),
            ..Self::fast()
        }
    }

    /// The process-mode spec, if machines run the real agent.
    pub fn agent_spec(&self) -> Option<&AgentSpec> {
        match &self.agent {
            AgentMode::Process(spec) => Some(spec.as_ref()),
            AgentMode::Simulated => None,
        }
    }

    /// A real duration for a nominal one.
    pub fn scaled(&self, nominal: Duration) -> Duration {
        nominal.mul_f64(self.time_scale.max(0.0))
    }

    /// The timings with the time scale applied.
    pub(crate) fn effective_timings(&self) -> Timings {
        let t = &self.timings;
        Timings {
            app_visibility: self.scaled(t.app_visibility),
            machine_visibility: self.scaled(t.machine_visibility),
            create_to_start: self.scaled(t.create_to_start),
            boot: self.scaled(t.boot),
            resume: self.scaled(t.resume),
            stop: self.scaled(t.stop),
            suspend: self.scaled(t.suspend),
            replace: self.scaled(t.replace),
            destroy: self.scaled(t.destroy),
            destroyed_linger: self.scaled(t.destroyed_linger),
            checks_pass: self.scaled(t.checks_pass),
            agent_ready: self.scaled(t.agent_ready),
        }
    }
}
