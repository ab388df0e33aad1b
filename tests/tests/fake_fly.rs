//! Tests of the fake Fly Machines API itself, driven over HTTP with reqwest: auth kinds, the
//! machine timeline (incl. the not-yet-visible window), `/wait`, leases, rate limits, every
//! fault kind, illegal transitions, apps/secrets/volumes/regions and the agent's `/health`.

use reqwest::Method;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use trademind_tests::fake_fly::{
    Action, FakeConfig, FakeFly, Fault, Match, RateLimits, Timings, TokenKind, LEASE_NONCE_HEADER,
};

const APP: &str = "tm-app";
const APP_PATH: &str = "/v1/apps/tm-app";
const MACHINES: &str = "/v1/apps/tm-app/machines";

/// Nominal timings run 10× faster (time_scale 0.1): a boot takes 150 ms, the visibility
/// window 300 ms, the destroyed linger 500 ms, `wait?timeout=1` 100 ms.
fn test_config(rate_limits: RateLimits) -> FakeConfig {
    let ms = Duration::from_millis;
    FakeConfig {
        time_scale: 0.1,
        timings: Timings {
            app_visibility: ms(3000),
            machine_visibility: ms(3000),
            create_to_start: ms(500),
            boot: ms(1500),
            resume: ms(500),
            stop: ms(1000),
            suspend: ms(1000),
            replace: ms(1000),
            destroy: ms(1000),
            destroyed_linger: ms(5000),
            checks_pass: ms(500),
            agent_ready: ms(4000),
        },
        rate_limits,
        ..FakeConfig::default()
    }
}

struct Resp {
    status: u16,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

impl Resp {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    fn str(&self, key: &str) -> String {
        self.body[key].as_str().unwrap_or_default().to_string()
    }
}

/// `…/machines/{id}{rest}`.
fn m(id: &str, rest: &str) -> String {
    format!("{MACHINES}/{id}{rest}")
}

/// A fake, an HTTP client and an org token (sent as `FlyV1`).
struct Env {
    fly: FakeFly,
    http: reqwest::Client,
    auth: String,
}

impl Env {
    /// A fake without rate limits and with app `tm-app` created (`wait=true`, so visible).
    async fn new() -> Env {
        Self::with(test_config(RateLimits::off())).await
    }

    async fn with(config: FakeConfig) -> Env {
        let fly = FakeFly::start(config);
        let auth = format!("FlyV1 {}", fly.add_token(TokenKind::Org));
        let http = reqwest::Client::new();
        let env = Env { fly, http, auth };
        let app = json!({"name": APP, "org_slug": "personal"});
        let r = env.post("/v1/apps?wait=true", app).await;
        assert_eq!(r.status, 201, "{}", r.body);
        env
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        nonce: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.fly.base_url()));
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        if let Some(nonce) = nonce {
            req = req.header(LEASE_NONCE_HEADER, nonce);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request to the fake");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            headers,
        }
    }

    async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, Some(&self.auth), None, None)
            .await
    }

    async fn get_as(&self, auth: &str, path: &str) -> Resp {
        self.send(Method::GET, path, Some(auth), None, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(&self.auth), None, Some(body))
            .await
    }

    /// POST without a body (start, restart, cordon, lease…).
    async fn act(&self, path: &str) -> Resp {
        self.send(Method::POST, path, Some(&self.auth), None, None)
            .await
    }

    async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, Some(&self.auth), None, None)
            .await
    }

    async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(&self.auth), None, Some(body))
            .await
    }

    /// Creates a machine (merging `extra` into a default body), waits for `started`.
    async fn started_machine(&self, extra: Value) -> String {
        let config = json!({"image": "registry.fly.io/tm:1", "metadata": {"k": "v"}});
        let mut body = json!({"region": "sin", "config": config});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let r = self.post(MACHINES, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.str("id");
        self.fly.reveal(APP);
        let w = self.get(&m(&id, "/wait?state=started&timeout=30")).await;
        assert_eq!(w.status, 200, "{}", w.body);
        id
    }
}

#[test]
fn works_from_a_plain_sync_test() {
    let fly = FakeFly::start(FakeConfig::fast());
    let addr = fly.base_url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let request = "GET /v1/platform/regions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("Authenticate: token validation error"));
    assert!(response.to_ascii_lowercase().contains("fly-request-id"));
}

#[tokio::test]
async fn auth_kinds_are_scoped_as_documented() {
    let env = Env::new().await;
    let none = env.send(Method::GET, APP_PATH, None, None, None).await;
    let body = (none.status, none.error());
    assert_eq!(body, (401, "Authenticate: token validation error"));
    assert_eq!(env.get_as("FlyV1 fm2_nope", APP_PATH).await.status, 401);

    // Org macaroon: FlyV1, also accepted under Bearer and with a doubled prefix.
    let org = env.auth.trim_start_matches("FlyV1 ").to_string();
    for header in [format!("Bearer {org}"), format!("FlyV1 FlyV1 {org}")] {
        assert_eq!(env.get_as(&header, APP_PATH).await.status, 200);
    }
    // Legacy user token: Bearer only.
    let user = env.fly.add_token(TokenKind::User);
    assert_eq!(
        env.get_as(&format!("Bearer {user}"), APP_PATH).await.status,
        200
    );
    assert_eq!(
        env.get_as(&format!("FlyV1 {user}"), APP_PATH).await.status,
        401
    );

    // Read-only: GETs fine, mutations 403.
    let ro = format!("FlyV1 {}", env.fly.add_token(TokenKind::ReadOnly));
    assert_eq!(env.get_as(&ro, APP_PATH).await.status, 200);
    let body = json!({"config": {"image": "nginx"}});
    let denied = env
        .send(Method::POST, MACHINES, Some(&ro), None, Some(body))
        .await;
    assert_eq!((denied.status, denied.error()), (403, "unauthorized"));

    // App-scoped: its app only.
    let other_app = json!({"name": "tm-other", "org_slug": "personal"});
    assert_eq!(env.post("/v1/apps?wait=true", other_app).await.status, 201);
    let scoped = format!("FlyV1 {}", env.fly.add_token(TokenKind::App(APP.into())));
    assert_eq!(env.get_as(&scoped, APP_PATH).await.status, 200);
    assert_eq!(env.get_as(&scoped, "/v1/apps/tm-other").await.status, 403);
    let listed = env.get_as(&scoped, "/v1/apps?org_slug=personal").await;
    assert_eq!(listed.body["total_apps"], 1);
    let current = env.get_as(&scoped, "/v1/tokens/current").await;
    assert_eq!(current.body["tokens"][0]["apps"], json!([APP]));

    // Another org: 403 on our apps, nothing in its own org.
    let foreign = format!("FlyV1 {}", env.fly.add_token(TokenKind::OtherOrg));
    assert_eq!(env.get_as(&foreign, APP_PATH).await.status, 403);
    let ours = env.get_as(&foreign, "/v1/apps?org_slug=personal").await;
    assert_eq!(ours.status, 403);
    let own = env.get_as(&foreign, "/v1/apps?org_slug=other-org").await;
    assert_eq!(own.body["total_apps"], 0);

    // The log records schemes and token kinds, never the token.
    let log = env.fly.requests();
    assert_eq!(log[0].auth_scheme.as_deref(), Some("FlyV1"));
    assert!(log
        .iter()
        .any(|r| r.auth_scheme.is_none() && r.status == 401));
    let read_only = Some(TokenKind::ReadOnly);
    assert!(log
        .iter()
        .any(|r| r.token_kind == read_only && r.status == 403));
    assert!(!format!("{log:?}").contains(&org), "no tokens in the log");
}

#[tokio::test]
async fn machine_goes_created_starting_started_after_an_invisible_window() {
    let env = Env::new().await;
    let body = json!({"region": "sin", "config": {"image": "registry.fly.io/tm:1"}});
    let created = env.post(MACHINES, body).await;
    assert_eq!(
        (created.status, created.str("state")),
        (200, "created".into())
    );
    let id = created.str("id");
    assert_eq!(id.len(), 14);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(created.str("instance_id").len(), 26);

    let early = env.get(&m(&id, "")).await;
    assert_eq!(
        (early.status, early.error()),
        (404, "not_found: machine not found")
    );
    assert_eq!(env.get(MACHINES).await.body, json!([]));
    assert_eq!(env.get(&m(&id, "/wait?state=started")).await.status, 404);

    tokio::time::sleep(Duration::from_millis(320)).await;
    let seen = env.get(&m(&id, "")).await;
    assert_eq!(seen.status, 200);
    let state = seen.str("state");
    assert!(["starting", "started"].contains(&state.as_str()), "{state}");
    let done = env.get(&m(&id, "/wait?state=started&timeout=60")).await;
    assert_eq!(done.status, 200);
    assert_eq!(
        (done.body["ok"].as_bool(), done.str("state")),
        (Some(true), "started".into())
    );

    let events = env.get(&m(&id, "/events")).await.body;
    let statuses: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["started", "starting", "created"], "newest first");
    assert_eq!(env.fly.machines(APP)[0].state, "started");
}

#[tokio::test]
async fn wait_validates_timeout_and_answers_408_on_deadline() {
    let env = Env::new().await;
    let id = env.started_machine(json!({})).await;
    for bad in ["61", "0", "abc"] {
        let r = env.get(&m(&id, &format!("/wait?timeout={bad}"))).await;
        assert_eq!(r.status, 400, "timeout={bad}");
        assert!(r.error().starts_with("invalid_argument"));
    }
    let started = Instant::now();
    let r = env.get(&m(&id, "/wait?state=stopped&timeout=1")).await;
    assert_eq!(r.status, 408);
    let expected =
        "deadline_exceeded: machine failed to reach desired state, stopped, currently started";
    assert_eq!(r.error(), expected);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "timeout is scaled"
    );

    let multi = env
        .get(&m(&id, "/wait?state=stopped&state=started&timeout=1"))
        .await;
    assert_eq!(multi.status, 200);
    let settled = env.get(&m(&id, "/wait?state=settled")).await;
    assert_eq!(settled.str("state"), "started");

    // A wait blocks across a stop and returns when it lands.
    assert_eq!(env.post(&m(&id, "/stop"), json!({})).await.status, 200);
    let stopped = env
        .get(&m(&id, "/wait?state=stopped,suspended&timeout=10"))
        .await;
    assert_eq!(
        (stopped.status, stopped.str("state")),
        (200, "stopped".into())
    );

    // Waiting on a superseded version never succeeds as the new one.
    let old = env.fly.machine(APP, &id).unwrap().instance_id;
    let config = json!({"config": {"image": "registry.fly.io/tm:2"}});
    let upd = env.post(&m(&id, ""), config).await;
    assert_eq!(upd.status, 200);
    assert_ne!(upd.str("instance_id"), old);
    let stale = env
        .get(&m(
            &id,
            &format!("/wait?state=stopped&version={old}&timeout=1"),
        ))
        .await;
    assert_eq!(stale.status, 408);
    assert!(
        stale.error().ends_with("currently replaced"),
        "{}",
        stale.error()
    );
}

#[tokio::test]
async fn leases_block_other_callers_and_require_the_nonce() {
    let env = Env::new().await;
    let id = env.started_machine(json!({})).await;
    let lease = m(&id, "/lease");
    let missing = env.get(&lease).await;
    assert_eq!((missing.status, missing.error()), (404, "lease not found"));

    let got = env.post(&lease, json!({"ttl": 30})).await;
    assert_eq!((got.status, got.str("status")), (201, "success".into()));
    let nonce = got.body["data"]["nonce"].as_str().unwrap().to_string();
    assert_eq!(nonce.len(), 12);

    let again = env.post(&lease, json!({"ttl": 30})).await;
    assert_eq!(again.status, 409);
    assert!(
        again.error().starts_with("aborted: machine ID"),
        "{}",
        again.body
    );
    assert!(again.error().contains("lease currently held by"));

    let stop = m(&id, "/stop");
    let auth = Some(env.auth.as_str());
    assert_eq!(env.post(&stop, json!({})).await.status, 409);
    let wrong = Some("000000000000");
    let r = env
        .send(Method::POST, &stop, auth, wrong, Some(json!({})))
        .await;
    assert_eq!(r.status, 409);
    let refresh = Some(json!({"ttl": 60}));
    let r = env
        .send(Method::POST, &lease, auth, Some(&nonce), refresh)
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["data"]["nonce"].as_str(), Some(nonce.as_str()));
    let r = env
        .send(Method::POST, &stop, auth, Some(&nonce), Some(json!({})))
        .await;
    assert_eq!(r.status, 200);
    let last = env.fly.requests().pop().unwrap();
    assert_eq!(last.lease_nonce.as_deref(), Some(nonce.as_str()));

    assert_eq!(env.delete(&lease).await.status, 409);
    let r = env
        .send(Method::DELETE, &lease, auth, Some(&nonce), None)
        .await;
    let released = json!({"status": "success", "data": {"ok": true}});
    assert_eq!((r.status, r.body), (200, released));
    assert_eq!(env.get(&lease).await.status, 404);

    // A lease taken at create comes back as `nonce` on the Machine.
    let body = json!({"config": {"image": "nginx"}, "lease_ttl": 10, "skip_launch": true});
    let leased = env.post(MACHINES, body).await;
    assert_eq!(leased.str("nonce").len(), 12);
}

#[tokio::test]
async fn per_action_rate_limits_answer_429_with_retry_after() {
    let env = Env::with(test_config(RateLimits::default())).await;
    let id = env.started_machine(json!({})).await;
    let cordon = m(&id, "/cordon");
    for _ in 0..3 {
        assert_eq!(env.act(&cordon).await.status, 200);
    }
    let limited = env.act(&cordon).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "1");
    // Another action on the same machine has its own bucket.
    assert_eq!(env.act(&m(&id, "/uncordon")).await.status, 200);

    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(env.get(&m(&id, "")).await.status);
    }
    assert!(
        statuses[..10].iter().all(|s| *s == 200),
        "burst 10: {statuses:?}"
    );
    assert!(statuses[10..].contains(&429), "then 5/s: {statuses:?}");
}

#[tokio::test]
async fn transport_faults_hit_matching_requests_a_set_number_of_times() {
    let env = Env::new().await;
    let limited = Fault::RateLimited {
        retry_after_secs: 7,
    };
    env.fly.inject(limited, Match::Path(MACHINES.into()), 1);
    let r = env.get(MACHINES).await;
    assert_eq!(
        (r.status, r.headers["retry-after"].to_str().unwrap()),
        (429, "7")
    );

    env.fly.inject(Fault::BadGateway, Action::ListMachines, 2);
    let get_list = Match::MethodPath("GET".into(), MACHINES.into());
    env.fly.inject(Fault::ServiceUnavailable, get_list, 1);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(env.get(MACHINES).await.status);
    }
    assert_eq!(statuses, [502, 502, 503, 200]);

    let delay = Duration::from_millis(300);
    env.fly.inject(Fault::Delay(delay), Match::Any, 1);
    let started = Instant::now();
    assert_eq!(env.get("/v1/platform/regions").await.status, 200);
    assert!(started.elapsed() >= delay);

    // Faults hit before auth, like a proxy would.
    let tokens = Match::Path("/v1/tokens".into());
    env.fly.inject_always(Fault::ServiceUnavailable, tokens);
    let r = env
        .send(Method::GET, "/v1/tokens/current", None, None, None)
        .await;
    assert_eq!(r.status, 503);
    env.fly.clear_faults();
    assert_eq!(env.get("/v1/tokens/current").await.status, 200);
}

#[tokio::test]
async fn capacity_and_timeout_after_create_faults() {
    let env = Env::new().await;
    let full_sin = Fault::InsufficientCapacity {
        region: Some("sin".into()),
    };
    env.fly.inject(full_sin, Action::CreateMachine, 5);
    let full = env
        .post(MACHINES, json!({"region": "sin", "config": {"image": "x"}}))
        .await;
    assert_eq!(
        (full.status, full.str("status")),
        (503, "insufficient_capacity".into())
    );
    assert!(env.fly.machines(APP).is_empty(), "nothing is created");
    let ams = env
        .post(MACHINES, json!({"region": "ams", "config": {"image": "x"}}))
        .await;
    assert_eq!(ams.status, 200);

    env.fly
        .inject(Fault::TimeoutAfterCreate, Action::CreateMachine, 1);
    let tagged = json!({"image": "nginx", "metadata": {"launch_id": "L-1"}});
    let lost = env
        .post(MACHINES, json!({"region": "fra", "config": tagged}))
        .await;
    assert_eq!(lost.status, 408);
    assert!(lost.error().starts_with("deadline_exceeded"));
    env.fly.reveal(APP);
    let found = env
        .get(&format!("{MACHINES}?metadata.launch_id=L-1"))
        .await
        .body;
    let found = found.as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "the create really happened");
    assert_eq!(found[0]["region"], "fra");

    // Start in a full region fails the same way, and the machine stays stopped.
    let id = found[0]["id"].as_str().unwrap().to_string();
    let w = env.get(&m(&id, "/wait?state=started&timeout=30")).await;
    assert_eq!(w.status, 200);
    let stop = env.post(&m(&id, "/stop"), json!({"timeout": "1s"})).await;
    assert_eq!(stop.status, 200);
    env.get(&m(&id, "/wait?state=stopped&timeout=30")).await;
    let anywhere = Fault::InsufficientCapacity { region: None };
    env.fly.inject(anywhere, Action::StartMachine, 1);
    assert_eq!(env.act(&m(&id, "/start")).await.status, 503);
    assert_eq!(env.fly.machine(APP, &id).unwrap().state, "stopped");
}

#[tokio::test]
async fn illegal_transitions_are_refused() {
    let env = Env::new().await;
    let id = env.started_machine(json!({})).await;
    let start = env.act(&m(&id, "/start")).await;
    let still_active = "failed_precondition: machine still active, refusing to start";
    assert_eq!((start.status, start.error()), (412, still_active));
    let destroy = env.delete(&m(&id, "")).await;
    assert_eq!(destroy.status, 412);
    assert!(destroy.error().contains("not currently stopped"));
    let bad_stop = env.post(&m(&id, "/stop"), json!([])).await;
    assert_eq!(bad_stop.status, 400, "stop needs a JSON object");

    // Start while `replacing` → 412; region is immutable.
    let v2 = json!({"config": {"image": "registry.fly.io/tm:2"}});
    assert_eq!(env.post(&m(&id, ""), v2).await.str("state"), "replacing");
    let mid = env.act(&m(&id, "/start")).await;
    let replacing = "failed_precondition: unable to start machine from current state: 'replacing'";
    assert_eq!((mid.status, mid.error()), (412, replacing));
    let moved = json!({"region": "ams", "config": {"image": "x"}});
    assert_eq!(env.post(&m(&id, ""), moved).await.status, 400);

    // Suspend needs ≤ 2 GB; stopping a never-started machine is refused; bad guest → 422.
    let guest = json!({"cpu_kind": "performance", "cpus": 1, "memory_mb": 4096});
    let big = env
        .started_machine(json!({"config": {"image": "x", "guest": guest}}))
        .await;
    assert_eq!(env.act(&m(&big, "/suspend")).await.status, 412);
    let idle = json!({"config": {"image": "nginx"}, "skip_launch": true});
    let idle = env.post(MACHINES, idle).await.str("id");
    env.fly.reveal(APP);
    assert_eq!(env.post(&m(&idle, "/stop"), json!({})).await.status, 412);
    let guest = json!({"cpu_kind": "shared", "cpus": 1, "memory_mb": 300});
    let bad = env
        .post(MACHINES, json!({"config": {"image": "x", "guest": guest}}))
        .await;
    assert_eq!(bad.status, 422);

    // Force-destroy works from any state; the machine lingers as destroyed, then 404s.
    assert_eq!(env.delete(&m(&id, "?force=true")).await.status, 200);
    let gone = env.get(&m(&id, "/wait?state=destroyed&timeout=30")).await;
    assert_eq!(gone.status, 200);
    assert_eq!(env.get(&m(&id, "")).await.str("state"), "destroyed");
    let dead = env
        .post(&m(&id, ""), json!({"config": {"image": "x"}}))
        .await;
    assert_eq!(
        (dead.status, dead.error()),
        (404, "not_found: machine not found")
    );
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert_eq!(env.get(&m(&id, "")).await.status, 404);
    let listed = env
        .get(&format!("{MACHINES}?include_deleted=true"))
        .await
        .body;
    let listed = listed.as_array().unwrap();
    assert!(listed.iter().any(|machine| machine["id"] == id.as_str()));
}

#[tokio::test]
async fn outside_changes_and_auto_destroy() {
    let env = Env::new().await;
    let id = env.started_machine(json!({})).await;
    env.fly.set_machine_state(APP, &id, "stopped");
    let w = env.get(&m(&id, "/wait?state=stopped&timeout=1")).await;
    assert_eq!(w.status, 200);
    env.fly.set_machine_state(APP, &id, "starting");
    let stuck = env.get(&m(&id, "/wait?state=started&timeout=2")).await;
    assert_eq!(
        stuck.status, 408,
        "a machine forced into `starting` stays there"
    );

    let config = json!({"image": "nginx", "auto_destroy": true});
    let worker = env
        .started_machine(json!({"name": "worker", "config": config}))
        .await;
    let dup = env
        .post(
            MACHINES,
            json!({"name": "worker", "config": {"image": "x"}}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert!(dup.error().starts_with("already_exists") && dup.error().contains(&worker));
    env.post(&m(&worker, "/stop"), json!({})).await;
    let destroyed = env
        .get(&m(&worker, "/wait?state=destroyed&timeout=30"))
        .await;
    assert_eq!(
        destroyed.status, 200,
        "auto_destroy turns a stop into a destroy"
    );

    assert!(env.fly.remove_app(APP));
    assert_eq!(env.get(APP_PATH).await.status, 404);
}

#[tokio::test]
async fn apps_secrets_volumes_and_regions() {
    let env = Env::new().await;
    let same = json!({"app_name": APP, "org_slug": "personal"});
    let taken = env.post("/v1/apps", same).await;
    assert_eq!(
        (taken.status, taken.str("status")),
        (422, "name_taken".into())
    );
    let bad = json!({"name": "Bad_Name", "org_slug": "personal"});
    assert_eq!(env.post("/v1/apps", bad).await.status, 422);
    let lagging = json!({"name": "tm-lagging", "org_slug": "personal"});
    let fresh = env.post("/v1/apps", lagging).await;
    assert_eq!((fresh.status, fresh.str("status")), (201, "pending".into()));
    assert_eq!(
        env.get("/v1/apps/tm-lagging").await.status,
        404,
        "not visible yet"
    );

    let secrets = format!("{APP_PATH}/secrets");
    let values = json!({"values": {"API_KEY": "s3cret", "OLD": null}});
    assert_eq!(env.post(&secrets, values).await.body["version"], 1);
    let values = json!({"values": {"OTHER": "x"}});
    assert_eq!(env.post(&secrets, values).await.body["version"], 2);
    let listed = env.get(&secrets).await.body;
    assert_eq!(listed["secrets"].as_array().unwrap().len(), 2);
    assert!(listed["secrets"][0].get("value").is_none());
    assert_eq!(env.fly.secrets(APP).0["API_KEY"], "s3cret");

    let volumes = format!("{APP_PATH}/volumes");
    let volume = json!({"name": "data", "region": "sin", "size_gb": 1});
    let volume = env.post(&volumes, volume).await;
    assert_eq!(volume.status, 200);
    let vol_id = volume.str("id");
    assert!(vol_id.starts_with("vol_"));
    let mounts = json!([{"volume": vol_id, "path": "/data"}]);
    let config = json!({"image": "nginx", "mounts": mounts});
    let elsewhere = json!({"region": "ams", "config": config.clone()});
    assert_eq!(
        env.post(MACHINES, elsewhere).await.status,
        422,
        "other region"
    );
    let here = json!({"region": "sin", "min_secrets_version": 2, "config": config});
    assert_eq!(env.post(MACHINES, here).await.status, 200);
    assert_eq!(env.fly.machines(APP)[0].min_secrets_version, Some(2));
    let attached = &env.get(&volumes).await.body[0]["attached_machine_id"];
    assert!(attached.is_string());
    let volume_path = format!("{volumes}/{vol_id}");
    assert_eq!(
        env.delete(&volume_path).await.status,
        412,
        "attached to a live machine"
    );
    let extend = format!("{volume_path}/extend");
    let extended = env.put(&extend, json!({"size_gb": 2})).await;
    assert_eq!(extended.status, 200);
    assert_eq!(extended.body["volume"]["size_gb"], 2);
    assert_eq!(extended.body["needs_restart"], false);
    assert_eq!(
        env.put(&extend, json!({"size_gb": 2})).await.status,
        400,
        "only larger"
    );
    let bad_compute = json!({"name": "data", "region": "sin",
                             "compute": {"cpu_kind": "shared", "cpus": 3, "memory_mb": 1024}});
    assert_eq!(env.post(&volumes, bad_compute).await.status, 422);
    let good_compute = json!({"name": "data", "region": "ams", "size_gb": 1,
                              "compute": {"cpu_kind": "shared", "cpus": 2, "memory_mb": 2048}});
    let second = env.post(&volumes, good_compute).await;
    assert_eq!(second.status, 200);
    let second_path = format!("{volumes}/{}", second.str("id"));
    let deleted = env.delete(&second_path).await;
    assert_eq!(
        (deleted.status, deleted.str("state")),
        (200, "pending_destroy".into())
    );
    assert_eq!(env.get(&volumes).await.body.as_array().unwrap().len(), 1);

    let regions = env.get("/v1/platform/regions").await.body;
    let codes: Vec<&str> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for code in ["iad", "ord", "lax", "sjc", "ams", "fra", "nrt", "sin"] {
        assert!(codes.contains(&code), "{code}");
    }
    assert_eq!(regions["nearest"], "iad");

    env.started_machine(json!({})).await;
    assert_eq!(env.delete(APP_PATH).await.status, 412, "machines running");
    let forced = format!("{APP_PATH}?force=true");
    assert_eq!(env.delete(&forced).await.status, 202);
}

#[tokio::test]
async fn agent_health_goes_from_starting_to_ready() {
    let env = Env::new().await;
    let health = format!("{}/health", env.fly.agent_url(APP));
    let probe = || async {
        let r = env.http.get(&health).send().await.expect("agent health");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    assert_eq!(probe().await.0, 502, "no started machine");
    let id = env.started_machine(json!({})).await;
    assert_eq!(probe().await, (503, json!({"status": "starting"})));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = probe().await;
        if status == 200 {
            let ready = json!({"status": "ready", "agentVersion": "0.1.0", "machineId": id});
            assert_eq!(body, ready);
            break;
        }
        assert!(Instant::now() < deadline, "agent never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
