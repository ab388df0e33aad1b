//! Report tests: secrets planted all over an inspection, its logs, the app log and the audit
//! log never reach any file; the index links every file; bad folders are refused untouched.

use std::path::{Path, PathBuf};

use screener::market::Interval;
use screener::protocol::{AgentState, DeployState, Metrics, SignalFrame, Status, TraderState};

use super::*;
use crate::error::{ApiError, ErrorCode};
use crate::inspect::view::*;
use crate::machine::lifecycle::FlyEventView;

/// Known secrets (the caller's Sensitive values) and secrets only their shape gives away.
/// Every one contains `PLANTED`, which nothing else in the fixture does.
const KNOWN_VIEWER: &str = "vw-PLANTED-9f8e7d6c5b4a";
const KNOWN_LLM: &str = "llm-PLANTED-key-0123456789";
const OWNER: &str = "tmo_PLANTEDowner0123456789";
const VIEWER: &str = "tmv_PLANTEDviewer0123456789";
const ANTHROPIC: &str = "sk-ant-api03-PLANTED0123456789";
const OPENAI: &str = "sk-proj-PLANTED0123456789abcdef";
const MACAROON: &str = "fm2_PLANTEDmacaroon0123456789";
const FLY_V1: &str = "fm1r_PLANTEDflyv1token0123456789,fm2_PLANTEDsecond01234567";
const BEARER: &str = "PLANTEDbearer0123456789abc";
const PASSWORD: &str = "PLANTEDpass99";
const BASIC: &str = "PLANTEDbasicAuth123";
const QUERY_TOKEN: &str = "PLANTEDquerytoken7";

const SECRETS: [&str; 12] = [
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
const END: &str = "2026-11-24T12:00:00Z";

fn at_minute(i: i64) -> String {
    let end = charts::parse_ms(END).unwrap();
    chrono::DateTime::from_timestamp_millis(end - (1439 - i) * 60_000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn api_error(message: String) -> ApiError {
    ApiError {
        code: ErrorCode::Io,
        message,
        hint: None,
    }
}

fn history(samples: usize) -> AgentHistory {
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

fn inspection(samples: usize) -> Inspection {
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

fn logs() -> LogsView {
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

fn app_log() -> Vec<String> {
    vec![
        "2026-11-24T11:59:00.1Z  INFO trademind: support window opened".into(),
        format!("2026-11-24T11:59:01.1Z  WARN trademind::link: retry with {VIEWER}"),
        format!("2026-11-24T11:59:02.1Z ERROR trademind::api: key {KNOWN_LLM} rejected"),
    ]
}

fn audit() -> Vec<AuditEvent> {
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

fn secrets() -> Vec<Sensitive<String>> {
    [KNOWN_VIEWER, KNOWN_LLM, "", "short"]
        .iter()
        .map(|s| Sensitive::new((*s).to_owned()))
        .collect()
}

/// Every file under `dir`, relative, with its bytes.
fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn write_report(inspection: &Inspection, dir: &Path) -> Result<ReportSummary> {
    let (logs, app_log, audit, secrets) = (logs(), app_log(), audit(), secrets());
    let input = ReportInput {
        inspection,
        logs: &logs,
        app_log: &app_log,
        audit: &audit,
        secrets: &secrets,
    };
    write(&input, dir)
}

#[test]
fn planted_secrets_never_reach_any_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let summary = write_report(&inspection(1440), &dir).unwrap();

    let files = read_all(&dir);
    let mut marks = 0;
    for (name, bytes) in &files {
        for secret in SECRETS {
            assert_eq!(
                occurrences(bytes, secret.as_bytes()),
                0,
                "{secret} in {name}"
            );
        }
        assert_eq!(
            occurrences(bytes, b"PLANTED"),
            0,
            "a planted secret in {name}"
        );
        marks += occurrences(bytes, redact::MARK.as_bytes());
    }
    assert!(marks > 20, "{marks}");
    assert_eq!(
        summary.redactions as usize, marks,
        "the count matches the marks written"
    );
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    for name in [INDEX_FILE, INSPECTION_FILE, LOGS_FILE, APP_LOG_FILE] {
        assert!(text(name).contains(redact::MARK), "{name}");
    }
    // What is not secret is still there.
    let index = text(INDEX_FILE);
    for kept in [
        "trademind-u42",
        "crash_loop",
        "BTCUSDT",
        "RUST_LOG",
        "u-42",
        "137",
    ] {
        assert!(index.contains(kept), "{kept}");
    }
    let json: serde_json::Value = serde_json::from_str(&text(INSPECTION_FILE)).unwrap();
    assert_eq!(
        json["agent"]["history"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        1440
    );
    assert_eq!(summary.findings, 1);
}

#[test]
fn the_index_links_every_file_and_has_every_section() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let summary = write_report(&inspection(1440), &dir).unwrap();
    let index = std::fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(index.starts_with("<!doctype html>"));
    assert!(index.trim_end().ends_with("</html>"));
    for id in [
        "summary", "findings", "machine", "events", "health", "agent", "traders", "signals",
        "errors", "charts", "logs", "app-log", "audit",
    ] {
        assert!(index.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    // Self-contained: no scripts, nothing fetched from elsewhere.
    assert!(!index.contains("<script"), "the log line's script is text");
    assert!(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!index.contains("http://") && !index.contains("src=\"https"));

    let on_disk: Vec<String> = read_all(&dir).into_iter().map(|(n, _)| n).collect();
    let mut listed = summary.files.clone();
    listed.push(MARKER.to_owned());
    listed.sort();
    assert_eq!(on_disk, listed, "the summary lists every file written");
    for file in summary.files.iter().filter(|f| *f != INDEX_FILE) {
        assert!(
            index.contains(&format!("href=\"{file}\"")),
            "{file} is linked"
        );
    }
    for chart in [
        "cpu",
        "memory",
        "candle-age",
        "evaluations",
        "queue-depth",
        "errors",
    ] {
        let svg = format!("charts/{chart}.svg");
        assert!(summary.files.contains(&svg), "{svg}");
        assert!(summary.files.contains(&format!("charts/{chart}.png")));
        assert!(
            index.contains(&format!("<img src=\"{svg}\"")),
            "{svg} is shown"
        );
    }
    assert_eq!(summary.index, dir.join(INDEX_FILE).display().to_string());
    assert_eq!(summary.dir, dir.display().to_string());

    // The error summary groups the two identical LLM errors.
    let errors = &index[index.find("id=\"errors\"").unwrap()..index.find("id=\"charts\"").unwrap()];
    assert!(errors.contains("<td>2</td><td>llm</td>"), "{errors}");
    assert!(
        errors.contains("2 of 4"),
        "a Fly warning and an error of four: {errors}"
    );
    assert!(
        errors.contains("2 of 3"),
        "two app warnings/errors of three"
    );
}

#[test]
fn charts_are_drawn_from_the_history_as_svg_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    write_report(&inspection(1440), &dir).unwrap();
    let memory = std::fs::read_to_string(dir.join("charts/memory.svg")).unwrap();
    assert!(memory.starts_with("<svg"));
    assert!(memory.contains("Memory (MB)"));
    assert!(memory.contains("#F85149"), "the memory limit line");
    assert!(!memory.contains("No data"));
    let polyline = memory
        .split("<polyline")
        .find(|p| p.contains("#58A6FF"))
        .expect("the data line");
    let points = polyline
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(points.split_whitespace().count(), 1440, "a point a minute");
    for (name, _) in charts::CHARTS.iter().map(|(m, n)| (n, m)) {
        let png = std::fs::read(dir.join(format!("charts/{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let info = decoder.read_info().unwrap();
        assert_eq!(
            (info.info().width, info.info().height),
            (charts::SIZE.width, charts::SIZE.height)
        );
        assert!(png.len() > 2_000, "{name}: {} bytes", png.len());
    }
}

#[test]
fn no_history_or_no_machine_still_makes_a_report_with_empty_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bare = inspection(0);
    bare.machine = None;
    bare.agent = None;
    bare.findings.clear();
    bare.generated_at = "not a time".into();
    let summary = write_report(&bare, tmp.path()).unwrap();
    let cpu = std::fs::read_to_string(tmp.path().join("charts/cpu.svg")).unwrap();
    assert!(cpu.contains("No data for the last 24 hours"));
    let index = std::fs::read_to_string(tmp.path().join(INDEX_FILE)).unwrap();
    assert!(index.contains("The app has no machine."));
    assert!(index.contains("Nothing wrong was found."));
    assert_eq!(summary.findings, 0);
    // The agent's history present but empty: the same.
    let dir = tmp.path().join("empty-history");
    let mut empty = inspection(1440);
    if let Some(h) = empty.agent.as_mut().and_then(|a| a.history.as_mut()) {
        h.samples.clear();
    }
    write_report(&empty, &dir).unwrap();
    let queue = std::fs::read_to_string(dir.join("charts/queue-depth.svg")).unwrap();
    assert!(queue.contains("No data for the last 24 hours"));
}

#[test]
fn bad_folders_are_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    // A file.
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let err = write_report(&inspection(10), &file).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("is a file"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // Someone's folder.
    let theirs = tmp.path().join("photos");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("cat.jpg"), "meow").unwrap();
    let err = write_report(&inspection(10), &theirs).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("not a TradeMind report"), "{err}");
    let names: Vec<String> = read_all(&theirs).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["cat.jpg"]);
    // Under a file: an io error.
    let err = write_report(&inspection(10), &file.join("report")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io, "{err}");
}

#[test]
fn a_previous_report_is_written_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("r");
    let first = write_report(&inspection(10), &dir).unwrap();
    std::fs::write(dir.join("charts/stale.svg"), "old").unwrap();
    let second = write_report(&inspection(20), &dir).unwrap();
    assert_eq!(first.files, second.files);
    assert_eq!(first.redactions, second.redactions, "counted afresh");
    // A file the previous report did not write stays (it is not ours to remove).
    assert!(dir.join("charts/stale.svg").exists());
    let json = std::fs::read_to_string(dir.join(INSPECTION_FILE)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["agent"]["history"]["samples"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}
