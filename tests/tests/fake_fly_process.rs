//! The fake Fly's process mode on its own, with a shell script standing in for the agent (no
//! build of `screener` needed): the environment and command line a boot gets, the log, stop
//! with the stop signal (`stopped` only after the exit, SIGKILL after the grace), crash
//! restarts per the restart policy with their `exit` events, update and forced destroy, and
//! no process left behind when the fake is dropped — even by a panicking test.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trademind_tests::fake_fly::{free_listen_addr, AgentSpec, FakeConfig, FakeFly, TokenKind};

const APP: &str = "tm-proc";
const OWNER: &str = "tmo_owner-token-of-the-process-mode-tests";

/// The stand-in agent: prints its arguments and environment, then behaves as `$MODE` (the
/// machine config's `env`) says: `crash` exits 3, `done` exits 0, `stubborn` ignores SIGTERM,
/// anything else drains on SIGTERM and exits 0.
const SCRIPT: &str = r#"#!/bin/sh
echo "args: $*"
echo "env: FLY_MACHINE_ID=$FLY_MACHINE_ID FLY_APP_NAME=$FLY_APP_NAME FLY_REGION=$FLY_REGION OWNER=$SCREENER_OWNER_TOKEN MODE=$MODE HOME=$HOME INHERITED=$CARGO"
case "$MODE" in
  crash) exit 3 ;;
  done) exit 0 ;;
  stubborn) trap 'echo ignoring TERM' TERM ;;
  *) trap 'echo draining; exit 0' TERM ;;
esac
while :; do sleep 0.02; done
"#;

struct Env {
    fly: FakeFly,
    http: reqwest::Client,
    auth: String,
    root: tempfile::TempDir,
}

fn script(dir: &Path) -> PathBuf {
    let path = dir.join("fake-agent.sh");
    std::fs::write(&path, SCRIPT).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

impl Env {
    /// A fake in process mode with app `tm-proc`, its owner secret and a volume.
    async fn new(tune: impl FnOnce(&mut AgentSpec)) -> Env {
        let root = tempfile::tempdir().unwrap();
        let mut spec = AgentSpec::new(
            script(root.path()),
            free_listen_addr(),
            "http://127.0.0.1:9",
            "ws://127.0.0.1:9",
            &["AAAUSDT"],
            root.path().join("fly"),
        );
        spec.restart_delay = Duration::from_millis(20);
        tune(&mut spec);
        let fly = FakeFly::start(FakeConfig::with_agent(spec));
        let auth = format!("FlyV1 {}", fly.add_token(TokenKind::Org));
        let env = Env {
            fly,
            http: reqwest::Client::new(),
            auth,
            root,
        };
        env.call(
            "POST",
            "/v1/apps?wait=true",
            json!({"name": APP, "org_slug": "personal"}),
        )
        .await;
        env.call(
            "POST",
            &format!("/v1/apps/{APP}/secrets"),
            json!({"values": {"SCREENER_OWNER_TOKEN": OWNER}}),
        )
        .await;
        env.fly.reveal(APP);
        env
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.fly.base_url());
        let request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("authorization", &self.auth);
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {body}"
        );
        body
    }

    /// A volume and a started machine mounting it on /data, running as `mode`.
    async fn machine(&self, mode: &str, restart: Value) -> (String, String) {
        let volume = self
            .call(
                "POST",
                &format!("/v1/apps/{APP}/volumes"),
                json!({"name": "data", "region": "iad"}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let config = json!({
            "image": "registry.fly.io/agent:1",
            "env": {"MODE": mode},
            "mounts": [{"volume": volume, "path": "/data"}],
            "restart": restart,
            "stop_config": {"signal": "SIGTERM", "timeout": "10s"},
        });
        let machine = self
            .call(
                "POST",
                &format!("/v1/apps/{APP}/machines"),
                json!({"region": "iad", "config": config}),
            )
            .await;
        let id = machine["id"].as_str().unwrap().to_owned();
        self.fly.reveal(APP);
        (id, volume)
    }

    fn state(&self, id: &str) -> String {
        self.fly.machine(APP, id).unwrap().state
    }

    /// Polls until `check` holds (5 s at most).
    async fn until(&self, what: &str, check: impl Fn(&Env) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !check(self) {
            assert!(
                Instant::now() < deadline,
                "timed out: {what}; log:\n{}",
                self.fly.agent_log_text(APP)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every `exit` event's `request`, oldest first.
    fn exit_requests(&self, id: &str) -> Vec<Value> {
        let mut events: Vec<Value> = self.fly.machine(APP, id).unwrap().json["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "exit")
            .map(|e| e["request"].clone())
            .collect();
        events.reverse();
        events
    }
}

#[tokio::test]
async fn a_started_machine_runs_the_agent_with_flys_environment_and_its_volume() {
    let env = Env::new(|_| {}).await;
    let (id, volume) = env.machine("serve", json!({"policy": "on-failure"})).await;
    let pid = env.fly.wait_agent_pid(APP, None, Duration::from_secs(5));
    assert!(pid.is_some(), "{}", env.fly.agent_log_text(APP));
    assert_eq!(env.state(&id), "started");
    env.until("printed", |e| e.fly.agent_log_text(APP).contains("env:"))
        .await;
    let log = env.fly.agent_log_text(APP);
    let volume_dir = env.fly.volume_dir(&volume).unwrap();
    let spec = env.fly.agent_spec().unwrap();
    assert!(
        log.contains(&format!(
            "args: serve --listen {} --data-dir {}",
            spec.listen,
            volume_dir.display()
        )),
        "{log}"
    );
    assert!(log.contains("--symbols AAAUSDT"), "{log}");
    assert!(
        log.contains(&format!(
            "env: FLY_MACHINE_ID={id} FLY_APP_NAME={APP} FLY_REGION=iad OWNER={OWNER} MODE=serve HOME={} INHERITED=\n",
            volume_dir.display()
        )),
        "secrets, config env and FLY_* only: {log}"
    );
    assert!(volume_dir.is_dir());
    assert!(env
        .root
        .path()
        .join("fly/logs")
        .join(format!("{id}.log"))
        .is_file());
}

#[tokio::test]
async fn stop_waits_for_the_exit_and_kills_after_the_grace() {
    // The config's 10 s grace at the fast time scale: 0.5 s.
    let env = Env::new(|_| {}).await;
    let (id, _) = env
        .machine("stubborn", json!({"policy": "on-failure"}))
        .await;
    let pid = env
        .fly
        .wait_agent_pid(APP, None, Duration::from_secs(5))
        .unwrap();
    env.until("trap set", |e| e.fly.agent_log_text(APP).contains("env:"))
        .await;
    let asked = Instant::now();
    env.call(
        "POST",
        &format!("/v1/apps/{APP}/machines/{id}/stop"),
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (state, running, looked) = (env.state(&id), env.fly.agent_pid(APP), asked.elapsed());
    // Held while the agent runs — as long as we looked within the grace (a loaded machine can
    // oversleep; the kill's timing and signal below are checked either way).
    if looked < Duration::from_millis(450) {
        assert_eq!(state, "stopping", "held while the agent runs ({looked:?})");
        assert_eq!(running, Some(pid));
    }
    env.until("stopped", |e| e.state(&id) == "stopped").await;
    assert!(
        asked.elapsed() >= Duration::from_millis(450),
        "{:?}",
        asked.elapsed()
    );
    let exit = env.fly.agent_exits(APP).pop().unwrap();
    assert_eq!((exit.signal, exit.requested), (Some(9), true), "{exit:?}");
    assert!(env.fly.agent_log_text(APP).contains("ignoring TERM"));
    let request = env.exit_requests(&id).pop().unwrap();
    assert_eq!(request["exit_event"]["requested_stop"], true, "{request}");
    assert_eq!(request["exit_event"]["exit_code"], 137, "{request}");

    // A drained agent: SIGTERM from stop_config, exit 0, then `stopped`.
    env.call(
        "POST",
        &format!("/v1/apps/{APP}/machines/{id}/start"),
        Value::Null,
    )
    .await;
    let pid2 = env
        .fly
        .wait_agent_pid(APP, Some(pid), Duration::from_secs(5));
    assert!(pid2.is_some());
    env.call(
        "POST",
        &format!("/v1/apps/{APP}/machines/{id}/stop"),
        json!({"signal": "SIGINT", "timeout": "1s"}),
    )
    .await;
    env.until("stopped", |e| e.state(&id) == "stopped").await;
    let exit = env.fly.agent_exits(APP).pop().unwrap();
    // The stubborn script ignores TERM only; SIGINT (the request's signal) ends it.
    assert!(exit.requested && exit.signal == Some(2), "{exit:?}");
}

#[tokio::test]
async fn crashes_restart_per_policy_with_exit_events_then_stop() {
    let env = Env::new(|_| {}).await;
    let (id, _) = env
        .machine("crash", json!({"policy": "on-failure", "max_retries": 2}))
        .await;
    env.until("given up", |e| e.state(&id) == "stopped").await;
    let exits = env.fly.agent_exits(APP);
    assert_eq!(exits.len(), 3, "the first boot and two restarts: {exits:?}");
    assert!(exits.iter().all(|e| e.code == Some(3) && !e.requested));
    let requests = env.exit_requests(&id);
    let summary: Vec<(Value, Value, Value)> = requests
        .iter()
        .map(|r| {
            (
                r["exit_event"]["restarting"].clone(),
                r["restart_count"].clone(),
                r["exit_event"]["exit_code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!(true), json!(1), json!(3)),
            (json!(true), json!(2), json!(3)),
            (json!(false), json!(2), json!(3)),
        ]
    );
    assert!(requests
        .iter()
        .all(|r| r["exit_event"]["requested_stop"] == false));

    // A user start resets the count.
    env.call(
        "POST",
        &format!("/v1/apps/{APP}/machines/{id}/start"),
        Value::Null,
    )
    .await;
    env.until("given up again", |e| {
        e.state(&id) == "stopped" && e.fly.agent_exits(APP).len() == 6
    })
    .await;
}

#[tokio::test]
async fn a_clean_exit_stops_the_machine_unless_the_policy_is_always() {
    let env = Env::new(|_| {}).await;
    let (id, _) = env.machine("done", json!({"policy": "on-failure"})).await;
    env.until("stopped", |e| e.state(&id) == "stopped").await;
    assert_eq!(env.fly.agent_exits(APP).len(), 1);
    let request = env.exit_requests(&id).pop().unwrap();
    assert_eq!(request["exit_event"]["restarting"], false, "{request}");

    let env = Env::new(|_| {}).await;
    let (id, _) = env
        .machine("done", json!({"policy": "always", "max_retries": 3}))
        .await;
    env.until("restarted 3 times", |e| e.state(&id) == "stopped")
        .await;
    assert_eq!(env.fly.agent_exits(APP).len(), 4);
}

#[tokio::test]
async fn update_reboots_the_agent_and_forced_destroy_kills_it_and_deleting_the_volume_removes_it() {
    let env = Env::new(|_| {}).await;
    let (id, volume) = env.machine("serve", json!({"policy": "on-failure"})).await;
    let first = env
        .fly
        .wait_agent_pid(APP, None, Duration::from_secs(5))
        .unwrap();
    let mut config = env.fly.machine(APP, &id).unwrap().config;
    config["env"]["MODE"] = json!("stubborn");
    env.call(
        "POST",
        &format!("/v1/apps/{APP}/machines/{id}"),
        json!({"config": config}),
    )
    .await;
    let second = env
        .fly
        .wait_agent_pid(APP, Some(first), Duration::from_secs(5))
        .unwrap();
    let drained = env.fly.agent_exits(APP).pop().unwrap();
    assert!(drained.requested && drained.success(), "{drained:?}");
    env.until("new env", |e| {
        e.fly.agent_log_text(APP).contains("MODE=stubborn")
    })
    .await;

    // Forced destroy: SIGKILL at once, not the 0.5 s grace.
    let asked = Instant::now();
    env.call(
        "DELETE",
        &format!("/v1/apps/{APP}/machines/{id}?force=true"),
        Value::Null,
    )
    .await;
    env.until("destroyed", |e| e.state(&id) == "destroyed")
        .await;
    assert!(
        asked.elapsed() < Duration::from_millis(400),
        "{:?}",
        asked.elapsed()
    );
    let killed = env.fly.agent_exits(APP).pop().unwrap();
    assert_eq!((killed.pid, killed.signal), (second, Some(9)));
    assert!(!Path::new(&format!("/proc/{second}")).exists());

    let dir = env.fly.volume_dir(&volume).unwrap();
    assert!(dir.is_dir());
    env.call(
        "DELETE",
        &format!("/v1/apps/{APP}/volumes/{volume}"),
        Value::Null,
    )
    .await;
    assert!(!dir.exists(), "removed with the volume");
}

#[test]
fn no_agent_outlives_the_fake_even_when_the_test_panics() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pid = std::sync::Mutex::new(None);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let env = Env::new(|_| {}).await;
            env.machine("stubborn", json!({"policy": "always"})).await;
            *pid.lock().unwrap() = env.fly.wait_agent_pid(APP, None, Duration::from_secs(5));
            panic!("a failing test");
        })
    }));
    assert!(panicked.is_err());
    let pid = pid.lock().unwrap().expect("an agent ran");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "agent {pid} survived the fake"
    );
}
