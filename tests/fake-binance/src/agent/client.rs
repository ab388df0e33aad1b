//! A protocol client of the agent's `/ws`: connect with a token (or none), send frames, read
//! them with deadlines, deploy traders, resume from a seq, collect what arrives.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use screener::protocol::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{OWNER, WAIT};

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
