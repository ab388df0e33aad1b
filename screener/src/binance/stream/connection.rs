//! One WebSocket connection as a task: dial the subscription's URL, send its SUBSCRIBE batches
//! paced apart and wait for every acknowledgement, then read until told to stop or the
//! connection fails. It reads all the time, because tungstenite answers a ping (echoing its
//! payload) on the next read; a connection silent for `idle_timeout` is given up. Everything
//! it learns goes to its shard as [`Incoming`], tagged with the connection's id; it always
//! ends with [`Incoming::Ended`].

use std::collections::{HashSet, VecDeque};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Duration, Instant};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use super::frame::{self, Frame, FrameError};
use super::plan::Subscription;
use super::StreamOptions;

/// What a connection tells its shard.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// Connected, and every stream is subscribed.
    Subscribed,
    Frame(Frame),
    Malformed(FrameError),
    /// The connection is over, and why.
    Ended(String),
}

pub(crate) type Inbox = mpsc::UnboundedSender<(u64, Incoming)>;

/// A running connection task.
#[derive(Debug)]
pub(crate) struct Connection {
    pub id: u64,
    /// When every stream was subscribed (its opening time until then).
    pub ready_at: Instant,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Connection {
    /// Starts a connection task; it stops when `parent` is cancelled or [`Connection::close`]
    /// is called.
    pub fn open(
        id: u64,
        subscription: Subscription,
        options: &StreamOptions,
        inbox: Inbox,
        parent: &CancellationToken,
    ) -> Connection {
        let cancel = parent.child_token();
        let task = tokio::spawn(run(
            id,
            subscription,
            options.clone(),
            inbox,
            cancel.clone(),
        ));
        Connection {
            id,
            ready_at: Instant::now(),
            cancel,
            task,
        }
    }

    /// Asks the task to close the connection (with a close frame) and end.
    pub fn close(&self) {
        self.cancel.cancel();
    }

    /// Waits for the task to end.
    pub async fn join(self) {
        let _ = self.task.await;
    }
}

async fn run(
    id: u64,
    subscription: Subscription,
    options: StreamOptions,
    inbox: Inbox,
    cancel: CancellationToken,
) {
    let reason = session(id, subscription, &options, &inbox, &cancel).await;
    tracing::debug!(connection = id, %reason, "stream connection ended");
    let _ = inbox.send((id, Incoming::Ended(reason)));
}

async fn session(
    id: u64,
    subscription: Subscription,
    options: &StreamOptions,
    inbox: &Inbox,
    cancel: &CancellationToken,
) -> String {
    let dial = tokio_tungstenite::connect_async_with_config(subscription.url.as_str(), None, true);
    let mut ws = tokio::select! {
        _ = cancel.cancelled() => return "closed by the feed".into(),
        dialled = timeout(options.connect_timeout, dial) => match dialled {
            Err(_) => return format!("no connection within {:?}", options.connect_timeout),
            Ok(Err(e)) => return describe(&e),
            Ok(Ok((ws, _))) => ws,
        },
    };
    let tell = |message: Incoming| inbox.send((id, message)).is_ok();
    let mut batches: VecDeque<Vec<String>> = subscription.batches.into();
    let mut waiting: HashSet<u64> = HashSet::new();
    let mut next_request = 1u64;
    let mut next_send = Instant::now();
    let subscribe_deadline = Instant::now() + options.subscribe_timeout;
    let mut subscribed = batches.is_empty();
    if subscribed && !tell(Incoming::Subscribed) {
        return "the shard is gone".into();
    }
    let far = Instant::now() + Duration::from_secs(365 * 86_400);
    let mut last_heard = Instant::now();
    loop {
        let send_due = !batches.is_empty();
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                let _ = timeout(Duration::from_secs(1), ws.close(None)).await;
                return "closed by the feed".into();
            }
            _ = sleep_until(next_send), if send_due => {
                let batch = batches.pop_front().unwrap_or_default();
                let request = serde_json::json!({
                    "method": "SUBSCRIBE",
                    "params": batch,
                    "id": next_request,
                });
                if let Err(e) = ws.send(Message::text(request.to_string())).await {
                    return format!("cannot subscribe: {e}");
                }
                waiting.insert(next_request);
                next_request += 1;
                next_send = Instant::now() + options.subscribe_pacing;
            }
            _ = sleep_until(if subscribed { far } else { subscribe_deadline }) => {
                return format!(
                    "subscriptions not acknowledged within {:?}",
                    options.subscribe_timeout
                );
            }
            _ = sleep_until(last_heard + options.idle_timeout) => {
                return format!("nothing received for {:?}", options.idle_timeout);
            }
            message = ws.next() => {
                last_heard = Instant::now();
                let text = match message {
                    None => return "the connection closed".into(),
                    Some(Err(e)) => return format!("read failed: {e}"),
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame.map(|f| format!(": {} {}", f.code, f.reason)).unwrap_or_default();
                        return format!("Binance closed the connection{why}");
                    }
                    Some(Ok(Message::Text(text))) => text,
                    // Pings are answered by tungstenite on the next read.
                    Some(Ok(_)) => continue,
                };
                let delivered = match frame::parse(text.as_str()) {
                    Ok(Frame::Ack { id: request }) if waiting.remove(&request) => {
                        if !subscribed && batches.is_empty() && waiting.is_empty() {
                            subscribed = true;
                            tell(Incoming::Subscribed)
                        } else {
                            true
                        }
                    }
                    Ok(Frame::Refused { message, .. }) => {
                        return format!("Binance refused a subscription: {message}");
                    }
                    Ok(frame) => tell(Incoming::Frame(frame)),
                    Err(e) => tell(Incoming::Malformed(e)),
                };
                if !delivered {
                    return "the shard is gone".into();
                }
            }
        }
    }
}

fn describe(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            format!(
                "the server refused the connection: HTTP {} {body}",
                response.status()
            )
        }
        other => format!("cannot connect: {other}"),
    }
}
