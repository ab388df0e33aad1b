//! The diagnosis over scripted machines: a healthy one, a crash-looping one, one whose candles
//! stopped, one that is stopped, and an agent that cannot be reached.

use chrono::{DateTime, Duration, Utc};
use screener::protocol::{AgentState, Metrics, Status};

use super::*;
use crate::inspect::view::{AgentErrorRecord, AgentHistory, BootRecord, HealthView};
use crate::machine::lifecycle::FlyEventView;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn at(minutes_ago: i64) -> String {
    (now() - Duration::minutes(minutes_ago)).to_rfc3339()
}

fn machine(state: &str, events: Vec<FlyEventView>) -> MachineInspection {
    MachineInspection {
        id: "148e21ea4d6789".into(),
        name: "trademind-agent".into(),
        state: state.into(),
        region: "ams".into(),
        instance_id: None,
        created_at: None,
        updated_at: None,
        config: None,
        events,
    }
}

fn exit(minutes_ago: i64, code: i64, restarts: u64) -> FlyEventView {
    FlyEventView {
        id: format!("e{minutes_ago}"),
        at: at(minutes_ago),
        kind: "exit".into(),
        status: "stopped".into(),
        source: "flyd".into(),
        exit_code: Some(code),
        oom_killed: Some(false),
        restart_count: Some(restarts),
    }
}

fn agent(status: &str, age: Option<f64>, streams: u32) -> AgentInspection {
    AgentInspection {
        url: "https://x.fly.dev".into(),
        health: Some(HealthView {
            http_status: 200,
            status: status.into(),
            agent_version: Some("1.0.0".into()),
            uptime_seconds: Some(600),
            symbols: Some(2),
            last_candle_age_seconds: age,
            active_traders: Some(1),
            machine_id: Some("148e21ea4d6789".into()),
        }),
        health_error: None,
        greeting: None,
        status: Some(Status {
            state: AgentState::Running,
            reason: None,
        }),
        metrics: Some(Metrics {
            streams_connected: streams,
            symbols: 2,
            memory_bytes: 100_000_000,
            memory_limit_bytes: 1_000_000_000,
            last_candle_age_seconds: age,
            ..Metrics::default()
        }),
        traders: Vec::new(),
        signals: Vec::new(),
        link_error: None,
        history: None,
        history_error: None,
    }
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_healthy_machine_has_nothing_to_report() {
    let found = diagnose(
        Some(&machine("started", vec![])),
        Some(&agent("ready", Some(20.0), 2)),
        now(),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn repeated_crash_exits_are_a_crash_loop_with_the_evidence() {
    let events = vec![exit(2, 1, 4), exit(5, 1, 3), exit(8, 1, 2), exit(11, 1, 1)];
    let mut unreachable = agent("ready", None, 0);
    unreachable.health = None;
    unreachable.metrics = None;
    unreachable.health_error = Some(crate::error::ApiError::from(crate::error::Error::Link(
        crate::link::LinkError::Unreachable {
            detail: "connection refused".into(),
        },
    )));
    let found = diagnose(Some(&machine("started", events)), Some(&unreachable), now());
    assert_eq!(
        codes(&found),
        ["crash_loop", "agent_unreachable"],
        "{found:#?}"
    );
    assert_eq!(found[0].severity, Severity::Critical);
    assert!(
        found[0].detail.contains("4 crash exits"),
        "{}",
        found[0].detail
    );
    assert!(
        found[0].detail.contains("exit code 1"),
        "{}",
        found[0].detail
    );
    assert!(
        found[0].detail.contains("restart count is 4"),
        "{}",
        found[0].detail
    );
}

#[test]
fn old_exits_and_clean_exits_are_not_a_loop() {
    // Two recent crashes, old ones outside the window, and clean stops.
    let events = vec![
        exit(2, 1, 2),
        exit(5, 1, 1),
        exit(90, 1, 3),
        exit(95, 1, 2),
        exit(3, 0, 0),
    ];
    let found = diagnose(
        Some(&machine("started", events)),
        Some(&agent("ready", Some(5.0), 2)),
        now(),
    );
    assert!(!codes(&found).contains(&"crash_loop"), "{found:#?}");
}

#[test]
fn boots_in_the_history_reveal_a_loop_fly_events_missed() {
    let mut a = agent("ready", Some(5.0), 2);
    a.history = Some(AgentHistory {
        accesses: vec![],
        agent_version: "1.0.0".into(),
        machine_id: "m".into(),
        protocol_version: 1,
        booted_at: at(1),
        samples: vec![],
        boots: (1..=5)
            .map(|m| BootRecord {
                at: at(m),
                agent_version: "1.0.0".into(),
            })
            .collect(),
        errors: vec![AgentErrorRecord {
            at: at(1),
            source: "market".into(),
            message: "Binance answered 429".into(),
        }],
    });
    let found = diagnose(Some(&machine("started", vec![])), Some(&a), now());
    assert_eq!(codes(&found), ["crash_loop", "agent_errors"], "{found:#?}");
    assert!(found[1].detail.contains("Binance answered 429"));
}

#[test]
fn candles_that_stopped_are_stale_whether_the_agent_says_so_or_the_age_does() {
    let says = diagnose(
        Some(&machine("started", vec![])),
        Some(&agent("degraded", Some(200.0), 2)),
        now(),
    );
    assert_eq!(codes(&says), ["stale_candles"], "{says:#?}");
    assert!(says[0].detail.contains("200 s old"), "{}", says[0].detail);
    let old = diagnose(
        Some(&machine("started", vec![])),
        Some(&agent("ready", Some(700.0), 2)),
        now(),
    );
    assert_eq!(codes(&old), ["stale_candles"]);
    // No streams: that is its own finding, not stale candles.
    let down = diagnose(
        Some(&machine("started", vec![])),
        Some(&agent("degraded", Some(30.0), 0)),
        now(),
    );
    assert_eq!(
        codes(&down),
        ["agent_degraded", "streams_down"],
        "{down:#?}"
    );
}

#[test]
fn a_stopped_or_missing_machine_says_so() {
    let stopped = diagnose(Some(&machine("stopped", vec![])), None, now());
    assert_eq!(codes(&stopped), ["machine_not_started"]);
    let none = diagnose(None, None, now());
    assert_eq!(codes(&none), ["no_machine"]);
    assert_eq!(none[0].severity, Severity::Critical);
}
