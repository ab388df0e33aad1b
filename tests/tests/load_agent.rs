//! The desktop bench's harness pieces, quickly, in CI: the load generator speaks protocol v1
//! like the agent (auth, greeting, replay exactly once, live frames at its rates, pong,
//! acks, bad frames), and the process-memory reader works on this test process.

use std::time::Duration;

use fake_binance::agent::{seqs, Client};
use screener::protocol::{ClientFrame, ServerFrame};
use trademind_tests::load_agent::{LoadAgent, LoadConfig};
use trademind_tests::procmem;

const TOKEN: &str = "load-owner-token-0123456789";

fn generator() -> LoadAgent {
    LoadAgent::start(LoadConfig {
        owner_token: Some(TOKEN.into()),
        ..LoadConfig::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn health_is_ready_and_the_socket_wants_the_owner_token() {
    let agent = generator();
    runtime().block_on(async {
        let health: serde_json::Value = reqwest::get(format!("{}/health", agent.base_url()))
            .await
            .expect("health answers")
            .json()
            .await
            .expect("health is JSON");
        assert_eq!(health["status"], "ready");
        assert!(health["agentVersion"].is_string());
        assert!(health.get("machineId").is_none(), "no machine id until set");
        agent.set_machine_id("e784079b449483");
        let health: serde_json::Value = reqwest::get(format!("{}/health", agent.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["machineId"], "e784079b449483");

        for bad in [
            None,
            Some(""),
            Some("wrong-token-0123456789"),
            Some(&TOKEN[1..]),
        ] {
            assert!(
                Client::connect(agent.addr(), bad).await.is_err(),
                "{bad:?} was let in"
            );
        }
        assert_eq!(agent.rejected(), 4);
        assert_eq!(agent.hellos(), 0);
        // A token set later (provisioning makes it after the server is up) is accepted.
        agent.set_owner_token("later-token-0123456789");
        assert!(Client::connect(agent.addr(), Some(TOKEN)).await.is_err());
        assert!(
            Client::connect(agent.addr(), Some("later-token-0123456789"))
                .await
                .is_ok()
        );
    });
}

#[test]
fn greets_replays_once_then_streams_at_its_rates() {
    let agent = generator();
    agent.start_emitting();
    std::thread::sleep(Duration::from_millis(700));
    runtime().block_on(async {
        let mut client = Client::connect(agent.addr(), Some(TOKEN)).await.unwrap();
        // The greeting, in the agent's order; no signal before resume_from.
        let greeting = client.collect(Duration::from_millis(300)).await;
        let hello = match &greeting[0] {
            ServerFrame::Hello(h) => h.clone(),
            other => panic!("first frame {other:?}"),
        };
        assert_eq!(hello.protocol_version, 1);
        assert_eq!(hello.role, screener::protocol::Role::Owner);
        assert!(hello.journal_id.starts_with("jload"));
        assert!(hello.last_seq >= 50, "journaled before: {}", hello.last_seq);
        assert!(matches!(greeting[1], ServerFrame::Status(_)));
        assert!(matches!(greeting[2], ServerFrame::Metrics(_)));
        assert!(seqs(&greeting).is_empty(), "signals before resume_from");

        // Replay after a point, then live; every seq once, contiguous.
        let after = hello.last_seq / 2;
        client.resume_from(after).await;
        let window = Duration::from_secs(2);
        let frames = client.collect(window).await;
        let got = seqs(&frames);
        let expected: Vec<u64> = (after + 1..=*got.last().unwrap()).collect();
        assert_eq!(got, expected, "a gap or a repeat");
        assert_eq!(agent.resumes(), vec![after]);

        // Rates within ±20 % over the window (the replayed part excluded).
        let live = got.iter().filter(|s| **s > hello.last_seq).count() as f64;
        let metrics = frames
            .iter()
            .filter(|f| matches!(f, ServerFrame::Metrics(_)))
            .count() as f64;
        let secs = window.as_secs_f64();
        assert!(
            (80.0..=120.0).contains(&(live / secs)),
            "{live} signals in {secs} s"
        );
        assert!(
            (8.0..=12.0).contains(&(metrics / secs)),
            "{metrics} metrics in {secs} s"
        );

        // ping → pong; a command → ack; garbage → bad_frame with its id.
        client.send(&ClientFrame::Ping).await;
        client
            .until(|f| matches!(f, ServerFrame::Pong).then_some(()))
            .await;
        client
            .send(&ClientFrame::Pause(screener::protocol::Command {
                id: "c-1".into(),
            }))
            .await;
        assert_eq!(client.answer("c-1").await, Ok(()));
        client
            .send_raw(tokio_tungstenite::tungstenite::Message::text(
                r#"{"type":"reboot","id":"c-2"}"#,
            ))
            .await;
        let refused = client.answer("c-2").await.unwrap_err();
        assert_eq!(refused.0, "bad_frame");

        // A reconnection resuming from the last seq seen gets nothing twice.
        let last = *got.last().unwrap();
        drop(client);
        let mut again = Client::connect(agent.addr(), Some(TOKEN)).await.unwrap();
        again.resume_from(last).await;
        let more = seqs(&again.collect(Duration::from_millis(500)).await);
        assert!(!more.is_empty());
        assert_eq!(more[0], last + 1, "resumed after {last}");
        assert!(more.windows(2).all(|w| w[1] == w[0] + 1));
    });
    // Stopped: the journal stays still.
    agent.stop_emitting();
    std::thread::sleep(Duration::from_millis(100));
    let stopped = agent.last_seq();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(agent.last_seq(), stopped);
}

#[test]
fn memory_of_this_process_tree_is_read_from_smaps_rollup() {
    let me = std::process::id();
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let tree = procmem::tree(me);
    assert_eq!(tree[0], me);
    assert!(tree.contains(&child.id()), "{tree:?} lacks the child");
    let memory = procmem::tree_memory(me);
    let own = memory.iter().find(|m| m.pid == me).expect("own memory");
    assert!(own.pss_kb > 0 && own.rss_kb >= own.pss_kb, "{own:?}");
    let sleeper = memory.iter().find(|m| m.pid == child.id()).expect("child");
    assert_eq!(sleeper.name, "sleep");
    let (pss, rss) = procmem::totals(&memory);
    assert!(pss >= own.pss_kb + sleeper.pss_kb && rss >= pss);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        procmem::process(child.id()).is_none(),
        "a reaped process has no memory"
    );
}
