//! Opening one connection: the WebSocket upgrade with the bearer token, then the agent's
//! `hello`, all within the connect deadline.

use std::time::Duration;

use futures_util::StreamExt;
use screener::protocol::{Hello, ServerFrame, PROTOCOL_VERSION};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::link::error::LinkError;
use crate::sensitive::Sensitive;

/// A WebSocket to the agent.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `url` (`ws(s)://…/ws`) with `token` and reads the greeting, within `deadline`.
pub async fn open(
    url: &str,
    token: &Sensitive<String>,
    deadline: Duration,
) -> Result<(Socket, Hello), LinkError> {
    let attempt = async {
        let mut request = url
            .into_client_request()
            .map_err(|e| LinkError::InvalidUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let mut header = HeaderValue::from_str(&format!("Bearer {}", token.expose().trim()))
            .map_err(|_| LinkError::Unreachable {
                detail: "the token has characters a header cannot carry".into(),
            })?;
        header.set_sensitive(true);
        request.headers_mut().insert("authorization", header);
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(upgrade_error)?;
        let hello = read_hello(&mut socket).await?;
        Ok((socket, hello))
    };
    tokio::time::timeout(deadline, attempt)
        .await
        .map_err(|_| LinkError::Timeout {
            seconds: deadline.as_secs().max(1),
        })?
}

/// The first text frame must be a `hello` of protocol v1.
async fn read_hello(socket: &mut Socket) -> Result<Hello, LinkError> {
    loop {
        let message = socket.next().await.ok_or_else(|| LinkError::Dropped {
            detail: "closed before the greeting".into(),
        })?;
        let text = match message.map_err(|e| LinkError::Dropped {
            detail: e.to_string(),
        })? {
            Message::Text(text) => text,
            Message::Close(frame) => {
                return Err(LinkError::Dropped {
                    detail: close_detail(frame.as_ref()),
                })
            }
            _ => continue,
        };
        let hello = match serde_json::from_str::<ServerFrame>(text.as_str()) {
            Ok(ServerFrame::Hello(hello)) => hello,
            Ok(_) => {
                return Err(LinkError::Protocol {
                    detail: "the first frame was not hello".into(),
                })
            }
            Err(e) => {
                return Err(LinkError::Protocol {
                    detail: format!("the greeting does not parse: {e}"),
                })
            }
        };
        if hello.protocol_version != PROTOCOL_VERSION {
            return Err(LinkError::Protocol {
                detail: format!(
                    "the agent speaks protocol {}, this app {PROTOCOL_VERSION}",
                    hello.protocol_version
                ),
            });
        }
        return Ok(hello);
    }
}

/// A failed upgrade, classified: 401 is the token, the rest is reachability.
fn upgrade_error(error: WsError) -> LinkError {
    match error {
        WsError::Http(response) if response.status() == StatusCode::UNAUTHORIZED => {
            LinkError::Unauthorized
        }
        WsError::Http(response) => LinkError::Unreachable {
            detail: format!("the agent answered HTTP {}", response.status()),
        },
        WsError::Url(e) => LinkError::InvalidUrl {
            url: String::new(),
            reason: e.to_string(),
        },
        other => LinkError::Unreachable {
            detail: other.to_string(),
        },
    }
}

/// "closed by the agent (1001 agent shutting down)".
pub fn close_detail(
    frame: Option<&tokio_tungstenite::tungstenite::protocol::CloseFrame>,
) -> String {
    match frame {
        Some(frame) => format!(
            "closed by the agent ({} {})",
            u16::from(frame.code),
            frame.reason
        ),
        None => "closed by the agent".into(),
    }
}
