//! The server: the state every handler shares, the router (REST under `/api/v3`, combined
//! streams on `/stream`), and the background thread with its own tokio runtime that serves
//! them on `127.0.0.1:<random port>` until told to stop.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

use crate::config::FakeConfig;
use crate::faults::Faults;
use crate::hub::Hub;
use crate::limiter::Limiter;
use crate::log::RecordedRequest;
use crate::market::Market;
use crate::{rest, stream};

/// Locks, shrugging off poisoning (a panicking test must not hide the next failure).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything handlers and the test-facing API share. Lock order: `market`, then `hub`.
pub(crate) struct Shared {
    pub config: FakeConfig,
    pub market: Mutex<Market>,
    pub hub: Mutex<Hub>,
    pub limiter: Mutex<Limiter>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<RecordedRequest>>,
}

/// The running server thread.
pub(crate) struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Why the fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind 127.0.0.1:0: {0}")]
    Bind(std::io::Error),
    #[error("cannot start the fake's thread or runtime: {0}")]
    Runtime(std::io::Error),
}

/// Serves `shared` on a fresh loopback port in a background thread.
pub(crate) fn start(shared: Arc<Shared>) -> Result<Running, StartError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(StartError::Bind)?;
    listener.set_nonblocking(true).map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("fake-binance".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => {
                        eprintln!("fake Binance cannot listen: {e}");
                        return;
                    }
                };
                let app = Router::new()
                    .route("/stream", get(stream::upgrade))
                    .fallback(rest::dispatch)
                    .with_state(shared);
                tokio::select! {
                    served = axum::serve(listener, app).into_future() => {
                        if let Err(e) = served {
                            eprintln!("fake Binance stopped: {e}");
                        }
                    }
                    _ = stopped => {}
                }
            });
        })
        .map_err(StartError::Runtime)?;
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
