//! The metrics recorder: stores every `metrics` frame the link receives into the metrics
//! history ([`crate::store::metrics`]), stamped with the time it arrived.
//!
//! Started by the shell next to the link: `recorder::spawn(store, machine, link.frames(),
//! cancel)`. On cancellation it stores the frames already waiting in the channel, then ends;
//! it also ends when the link (the channel's sender) is gone. A subscriber that falls more
//! than the channel's buffer behind loses the oldest frames: that is logged and recording
//! goes on (the chart shows the hole as a gap).

use screener::protocol::{Metrics, ServerFrame};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Starts the recorder for frames of `machine` (see [`crate::api::metrics::machine_key`]).
/// The task's result is the number of frames stored.
pub fn spawn(
    store: Store,
    machine: String,
    frames: broadcast::Receiver<ServerFrame>,
    cancel: CancellationToken,
) -> JoinHandle<u64> {
    tokio::spawn(run(store, machine, frames, cancel))
}

struct Recorder {
    store: Store,
    machine: String,
    last_ms: i64,
    stored: u64,
}

impl Recorder {
    async fn record(&mut self, metrics: &Metrics) {
        // Two frames in the same millisecond would share a key: keep times increasing.
        let at_ms = chrono::Utc::now().timestamp_millis().max(self.last_ms + 1);
        match self
            .store
            .record_metrics(&self.machine, at_ms, metrics)
            .await
        {
            Ok(()) => {
                self.last_ms = at_ms;
                self.stored += 1;
            }
            Err(e) => tracing::warn!(error = %e, "storing a metrics frame failed"),
        }
    }
}

async fn run(
    store: Store,
    machine: String,
    mut frames: broadcast::Receiver<ServerFrame>,
    cancel: CancellationToken,
) -> u64 {
    let mut recorder = Recorder {
        store,
        machine,
        last_ms: 0,
        stored: 0,
    };
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            frame = frames.recv() => match frame {
                Ok(ServerFrame::Metrics(metrics)) => recorder.record(&metrics).await,
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the metrics recorder fell behind; frames were lost");
                }
                Err(RecvError::Closed) => return recorder.stored,
            },
        }
    }
    // Drain: what arrived before the cancellation is still stored.
    loop {
        match frames.try_recv() {
            Ok(ServerFrame::Metrics(metrics)) => recorder.record(&metrics).await,
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    recorder.stored
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    use super::*;
    use crate::link::{Link, LinkConfig, LinkTimings};
    use crate::sensitive::Sensitive;
    use crate::store::metrics::{MetricName, MetricsRange};

    fn metrics(cpu: f64) -> Metrics {
        Metrics {
            cpu_percent: cpu,
            memory_bytes: 200_000_000,
            memory_limit_bytes: 1_073_741_824,
            uptime_seconds: 10,
            symbols: 3,
            streams_connected: 3,
            last_candle_age_seconds: None,
            active_traders: 1,
            evaluations_per_minute: 30,
            queue_depth: 0,
            signals_total: 0,
            errors_total: 0,
            binance_weight_used: 2,
            scale_recommendation: 2,
        }
    }

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite")).await.unwrap();
        (store, dir)
    }

    async fn cpu_history(store: &Store, machine: &str) -> Vec<f64> {
        let now = chrono::Utc::now().timestamp_millis() + 60_000;
        store
            .metrics_history(
                machine,
                MetricName::CpuPercent,
                MetricsRange::Minutes15,
                now,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.value)
            .collect()
    }

    #[tokio::test]
    async fn drains_waiting_frames_on_shutdown_and_skips_other_frames() {
        let (store, _dir) = store().await;
        let (tx, rx) = broadcast::channel(64);
        for i in 0..5 {
            tx.send(ServerFrame::Metrics(metrics(f64::from(i))))
                .unwrap();
            tx.send(ServerFrame::Pong).unwrap();
        }
        let cancel = CancellationToken::new();
        // Cancelled before the task ever runs: everything waiting is still stored.
        cancel.cancel();
        let stored = spawn(store.clone(), "app".into(), rx, cancel)
            .await
            .unwrap();
        assert_eq!(stored, 5);
        assert_eq!(
            cpu_history(&store, "app").await,
            vec![0.0, 1.0, 2.0, 3.0, 4.0]
        );
        drop(tx);
    }

    #[tokio::test]
    async fn ends_when_the_link_is_gone() {
        let (store, _dir) = store().await;
        let (tx, rx) = broadcast::channel(64);
        let task = spawn(store.clone(), "app".into(), rx, CancellationToken::new());
        tx.send(ServerFrame::Metrics(metrics(7.0))).unwrap();
        drop(tx);
        let stored = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("ends once the sender is dropped")
            .unwrap();
        assert_eq!(stored, 1);
        assert_eq!(cpu_history(&store, "app").await, vec![7.0]);
    }

    /// An agent that greets, waits for the client's `resume_from`, sends three `metrics`
    /// frames (each followed by a `pong`), then only reads.
    async fn metrics_agent() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    let hello = serde_json::json!({"type": "hello", "protocolVersion": 1,
                        "agentVersion": "0.1.0", "capabilities": ["metrics"], "role": "viewer",
                        "machineId": "local", "startedAt": "2026-11-24T12:00:00.000Z",
                        "journalId": "jrec", "lastSeq": 0});
                    let _ = socket.send(Message::text(hello.to_string())).await;
                    let _ = socket.next().await; // resume_from
                    for cpu in [11.0, 22.0, 33.0] {
                        let frame = ServerFrame::Metrics(metrics(cpu));
                        let text = serde_json::to_string(&frame).unwrap();
                        let _ = socket.send(Message::text(text)).await;
                        let pong = serde_json::json!({"type": "pong"});
                        let _ = socket.send(Message::text(pong.to_string())).await;
                    }
                    while let Some(Ok(_)) = socket.next().await {}
                });
            }
        });
        url
    }

    #[tokio::test]
    async fn records_metrics_frames_from_the_live_link() {
        let url = metrics_agent().await;
        let (store, _dir) = store().await;
        let config = LinkConfig {
            agent_url: url,
            token: Sensitive::new("tmo_scripted-agent-token-0001".into()),
            timings: LinkTimings::default(),
        };
        let link = Link::start(store.clone(), config).await.unwrap();
        let cancel = CancellationToken::new();
        let task = spawn(store.clone(), "app".into(), link.frames(), cancel.clone());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while cpu_history(&store, "app").await.len() < 3 {
            assert!(tokio::time::Instant::now() < deadline, "frames not stored");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
        assert_eq!(task.await.unwrap(), 3);
        assert_eq!(cpu_history(&store, "app").await, vec![11.0, 22.0, 33.0]);
        let latest = store.latest_metrics("app").await.unwrap().unwrap();
        assert_eq!(latest.metrics.scale_recommendation, 2);
        link.shutdown().await;
    }
}
