//! AI analysis inside the agent, against the fake Gemini API: signals are analysed after
//! they are journaled and sent, the verdict is written on the signal and broadcast as an
//! `analysis` frame (and replayed after it), a failure is recorded as `failed` with its
//! code, and a slow model never holds back the next signals.

#[allow(dead_code)]
mod support;

use std::time::Duration;

use fake_binance::agent::{always, args, market, Agent, Client, WAIT};
use screener::market::Interval;
use screener::protocol::ServerFrame;
use support::fake_gemini::{FakeGemini, Reply};
use support::verdicts::valid_verdict;

const SYMBOL: [&str; 1] = ["AAAUSDT"];

async fn deployed_and_resumed(agent: &Agent) -> Client {
    let mut owner = Client::owner(agent.addr).await;
    assert!(owner
        .hello()
        .await
        .capabilities
        .iter()
        .any(|c| c == "analysis"));
    owner.deploy_and_follow(always("t1", 1)).await;
    owner
}

#[tokio::test]
async fn signals_are_analysed_recorded_and_replayed_and_failures_say_why() {
    let fake = market(&SYMBOL);
    let gemini = FakeGemini::start(support::KEY);
    gemini.set_default(Reply::Verdict(valid_verdict(100.0)));
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start_with(args(&fake, &SYMBOL, dir.path()), support::config(&gemini)).await;
    agent.ready().await;
    let mut owner = deployed_and_resumed(&agent).await;

    // A verdict: the signal first, then its analysis under the same seq.
    fake.advance(Interval::M1, 1);
    let signal = owner
        .until(|f| match f {
            ServerFrame::Signal(s) => Some(s.clone()),
            ServerFrame::Analysis(a) => panic!("analysis {} before its signal", a.seq),
            _ => None,
        })
        .await;
    let analysis = owner
        .until(|f| match f {
            ServerFrame::Analysis(a) => Some(a.clone()),
            _ => None,
        })
        .await;
    assert_eq!(analysis.seq, signal.seq);
    assert_eq!(analysis.decision, "enter_trade");
    assert_eq!(analysis.direction, "long");
    assert_eq!(analysis.confidence, 72.0);
    assert_eq!(analysis.key_levels["entry"], 100.0);
    assert!(analysis.error.is_none());
    // The model saw the real candle that closed.
    let closed = fake.closed(SYMBOL[0], Interval::M1);
    let last = closed.last().unwrap();
    assert_eq!(last.close_time, signal.close_time);
    let requests = gemini.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].prompt().contains(&format!("{}", last.close)),
        "the prompt carries the signal candle's close {}",
        last.close
    );

    // An answer that is not a verdict: recorded as failed with its code.
    gemini.script([Reply::Text("I think you should buy".into())]);
    fake.advance(Interval::M1, 1);
    let failed = owner
        .until(|f| match f {
            ServerFrame::Analysis(a) if a.seq > signal.seq => Some(a.clone()),
            _ => None,
        })
        .await;
    assert_eq!(failed.decision, "failed");
    assert_eq!(failed.error.as_ref().unwrap().code, "invalid_output");

    // A desktop that resumes later gets each signal followed by its analysis.
    let mut late = Client::owner(agent.addr).await;
    late.resume_from(0).await;
    let mut replay = Vec::new();
    while replay.len() < 4 {
        match late.next(WAIT).await.expect("replay") {
            ServerFrame::Signal(s) => replay.push(format!("signal {}", s.seq)),
            ServerFrame::Analysis(a) => replay.push(format!("analysis {} {}", a.seq, a.decision)),
            _ => {}
        }
    }
    assert_eq!(
        replay,
        [
            format!("signal {}", signal.seq),
            format!("analysis {} enter_trade", signal.seq),
            format!("signal {}", failed.seq),
            format!("analysis {} failed", failed.seq),
        ]
    );
    agent.shutdown().await;
}

#[tokio::test]
async fn a_slow_model_never_holds_back_screening() {
    let fake = market(&SYMBOL);
    let gemini = FakeGemini::start(support::KEY);
    gemini.set_default(Reply::Verdict(valid_verdict(100.0)).after(Duration::from_secs(3)));
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start_with(args(&fake, &SYMBOL, dir.path()), support::config(&gemini)).await;
    agent.ready().await;
    let mut owner = deployed_and_resumed(&agent).await;

    let started = tokio::time::Instant::now();
    let mut signals = Vec::new();
    for _ in 0..3 {
        fake.advance(Interval::M1, 1);
        let seq = owner
            .until(|f| match f {
                ServerFrame::Signal(s) => Some(s.seq),
                _ => None,
            })
            .await;
        signals.push(seq);
    }
    assert_eq!(signals, [1, 2, 3]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "three signals while the first analysis was still pending: {:?}",
        started.elapsed()
    );
    // The analyses follow, one per signal.
    let mut analysed = Vec::new();
    while analysed.len() < 3 {
        if let ServerFrame::Analysis(a) = owner.next(WAIT).await.expect("analyses") {
            assert_eq!(a.decision, "enter_trade");
            analysed.push(a.seq);
        }
    }
    analysed.sort_unstable();
    assert_eq!(analysed, signals);
    agent.shutdown().await;
}

#[tokio::test]
async fn without_a_key_there_is_no_analysis_capability_and_no_request() {
    let fake = market(&SYMBOL);
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(args(&fake, &SYMBOL, dir.path())).await;
    agent.ready().await;
    let hello = Client::owner(agent.addr).await.hello().await;
    assert!(!hello.capabilities.iter().any(|c| c == "analysis"));
    agent.shutdown().await;
}
