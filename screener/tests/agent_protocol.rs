//! The agent against a fake Binance: `/health` and `/metrics`, auth on the upgrade, `hello`
//! first, every message of protocol v1 for the owner and the viewer, commands applied at most
//! once, signals replayed exactly once with `resume_from`, pause and resume, heartbeats,
//! malformed frames, state that survives a restart, and the drain on shutdown.

use std::time::Duration;

use fake_binance::agent::{always, args, market, seqs, Agent, Client, OWNER, VIEWER, WAIT};
use fake_binance::{Endpoint, Fault};
use screener::market::Interval;
use screener::protocol::{
    AgentState, ClientFrame, Command, DeployState, DeployTrader, ResumeFrom, Role, ServerFrame,
    UndeployTrader,
};
use tokio_tungstenite::tungstenite::Message;

const SYMBOLS: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];

fn deploy(id: &str, trader: screener::trader::Trader) -> ClientFrame {
    ClientFrame::DeployTrader(DeployTrader {
        id: id.into(),
        trader,
    })
}

#[tokio::test]
async fn health_is_503_until_backfilled_then_ready_with_metrics() {
    let fake = market(&SYMBOLS);
    fake.inject(
        Fault::Delay(Duration::from_millis(1500)),
        Endpoint::Klines,
        3,
    );
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    let early = {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(r) = reqwest::get(agent.url("/health")).await {
                break r;
            }
            assert!(tokio::time::Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    assert_eq!(early.status(), 503);
    let body: serde_json::Value = early.json().await.unwrap();
    assert_eq!(body["status"], "starting");
    agent.ready().await;
    let body: serde_json::Value = reqwest::get(agent.url("/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["symbols"], 3);
    assert_eq!(body["version"], screener::build::VERSION);
    assert!(body["uptimeSeconds"].is_u64());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let metrics = reqwest::get(agent.url("/metrics")).await.unwrap();
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(text.contains("screener_symbols 3"), "{text}");
    assert!(text.contains("# TYPE screener_signals_total counter"));
    assert!(text.contains("screener_memory_bytes "));
    assert_eq!(
        reqwest::get(agent.url("/nope")).await.unwrap().status(),
        404
    );
    agent.shutdown().await;
}

#[tokio::test]
async fn the_upgrade_needs_a_valid_token_and_the_role_follows_it() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    for token in [
        None,
        Some(""),
        Some("tmo_wrong-token-000000000000000"),
        Some(&OWNER[..20]),
    ] {
        let refused = Client::connect(agent.addr, token).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401, "{token:?}")
            }
            Err(other) => panic!("{token:?}: {other}"),
            Ok(_) => panic!("{token:?} was let in"),
        }
    }
    for (token, role) in [(OWNER, Role::Owner), (VIEWER, Role::Viewer)] {
        let mut client = Client::connect(agent.addr, Some(token)).await.unwrap();
        match client.next(WAIT).await {
            Some(ServerFrame::Hello(hello)) => {
                assert_eq!(hello.role, role);
                assert_eq!(hello.protocol_version, 1);
                assert_eq!(hello.agent_version, screener::build::VERSION);
                assert_eq!(hello.machine_id, "local");
                assert!(hello.capabilities.contains(&"resume".to_string()));
                assert!(hello.started_at.ends_with('Z'));
            }
            other => panic!("hello must come first, got {other:?}"),
        }
        match client.next(WAIT).await {
            Some(ServerFrame::Status(status)) => assert_eq!(status.state, AgentState::Running),
            other => panic!("then the status, got {other:?}"),
        }
    }
    agent.shutdown().await;
}

#[tokio::test]
async fn commands_are_acknowledged_once_and_applied_at_most_once() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;

    assert_eq!(owner.deploy("c1", always("t1", 2)).await, Ok(()));
    let state = owner
        .until(|f| match f {
            ServerFrame::TraderState(s) if s.trader_id == "t1" => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!((state.version, state.state), (2, DeployState::Deployed));

    // The same id again with other content: acknowledged, not applied.
    assert_eq!(owner.deploy("c1", always("t1", 5)).await, Ok(()));
    // An older version under a new id: a conflict, never a silent overwrite.
    let (code, message) = owner.deploy("c2", always("t1", 1)).await.unwrap_err();
    assert_eq!(code, "version_conflict", "{message}");
    assert!(message.contains("version 2"), "{message}");
    // A filter that does not compile, and a record that is not valid.
    let mut broken = always("t2", 1);
    broken.filter.code = "return (;".into();
    let (code, message) = owner.deploy("c3", broken).await.unwrap_err();
    assert_eq!(code, "invalid_trader", "{message}");
    let mut nameless = always("t3", 1);
    nameless.name = String::new();
    let nameless_answer = owner.deploy("c4", nameless).await;
    assert_eq!(nameless_answer.unwrap_err().0, "invalid_trader");
    // Undeploy needs the deployed version.
    owner
        .send(&ClientFrame::UndeployTrader(UndeployTrader {
            id: "c5".into(),
            trader_id: "t1".into(),
            version: 1,
        }))
        .await;
    assert_eq!(owner.answer("c5").await.unwrap_err().0, "version_conflict");
    owner
        .send(&ClientFrame::UndeployTrader(UndeployTrader {
            id: "c6".into(),
            trader_id: "t1".into(),
            version: 2,
        }))
        .await;
    assert_eq!(owner.answer("c6").await, Ok(()));
    let state = owner
        .until(|f| match f {
            ServerFrame::TraderState(s)
                if s.trader_id == "t1" && s.state != DeployState::Deployed =>
            {
                Some(s.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(state.state, DeployState::Undeployed);
    // A command without an id.
    owner
        .send(&ClientFrame::Pause(Command { id: String::new() }))
        .await;
    let error = owner
        .until(|f| match f {
            ServerFrame::Error(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(error.code, "bad_frame");

    // The viewer may only ping and resume.
    let mut viewer = Client::connect(agent.addr, Some(VIEWER)).await.unwrap();
    for frame in [
        deploy("v1", always("t9", 1)),
        ClientFrame::Pause(Command { id: "v2".into() }),
        ClientFrame::Resume(Command { id: "v3".into() }),
        ClientFrame::UndeployTrader(UndeployTrader {
            id: "v4".into(),
            trader_id: "t1".into(),
            version: 2,
        }),
    ] {
        let id = frame.command_id().unwrap().to_owned();
        viewer.send(&frame).await;
        let (code, _) = viewer.answer(&id).await.unwrap_err();
        assert_eq!(code, "forbidden", "{id}");
    }
    viewer.send(&ClientFrame::Ping).await;
    viewer
        .until(|f| matches!(f, ServerFrame::Pong).then_some(()))
        .await;
    agent.shutdown().await;
}

#[tokio::test]
async fn signals_are_journaled_and_replayed_exactly_once_in_order() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner.deploy_and_follow(always("t1", 1)).await;

    // Three closes × three symbols, live.
    fake.advance(Interval::M1, 3);
    let mut live = Vec::new();
    while live.len() < 9 {
        let frame = owner.next(WAIT).await.expect("signals");
        if let ServerFrame::Signal(s) = frame {
            assert_eq!(s.trader_id, "t1");
            assert_eq!(s.interval, Interval::M1);
            assert!(s.close_time > s.open_time);
            live.push(s.seq);
        }
    }
    assert_eq!(
        live,
        (1..=9).collect::<Vec<u64>>(),
        "numbered by the journal, in order"
    );

    // A desktop that was away: everything after what it had, then live, nothing twice.
    let mut late = Client::owner(agent.addr).await;
    late.send(&ClientFrame::ResumeFrom(ResumeFrom { after_seq: 4 }))
        .await;
    fake.advance(Interval::M1, 1);
    let mut got = Vec::new();
    while got.len() < 8 {
        if let Some(ServerFrame::Signal(s)) = late.next(WAIT).await {
            got.push(s.seq);
        }
    }
    assert_eq!(got, (5..=12).collect::<Vec<u64>>());
    let extra = late.collect(Duration::from_millis(400)).await;
    assert!(seqs(&extra).is_empty(), "no duplicates: {:?}", seqs(&extra));

    // Without resume_from a connection gets no signals (it did not say where it is).
    let mut silent = Client::owner(agent.addr).await;
    fake.advance(Interval::M1, 1);
    let frames = silent.collect(Duration::from_millis(800)).await;
    assert!(seqs(&frames).is_empty());
    agent.shutdown().await;
}

#[tokio::test]
async fn pause_stops_screening_and_resume_starts_it_again() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner.deploy_and_follow(always("t1", 1)).await;
    owner
        .send(&ClientFrame::Pause(Command { id: "p1".into() }))
        .await;
    assert_eq!(owner.answer("p1").await, Ok(()));
    let status = owner
        .until(|f| match f {
            ServerFrame::Status(s) if s.state == AgentState::Paused => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(status.reason.as_deref(), Some("paused by the owner"));
    fake.advance(Interval::M1, 2);
    let frames = owner.collect(Duration::from_millis(800)).await;
    assert!(seqs(&frames).is_empty(), "paused: no signals");
    owner
        .send(&ClientFrame::Resume(Command { id: "r1".into() }))
        .await;
    assert_eq!(owner.answer("r1").await, Ok(()));
    fake.advance(Interval::M1, 1);
    let seq = owner
        .until(|f| match f {
            ServerFrame::Signal(s) => Some(s.seq),
            _ => None,
        })
        .await;
    assert_eq!(seq, 1);
    agent.shutdown().await;
}

#[tokio::test]
async fn pings_malformed_frames_and_silent_peers() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = args(&fake, &SYMBOLS, dir.path());
    settings.heartbeat_secs = 1;
    let agent = Agent::start(settings).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner.send(&ClientFrame::Ping).await;
    owner
        .until(|f| matches!(f, ServerFrame::Pong).then_some(()))
        .await;
    for bad in [
        "not json",
        "{}",
        r#"{"type":"reboot"}"#,
        r#"{"type":"deploy_trader","id":"x"}"#,
        r#"{"type":"resume_from","afterSeq":-1}"#,
        r#"[1,2,3]"#,
        "\u{0}",
    ] {
        owner.send_raw(Message::text(bad)).await;
        let error = owner
            .until(|f| match f {
                ServerFrame::Error(e) => Some(e.clone()),
                _ => None,
            })
            .await;
        assert_eq!(error.code, "bad_frame", "{bad:?}");
        // A command that does not parse is answered under its id, so the sender can match it.
        let expected_id = bad.contains(r#""id":"x""#).then(|| "x".to_owned());
        assert_eq!(error.id, expected_id, "{bad:?}");
    }
    owner.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    let error = owner
        .until(|f| match f {
            ServerFrame::Error(e) => Some(e.clone()),
            _ => None,
        })
        .await;
    assert_eq!(error.code, "bad_frame");
    owner.send(&ClientFrame::Ping).await;
    owner
        .until(|f| matches!(f, ServerFrame::Pong).then_some(()))
        .await;

    // A client that stops reading (so never answers pings) is dropped after three periods:
    // its stream ends (with close code 4000 if the close frame is still readable).
    let mut silent = Client::owner(agent.addr).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let started = std::time::Instant::now();
    let mut code = None;
    loop {
        let next = tokio::time::timeout(
            Duration::from_secs(3),
            futures_util::StreamExt::next(&mut silent.socket),
        )
        .await
        .expect("the dropped connection ends instead of staying open");
        match next {
            Some(Ok(Message::Close(frame))) => {
                code = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break,
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    if let Some((code, reason)) = code {
        assert_eq!(code, 4000);
        assert!(reason.contains("heartbeat"), "{reason}");
    }
    agent.shutdown().await;
}

#[tokio::test]
async fn deployed_traders_and_the_journal_survive_a_restart() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    assert_eq!(owner.deploy("d1", always("t1", 3)).await, Ok(()));
    owner.resume_from(0).await;
    fake.advance(Interval::M1, 1);
    let first = owner
        .until(|f| match f {
            ServerFrame::Signal(s) => Some(s.seq),
            _ => None,
        })
        .await;
    assert_eq!(first, 1);
    let journal_before = Client::owner(agent.addr).await.hello().await;
    agent.shutdown().await;

    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    let hello = owner.hello().await;
    assert_eq!(hello.journal_id, journal_before.journal_id, "same journal");
    assert_eq!(hello.last_seq, 3, "one close × three symbols");
    let state = owner
        .until(|f| match f {
            ServerFrame::TraderState(s) => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (state.trader_id.as_str(), state.version, state.state),
        ("t1", 3, DeployState::Deployed)
    );
    // The command id is remembered too.
    assert_eq!(owner.deploy("d1", always("t1", 9)).await, Ok(()));
    owner.resume_from(0).await;
    fake.advance(Interval::M1, 1);
    let mut got = Vec::new();
    while got.len() < 4 {
        if let Some(ServerFrame::Signal(s)) = owner.next(WAIT).await {
            got.push(s.seq);
        }
    }
    assert_eq!(got[..3], [1, 2, 3], "the journal from before the restart");
    assert_eq!(got[3], 4, "then new ones, numbered on");
    agent.shutdown().await;
}

#[tokio::test]
async fn shutdown_drains_and_closes_connections_with_a_reason() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOLS, dir.path())).await;
    agent.ready().await;
    let mut owner = Client::owner(agent.addr).await;
    owner
        .until(|f| matches!(f, ServerFrame::Status(_)).then_some(()))
        .await;
    agent.stop.cancel();
    let reason = owner
        .until(|f| match f {
            ServerFrame::Status(s) if s.state == AgentState::Draining => Some(s.reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(reason.as_deref(), Some("shutting down"));
    let mut reason = None;
    while let Some(message) =
        tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut owner.socket))
            .await
            .ok()
            .flatten()
    {
        if let Ok(Message::Close(frame)) = message {
            reason = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            break;
        }
    }
    assert_eq!(reason, Some((1001, "agent shutting down".to_owned())));
    let ended = tokio::time::timeout(WAIT, agent.task).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
}
