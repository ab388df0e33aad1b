//! The fake Fly's log API (`GET /api/v1/apps/{app}/logs`, `docs/fly-machines-api.md` §7):
//! the default backlog (the last 100 lines), paging and polling by `next_token`, the
//! `instance` and `region` filters and the token checks — with lines pushed by the test
//! (simulated mode) and with a shell script standing in for the agent (process mode), whose
//! output and crashes show up with the machine's id and the right level.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trademind_tests::fake_fly::{
    free_listen_addr, Action, AgentSpec, FakeConfig, FakeFly, LogLevel, TokenKind,
};

const APP: &str = "tm-logs";

struct Env {
    fly: FakeFly,
    http: reqwest::Client,
    auth: String,
}

impl Env {
    async fn new(config: FakeConfig) -> Env {
        let fly = FakeFly::start(config);
        let auth = format!("FlyV1 {}", fly.add_token(TokenKind::Org));
        let env = Env {
            fly,
            http: reqwest::Client::new(),
            auth,
        };
        let (status, body) = env
            .send(
                "POST",
                "/v1/apps?wait=true",
                json!({"name": APP, "org_slug": "personal"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        env.fly.reveal(APP);
        env
    }

    async fn send(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let request = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.fly.base_url()),
            )
            .header("authorization", &self.auth)
            .timeout(Duration::from_secs(10));
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/v1/apps/{app}/logs?{query}` with `auth` (`None`: no header).
    async fn logs_as(&self, auth: Option<&str>, app: &str, query: &str) -> (u16, Value) {
        let mut request = self
            .http
            .get(format!(
                "{}/api/v1/apps/{app}/logs?{query}",
                self.fly.base_url()
            ))
            .timeout(Duration::from_secs(10));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A page of the app's logs: the messages and `meta.next_token`.
    async fn page(&self, query: &str) -> (Vec<String>, String) {
        let (status, body) = self.logs_as(Some(&self.auth), APP, query).await;
        assert_eq!(status, 200, "{body}");
        (messages(&body), next_token(&body))
    }
}

fn messages(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attributes"]["message"].as_str().unwrap().to_owned())
        .collect()
}

fn next_token(body: &Value) -> String {
    body["meta"]["next_token"].as_str().unwrap().to_owned()
}

fn numbered(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("line {i}")).collect()
}

#[tokio::test]
async fn backlog_pages_and_polling_follow_next_token() {
    let env = Env::new(FakeConfig::fast()).await;
    let (empty, token) = env.page("").await;
    assert!(empty.is_empty());
    assert_eq!(token, "0", "nothing yet: poll from the beginning");
    for i in 0..250 {
        env.fly
            .push_log(APP, "m1", LogLevel::Info, &format!("line {i}"));
    }
    // Default: the last 100, oldest first, the token at the newest.
    let (status, body) = env.logs_as(Some(&env.auth), APP, "").await;
    assert_eq!(status, 200);
    assert_eq!(messages(&body), numbered(150..250));
    let first = &body["data"][0];
    assert_eq!(first["type"], "logs");
    let attributes = &first["attributes"];
    assert_eq!(attributes["instance"], "m1");
    assert_eq!(attributes["level"], "info");
    assert_eq!(
        attributes["region"],
        env.fly.config().nearest_region.as_str()
    );
    let stamp = attributes["timestamp"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(stamp).unwrap();
    assert_eq!(
        stamp.len(),
        "2026-11-24T10:00:00.123456789Z".len(),
        "{stamp}"
    );
    let lines = env.fly.logs(APP);
    assert_eq!(lines.len(), 250);
    assert_eq!(
        next_token(&body),
        lines[249].ts_nanos().to_string(),
        "the newest line's stamp"
    );
    assert_eq!(
        parsed.timestamp_nanos_opt().unwrap() as u128,
        lines[150].ts_nanos()
    );
    let ids: std::collections::BTreeSet<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 100, "ids are unique");

    // Backfill from the start with a token of our own: pages of 100, strictly after it.
    let (page1, t1) = env.page("next_token=0").await;
    assert_eq!(page1, numbered(0..100));
    let (page2, t2) = env.page(&format!("next_token={t1}")).await;
    assert_eq!(page2, numbered(100..200));
    let (page3, t3) = env.page(&format!("next_token={t2}")).await;
    assert_eq!(page3, numbered(200..250));
    // Polling: nothing new keeps the token; new lines come once.
    let (none, same) = env.page(&format!("next_token={t3}")).await;
    assert!(none.is_empty());
    assert_eq!(same, t3);
    env.fly.push_log(APP, "m1", LogLevel::Error, "new one");
    env.fly.push_log(APP, "m1", LogLevel::Warn, "new two");
    let (status, body) = env
        .logs_as(Some(&env.auth), APP, &format!("next_token={same}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(messages(&body), ["new one", "new two"]);
    assert_eq!(body["data"][0]["attributes"]["level"], "error");
    assert_eq!(body["data"][1]["attributes"]["level"], "warn");
    let (again, _) = env.page(&format!("next_token={}", next_token(&body))).await;
    assert!(again.is_empty(), "each line is seen once");
}

#[tokio::test]
async fn instance_and_region_filters() {
    let env = Env::new(FakeConfig::fast()).await;
    let (status, machine) = env
        .send(
            "POST",
            &format!("/v1/apps/{APP}/machines"),
            json!({"region": "ams", "config": {"image": "registry.fly.io/agent:1"}}),
        )
        .await;
    assert_eq!(status, 200, "{machine}");
    let ams = machine["id"].as_str().unwrap().to_owned();
    for i in 0..6 {
        let who = if i % 2 == 0 { ams.as_str() } else { "other" };
        env.fly
            .push_log(APP, who, LogLevel::Info, &format!("line {i}"));
    }
    let (only_ams, _) = env.page(&format!("instance={ams}")).await;
    assert_eq!(only_ams, ["line 0", "line 2", "line 4"]);
    let (only_other, _) = env.page("instance=other").await;
    assert_eq!(only_other, ["line 1", "line 3", "line 5"]);
    let (in_ams, _) = env.page("region=ams").await;
    assert_eq!(in_ams, only_ams);
    let nearest = env.fly.config().nearest_region.clone();
    let (in_nearest, _) = env.page(&format!("region={nearest}")).await;
    assert_eq!(in_nearest, only_other);
    let (nowhere, _) = env.page("region=syd").await;
    assert!(nowhere.is_empty());
    let (both, _) = env.page(&format!("instance={ams}&region={nearest}")).await;
    assert!(both.is_empty());
    let (empty_filter, _) = env.page("instance=&region=").await;
    assert_eq!(empty_filter.len(), 6, "empty filters filter nothing");
    // A filtered poll: its token moves only with matching lines.
    let (_, token) = env.page(&format!("instance={ams}")).await;
    env.fly.push_log(APP, "other", LogLevel::Info, "not mine");
    let (new, same) = env
        .page(&format!("instance={ams}&next_token={token}"))
        .await;
    assert!(new.is_empty());
    assert_eq!(same, token);
}

#[tokio::test]
async fn tokens_and_apps_are_checked_like_the_machines_api() {
    let env = Env::new(FakeConfig::fast()).await;
    env.fly.push_log(APP, "m1", LogLevel::Info, "hello");
    let read_only = format!("FlyV1 {}", env.fly.add_token(TokenKind::ReadOnly));
    let (status, body) = env.logs_as(Some(&read_only), APP, "").await;
    assert_eq!(status, 200, "read-only tokens read logs: {body}");
    assert_eq!(messages(&body), ["hello"]);
    let user = format!("Bearer {}", env.fly.add_token(TokenKind::User));
    assert_eq!(env.logs_as(Some(&user), APP, "").await.0, 200);
    let app_token = format!("FlyV1 {}", env.fly.add_token(TokenKind::App(APP.into())));
    assert_eq!(env.logs_as(Some(&app_token), APP, "").await.0, 200);

    for bad in [
        None,
        Some("FlyV1 fm2_not-a-token-we-know"),
        Some("Bearer nope"),
        Some(""),
    ] {
        let (status, body) = env.logs_as(bad, APP, "").await;
        assert_eq!(status, 401, "{bad:?}: {body}");
    }
    let foreign = format!("FlyV1 {}", env.fly.add_token(TokenKind::OtherOrg));
    assert_eq!(env.logs_as(Some(&foreign), APP, "").await.0, 403);
    let other_app = format!(
        "FlyV1 {}",
        env.fly.add_token(TokenKind::App("someone-else".into()))
    );
    assert_eq!(env.logs_as(Some(&other_app), APP, "").await.0, 403);
    let (status, body) = env.logs_as(Some(&env.auth), "no-such-app", "").await;
    assert_eq!(status, 404, "{body}");
    for token in ["abc", "-1", "1.5", "0x10"] {
        let (status, body) = env
            .logs_as(Some(&env.auth), APP, &format!("next_token={token}"))
            .await;
        assert_eq!(status, 400, "{token}: {body}");
    }
    // Writes are not logs.
    let (status, _) = env
        .send("POST", &format!("/api/v1/apps/{APP}/logs"), json!({}))
        .await;
    assert_eq!(status, 404);
    let logged = env.fly.requests_for(Action::AppLogs);
    assert!(logged.len() >= 10);
    assert!(logged.iter().any(|r| r.status == 401));
}

const SCRIPT: &str = r#"#!/bin/sh
echo "2026-11-24T10:00:00.000001Z  INFO screener::agent: agent listening machine=$FLY_MACHINE_ID"
echo "2026-11-24T10:00:00.000002Z  WARN screener::agent: a warning" >&2
printf '\033[2m2026-11-24T10:00:00.000003Z\033[0m \033[31mERROR\033[0m screener: coloured\n'
case "$MODE" in
  crash) exit 3 ;;
esac
trap 'echo draining; exit 0' TERM
while :; do sleep 0.02; done
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_mode_output_and_crashes_reach_the_log_api() {
    let root = tempfile::tempdir().unwrap();
    let script = root.path().join("fake-agent.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut spec = AgentSpec::new(
        &script,
        free_listen_addr(),
        "http://127.0.0.1:9",
        "ws://127.0.0.1:9",
        &["AAAUSDT"],
        root.path().join("fly"),
    );
    spec.restart_delay = Duration::from_millis(20);
    let env = Env::new(FakeConfig::with_agent(spec)).await;
    let config = json!({
        "image": "registry.fly.io/agent:1",
        "env": {"MODE": "crash"},
        "restart": {"policy": "on-failure", "max_retries": 1},
    });
    let (status, machine) = env
        .send(
            "POST",
            &format!("/v1/apps/{APP}/machines"),
            json!({"region": "ams", "config": config}),
        )
        .await;
    assert_eq!(status, 200, "{machine}");
    let id = machine["id"].as_str().unwrap().to_owned();
    env.fly.reveal(APP);

    // Two boots (the first and one restart), each crashing with code 3.
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        let (status, body) = env
            .logs_as(Some(&env.auth), APP, &format!("instance={id}"))
            .await;
        assert_eq!(status, 200);
        let exits = messages(&body)
            .iter()
            .filter(|m| m.contains("ended: exit status: 3"))
            .count();
        if exits == 2 {
            break body;
        }
        assert!(Instant::now() < deadline, "no two crashes: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let lines: Vec<(String, String, String, String)> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let a = &d["attributes"];
            (
                a["message"].as_str().unwrap().to_owned(),
                a["level"].as_str().unwrap().to_owned(),
                a["instance"].as_str().unwrap().to_owned(),
                a["region"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        lines.iter().all(|(_, _, i, r)| i == &id && r == "ams"),
        "{lines:?}"
    );
    let level_of = |needle: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|(m, ..)| m.contains(needle))
            .map(|(_, l, ..)| l.as_str())
            .collect()
    };
    assert_eq!(
        level_of("--- fake Fly: boot"),
        ["info", "error", "info", "error"],
        "boot, crash, boot, crash"
    );
    assert_eq!(level_of("agent listening"), ["info", "info"]);
    assert_eq!(level_of("a warning"), ["warn", "warn"], "stderr too");
    assert_eq!(level_of("coloured"), ["error", "error"]);
    let coloured = lines.iter().find(|(m, ..)| m.contains("coloured")).unwrap();
    assert!(
        !coloured.0.contains('\u{1b}'),
        "ANSI stripped: {:?}",
        coloured.0
    );
    assert!(
        lines
            .iter()
            .any(|(m, ..)| m.contains(&format!("machine={id}"))),
        "the agent's own echo of FLY_MACHINE_ID"
    );
    // Within a boot, the exit line comes after the agent's output.
    let exit = lines
        .iter()
        .position(|(m, ..)| m.contains("ended: exit status: 3"))
        .unwrap();
    let listening = lines
        .iter()
        .position(|(m, ..)| m.contains("agent listening"))
        .unwrap();
    assert!(listening < exit);
    // The log file still gets everything.
    let file =
        std::fs::read_to_string(root.path().join("fly/logs").join(format!("{id}.log"))).unwrap();
    assert_eq!(file.matches("agent listening").count(), 2);
    assert_eq!(file.matches("ended: exit status: 3").count(), 2);
    assert_eq!(file.matches("a warning").count(), 2);
    assert_eq!(env.fly.logs(APP).len(), lines.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_stop_is_an_info_exit() {
    let root = tempfile::tempdir().unwrap();
    let script = root.path().join("fake-agent.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spec = AgentSpec::new(
        &script,
        free_listen_addr(),
        "http://127.0.0.1:9",
        "ws://127.0.0.1:9",
        &["AAAUSDT"],
        root.path().join("fly"),
    );
    let env = Env::new(FakeConfig::with_agent(spec)).await;
    let (status, machine) = env
        .send(
            "POST",
            &format!("/v1/apps/{APP}/machines"),
            json!({"config": {"image": "registry.fly.io/agent:1", "env": {"MODE": "run"}}}),
        )
        .await;
    assert_eq!(status, 200, "{machine}");
    let id = machine["id"].as_str().unwrap().to_owned();
    env.fly.reveal(APP);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env
        .fly
        .logs(APP)
        .iter()
        .any(|l| l.message.contains("coloured"))
    {
        assert!(Instant::now() < deadline, "{:?}", env.fly.logs(APP));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = env
        .send(
            "POST",
            &format!("/v1/apps/{APP}/machines/{id}/stop"),
            json!({"signal": "SIGTERM"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(line) = env
            .fly
            .logs(APP)
            .into_iter()
            .find(|l| l.message.contains("ended:"))
        {
            break line;
        }
        assert!(Instant::now() < deadline, "{:?}", env.fly.logs(APP));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit.level, LogLevel::Info, "{exit:?}");
    assert!(env.fly.logs(APP).iter().any(|l| l.message == "draining"));
}
