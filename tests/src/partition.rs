//! A TCP forwarder between the app and the agent that a test can cut: a network partition.
//!
//! While cut, new connections are closed at once and the ones open are torn down, so the app
//! sees the agent as unreachable while the agent itself keeps running (and journaling). When
//! restored, connections are forwarded again. It runs on its own thread and Tokio runtime,
//! like the fakes, so it works from plain `#[test]`s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running forwarder; dropping it stops it.
pub struct Partition {
    addr: SocketAddr,
    cut: Arc<watch::Sender<bool>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Partition {
    /// Listens on `127.0.0.1:<random>` and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> Partition {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the forwarder");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("forwarder address");
        let cut = Arc::new(watch::channel(false).0);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&cut);
        let thread = std::thread::Builder::new()
            .name("partition".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("forwarder runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    tokio::select! {
                        _ = accept_loop(listener, upstream, state) => {}
                        _ = stopped => {}
                    }
                });
            })
            .expect("spawn the forwarder");
        Partition {
            addr,
            cut,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: the address to give the app instead of the agent's.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts the link: open connections are torn down and new ones refused.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, cut: Arc<watch::Sender<bool>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if *cut.borrow() {
            drop(client);
            continue;
        }
        let mut cut_rx = cut.subscribe();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            let mut client = client;
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = cut_rx.wait_for(|cut| *cut) => {}
            }
        });
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
