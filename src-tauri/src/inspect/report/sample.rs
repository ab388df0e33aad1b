//! A day of a machine's life as the inspector sees it (1 440 one-minute samples at most,
//! events, logs, the app log, the audit log), with secrets planted everywhere: the report's
//! tests check that none reaches a file, and its benchmark writes it (`cargo bench -p
//! trademind --bench report --features bench-fixtures`). Not compiled into the app.

use screener::market::Interval;
use screener::protocol::{AgentState, DeployState, Metrics, SignalFrame, Status, TraderState};

use super::charts;
use crate::error::{ApiError, ErrorCode};
use crate::inspect::view::*;
use crate::machine::lifecycle::FlyEventView;
use crate::sensitive::Sensitive;
use crate::store::events::AuditEvent;

/// Known secrets (the caller's Sensitive values) and secrets only their shape gives away.
/// Every one contains `PLANTED`, which nothing else in the fixture does.
pub const KNOWN_VIEWER: &str = "vw-PLANTED-9f8e7d6c5b4a";
pub const KNOWN_LLM: &str = "llm-PLANTED-key-0123456789";
pub const OWNER: &str = "tmo_PLANTEDowner0123456789";
pub const VIEWER: &str = "tmv_PLANTEDviewer0123456789";
pub const ANTHROPIC: &str = "sk-ant-api03-PLANTED0123456789";
pub const OPENAI: &str = "sk-proj-PLANTED0123456789abcdef";
pub const MACAROON: &str = "fm2_PLANTEDmacaroon0123456789";
pub const FLY_V1: &str = "fm1r_PLANTEDflyv1token0123456789,fm2_PLANTEDsecond01234567";
pub const BEARER: &str = "PLANTEDbearer0123456789abc";
pub const PASSWORD: &str = "PLANTEDpass99";
pub const BASIC: &str = "PLANTEDbasicAuth123";
pub const QUERY_TOKEN: &str = "PLANTEDquerytoken7";

pub const SECRETS: [&str; 12] = [
    KNOWN_VIEWER,
    KNOWN_LLM,
    OWNER,
    VIEWER,
    ANTHROPIC,
    OPENAI,
    MACAROON,
    FLY_V1,
    BEARER,
    PASSWORD,
    BASIC,
    QUERY_TOKEN,
];

/// 2026-11-24T12:00:00Z.
pub const END: &str = "2026-11-24T12:00:00Z";

pub fn at_minute(i: i64) -> String {
    let end = charts::parse_ms(END).unwrap();
    chrono::DateTime::from_timestamp_millis(end - (1439 - i) * 60_000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn api_error(message: String) -> ApiError {
    ApiError {
        code: ErrorCode::Io,
        message,
        hint: None,
    }
}

pub fn history(samples: usize) -> AgentHistory {
    AgentHistory {
        accesses: vec![],
        agent_version: "0.9.0".into(),
        machine_id: "m-1".into(),
        protocol_version: 3,
        booted_at: at_minute(0),
        samples: (0..samples as i64)
            .map(|i| HistorySample {
                at: at_minute(i),
                cpu_percent: 20.0 + (i % 60) as f64,
                memory_bytes: 300_000_000 + i as u64 * 10_000,
                memory_limit_bytes: 1_073_741_824,
                uptime_seconds: i as u64 * 60,
                streams_connected: 2,
                last_candle_age_seconds: (i > 3).then_some(2.0 + (i % 7) as f64),
                active_traders: 3,
                evaluations_per_minute: 120,
                queue_depth: (i % 5) as u32,
                signals_total: i as u64 / 10,
                errors_total: i as u64 / 100,
            })
            .collect(),
        boots: vec![BootRecord {
            at: at_minute(0),
            agent_version: "0.9.0".into(),
        }],
        errors: vec![
            AgentErrorRecord {
                at: at_minute(10),
                source: "llm".into(),
                message: format!("request failed: x-api-key {KNOWN_LLM} rejected"),
            },
            AgentErrorRecord {
                at: at_minute(20),
                source: "llm".into(),
                message: format!("request failed: x-api-key {KNOWN_LLM} rejected"),
            },
            AgentErrorRecord {
                at: at_minute(30),
                source: "binance".into(),
                message: format!("GET /stream?token={QUERY_TOKEN} closed"),
            },
        ],
    }
}

pub fn inspection(samples: usize) -> Inspection {
    let config = MachineConfigView {
        image: "registry.fly.io/trademind-agent:0.9.0".into(),
        cpu_kind: Some("shared".into()),
        cpus: Some(1),
        memory_mb: Some(1024),
        services: vec![ServiceView {
            protocol: "tcp".into(),
            internal_port: 8080,
            ports: vec!["443 (tls, http)".into()],
            autostop: Some("off".into()),
        }],
        checks: vec![CheckView {
            name: "health".into(),
            kind: Some("http".into()),
            path: Some("/health".into()),
            interval: Some("15s".into()),
            status: Some("critical".into()),
            output: Some(format!("Authorization: Basic {BASIC}")),
        }],
        restart: Some("on-failure (max 10)".into()),
        mounts: vec!["vol_1 on /data".into()],
        env_names: vec!["RUST_LOG".into(), OWNER.into()],
        metadata: vec![
            MetadataEntry {
                key: "trademind_user".into(),
                value: "u-42".into(),
            },
            MetadataEntry {
                key: "note".into(),
                value: format!("viewer {KNOWN_VIEWER}"),
            },
        ],
    };
    Inspection {
        generated_at: END.into(),
        target: InspectTarget {
            app: "trademind-u42".into(),
            machine_id: Some("m-1".into()),
            machine_name: Some("agent".into()),
            region: Some("sin".into()),
            state: Some("started".into()),
            user: Some("u-42".into()),
            matched_by: MatchKind::User,
        },
        versions: Versions {
            app: "0.1.0".into(),
            app_protocol: 3,
            agent: Some("0.9.0".into()),
            agent_protocol: Some(3),
            image: Some(config.image.clone()),
        },
        machine: Some(MachineInspection {
            id: "m-1".into(),
            name: "agent".into(),
            state: "started".into(),
            region: "sin".into(),
            instance_id: Some("01J".into()),
            created_at: Some(at_minute(0)),
            updated_at: Some(at_minute(5)),
            config: Some(config),
            events: vec![FlyEventView {
                id: "ev1".into(),
                at: at_minute(100),
                kind: "exit".into(),
                status: format!("stopped: FlyV1 {FLY_V1}"),
                source: "flyd".into(),
                exit_code: Some(137),
                oom_killed: Some(true),
                restart_count: Some(2),
            }],
        }),
        agent: Some(AgentInspection {
            url: "https://trademind-u42.fly.dev".into(),
            health: Some(HealthView {
                http_status: 200,
                status: "ok".into(),
                agent_version: Some("0.9.0".into()),
                uptime_seconds: Some(86_000),
                symbols: Some(50),
                last_candle_age_seconds: Some(3.0),
                active_traders: Some(3),
                machine_id: Some("m-1".into()),
            }),
            health_error: Some(api_error(format!("refused Bearer {BEARER}"))),
            greeting: Some(AgentGreeting {
                agent_version: "0.9.0".into(),
                protocol_version: 3,
                machine_id: "m-1".into(),
                started_at: at_minute(0),
                capabilities: vec!["history".into()],
                last_seq: 7,
            }),
            status: Some(Status {
                state: AgentState::Running,
                reason: Some(format!("owner {OWNER}")),
            }),
            metrics: Some(Metrics {
                cpu_percent: 33.0,
                memory_bytes: 400_000_000,
                memory_limit_bytes: 1_073_741_824,
                ..Metrics::default()
            }),
            traders: vec![TraderState {
                trader_id: "t1".into(),
                version: 4,
                state: DeployState::Error,
                error: Some(format!("LLM said no to {ANTHROPIC}")),
            }],
            signals: vec![SignalFrame {
                seq: 7,
                trader_id: "t1".into(),
                symbol: "BTCUSDT".into(),
                interval: Interval::M5,
                open_time: charts::parse_ms(&at_minute(1400)).unwrap(),
                close_time: charts::parse_ms(&at_minute(1405)).unwrap(),
                price: 97_000.5,
                conditions: vec![format!("macaroon {MACAROON}")],
            }],
            link_error: Some(api_error(format!("viewer token {VIEWER} refused"))),
            history: (samples > 0).then(|| history(samples)),
            history_error: None,
        }),
        findings: vec![Finding {
            severity: Severity::Critical,
            code: "crash_loop".into(),
            title: "The agent keeps restarting".into(),
            detail: format!("Last exit after password={PASSWORD}"),
            advice: "Look at the logs.".into(),
        }],
        charts: Vec::new(),
    }
}

pub fn logs() -> LogsView {
    let line = |level: &str, message: String| LogLine {
        at: at_minute(1430),
        level: level.into(),
        message,
        instance: "01J".into(),
        region: "sin".into(),
    };
    LogsView {
        lines: vec![
            line("info", "<script>alert(1)</script> started".into()),
            line(
                "error",
                format!("auth failed: Authorization: FlyV1 {FLY_V1}"),
            ),
            line("warn", format!("calling LLM with {OPENAI}")),
            line("info", format!("{{\"password\": \"{PASSWORD}\"}}")),
        ],
        next_token: None,
        scanned: 4,
    }
}

pub fn app_log() -> Vec<String> {
    vec![
        "2026-11-24T11:59:00.1Z  INFO trademind: support window opened".into(),
        format!("2026-11-24T11:59:01.1Z  WARN trademind::link: retry with {VIEWER}"),
        format!("2026-11-24T11:59:02.1Z ERROR trademind::api: key {KNOWN_LLM} rejected"),
        format!(
            "2026-11-24T11:59:03.1Z DEBUG reqwest: x-goog-api-key {}",
            base64_of(KNOWN_LLM)
        ),
    ]
}

pub fn audit() -> Vec<AuditEvent> {
    vec![AuditEvent {
        id: 1,
        at: at_minute(1000),
        actor: "gui".into(),
        kind: "token.set".into(),
        machine_id: Some("m-1".into()),
        details: serde_json::json!({
            "note": format!("set {KNOWN_VIEWER}"),
            "header": format!("Bearer {BEARER}"),
            "url": format!("https://x/?token={QUERY_TOKEN}&a=1"),
        }),
    }]
}

pub fn base64_of(secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(secret)
}

pub fn secrets() -> Vec<Sensitive<String>> {
    [KNOWN_VIEWER, KNOWN_LLM, "", "short"]
        .iter()
        .map(|s| Sensitive::new((*s).to_owned()))
        .collect()
}
