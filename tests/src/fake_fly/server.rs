//! The HTTP side: shared state, and the pipeline every request runs through — log it, apply
//! transport faults, serve the agent, authenticate (401), resolve (404), authorise (403),
//! rate-limit (429), handle, then maybe turn success into an injected 408.

use super::config::{FakeConfig, Timings};
use super::faults::FaultTable;
use super::http::{unauthorized, Reply, Req};
use super::log::{RecordedRequest, RequestLog};
use super::logs::LogStore;
use super::ratelimit::RateLimiter;
use super::router::{self, Action, Route};
use super::state::World;
use super::supervisor::Agents;
use super::tokens::{unauthenticated, Principal, TokenKind, TokenTable};
use super::{agent, ids, routes};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::sync::watch;

/// Locks, shrugging off poisoning (a panicking test must not hide the next failure).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Shared {
    pub config: FakeConfig,
    /// `config.timings` with the time scale applied.
    pub timings: Timings,
    pub world: Mutex<World>,
    pub tokens: Mutex<TokenTable>,
    pub faults: Mutex<FaultTable>,
    pub limiter: Mutex<RateLimiter>,
    pub log: Mutex<RequestLog>,
    /// Bumped after every change, to wake `/wait`s.
    pub changed: watch::Sender<u64>,
    /// Process mode: the real agents.
    pub agents: Option<Agents>,
    /// Every app's log lines (`GET /api/v1/apps/{app}/logs`); shared with the agents' log
    /// readers.
    pub logs: Arc<Mutex<LogStore>>,
}

impl Shared {
    pub fn new(config: FakeConfig) -> Self {
        let logs: Arc<Mutex<LogStore>> = Arc::default();
        Self {
            timings: config.effective_timings(),
            agents: config
                .agent_spec()
                .cloned()
                .map(|spec| Agents::new(spec, Arc::clone(&logs))),
            config,
            world: Mutex::default(),
            tokens: Mutex::default(),
            faults: Mutex::default(),
            limiter: Mutex::default(),
            log: Mutex::default(),
            logs,
            changed: watch::channel(0).0,
        }
    }

    /// The world, with every due transition applied.
    pub fn world(&self) -> MutexGuard<'_, World> {
        let mut world = lock(&self.world);
        world.advance(Instant::now());
        world
    }

    /// A volume was deleted (alone or with its app): its files go too.
    pub fn volume_deleted(&self, volume_id: &str) {
        if let Some(agents) = &self.agents {
            agents.volume_deleted(volume_id);
        }
    }

    pub fn notify(&self) {
        self.changed.send_modify(|generation| *generation += 1);
    }

    /// `(name, internal_numeric_id)` of an organisation.
    pub fn org(&self, slug: &str) -> (String, u64) {
        if slug == self.config.org_slug {
            (self.config.org_name.clone(), 1001)
        } else {
            (slug.to_string(), 2002)
        }
    }
}

/// What a handler gets.
pub(crate) struct Ctx {
    pub req: Req,
    pub route: Route,
    pub who: Principal,
    pub now: Instant,
}

/// The single axum handler: every path comes through here.
pub(crate) async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req::new(method, uri.path(), uri.query(), headers, body);
    let route = router::resolve(&req);
    let presented = lock(&shared.tokens).identify(&req.headers, &shared.config);
    let ticket = lock(&shared.log).start(RecordedRequest {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.query.clone(),
        body: req.body.as_ref().and_then(|b| b.as_ref().ok()).cloned(),
        auth_scheme: presented.scheme,
        token_kind: presented.kind,
        lease_nonce: req.lease_nonce().map(str::to_string),
        action: route.as_ref().map(|r| r.action),
        at: Instant::now(),
        status: 0,
    });
    let mutating = !req.is_read();
    let reply = pipeline(&shared, req, route, presented.principal).await;
    lock(&shared.log).finish(ticket, reply.status);
    if mutating {
        shared.notify();
    }
    render(reply, &shared.config.nearest_region)
}

async fn pipeline(
    shared: &Arc<Shared>,
    req: Req,
    route: Option<Route>,
    who: Option<Principal>,
) -> Reply {
    let action = route.as_ref().map(|r| r.action);
    let method = req.method.to_string();
    let transport = lock(&shared.faults).transport(&method, &req.path, action);
    for delay in transport.delays {
        tokio::time::sleep(delay).await;
    }
    if let Some(reply) = transport.reply {
        return reply;
    }
    if let Some(route) = route.as_ref().filter(|r| r.action == Action::AgentHealth) {
        return agent::health(shared, route).await;
    }
    let Some(who) = who else {
        return unauthenticated();
    };
    let Some(route) = route else {
        return Reply::error(404, "not found");
    };
    let now = Instant::now();
    if let Err(reply) = authorize(shared, &who, &route) {
        return reply;
    }
    let id = route
        .machine
        .as_deref()
        .or(route.app.as_deref())
        .unwrap_or("org");
    let limited = lock(&shared.limiter).check(&shared.config.rate_limits, route.action, id, now);
    if let Err(reply) = limited {
        return reply;
    }
    let ctx = Ctx {
        req,
        route,
        who,
        now,
    };
    let reply = routes::handle(shared, &ctx).await;
    if reply.is_success() {
        let timeout = lock(&shared.faults).timeout_after(&method, &ctx.req.path, action);
        if let Some(timeout) = timeout {
            return timeout;
        }
    }
    reply
}

/// 403 for read-only tokens writing, app tokens elsewhere, and apps of another org.
fn authorize(shared: &Shared, who: &Principal, route: &Route) -> Result<(), Reply> {
    if who.kind == TokenKind::ReadOnly && !route.action.is_read() {
        return Err(unauthorized());
    }
    let Some(app) = route.app.as_deref() else {
        return Ok(());
    };
    if matches!(&who.kind, TokenKind::App(own) if own != app) {
        return Err(unauthorized());
    }
    let world = shared.world();
    match world.apps.get(app) {
        Some(a) if !who.may_access(app, &a.org_slug) => Err(unauthorized()),
        _ => Ok(()),
    }
}

fn render(reply: Reply, region: &str) -> Response {
    let mut response = match &reply.body {
        Some(body) => Response::new(Body::from(body.to_string())),
        None => Response::new(Body::empty()),
    };
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if reply.body.is_some() {
        headers.insert("content-type", HeaderValue::from_static("application/json"));
    }
    if let Ok(id) = HeaderValue::from_str(&format!("{}-{region}", ids::ulid())) {
        headers.insert("fly-request-id", id);
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}
