//! AI analysis of signals against a local fake of the Gemini API (`support::fake_gemini`):
//! verdicts delivered by seq, invalid replies failing the analysis without retries,
//! transient-only retries, the global rate limit, per-trader concurrency, a queue that never
//! blocks screening, the real candles in the prompt, no key anywhere but its header, no
//! request without candles, and shutdown. The verdict validator's table of bad inputs is in
//! `analysis_verdict.rs`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use screener::analysis::prompt::utc;
use screener::analysis::{
    AnalysisConfig, AnalysisJob, AnalysisOutcome, Analyst, ApiKey, Decision, Direction,
    FailureCode, GeminiClient, Outcomes, RateLimit, ShutdownReport, StartError, Submission,
};
use screener::engine::{replay, Engine, EngineConfig};
use screener::indicators;
use screener::market::{decimal, Candle, CandleFile, CandleStore, Interval};
use screener::trader::record::ModelTier;
use screener::trader::Trader;

use support::fake_gemini::{FakeGemini, Recorded, Reply};
use support::verdicts::valid_verdict;
use support::{candles, collect, config, job, signal, trader, KEY};

const SECOND: Duration = Duration::from_secs(1);

fn start(config: AnalysisConfig) -> (Analyst, Outcomes) {
    Analyst::start(config).unwrap_or_else(|e| panic!("{e}"))
}

fn code(outcome: &AnalysisOutcome) -> Option<FailureCode> {
    outcome.result.as_ref().err().map(|f| f.code)
}

fn message(outcome: &AnalysisOutcome) -> String {
    outcome
        .result
        .as_ref()
        .err()
        .map(|f| f.message.clone())
        .unwrap_or_default()
}

fn by_seq(mut outcomes: Vec<AnalysisOutcome>) -> Vec<AnalysisOutcome> {
    outcomes.sort_by_key(|o| o.seq);
    outcomes
}

/// Most requests of each trader (by the prompt's `Trader id:` line) open at the same time,
/// and most open overall.
fn max_overlap(requests: &[Recorded]) -> (BTreeMap<String, usize>, usize) {
    let mut events: Vec<(Instant, i32, String)> = Vec::new();
    for r in requests {
        let trader = r
            .prompt()
            .lines()
            .find_map(|l| l.strip_prefix("Trader id: "))
            .unwrap_or_default()
            .to_owned();
        let end = r.answered.unwrap_or_else(|| panic!("unanswered request"));
        events.push((r.received, 1, trader.clone()));
        events.push((end, -1, trader));
    }
    events.sort_by_key(|(at, delta, _)| (*at, *delta));
    let (mut open, mut most) = (BTreeMap::<String, i32>::new(), BTreeMap::new());
    let (mut total, mut most_total) = (0, 0);
    for (_, delta, trader) in events {
        let n = open.entry(trader.clone()).or_insert(0);
        *n += delta;
        let best = most.entry(trader).or_insert(0usize);
        *best = (*best).max(usize::try_from(*n).unwrap_or(0));
        total += delta;
        most_total = most_total.max(total);
    }
    (most, usize::try_from(most_total).unwrap_or(0))
}

#[tokio::test]
async fn a_valid_verdict_is_delivered_with_the_signals_seq() {
    let fake = FakeGemini::start(KEY);
    let alpha = trader("alpha", 3, 100);
    let mut pro = (*alpha).clone();
    pro.id = "pro".into();
    pro.strategy.model_tier = ModelTier::Pro;
    let pro = Arc::new(pro);
    let cs = candles(120);
    let price = cs[119].close;
    fake.set_default(Reply::Verdict(valid_verdict(price)));
    let (analyst, mut outcomes) = start(config(&fake));

    assert_eq!(analyst.submit(job(42, &alpha, &cs)), Submission::Queued);
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    let o = &got[0];
    assert_eq!(
        (
            o.seq,
            o.trader_id.as_str(),
            o.symbol.as_str(),
            o.model.as_str()
        ),
        (42, "alpha", "BTCUSDT", "gemini-2.5-flash")
    );
    let a = o.result.clone().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (a.decision, a.direction, a.confidence),
        (Decision::EnterTrade, Direction::Long, 72)
    );
    assert_eq!(a.key_levels.entry, Some(price));
    assert_eq!(a.key_levels.take_profit.len(), 2);
    assert_eq!(a.trade_plan.risk_reward, Some(2.0));
    assert!(a.reasoning.starts_with("Higher lows"));

    // The frame's camelCase wire form.
    let wire = serde_json::to_value(&a).unwrap_or_default();
    assert_eq!(wire["decision"], "enter_trade");
    assert_eq!(wire["direction"], "long");
    assert!(wire["keyLevels"]["stopLoss"].is_number());
    assert_eq!(
        wire["tradePlan"]["entryTrigger"],
        "Close above the signal candle's high"
    );

    // The trader's model tier picks the model.
    assert_eq!(analyst.submit(job(43, &pro, &cs)), Submission::Queued);
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert_eq!((got[0].seq, got[0].model.as_str()), (43, "gemini-2.5-pro"));
    let models: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.model().to_owned())
        .collect();
    assert_eq!(models, ["gemini-2.5-flash", "gemini-2.5-pro"]);

    let m = analyst.metrics();
    assert_eq!((m.succeeded, m.failed, m.queued, m.in_flight), (2, 0, 0, 0));
    analyst.shutdown(SECOND).await;
}

/// A trader that fires on exactly one candle of the recorded file, replayed through the real
/// engine; the job is built from the engine's store after the replay went 40 candles further.
#[tokio::test]
async fn the_model_sees_the_real_candles_up_to_the_signal_and_their_indicators() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/btcusdt_5m_2023-01-02_2023-02-09.csv");
    let file = CandleFile::load(&path, None, None).unwrap_or_else(|e| panic!("{e}"));
    let fire = &file.candles[259];
    let code = format!(
        "const k = timeframes['5m']; return {{ match: k[k.length - 1][0] === {}, conditions: ['probe'] }};",
        fire.open_time
    );
    let json = json!({
        "id": "probe", "name": "Probe", "description": "Fires once",
        "filter": {"code": code, "refreshInterval": "5m", "cooldownBars": 1},
        "strategy": {"instructions": "Prefer pullbacks to VWAP.", "aiAnalysisLimit": 30}
    });
    let probe = Trader::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut engine = Engine::new(EngineConfig {
        history: 300,
        workers: 1,
        ..EngineConfig::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    engine
        .upsert_trader(probe)
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut signals, mut errors) = (Vec::new(), Vec::new());
    replay(
        &mut engine,
        &file.symbol,
        file.interval,
        &file.candles[..300],
        |s| signals.push(s.clone()),
        |e| errors.push(e.to_string()),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(signals.len(), 1);
    let probe = engine
        .traders()
        .find(|t| t.id == "probe")
        .cloned()
        .unwrap_or_else(|| panic!("trader"));
    let job = AnalysisJob::from_store(signals.remove(0), probe, engine.store());

    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::Verdict(valid_verdict(fire.close)));
    let (analyst, mut outcomes) = start(config(&fake));
    assert_eq!(analyst.submit(job), Submission::Queued);
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert!(got[0].result.is_ok(), "{:?}", got[0].result);

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let prompt = request.prompt();
    let row = |c: &Candle| {
        format!(
            "{},{},{},{},{},{}",
            utc(c.open_time),
            decimal::shortest(c.open),
            decimal::shortest(c.high),
            decimal::shortest(c.low),
            decimal::shortest(c.close),
            decimal::shortest(c.volume)
        )
    };
    let header = "open_time_utc,open,high,low,close,volume\n";
    let table = prompt
        .split_once(header)
        .map(|(_, rows)| rows)
        .unwrap_or_else(|| panic!("no candle table in:\n{prompt}"));
    let sent: Vec<&str> = table.lines().collect();
    let expected: Vec<String> = file.candles[230..260].iter().map(row).collect();
    assert_eq!(
        sent, expected,
        "the last 30 candles up to the signal's, in order"
    );
    assert!(
        !prompt.contains(&row(&file.candles[260])),
        "a later candle leaked"
    );
    assert!(prompt.contains("## Last 30 closed 5m candles"));
    assert!(prompt.contains(&format!("Close price: {}", decimal::shortest(fire.close))));
    assert!(prompt.contains(&format!("opened {}", utc(fire.open_time))));
    assert!(prompt.contains("Name: Probe") && prompt.contains("Prefer pullbacks to VWAP."));
    assert!(prompt.contains("Conditions met: probe"));

    // Indicator values are the real ones, over the 250 candles before the signal's.
    let closes: Vec<f64> = file.candles[10..260].iter().map(|c| c.close).collect();
    let value = |name: &str| -> f64 {
        prompt
            .lines()
            .find_map(|l| l.strip_prefix(&format!("- {name}: ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{prompt}"))
    };
    let rsi = indicators::latest(&indicators::rsi(&closes, 14).unwrap_or_default());
    let sma200 = indicators::latest(&indicators::sma(&closes, 200).unwrap_or_default());
    for (name, expected) in [("RSI(14)", rsi), ("SMA(200)", sma200)] {
        let expected = expected.unwrap_or(f64::NAN);
        assert!(
            (value(name) - expected).abs() <= expected.abs() * 1e-6,
            "{name}: {} vs {expected}",
            value(name)
        );
    }

    // Structured output, and the key only in its header.
    let generation = &request.body["generationConfig"];
    assert_eq!(generation["responseMimeType"], "application/json");
    assert_eq!(generation["responseSchema"]["type"], "OBJECT");
    assert!(request.body["systemInstruction"]["parts"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("enter_trade")));
    assert_eq!(request.method, "POST");
    assert_eq!(request.api_key.as_deref(), Some(KEY));
    assert_eq!(request.query, None);
    assert!(!request.path.contains(KEY) && !request.body.to_string().contains(KEY));
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn invalid_replies_fail_the_analysis_without_retrying() {
    let fake = FakeGemini::start(KEY);
    let mut out_of_range = valid_verdict(100.0);
    out_of_range["confidence"] = json!(0.8);
    out_of_range["keyLevels"]["stopLoss"] = json!(103);
    let truncated = json!({"candidates": [{"content": {"parts": [{"text": "{\"reasoning\": \"The"}]},
                                           "finishReason": "MAX_TOKENS"}]});
    let blocked = json!({"promptFeedback": {"blockReason": "SAFETY"}});
    fake.script([
        Reply::Text("Sure! Here is my analysis: bullish.".into()),
        Reply::Verdict(out_of_range),
        Reply::Body(truncated),
        Reply::Body(blocked),
    ]);
    let t = trader("serial", 1, 50);
    let cs = candles(60);
    let (analyst, mut outcomes) = start(config(&fake));
    for seq in 1..=4 {
        assert_eq!(analyst.submit(job(seq, &t, &cs)), Submission::Queued);
    }
    let got = by_seq(collect(&mut outcomes, 4, 5 * SECOND).await);
    let codes: Vec<_> = got.iter().map(code).collect();
    use FailureCode::*;
    assert_eq!(
        codes,
        [
            Some(InvalidOutput),
            Some(InvalidOutput),
            Some(InvalidOutput),
            Some(Blocked)
        ]
    );
    assert!(
        message(&got[0]).contains("the reply is not JSON"),
        "{}",
        message(&got[0])
    );
    let second = message(&got[1]);
    assert!(
        second.contains("confidence: 0.8 is not a whole number 0–100"),
        "{second}"
    );
    assert!(
        second.contains("keyLevels.stopLoss: 103 must be below the entry"),
        "{second}"
    );
    assert!(message(&got[2]).contains("MAX_TOKENS"));
    assert!(message(&got[3]).contains("prompt blocked (SAFETY)"));
    assert_eq!(fake.requests().len(), 4, "invalid output is not retried");
    assert_eq!(analyst.metrics().failed, 4);
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn transient_errors_are_retried_until_a_verdict() {
    let fake = FakeGemini::start(KEY);
    fake.script([
        Reply::unavailable(),
        Reply::too_many_requests(None, Some("0.3s")),
        Reply::error(500, "INTERNAL", "An internal error has occurred."),
        Reply::Verdict(valid_verdict(100.0)),
    ]);
    let t = trader("alpha", 3, 50);
    let (analyst, mut outcomes) = start(config(&fake));
    analyst.submit(job(7, &t, &candles(60)));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert!(got[0].result.is_ok(), "{:?}", got[0].result);
    let requests = fake.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 429, 500, 200]);
    let waited = requests[2].received - requests[1].received;
    assert!(
        waited >= Duration::from_millis(300),
        "RetryInfo 0.3s honoured: {waited:?}"
    );
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn a_retry_after_header_is_honoured() {
    let fake = FakeGemini::start(KEY);
    fake.script([Reply::too_many_requests(Some("1"), None)]);
    let t = trader("alpha", 3, 50);
    let (analyst, mut outcomes) = start(config(&fake));
    analyst.submit(job(1, &t, &candles(60)));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert!(got[0].result.is_ok(), "{:?}", got[0].result);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].received - requests[0].received;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 → {waited:?}"
    );
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn client_errors_are_final_on_the_first_answer() {
    let fake = FakeGemini::start(KEY);
    fake.script([
        Reply::error(
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'generation_config.response_schema'",
        ),
        Reply::error(
            404,
            "NOT_FOUND",
            "models/gemini-9 is not found for API version v1beta",
        ),
    ]);
    let t = trader("serial", 1, 50);
    let cs = candles(60);
    let (analyst, mut outcomes) = start(config(&fake));
    analyst.submit(job(1, &t, &cs));
    analyst.submit(job(2, &t, &cs));
    let got = by_seq(collect(&mut outcomes, 2, 5 * SECOND).await);
    assert_eq!(
        got.iter().map(code).collect::<Vec<_>>(),
        [Some(FailureCode::BadRequest); 2]
    );
    assert!(
        message(&got[0]).contains("(400): INVALID_ARGUMENT Invalid value"),
        "{}",
        message(&got[0])
    );
    assert!(message(&got[1]).contains("(404): NOT_FOUND models/gemini-9"));
    assert_eq!(fake.requests().len(), 2, "400 and 404 are not retried");
    analyst.shutdown(SECOND).await;

    // A wrong key: Google answers 400 API_KEY_INVALID.
    let mut wrong = config(&fake);
    wrong.api_key = ApiKey::new("AIzaSy-wrong-key");
    let (analyst, mut outcomes) = start(wrong);
    analyst.submit(job(3, &t, &cs));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert_eq!(code(&got[0]), Some(FailureCode::Unauthorized));
    assert!(message(&got[0]).contains("API key not valid"));
    assert!(!message(&got[0]).contains("wrong-key"));
    assert_eq!(fake.requests().len(), 3);
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn retries_end_after_max_retries_or_an_excessive_wait() {
    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::unavailable());
    let mut cfg = config(&fake);
    cfg.retry.max_retries = 2;
    let t = trader("alpha", 3, 50);
    let (analyst, mut outcomes) = start(cfg.clone());
    analyst.submit(job(1, &t, &candles(60)));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert_eq!(code(&got[0]), Some(FailureCode::Unavailable));
    assert!(
        message(&got[0]).contains("(503) after 3 attempt(s)"),
        "{}",
        message(&got[0])
    );
    assert_eq!(fake.requests().len(), 3);
    analyst.shutdown(SECOND).await;

    // A daily quota ("retry in an hour") is not waited out.
    fake.script([Reply::too_many_requests(Some("3600"), None)]);
    let (analyst, mut outcomes) = start(cfg);
    analyst.submit(job(2, &t, &candles(60)));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert_eq!(code(&got[0]), Some(FailureCode::RateLimited));
    assert!(
        message(&got[0]).contains("asked to wait 3600s"),
        "{}",
        message(&got[0])
    );
    assert_eq!(fake.requests().len(), 4);
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn a_reply_past_the_request_deadline_times_out() {
    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::Verdict(valid_verdict(100.0)).after(2 * SECOND));
    let mut cfg = config(&fake);
    cfg.request_timeout = Duration::from_millis(200);
    cfg.retry.max_retries = 1;
    let t = trader("alpha", 3, 50);
    let (analyst, mut outcomes) = start(cfg);
    let started = Instant::now();
    analyst.submit(job(1, &t, &candles(60)));
    let got = collect(&mut outcomes, 1, 5 * SECOND).await;
    assert_eq!(code(&got[0]), Some(FailureCode::Timeout));
    assert!(message(&got[0]).contains("after 2 attempt(s)"));
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(fake.requests().len(), 2);
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let fake = FakeGemini::start(KEY);
    let mut cfg = config(&fake);
    // 10 per second, no burst: one request every 100 ms.
    cfg.rate_limit = RateLimit::new(10, SECOND).with_burst(1);
    let (analyst, mut outcomes) = start(cfg);
    let cs = candles(60);
    for (seq, id) in (1..).zip(["a", "b", "c", "d", "e"]) {
        analyst.submit(job(seq, &trader(id, 3, 50), &cs));
    }
    let got = collect(&mut outcomes, 5, 5 * SECOND).await;
    assert!(got.iter().all(|o| o.result.is_ok()));
    let mut arrivals: Vec<Instant> = fake.requests().iter().map(|r| r.received).collect();
    arrivals.sort();
    // Slots are 100 ms apart; arrival at the fake may shift by a few ms of connection work,
    // while without the limit all five would arrive within a few ms.
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(60), "requests {gap:?} apart");
    }
    assert!(arrivals[4] - arrivals[0] >= Duration::from_millis(350));
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn each_trader_runs_at_most_its_max_concurrent_analyses() {
    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::Verdict(valid_verdict(100.0)).after(Duration::from_millis(300)));
    let (analyst, mut outcomes) = start(config(&fake));
    let (a, b) = (trader("two-at-once", 2, 50), trader("one-at-once", 1, 50));
    let cs = candles(60);
    for seq in 1..=6 {
        assert_eq!(analyst.submit(job(seq, &a, &cs)), Submission::Queued);
    }
    for seq in 7..=9 {
        assert_eq!(analyst.submit(job(seq, &b, &cs)), Submission::Queued);
    }
    let got = collect(&mut outcomes, 9, 10 * SECOND).await;
    assert!(got.iter().all(|o| o.result.is_ok()));
    let (per_trader, overall) = max_overlap(&fake.requests());
    assert_eq!(per_trader.get("two-at-once"), Some(&2), "{per_trader:?}");
    assert_eq!(per_trader.get("one-at-once"), Some(&1), "{per_trader:?}");
    assert_eq!(overall, 3, "traders do not wait for each other");
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn a_slow_model_never_blocks_submit_and_a_full_queue_refuses_at_once() {
    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::Verdict(valid_verdict(100.0)).after(10 * SECOND));
    let mut cfg = config(&fake);
    cfg.queue_capacity = 4;
    let (analyst, mut outcomes) = start(cfg);
    let t = trader("slow", 1, 50);
    let cs = candles(60);
    let jobs: Vec<_> = (1..=10).map(|seq| job(seq, &t, &cs)).collect();

    let started = Instant::now();
    let submissions: Vec<Submission> = jobs.into_iter().map(|j| analyst.submit(j)).collect();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    assert!(submissions[..4].iter().all(|s| *s == Submission::Queued));
    for s in &submissions[4..] {
        assert!(
            matches!(s, Submission::Rejected(f) if f.code == FailureCode::QueueFull),
            "{s:?}"
        );
    }
    let refused = collect(&mut outcomes, 6, Duration::from_millis(500)).await;
    assert!(refused
        .iter()
        .all(|o| code(o) == Some(FailureCode::QueueFull)));
    let mut seqs: BTreeSet<u64> = refused.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, (5..=10).collect());

    // One request in flight at the (slow) fake, three waiting for the trader's turn.
    let deadline = Instant::now() + 2 * SECOND;
    while analyst.metrics().in_flight != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let m = analyst.metrics();
    assert_eq!((m.queued, m.in_flight, m.rejected), (3, 1, 6), "{m:?}");

    let stopping = Instant::now();
    let report = analyst.shutdown(Duration::from_millis(100)).await;
    assert!(stopping.elapsed() < SECOND);
    assert_eq!(
        report,
        ShutdownReport {
            drained: 0,
            cancelled: 4
        }
    );
    let cancelled = collect(&mut outcomes, 4, SECOND).await;
    assert!(cancelled
        .iter()
        .all(|o| code(o) == Some(FailureCode::Cancelled)));
    seqs.extend(cancelled.iter().map(|o| o.seq));
    assert_eq!(seqs, (1..=10).collect(), "exactly one outcome per signal");
    assert!(outcomes.recv().await.is_none(), "the outcome channel ends");
}

#[tokio::test]
async fn no_candles_means_a_failure_and_no_request() {
    let fake = FakeGemini::start(KEY);
    let (analyst, mut outcomes) = start(config(&fake));
    let t = trader("alpha", 3, 50);
    let cs = candles(10);
    // No candles at all.
    analyst.submit(AnalysisJob::new(
        signal(1, &t, &cs[9]),
        Arc::clone(&t),
        Vec::new(),
    ));
    // An empty store.
    let store = CandleStore::new(500);
    analyst.submit(AnalysisJob::from_store(
        signal(2, &t, &cs[9]),
        Arc::clone(&t),
        &store,
    ));
    // A store without the signal's candle (only candles after it).
    let mut store = CandleStore::new(500);
    store.extend("BTCUSDT", Interval::M5, cs[5..].iter().copied());
    analyst.submit(AnalysisJob::from_store(
        signal(3, &t, &cs[2]),
        Arc::clone(&t),
        &store,
    ));
    let got = by_seq(collect(&mut outcomes, 3, 5 * SECOND).await);
    for o in &got {
        assert_eq!(code(o), Some(FailureCode::NoCandles), "{o:?}");
        assert!(message(o).contains("BTCUSDT") && message(o).contains("the model was not called"));
    }
    assert!(fake.requests().is_empty());
    analyst.shutdown(SECOND).await;
}

#[tokio::test]
async fn shutdown_lets_pending_jobs_finish_then_ends_the_outcomes() {
    let fake = FakeGemini::start(KEY);
    fake.set_default(Reply::Verdict(valid_verdict(100.0)).after(Duration::from_millis(150)));
    let (analyst, mut outcomes) = start(config(&fake));
    let t = trader("serial", 1, 50);
    let cs = candles(60);
    for seq in 1..=3 {
        analyst.submit(job(seq, &t, &cs));
    }
    let report = analyst.shutdown(5 * SECOND).await;
    assert_eq!(
        report,
        ShutdownReport {
            drained: 3,
            cancelled: 0
        }
    );
    let got = by_seq(collect(&mut outcomes, 3, SECOND).await);
    assert_eq!(got.iter().map(|o| o.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(got.iter().all(|o| o.result.is_ok()));
    assert!(outcomes.recv().await.is_none());
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn without_a_key_analysis_is_disabled() {
    let config = AnalysisConfig::from_vars(|_| None).unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.enabled());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let disabled = runtime.block_on(async { Analyst::start(config).err() });
    assert_eq!(disabled, Some(StartError::Disabled));
    let keyed = AnalysisConfig {
        api_key: ApiKey::new(KEY),
        ..AnalysisConfig::default()
    };
    assert_eq!(Analyst::start(keyed).err(), Some(StartError::NoRuntime));
}

/// A log sink shared with the global subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary (all levels, `log` records of the HTTP stack included),
/// every error and every Debug output stays free of the key.
#[test]
fn the_key_never_appears_in_logs_errors_or_debug_output() {
    let logs = Captured::default();
    let sink = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .try_init()
        .unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let wrong_key = "AIzaSy-wrong-5d2a";
    let fake = FakeGemini::start(KEY);
    let mut shown = Vec::new();
    runtime.block_on(async {
        fake.script([
            Reply::unavailable(),
            Reply::too_many_requests(None, Some("0.05s")),
            Reply::Verdict(valid_verdict(100.0)),
            Reply::error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."),
            Reply::Text("not a verdict".into()),
        ]);
        let t = trader("serial", 1, 50);
        let cs = candles(60);
        let cfg = config(&fake);
        shown.push(format!("{cfg:?}"));
        let client = GeminiClient::new(&cfg).unwrap_or_else(|e| panic!("{e}"));
        shown.push(format!("{client:?}"));
        let (analyst, mut outcomes) = start(cfg);
        shown.push(format!("{analyst:?}"));
        for seq in 1..=3 {
            analyst.submit(job(seq, &t, &cs));
        }
        for o in collect(&mut outcomes, 3, 5 * SECOND).await {
            shown.push(format!("{o:?}"));
            if let Err(f) = &o.result {
                shown.push(f.to_string());
            }
        }
        analyst.shutdown(SECOND).await;

        let mut cfg = config(&fake);
        cfg.api_key = ApiKey::new(wrong_key);
        shown.push(format!("{cfg:?}"));
        let (analyst, mut outcomes) = start(cfg);
        analyst.submit(job(4, &t, &cs));
        for o in collect(&mut outcomes, 1, 5 * SECOND).await {
            assert_eq!(code(&o), Some(FailureCode::Unauthorized));
            shown.push(format!("{o:?}"));
        }
        analyst.shutdown(SECOND).await;
    });
    let logs =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(
        logs.contains("analysis request failed, retrying"),
        "logs were captured:\n{logs}"
    );
    assert!(logs.contains("signal analysed") && logs.contains("signal analysis failed"));
    for secret in [KEY, wrong_key] {
        assert!(!logs.contains(secret), "key in the logs:\n{logs}");
        for text in &shown {
            assert!(!text.contains(secret), "key in {text}");
        }
    }
    for request in fake.requests() {
        assert!(request.api_key.is_some(), "the key goes in x-goog-api-key");
        assert_eq!(request.query, None);
        assert!(!request.path.contains("AIza"));
    }
}
