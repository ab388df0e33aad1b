//! Shared setup for the agent tests: a fake Binance with synthetic minutes, the agent in
//! process (port 0) or as the real `screener serve` process, and a protocol client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use fake_binance::{data, FakeBinance, FakeConfig};
use futures_util::{SinkExt, StreamExt};
use screener::agent::args::Tokens;
use screener::agent::ServeArgs;
use screener::binance::FeedArgs;
use screener::market::Interval;
use screener::protocol::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

pub const T0: i64 = fake_binance::DEFAULT_NOW;
pub const MIN: i64 = 60_000;
pub const OWNER: &str = "tmo_owner-token-for-the-agent-tests-0001";
pub const VIEWER: &str = "tmv_viewer-token-for-the-agent-tests-001";
pub const WAIT: Duration = Duration::from_secs(15);

/// A fake Binance with `symbols` × 600 synthetic 1m candles, the clock 30 s into candle 400.
pub fn market(symbols: &[&str]) -> FakeBinance {
    let fake = FakeBinance::start(FakeConfig::fast());
    for (i, symbol) in symbols.iter().enumerate() {
        let candles = data::synthetic(Interval::M1, T0, 600, 100.0 + i as f64, i as u64 + 7);
        fake.load(symbol, Interval::M1, candles);
    }
    fake.set_now(T0 + 400 * MIN + 30_000);
    fake
}

/// `serve` flags against `fake`, journal in `dir`.
pub fn args(fake: &FakeBinance, symbols: &[&str], dir: &Path) -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        feed: FeedArgs {
            quote: "USDT".into(),
            symbols: Some(symbols.iter().map(|s| s.to_string()).collect()),
            intervals: vec![Interval::M1],
            history: 100,
            binance_rest_url: fake.rest_url(),
            binance_ws_url: fake.ws_url(),
        },
        insecure_local: false,
        metrics_interval: 1,
        workers: Some(1),
        heartbeat_secs: 15,
    }
}

pub fn tokens() -> Tokens {
    Tokens::new(
        Some(OWNER.into()),
        Some(VIEWER.into()),
        "127.0.0.1:0".parse().unwrap(),
        false,
    )
    .unwrap()
}

/// The agent running in this process.
pub struct Agent {
    pub addr: SocketAddr,
    pub stop: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), screener::agent::AgentError>>,
}

impl Agent {
    pub async fn start(args: ServeArgs) -> Agent {
        Agent::start_with(
            args,
            screener::analysis::AnalysisConfig::from_vars(|_| None).unwrap(),
        )
        .await
    }

    /// With AI analysis configured by `analysis`.
    pub async fn start_with(
        args: ServeArgs,
        analysis: screener::analysis::AnalysisConfig,
    ) -> Agent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let task = tokio::spawn(screener::agent::serve_on(
            listener,
            args,
            tokens(),
            analysis,
            stop.clone(),
        ));
        Agent { addr, stop, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until `/health` says `ready` (backfilled and streaming).
    pub async fn ready(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(r) = reqwest::get(self.url("/health")).await {
                let ok = r.status() == 200;
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                if ok && body["status"] == "ready" {
                    return;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "agent never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops it and waits for the drain.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let ended = tokio::time::timeout(WAIT, self.task).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "clean drain: {ended:?}");
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A protocol client.
pub struct Client {
    pub socket: Socket,
}

impl Client {
    /// Connects with `token` (none: no Authorization header).
    pub async fn connect(
        addr: SocketAddr,
        token: Option<&str>,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
        if let Some(token) = token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Client { socket })
    }

    pub async fn owner(addr: SocketAddr) -> Client {
        Client::connect(addr, Some(OWNER))
            .await
            .expect("owner connects")
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).unwrap();
        self.socket.send(Message::text(text)).await.unwrap();
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.socket.send(message).await.unwrap();
    }

    /// The next protocol frame (pings are answered by the library), or `None` on close or
    /// timeout.
    pub async fn next(&mut self, timeout: Duration) -> Option<ServerFrame> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(tokio::time::Instant::now())?;
            match tokio::time::timeout(left, self.socket.next())
                .await
                .ok()??
            {
                Ok(Message::Text(text)) => {
                    return Some(
                        serde_json::from_str(text.as_str())
                            .unwrap_or_else(|e| panic!("not a server frame ({e}): {text}")),
                    )
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Reads frames until `pick` returns something.
    pub async fn until<T>(&mut self, mut pick: impl FnMut(&ServerFrame) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline
                .checked_duration_since(tokio::time::Instant::now())
                .expect("timed out waiting for a frame");
            let frame = self
                .next(left)
                .await
                .expect("connection ended while waiting");
            if let Some(found) = pick(&frame) {
                return found;
            }
        }
    }

    /// Sends `deploy_trader` under `id` and waits for its `ack` (Ok) or `error` (code, message).
    pub async fn deploy(
        &mut self,
        id: &str,
        trader: screener::trader::Trader,
    ) -> Result<(), (String, String)> {
        self.send(&ClientFrame::DeployTrader(
            screener::protocol::DeployTrader {
                id: id.into(),
                trader,
            },
        ))
        .await;
        self.answer(id).await
    }

    /// The `ack` (Ok) or `error` (code, message) of command `id`.
    pub async fn answer(&mut self, id: &str) -> Result<(), (String, String)> {
        self.until(|f| match f {
            ServerFrame::Ack(a) if a.id == id => Some(Ok(())),
            ServerFrame::Error(e) if e.id.as_deref() == Some(id) => {
                Some(Err((e.code.clone(), e.message.clone())))
            }
            _ => None,
        })
        .await
    }

    /// Asks for the journal's signals after `after_seq`, then live ones.
    pub async fn resume_from(&mut self, after_seq: u64) {
        self.send(&ClientFrame::ResumeFrom(screener::protocol::ResumeFrom {
            after_seq,
        }))
        .await;
    }

    /// Deploys `trader` (which must be accepted) and asks for every signal.
    pub async fn deploy_and_follow(&mut self, trader: screener::trader::Trader) {
        let id = format!("deploy-{}-{}", trader.id, trader.version);
        assert_eq!(self.deploy(&id, trader).await, Ok(()));
        self.resume_from(0).await;
    }

    /// The connection's `hello`.
    pub async fn hello(&mut self) -> screener::protocol::Hello {
        self.until(|f| match f {
            ServerFrame::Hello(h) => Some(h.clone()),
            _ => None,
        })
        .await
    }

    /// Collects frames for `span`.
    pub async fn collect(&mut self, span: Duration) -> Vec<ServerFrame> {
        let deadline = tokio::time::Instant::now() + span;
        let mut frames = Vec::new();
        while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
            match self.next(left).await {
                Some(frame) => frames.push(frame),
                None => break,
            }
        }
        frames
    }
}

/// A trader whose filter matches every candle close of `interval`.
pub fn always(id: &str, version: u64) -> screener::trader::Trader {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "name": format!("Always {id}"),
        "version": version,
        "filter": {"code": "return true;", "refreshInterval": "1m", "cooldownBars": 1}
    }))
    .unwrap()
}

/// The seqs of the signal frames among `frames`.
pub fn seqs(frames: &[ServerFrame]) -> Vec<u64> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Signal(s) => Some(s.seq),
            _ => None,
        })
        .collect()
}

/// `screener serve` as a real process on a free loopback port, journal in `dir`.
pub struct AgentProcess {
    pub addr: SocketAddr,
    pub child: tokio::process::Child,
    /// Its stderr (the log).
    pub log: std::path::PathBuf,
}

impl AgentProcess {
    pub async fn spawn(fake: &FakeBinance, symbols: &[&str], dir: &Path) -> AgentProcess {
        AgentProcess::spawn_with(
            fake,
            symbols,
            dir,
            &["--intervals", "1m", "--history", "100", "--workers", "1"],
        )
        .await
    }

    /// With `extra` flags (intervals, history, workers).
    pub async fn spawn_with(
        fake: &FakeBinance,
        symbols: &[&str],
        dir: &Path,
        extra: &[&str],
    ) -> AgentProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("agent.log"))
            .unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_screener"))
            .args(["serve", "--listen", &addr.to_string(), "--data-dir"])
            .arg(dir)
            .args(["--symbols", &symbols.join(","), "--metrics-interval", "1"])
            .args(extra)
            .args(["--binance-rest-url", &fake.rest_url()])
            .args(["--binance-ws-url", &fake.ws_url()])
            .env("SCREENER_OWNER_TOKEN", OWNER)
            .env("SCREENER_VIEWER_TOKEN", VIEWER)
            .env_remove("SCREENER_LLM_API_KEY")
            .env(
                "SCREENER_LOG",
                std::env::var("AGENT_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("screener serve starts");
        AgentProcess {
            addr,
            child,
            log: dir.join("agent.log"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Waits until `/health` says `ready`.
    pub async fn ready(&self) {
        self.ready_within(WAIT).await
    }

    pub async fn ready_within(&self, wait: Duration) {
        let url = format!("http://{}/health", self.addr);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Ok(r) = reqwest::get(&url).await {
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                if body["status"] == "ready" {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "agent never ready; its log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resident memory, from /proc (Linux).
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kb * 1024
    }
}
