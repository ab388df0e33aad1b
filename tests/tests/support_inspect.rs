//! The "done when": a support person, with only a read-only Fly token and the agent's
//! viewer token, diagnoses a user's failing machine from `trademind inspect` and the report
//! alone. Nothing is simulated but Fly's and Binance's servers: the user's real `trademind`
//! provisions the fake Fly in process mode, where the machine runs the REAL `screener serve`.
//!
//! The script: a healthy machine with a deployed trader (the inspector shows the trader and its
//! version, recent signals, metrics, 24 h history, versions, config, events, logs); then the
//! candles stop (diagnosis `stale_candles`); then the agent's journal on the volume is
//! corrupted and the agent crash-loops (diagnosis `crash_loop`, exit events with their codes,
//! the error lines in Fly's logs, the report with all of it and no secret in any file). The
//! viewer token cannot change the agent (the agent refuses a deploy), and every Fly request
//! support made was a read, each look audited.
//!
//! Run: `scripts/with-keyring.sh cargo test -p trademind-tests --test support_inspect`
//! (needs `cargo build -p trademind -p screener --bins`).

use std::time::{Duration, Instant};

use fake_binance::agent::{always, market, Client, WAIT};
use screener::market::Interval;
use screener::protocol::{ClientFrame, DeployTrader, ServerFrame};
use trademind_tests::fake_fly::{
    free_listen_addr, screener_binary, AgentSpec, FakeConfig, FakeFly, TokenKind,
};
use trademind_tests::fly_profile::FlyProfile;

const SYMBOLS: [&str; 2] = ["BTCUSDT", "ETHUSDT"];
const USER: &str = "tester@example.com";

fn json_ok(run: &trademind_tests::app::CliRun) -> serde_json::Value {
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stderr(), run.stdout());
    run.json()
}

fn codes(inspection: &serde_json::Value) -> Vec<String> {
    inspection["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Polls `inspect show` until `done` holds (or panics with the last answer).
fn inspect_until(
    support: &FlyProfile,
    target: &str,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let run = support.cli(&["--json", "inspect", "show", target]);
        let inspection = json_ok(&run);
        if done(&inspection) {
            return inspection;
        }
        assert!(Instant::now() < deadline, "{what}: {inspection:#}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_user_diagnoses_a_crash_looping_machine_with_stale_candles() {
    let began = Instant::now();
    let binance = market(&SYMBOLS);
    let root = tempfile::tempdir().unwrap();
    let listen = free_listen_addr();
    let mut spec = AgentSpec::new(
        screener_binary(),
        listen,
        binance.rest_url(),
        binance.ws_url(),
        &SYMBOLS,
        root.path(),
    );
    spec.extra_args
        .extend(["--history-every-secs", "1", "--stale-after-secs", "4"].map(String::from));
    spec.restart_delay = Duration::from_millis(300);
    let fly = FakeFly::start(FakeConfig::with_agent(spec.clone()));

    // The user: a personal token (so the machine carries their e-mail), one start, a trader.
    let user_token = fly.add_token(TokenKind::User);
    let mut user = FlyProfile::new(&fly, &user_token);
    user.agent_url = spec.agent_url();
    let (app, machine_id) = tokio::task::block_in_place(|| user.start_machine());
    let (secrets, _) = fly.secrets(&app);
    let owner_agent_token = secrets["SCREENER_OWNER_TOKEN"].clone();
    let mut owner = Client::connect(listen, Some(&owner_agent_token))
        .await
        .unwrap();
    owner.hello().await;
    owner.deploy_and_follow(always("t1", 1)).await;
    binance.advance(Interval::M1, 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(owner);

    // The user hands over the viewer token (audited on their side).
    let viewer = tokio::task::block_in_place(|| user.cli(&["machine", "viewer-token"]));
    assert_eq!(viewer.code(), Some(0), "{}", viewer.stderr());
    let viewer_token = viewer.stdout().trim().to_owned();
    assert!(
        viewer_token.starts_with("tmv_"),
        "a viewer token, not {viewer_token:.4}…"
    );
    let events = json_ok(&tokio::task::block_in_place(|| {
        user.cli(&["--json", "events"])
    }));
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "support.access" && e["details"]["what"] == "viewer-token shared"));

    // Support: their own profile; read-only Fly token in the keyring, viewer token from env.
    let readonly = fly.add_token(TokenKind::ReadOnly);
    let mut support = FlyProfile::new(&fly, "");
    support.agent_url = spec.agent_url();
    support.env.push((
        "TRADEMIND_SUPPORT_VIEWER_TOKEN".into(),
        viewer_token.clone(),
    ));
    let login = support.profile.cli_with(
        &["--json", "inspect", "login", "--token-stdin"],
        readonly.as_bytes(),
        |_| {},
    );
    json_ok(&login);

    tokio::task::block_in_place(|| {
        // Found by the user's e-mail, by machine id and by app name: the same machine.
        for query in [USER, machine_id.as_str(), app.as_str()] {
            let found = json_ok(&support.cli(&["--json", "inspect", "find", query]));
            let found = found.as_array().unwrap();
            assert_eq!(found.len(), 1, "{query}: {found:#?}");
            assert_eq!(
                (found[0]["app"].as_str(), found[0]["machineId"].as_str()),
                (Some(app.as_str()), Some(machine_id.as_str()))
            );
        }
        let unknown = support
            .cli(&["--json", "inspect", "find", "nobody@example.com"])
            .json_error();
        assert_eq!(unknown["code"], "invalid_input", "{unknown}");

        // 1. Healthy: everything a support person reads, and no finding.
        let healthy = inspect_until(&support, USER, "a healthy inspection", |i| {
            i["agent"]["traders"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
                && i["agent"]["history"]["samples"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty())
                && i["agent"]["signals"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty())
        });
        assert_eq!(codes(&healthy), Vec::<String>::new(), "{healthy:#}");
        assert_eq!(healthy["machine"]["state"], "started");
        assert_eq!(healthy["agent"]["traders"][0]["traderId"], "t1");
        assert_eq!(healthy["agent"]["traders"][0]["version"], 1);
        assert_eq!(healthy["versions"]["agent"], screener::build::VERSION);
        assert_eq!(healthy["versions"]["agentProtocol"], 1);
        assert!(healthy["machine"]["config"]["image"]
            .as_str()
            .unwrap()
            .contains("trademind"));
        assert_eq!(
            healthy["machine"]["config"]["restart"],
            "on-failure (max 10)"
        );
        assert!(healthy["machine"]["config"]["envNames"].is_array());
        assert!(healthy["agent"]["metrics"]["symbols"].as_u64().unwrap() >= 2);
        let backlog = json_ok(&support.cli(&["--json", "inspect", "logs", &app]));
        assert!(
            backlog.to_string().contains("agent listening"),
            "{backlog:#}"
        );

        // 2. The candles stop: the agent says degraded, the inspector says why.
        let stale = inspect_until(&support, &app, "stale candles", |i| {
            codes(i).contains(&"stale_candles".to_owned())
        });
        assert_eq!(stale["agent"]["health"]["status"], "degraded", "{stale:#}");
        let finding = &stale["findings"][0];
        assert_eq!(
            (finding["code"].as_str(), finding["severity"].as_str()),
            (Some("stale_candles"), Some("critical"))
        );
        assert!(finding["detail"].as_str().unwrap().contains("s old"));
    });

    // The viewer token cannot change the agent: a deploy is refused by the agent itself.
    let mut as_viewer = Client::connect(listen, Some(&viewer_token)).await.unwrap();
    as_viewer.hello().await;
    as_viewer
        .send(&ClientFrame::DeployTrader(DeployTrader {
            id: "support-deploy".into(),
            trader: always("t2", 1),
        }))
        .await;
    let refusal = as_viewer
        .until(|f| match f {
            ServerFrame::Error(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(refusal.code, "forbidden", "{refusal:?}");
    drop(as_viewer);

    // The user sees in their own audit log that support looked (the agent recorded each use
    // of its viewer token), each look once however often the log is read.
    let owner_events = |user: &FlyProfile| -> Vec<serde_json::Value> {
        let run = tokio::task::block_in_place(|| user.cli(&["--json", "events", "--limit", "500"]));
        json_ok(&run)
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "support.access" && e["details"]["via"] == "agent")
            .cloned()
            .collect()
    };
    let seen = owner_events(&user);
    assert!(seen.iter().all(|e| e["actor"] == "support"), "{seen:#?}");
    for what in ["live connection", "history"] {
        assert!(
            seen.iter().any(|e| e["details"]["what"] == what),
            "{what}: {seen:#?}"
        );
    }
    assert_eq!(owner_events(&user).len(), seen.len(), "imported once");

    // 3. The journal on the volume is corrupted and the agent is killed: it crash-loops.
    let volume = fly.volumes(&app)[0]["id"].as_str().unwrap().to_owned();
    let volume_dir = fly.volume_dir(&volume).unwrap();
    for file in ["agent.sqlite-wal", "agent.sqlite-shm"] {
        let _ = std::fs::remove_file(volume_dir.join(file));
    }
    std::fs::write(
        volume_dir.join("agent.sqlite"),
        b"this is not a SQLite database at all, sorry",
    )
    .unwrap();
    fly.kill_agent(&app).expect("the agent ran");
    let deadline = Instant::now() + WAIT * 2;
    while fly
        .agent_exits(&app)
        .iter()
        .filter(|e| !e.requested)
        .count()
        < 4
    {
        assert!(
            Instant::now() < deadline,
            "no crash loop: {:#?}",
            fly.agent_exits(&app)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let report_dir = root.path().join("report");
    tokio::task::block_in_place(|| {
        let looping = inspect_until(&support, &machine_id, "crash loop", |i| {
            codes(i).contains(&"crash_loop".to_owned())
        });
        assert_eq!(looping["findings"][0]["code"], "crash_loop", "{looping:#}");
        assert_eq!(looping["findings"][0]["severity"], "critical");
        let exits: Vec<&serde_json::Value> = looping["machine"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "exit" && e["exitCode"].as_i64().is_some_and(|c| c != 0))
            .collect();
        assert!(exits.len() >= 3, "{:#}", looping["machine"]["events"]);
        let text = support.cli(&["inspect", "show", &machine_id]);
        assert_eq!(text.code(), Some(0));
        assert!(
            text.stdout().contains("The agent is crash-looping"),
            "{}",
            text.stdout()
        );

        // The cause is in Fly's logs, found with the error filter and a search.
        let errors =
            json_ok(&support.cli(&["--json", "inspect", "logs", &app, "--level", "error"]));
        let lines = errors["lines"].as_array().unwrap();
        assert!(!lines.is_empty(), "{errors:#}");
        assert!(lines.iter().all(|l| l["level"] == "error"), "{errors:#}");
        let journal =
            json_ok(&support.cli(&["--json", "inspect", "logs", &app, "--search", "journal"]));
        assert!(
            journal["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["message"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("journal")),
            "{journal:#}"
        );

        // The report: self-contained, with the diagnosis, the events and the logs, and no secret.
        let report = json_ok(&support.cli(&[
            "--json",
            "inspect",
            "show",
            &machine_id,
            "--report",
            report_dir.to_str().unwrap(),
        ]));
        assert!(report["findings"].as_u64().unwrap() >= 1, "{report:#}");
        let index = std::fs::read_to_string(report_dir.join("index.html")).unwrap();
        assert!(index.starts_with("<!doctype html>") || index.starts_with("<!DOCTYPE html>"));
        for needle in ["crash_loop", &machine_id, &app, "exit"] {
            assert!(index.contains(needle), "the report lacks {needle}");
        }
        let secrets_to_hide = [
            viewer_token.as_str(),
            owner_agent_token.as_str(),
            readonly.trim_start_matches("FlyV1 "),
            user_token.as_str(),
        ];
        for file in files_under(&report_dir) {
            let bytes = std::fs::read(&file).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in secrets_to_hide {
                assert!(!text.contains(secret), "a secret in {}", file.display());
            }
        }
    });

    // Support only read: every request with the read-only token was a GET, every look audited.
    let writes: Vec<String> = fly
        .requests()
        .iter()
        .filter(|r| r.token_kind == Some(TokenKind::ReadOnly) && r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    let audit = json_ok(&tokio::task::block_in_place(|| {
        support.cli(&["--json", "events", "--limit", "200"])
    }));
    let looks: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "support.access" && e["actor"] == "support")
        .filter_map(|e| e["details"]["what"].as_str())
        .collect();
    for what in ["login", "find", "inspect", "logs", "report"] {
        assert!(looks.contains(&what), "{what} not audited: {looks:?}");
    }
    assert!(!audit.to_string().contains("support.refused"));
    eprintln!("support diagnosis scenario took {:?}", began.elapsed());
}
