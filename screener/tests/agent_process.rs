//! The real `screener serve` process: SIGKILLed mid-stream and restarted, it loses and
//! repeats no journaled signal for a client that resumes from the last seq it saw; a storm
//! of malformed frames never crashes it nor grows its memory; it refuses to start without
//! an owner token.

use std::collections::BTreeSet;
use std::time::Duration;

use fake_binance::agent::{always, market, AgentProcess, Client, OWNER, VIEWER, WAIT};
use futures_util::SinkExt;
use rand::{Rng, SeedableRng};
use screener::agent::journal::Journal;
use screener::market::Interval;
use screener::protocol::{ClientFrame, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

const SYMBOLS: [&str; 3] = ["AAAUSDT", "BBBUSDT", "CCCUSDT"];
/// The binary cargo built for these tests.
const BIN: &str = env!("CARGO_BIN_EXE_screener");

/// Signal seqs (and their candles) as a client sees them.
#[derive(Default)]
struct Seen {
    seqs: Vec<u64>,
    candles: Vec<(String, i64)>,
}

impl Seen {
    fn take(&mut self, frame: &ServerFrame) {
        if let ServerFrame::Signal(s) = frame {
            self.seqs.push(s.seq);
            self.candles.push((s.symbol.clone(), s.close_time));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_then_resume_loses_and_duplicates_nothing() {
    let fake = market(&SYMBOLS);
    let dir = tempfile::tempdir().unwrap();
    let mut agent = AgentProcess::spawn(BIN.as_ref(), &fake, &SYMBOLS, dir.path()).await;
    agent.ready().await;
    let mut client = Client::owner(agent.addr).await;
    client.deploy_and_follow(always("t1", 1)).await;

    // Candles close every 15 ms; the agent is killed while signals are flowing.
    let mut seen = Seen::default();
    let mut minutes = 0;
    while seen.seqs.len() < 30 {
        fake.advance(Interval::M1, 1);
        minutes += 1;
        assert!(minutes < 400, "signals never flowed");
        let frames = client.collect(Duration::from_millis(15)).await;
        frames.iter().for_each(|f| seen.take(f));
    }
    for _ in 0..5 {
        fake.advance(Interval::M1, 1);
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    agent.child.start_kill().unwrap();
    let status = agent.child.wait().await.unwrap();
    assert!(!status.success(), "killed, not drained: {status:?}");
    // Whatever the dead agent's socket still delivered.
    client
        .collect(Duration::from_millis(200))
        .await
        .iter()
        .for_each(|f| seen.take(f));
    let before = seen.seqs.len();

    // What the journal holds after the kill (written before sending, so at least as much).
    let journal = Journal::open(dir.path()).await.unwrap();
    let journaled: Vec<u64> = journal
        .after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|(f, _)| f.seq)
        .collect();
    journal.close().await;
    assert!(journaled.len() >= before);
    assert_eq!(
        journaled,
        (1..=journaled.len() as u64).collect::<Vec<_>>(),
        "contiguous"
    );

    // Restart on the same journal; resume from the last seq the client saw.
    let agent = AgentProcess::spawn(BIN.as_ref(), &fake, &SYMBOLS, dir.path()).await;
    agent.ready().await;
    let mut client = Client::owner(agent.addr).await;
    let last = *seen.seqs.last().unwrap();
    client.resume_from(last).await;
    fake.advance(Interval::M1, 2);
    let wanted = journaled.len() + 2 * SYMBOLS.len();
    let deadline = tokio::time::Instant::now() + WAIT;
    while seen.seqs.len() < wanted && tokio::time::Instant::now() < deadline {
        if let Some(frame) = client.next(Duration::from_millis(500)).await {
            seen.take(&frame);
        }
    }
    let extra = client.collect(Duration::from_millis(500)).await;
    extra.iter().for_each(|f| seen.take(f));

    // Every journaled signal exactly once, in order, and every candle once.
    assert_eq!(
        seen.seqs,
        (1..=seen.seqs.len() as u64).collect::<Vec<_>>(),
        "killed after {before} signals delivered, {} journaled",
        journaled.len()
    );
    assert!(seen.seqs.len() >= wanted, "{} < {wanted}", seen.seqs.len());
    let candles: BTreeSet<_> = seen.candles.iter().collect();
    assert_eq!(
        candles.len(),
        seen.candles.len(),
        "no candle signalled twice"
    );
    // The trader survived the kill (it was journaled when acknowledged).
    drop(agent);
}

/// A frame that is wrong in one of many ways.
fn malformed(rng: &mut rand::rngs::StdRng) -> Message {
    let valid = [
        r#"{"type":"deploy_trader","id":"c1","trader":{"id":"t","name":"n","version":1,"filter":{"code":"return true;","refreshInterval":"1m"}}}"#,
        r#"{"type":"undeploy_trader","id":"c2","traderId":"t","version":1}"#,
        r#"{"type":"pause","id":"c3"}"#,
        r#"{"type":"resume_from","afterSeq":0}"#,
        r#"{"type":"ping"}"#,
    ];
    let base = valid[rng.random_range(0..valid.len())];
    match rng.random_range(0..9) {
        // Truncated.
        0 => Message::text(&base[..rng.random_range(0..base.len())]),
        // Random bytes as text (lossy) or binary.
        1 => {
            let bytes: Vec<u8> = (0..rng.random_range(0..512))
                .map(|_| rng.random())
                .collect();
            Message::text(String::from_utf8_lossy(&bytes).into_owned())
        }
        2 => Message::binary(
            (0..rng.random_range(0..256))
                .map(|_| rng.random::<u8>())
                .collect::<Vec<u8>>(),
        ),
        // One byte flipped.
        3 => {
            let mut bytes = base.as_bytes().to_vec();
            let i = rng.random_range(0..bytes.len());
            bytes[i] = rng.random_range(0x20..0x7f);
            Message::text(String::from_utf8_lossy(&bytes).into_owned())
        }
        // Wrong types and values.
        4 => Message::text(r#"{"type":"resume_from","afterSeq":"many"}"#),
        5 => Message::text(format!(
            r#"{{"type":"pause","id":"{}"}}"#,
            "x".repeat(rng.random_range(129..5000))
        )),
        // Deep nesting.
        6 => {
            let depth = rng.random_range(100..3000);
            Message::text(format!("{}{}", "[".repeat(depth), "]".repeat(depth)))
        }
        // Unknown type, huge numbers.
        7 => Message::text(format!(r#"{{"type":"t{}","id":"c"}}"#, rng.random::<u32>())),
        _ => Message::text(r#"{"type":"undeploy_trader","id":"c","traderId":"t","version":1e999}"#),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_never_crash_the_agent_or_grow_its_memory() {
    let fake = market(&SYMBOLS[..1]);
    let dir = tempfile::tempdir().unwrap();
    let agent = AgentProcess::spawn(BIN.as_ref(), &fake, &SYMBOLS[..1], dir.path()).await;
    agent.ready().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7ade);

    // One round to warm the allocator, then measure across many more.
    let mut storm = |rounds: usize| {
        let frames: Vec<Vec<Message>> = (0..rounds)
            .map(|_| (0..90).map(|_| malformed(&mut rng)).collect())
            .collect();
        frames
    };
    let mut errors = 0usize;
    let send_all = async |batches: Vec<Vec<Message>>, errors: &mut usize| {
        for batch in batches {
            // Owners and viewers alike; a connection is closed after 100 bad frames.
            let token = if *errors % 2 == 0 { OWNER } else { VIEWER };
            let mut client = Client::connect(agent.addr, Some(token)).await.unwrap();
            // Pings among the mutations are answered too; ours is answered last.
            let pings = batch
                .iter()
                .filter(|m| match m {
                    Message::Text(t) => matches!(
                        serde_json::from_str::<ClientFrame>(t.as_str()),
                        Ok(ClientFrame::Ping)
                    ),
                    _ => false,
                })
                .count();
            for message in batch {
                client.socket.send(message).await.unwrap();
            }
            client.send(&ClientFrame::Ping).await;
            let mut pongs = 0;
            while pongs <= pings {
                match client.next(WAIT).await {
                    Some(ServerFrame::Error(_)) => *errors += 1,
                    Some(ServerFrame::Pong) => pongs += 1,
                    Some(_) => {}
                    None => panic!("the connection ended after {pongs} pongs of {}", pings + 1),
                }
            }
            assert!(pongs >= 1, "the connection still answers after its batch");
        }
    };
    send_all(storm(10), &mut errors).await;
    let warm = agent.rss_bytes();
    send_all(storm(60), &mut errors).await;
    let after = agent.rss_bytes();
    assert!(
        errors >= 70 * 90 * 9 / 10,
        "most frames answered with an error: {errors}"
    );
    let growth = after.saturating_sub(warm);
    eprintln!(
        "RSS {} KiB after 900 malformed frames, {} KiB after 5,400 more; {errors} errors",
        warm / 1024,
        after / 1024
    );
    assert!(
        growth < 8 * 1024 * 1024,
        "RSS grew by {} KiB over 5,400 malformed frames ({} → {} KiB)",
        growth / 1024,
        warm / 1024,
        after / 1024
    );
    // Still healthy and serving.
    let health = reqwest::get(format!("http://{}/health", agent.addr))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let mut client = Client::owner(agent.addr).await;
    client.send(&ClientFrame::Ping).await;
    client
        .until(|f| matches!(f, ServerFrame::Pong).then_some(()))
        .await;
}

#[tokio::test]
async fn refuses_to_start_without_an_owner_token() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], owner: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_screener"));
        command
            .args(["serve", "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .env_remove("SCREENER_OWNER_TOKEN")
            .env_remove("SCREENER_VIEWER_TOKEN");
        if let Some(owner) = owner {
            command.env("SCREENER_OWNER_TOKEN", owner);
        }
        command.output().unwrap()
    };
    let no_token = run(&["--listen", "127.0.0.1:0"], None);
    assert!(!no_token.status.success());
    let stderr = String::from_utf8_lossy(&no_token.stderr);
    assert!(stderr.contains("SCREENER_OWNER_TOKEN"), "{stderr}");

    let short = run(&["--listen", "127.0.0.1:0"], Some("short"));
    assert!(!short.status.success());

    let exposed = run(&["--listen", "0.0.0.0:0", "--insecure-local"], None);
    assert!(!exposed.status.success(), "insecure only on loopback");
    let stderr = String::from_utf8_lossy(&exposed.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_closes_sockets_with_a_reason_and_exits_zero() {
    let fake = market(&SYMBOLS[..1]);
    let dir = tempfile::tempdir().unwrap();
    let mut agent = AgentProcess::spawn(BIN.as_ref(), &fake, &SYMBOLS[..1], dir.path()).await;
    agent.ready().await;
    let mut client = Client::owner(agent.addr).await;
    client.hello().await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &agent.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut close = None;
    while let Ok(Some(message)) =
        tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut client.socket)).await
    {
        if let Ok(Message::Close(frame)) = message {
            close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            break;
        }
    }
    assert_eq!(close, Some((1001, "agent shutting down".to_owned())));
    let status = tokio::time::timeout(WAIT, agent.child.wait())
        .await
        .expect("exits after the drain")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(&agent.log).unwrap();
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("agent stopped"), "{log}");
}
