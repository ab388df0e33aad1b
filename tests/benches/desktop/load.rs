//! `load`: the app connected to the load generator (10 metrics frames/s, 100 signals/s) for
//! N minutes, the Signals area open for the first half and the Dashboard for the second.
//! Every sample: PSS/RSS of the app's process tree, the newest seq the page shows against the
//! generator's newest (lag), and one WebDriver `execute` round trip (how quickly the page's
//! main thread answers).
//!
//! The app reaches the generator as a real user's app reaches its agent: a fake Fly
//! (simulated) and `trademind machine start` in the same profile provision the machine with
//! `TRADEMIND_AGENT_URL` pointing at the generator; the app, started afterwards, connects its
//! link at start-up because the machine is started and the agent is ready.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trademind_tests::app::binary;
use trademind_tests::display::Xvfb;
use trademind_tests::fake_fly::{FakeConfig, FakeFly, TokenKind};
use trademind_tests::figures::{mb, mean, slope};
use trademind_tests::fly_profile::FlyProfile;
use trademind_tests::load_agent::{LoadAgent, LoadConfig};
use trademind_tests::procmem;
use trademind_tests::webdriver::{Driver, Session};
use trademind_tests::window::{app_env, artifacts};

use crate::report::Table;

const UI_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the app has to connect and send `resume_from` after its window opened.
const CONNECT_LIMIT: Duration = Duration::from_secs(90);

/// One sample.
struct Sample {
    at_s: f64,
    area: &'static str,
    pss_kb: u64,
    rss_kb: u64,
    page_seq: Option<u64>,
    rows: u64,
    agent_seq: u64,
    round_trip_ms: f64,
    /// PSS per process (name, kB), to tell which one grows.
    by_process: Vec<(String, u64)>,
}

pub fn run(minutes: f64, every: Duration) -> Result<Value, String> {
    let config = LoadConfig::default();
    let rate = f64::from(config.signals_per_sec);
    let generator = LoadAgent::start(config);
    let fly = FakeFly::start(FakeConfig::fast());
    let token = fly.add_token(TokenKind::Org);
    let mut user = FlyProfile::new(&fly, &token);
    user.agent_url = generator.base_url();
    let started = user.cli(&["machine", "start", "--json"]);
    if started.code() != Some(0) {
        return Err(format!("machine start failed: {}", started.stderr()));
    }
    let app_name = fly
        .apps()
        .first()
        .map(|a| a.name.clone())
        .ok_or("no Fly app")?;
    let (secrets, _) = fly.secrets(&app_name);
    let owner = secrets
        .get("SCREENER_OWNER_TOKEN")
        .ok_or("provisioning set no SCREENER_OWNER_TOKEN")?;
    generator.set_owner_token(owner);
    if let Some(machine) = fly.machines(&app_name).first() {
        generator.set_machine_id(&machine.id);
    }

    let xvfb = Xvfb::start();
    let mut env = app_env(&user.profile, &xvfb);
    env.push(("FLY_API_TOKEN", token.clone().into()));
    env.push(("TRADEMIND_FLY_API_URL", fly.base_url().into()));
    env.push(("TRADEMIND_AGENT_URL", generator.base_url().into()));
    env.push(("TRADEMIND_AGENT_READY_TIMEOUT", "60".into()));
    let driver = Driver::start(&env, &artifacts().join("driver-load.log"));
    let session = driver.session(&binary(), &[]);
    let app_pid = app_pid().ok_or("the app's process was not found under the driver")?;
    if !generator.wait_following(CONNECT_LIMIT) {
        session.quit();
        return Err(format!(
            "the app did not connect to the agent within {CONNECT_LIMIT:?} (connections: {}, \
             refused: {}): the link must start at start-up when the machine is started and \
             the agent ready",
            generator.hellos(),
            generator.rejected()
        ));
    }

    generator.start_emitting();
    let begun = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let mut samples = Vec::new();
    let mut area = "signals";
    open(&session, area);
    session.wait_for("[data-testid=signals-feed]", UI_TIMEOUT);
    while begun.elapsed() < total {
        std::thread::sleep(every.min(total.saturating_sub(begun.elapsed())));
        if area == "signals" && begun.elapsed() >= total / 2 {
            area = "dashboard";
            open(&session, area);
        }
        samples.push(sample(&session, &generator, app_pid, begun, area));
        print_sample(samples.last().expect("just pushed"));
    }
    generator.stop_emitting();
    let emitted = generator.last_seq();
    session.quit();
    Ok(summarize(&samples, minutes, rate, emitted, &generator))
}

fn open(session: &Session, area: &str) {
    session.click(&session.wait_for(&format!("[data-testid=nav-{area}]"), UI_TIMEOUT));
}

/// The app: the process below this one (under the driver) running the app's binary.
fn app_pid() -> Option<u32> {
    let want = std::fs::canonicalize(binary()).ok()?;
    let deadline = Instant::now() + UI_TIMEOUT;
    while Instant::now() < deadline {
        let found = procmem::tree(std::process::id()).into_iter().find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).ok().as_ref() == Some(&want)
        });
        if found.is_some() {
            return found;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

fn sample(
    session: &Session,
    generator: &LoadAgent,
    app_pid: u32,
    begun: Instant,
    area: &'static str,
) -> Sample {
    let agent_seq = generator.last_seq();
    let processes = procmem::tree_memory(app_pid);
    let (pss_kb, rss_kb) = procmem::totals(&processes);
    let asked = Instant::now();
    session.execute("return 1;");
    let round_trip_ms = asked.elapsed().as_secs_f64() * 1000.0;
    let shown = session.execute(
        "const ids = Array.from(document.querySelectorAll('[data-testid^=signal-row-]'))\
         .map(e => Number(e.getAttribute('data-testid').slice('signal-row-'.length)))\
         .filter(n => Number.isFinite(n));\
         return [ids.length ? Math.max(...ids) : null, ids.length];",
    );
    Sample {
        at_s: begun.elapsed().as_secs_f64(),
        area,
        pss_kb,
        rss_kb,
        page_seq: shown[0].as_u64(),
        rows: shown[1].as_u64().unwrap_or(0),
        agent_seq,
        round_trip_ms,
        by_process: processes.into_iter().map(|p| (p.name, p.pss_kb)).collect(),
    }
}

fn print_sample(s: &Sample) {
    println!(
        "  {:>6.0} s  {:<9}  PSS {:>6.1} MB  RSS {:>6.1} MB  page seq {:>7}  agent seq {:>7}  \
         rows {:>5}  round trip {:>6.1} ms  [{}]",
        s.at_s,
        s.area,
        mb(s.pss_kb),
        mb(s.rss_kb),
        s.page_seq.map_or("-".into(), |v| v.to_string()),
        s.agent_seq,
        s.rows,
        s.round_trip_ms,
        s.by_process
            .iter()
            .map(|(name, kb)| format!("{name} {:.0}", mb(*kb)))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn summarize(
    samples: &[Sample],
    minutes: f64,
    rate: f64,
    emitted: u64,
    generator: &LoadAgent,
) -> Value {
    let pss: Vec<f64> = samples.iter().map(|s| mb(s.pss_kb)).collect();
    let third = (samples.len() / 3).max(1);
    let first = mean(&pss[..third.min(pss.len())]);
    let last = mean(&pss[pss.len().saturating_sub(third)..]);
    let points: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| (s.at_s / 60.0, mb(s.pss_kb)))
        .collect();
    let per_area = |area: &str| {
        let pts: Vec<(f64, f64)> = samples
            .iter()
            .filter(|s| s.area == area)
            .map(|s| (s.at_s / 60.0, mb(s.pss_kb)))
            .collect();
        slope(&pts)
    };
    let lags: Vec<u64> = samples
        .iter()
        .filter_map(|s| s.page_seq.map(|p| s.agent_seq.saturating_sub(p)))
        .collect();
    let max_lag = lags.iter().copied().max();
    let max_rt = samples.iter().map(|s| s.round_trip_ms).fold(0.0, f64::max);
    let mut table = Table::new(&["figure", "value"]);
    table.row(&["minutes".into(), format!("{minutes}")]);
    table.row(&["signals emitted".into(), emitted.to_string()]);
    table.row(&["PSS first third (MB)".into(), format!("{first:.1}")]);
    table.row(&["PSS last third (MB)".into(), format!("{last:.1}")]);
    table.row(&[
        "PSS slope (MB/min)".into(),
        slope(&points).map_or("-".into(), |v| format!("{v:.2}")),
    ]);
    table.row(&[
        "max lag (signals)".into(),
        max_lag.map_or("-".into(), |v| format!("{v} (≈ {:.1} s)", v as f64 / rate)),
    ]);
    table.row(&["max round trip (ms)".into(), format!("{max_rt:.1}")]);
    table.row(&["link connections".into(), generator.hellos().to_string()]);
    println!("\nload: 10 metrics/s + 100 signals/s\n{table}");
    json!({
        "minutes": minutes,
        "metricsPerSec": 10,
        "signalsPerSec": rate,
        "signalsEmitted": emitted,
        "pssFirstThirdMb": first,
        "pssLastThirdMb": last,
        "pssGrowthMb": last - first,
        "pssSlopeMbPerMin": slope(&points),
        "pssSlopeSignalsMbPerMin": per_area("signals"),
        "pssSlopeDashboardMbPerMin": per_area("dashboard"),
        "maxLagSignals": max_lag,
        "maxLagSeconds": max_lag.map(|v| v as f64 / rate),
        "maxRoundTripMs": max_rt,
        "linkConnections": generator.hellos(),
        "resumes": generator.resumes(),
        "samples": samples.iter().map(|s| json!({
            "atS": s.at_s, "area": s.area, "pssMb": mb(s.pss_kb), "rssMb": mb(s.rss_kb),
            "pageSeq": s.page_seq, "agentSeq": s.agent_seq, "rows": s.rows,
            "roundTripMs": s.round_trip_ms,
            "pssMbByProcess": s.by_process.iter().map(|(n, kb)| json!({"name": n, "pssMb": mb(*kb)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "driverLog": artifacts().join("driver-load.log").to_string_lossy(),
    })
}
