//! The agent running in this process (`screener::agent::serve_on`): on port 0 or on a given
//! address (a restart on the same address retries while the previous agent lets go of it),
//! with or without AI analysis, stopped by its cancellation token with a checked drain.

use std::net::SocketAddr;
use std::time::Duration;

use screener::agent::ServeArgs;
use screener::analysis::AnalysisConfig;
use tokio_util::sync::CancellationToken;

use super::{health_ready, tokens, WAIT};

/// The agent running in this process.
pub struct Agent {
    pub addr: SocketAddr,
    pub stop: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), screener::agent::AgentError>>,
}

/// No AI analysis.
pub fn no_analysis() -> AnalysisConfig {
    AnalysisConfig::from_vars(|_| None).expect("analysis off")
}

impl Agent {
    /// On a free port, without AI analysis.
    pub async fn start(args: ServeArgs) -> Agent {
        Agent::start_with(args, no_analysis()).await
    }

    /// On a free port, with AI analysis configured by `analysis`.
    pub async fn start_with(args: ServeArgs, analysis: AnalysisConfig) -> Agent {
        Agent::start_on("127.0.0.1:0", args, analysis).await
    }

    /// On `addr`; binding is retried for [`WAIT`] while the address is still held (by the
    /// agent this one replaces).
    pub async fn start_on(addr: &str, args: ServeArgs, analysis: AnalysisConfig) -> Agent {
        let deadline = tokio::time::Instant::now() + WAIT;
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => break listener,
                Err(e) => assert!(tokio::time::Instant::now() < deadline, "bind {addr}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let addr = listener.local_addr().expect("bound address");
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

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        self.url("")
    }

    /// Waits until `/health` says `ready` (backfilled and streaming).
    pub async fn ready(&self) {
        assert!(
            health_ready(&self.url("/health"), WAIT).await,
            "agent never ready"
        );
    }

    /// Cancels its stop token and waits for the drain, which must be clean.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let ended = tokio::time::timeout(WAIT, self.task).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "clean drain: {ended:?}");
    }
}
