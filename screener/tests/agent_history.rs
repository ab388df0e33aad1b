//! `GET /history` of the real `screener serve` process: samples accrue at
//! `--history-every-secs`, entries older than 24 h and corrupt lines of `history.jsonl` are
//! dropped, boots and samples accumulate across a graceful stop and a SIGKILL on the same data
//! directory, and only the owner's and the viewer's tokens may read it.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use fake_binance::agent::{market, AgentProcess, OWNER, QUICK_FLAGS, VIEWER};
use screener::agent::history::AgentHistory;

const SYMBOLS: [&str; 2] = ["AAAUSDT", "BBBUSDT"];
const BIN: &str = env!("CARGO_BIN_EXE_screener");

async fn spawn(fake: &fake_binance::FakeBinance, dir: &Path) -> AgentProcess {
    let mut flags: Vec<&str> = QUICK_FLAGS.to_vec();
    flags.extend(["--history-every-secs", "1"]);
    let agent = AgentProcess::spawn_with(BIN.as_ref(), fake, &SYMBOLS, dir, &flags).await;
    agent.ready().await;
    agent
}

async fn get(agent: &AgentProcess, query: &str, auth: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(format!("http://{}/history{query}", agent.addr))
        .timeout(Duration::from_secs(10));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    request.send().await.expect("the agent answers")
}

async fn history(agent: &AgentProcess, query: &str) -> AgentHistory {
    let response = get(agent, query, Some(&format!("Bearer {VIEWER}"))).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("an AgentHistory")
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().into()
}

/// SIGTERM, and waits for the drained exit.
async fn stop(agent: &mut AgentProcess) {
    let pid = agent.pid().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-s", "TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(30), agent.child.wait())
        .await
        .expect("the agent drains")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_accrues_and_survives_a_stop_and_a_crash() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    // A history from before: a sample 25 h old, an error an hour old, and a torn line.
    let now = Utc::now();
    let old = (now - chrono::Duration::hours(25)).to_rfc3339();
    let recent = (now - chrono::Duration::hours(1)).to_rfc3339();
    let mut seed = std::fs::File::create(dir.path().join("history.jsonl")).unwrap();
    writeln!(
        seed,
        r#"{{"kind":"sample","at":"{old}","cpuPercent":1.0,"memoryBytes":1,"memoryLimitBytes":2,"uptimeSeconds":3,"streamsConnected":1,"lastCandleAgeSeconds":null,"activeTraders":0,"evaluationsPerMinute":0,"queueDepth":0,"signalsTotal":0,"errorsTotal":0}}"#
    )
    .unwrap();
    writeln!(
        seed,
        r#"{{"kind":"error","at":"{recent}","source":"market","message":"seeded"}}"#
    )
    .unwrap();
    writeln!(seed, r#"{{"kind":"sample","at":"#).unwrap();
    drop(seed);

    let mut agent = spawn(&fake, dir.path()).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let first = history(&agent, "").await;
    assert_eq!(first.boots.len(), 1, "{first:?}");
    assert_eq!(first.booted_at, first.boots[0].at);
    assert_eq!(first.protocol_version, screener::protocol::PROTOCOL_VERSION);
    // One sample a second, the first a period after the start: 3 in 3.5 s, give or take.
    let n = first.samples.len();
    assert!((2..=5).contains(&n), "{n} samples in 3.5 s");
    assert!(
        first.samples.iter().all(|s| time(&s.at) > now),
        "the 25 h old sample is gone"
    );
    for pair in first.samples.windows(2) {
        let gap = time(&pair[1].at) - time(&pair[0].at);
        assert!(
            (500..=2500).contains(&gap.num_milliseconds()),
            "samples {gap} apart"
        );
    }
    assert!(first.samples.last().unwrap().memory_bytes > 0);
    assert_eq!(first.errors.len(), 1);
    assert_eq!(first.errors[0].message, "seeded");

    // `since` keeps what is at or after it.
    let pivot = first.samples[1].at.clone();
    let since = history(&agent, &format!("?since={}", pivot.replace('+', "%2B"))).await;
    assert_eq!(since.samples[0].at, pivot);
    assert!(since.samples.len() >= n - 1);
    assert!(since.boots.is_empty() && since.errors.is_empty());

    stop(&mut agent).await;
    let mut agent = spawn(&fake, dir.path()).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // A crash: SIGKILL, no drain.
    agent.child.start_kill().unwrap();
    let _ = agent.child.wait().await;
    let agent = spawn(&fake, dir.path()).await;
    let after = history(&agent, "").await;
    assert_eq!(after.boots.len(), 3, "{:?}", after.boots);
    let boots: Vec<DateTime<Utc>> = after.boots.iter().map(|b| time(&b.at)).collect();
    assert!(boots.windows(2).all(|w| w[0] < w[1]));
    let in_run = |i: usize| {
        after
            .samples
            .iter()
            .filter(|s| time(&s.at) > boots[i] && boots.get(i + 1).is_none_or(|b| time(&s.at) < *b))
            .count()
    };
    assert!(in_run(0) >= n, "the first run's samples were kept");
    assert!(
        in_run(1) >= 1,
        "the crashed run's samples were written as they came"
    );
    assert_eq!(after.errors[0].message, "seeded");
    let lines = std::fs::read_to_string(dir.path().join("history.jsonl")).unwrap();
    assert!(
        lines
            .lines()
            .filter(|l| l.contains(r#""kind":"boot""#))
            .count()
            == 3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_and_the_viewer_may_read_the_history() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = spawn(&fake, dir.path()).await;
    for auth in [
        None,
        Some(String::new()),
        Some("Bearer ".to_owned()),
        Some(VIEWER.to_owned()),
        Some(format!("Basic {OWNER}")),
        Some(format!("Bearer {VIEWER}x")),
        Some("Bearer tmo_not-the-token-at-all-000000000".to_owned()),
    ] {
        let response = get(&agent, "", auth.as_deref()).await;
        assert_eq!(response.status(), 401, "{auth:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized", "{auth:?}");
        // Unauthorised comes before a bad query.
        let response = get(&agent, "?since=nope", auth.as_deref()).await;
        assert_eq!(response.status(), 401, "{auth:?}");
    }
    for token in [OWNER, VIEWER] {
        let response = get(&agent, "", Some(&format!("Bearer {token}"))).await;
        assert_eq!(response.status(), 200);
        let body: AgentHistory = response.json().await.unwrap();
        assert_eq!(body.boots.len(), 1);
        assert!(!serde_json::to_string(&body).unwrap().contains(token));
    }
    for bad in [
        "?since=",
        "?since=yesterday",
        "?since=2026-11-24",
        "?since=1732443000",
        "?since=2026-11-24T10:00:00",
        "?since=%ZZ",
    ] {
        let response = get(&agent, bad, Some(&format!("Bearer {OWNER}"))).await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "bad_request", "{bad}");
        assert!(
            body["message"].as_str().unwrap().contains("RFC 3339")
                || body["message"].as_str().unwrap().contains("query"),
            "{bad}: {body}"
        );
    }
    // A time in the future: nothing yet, and no error.
    let future = history(&agent, "?since=2999-01-01T00:00:00Z").await;
    assert!(future.samples.is_empty() && future.boots.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_look_with_the_viewer_token_is_recorded_for_the_owner() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = spawn(&fake, dir.path()).await;
    let owner = format!("Bearer {OWNER}");
    // The owner's own reads and a refused one are not support's looks.
    assert_eq!(get(&agent, "", Some(&owner)).await.status(), 200);
    assert_eq!(
        get(&agent, "", Some("Bearer nope-nope-nope-nope"))
            .await
            .status(),
        401
    );
    let read: AgentHistory = get(&agent, "", Some(&owner)).await.json().await.unwrap();
    assert!(read.accesses.is_empty(), "{:?}", read.accesses);
    // Two viewer reads and a viewer connection.
    history(&agent, "").await;
    history(&agent, "").await;
    // Times are kept to the millisecond and `since` is inclusive: let the connection's
    // look fall in a later millisecond than the reads, so `since` can tell them apart.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let url = format!("ws://{}/ws", agent.addr);
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {VIEWER}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    drop(socket);
    let read: AgentHistory = get(&agent, "", Some(&owner)).await.json().await.unwrap();
    let whats: Vec<&str> = read.accesses.iter().map(|a| a.what.as_str()).collect();
    assert_eq!(whats, ["history", "history", "live connection"]);
    // `since` applies to them too.
    let last = read.accesses.last().unwrap().at.clone();
    let newer: AgentHistory = get(&agent, &format!("?since={last}"), Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(newer.accesses.len(), 1, "{:?}", newer.accesses);
    assert_eq!(newer.accesses[0].what, "live connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_loop_leaves_its_boots_and_errors() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    // An agent told to follow a symbol Binance does not list stops with an error, every time.
    for _ in 0..3 {
        let mut failing = AgentProcess::spawn_with(
            BIN.as_ref(),
            &fake,
            &["NOSUCHUSDT"],
            dir.path(),
            &QUICK_FLAGS,
        )
        .await;
        let status = tokio::time::timeout(Duration::from_secs(30), failing.child.wait())
            .await
            .expect("the agent gives up")
            .unwrap();
        assert!(!status.success());
    }
    let agent = spawn(&fake, dir.path()).await;
    let seen = history(&agent, "").await;
    assert_eq!(seen.boots.len(), 4, "{:?}", seen.boots);
    let stops: Vec<_> = seen
        .errors
        .iter()
        .filter(|e| e.source == "market" && e.message.contains("NOSUCHUSDT"))
        .collect();
    assert_eq!(stops.len(), 3, "{:?}", seen.errors);
    // Each error lies between its boot and the next.
    for (i, error) in stops.iter().enumerate() {
        assert!(time(&seen.boots[i].at) <= time(&error.at));
        assert!(time(&error.at) <= time(&seen.boots[i + 1].at));
    }
    let text = serde_json::to_string(&seen).unwrap();
    assert!(!text.contains(OWNER) && !text.contains(VIEWER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_cannot_open_its_journal_still_records_the_boot_and_why() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    // A directory where the journal's database file should be.
    std::fs::create_dir(dir.path().join("agent.sqlite")).unwrap();
    let mut agent =
        AgentProcess::spawn_with(BIN.as_ref(), &fake, &SYMBOLS, dir.path(), &QUICK_FLAGS).await;
    let status = tokio::time::timeout(Duration::from_secs(30), agent.child.wait())
        .await
        .expect("the agent gives up")
        .unwrap();
    assert!(!status.success());
    let text = std::fs::read_to_string(dir.path().join("history.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["kind"], "boot");
    assert_eq!(lines[1]["kind"], "error");
    assert_eq!(lines[1]["source"], "startup");
    assert!(lines[1]["message"]
        .as_str()
        .unwrap()
        .starts_with("the agent cannot start"));
}
