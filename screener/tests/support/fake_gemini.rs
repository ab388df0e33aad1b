//! A fake of the Gemini `generateContent` REST API for the analysis tests, behaving like the
//! real one where our client can tell: `POST /v1beta/models/{model}:generateContent`, the key
//! in `x-goog-api-key` (missing → 403 `PERMISSION_DENIED`, wrong → 400 `INVALID_ARGUMENT`
//! with reason `API_KEY_INVALID`), a request without `contents` or without JSON structured
//! output → 400, replies as `candidates[0].content.parts[0].text`, errors as Google's
//! `{"error": {code, message, status, details}}`.
//!
//! Replies are scripted: [`FakeGemini::script`] queues replies for the next requests in
//! order, [`FakeGemini::set_default`] answers the rest (a valid verdict unless changed). Every
//! request is recorded with its arrival and answer times, so tests can measure spacing and
//! overlap.
//!
//! The server runs on `127.0.0.1:<random port>` in its own thread and tokio runtime; it stops
//! when dropped.

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// What the fake answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 whose answer text is this JSON (a verdict, valid or not).
    Verdict(Value),
    /// 200 whose answer text is exactly this.
    Text(String),
    /// 200 with this whole `GenerateContentResponse`.
    Body(Value),
    /// A Google error: status, `error.status`, message, optional `Retry-After` header and
    /// optional `RetryInfo.retryDelay`.
    Error {
        status: u16,
        api_status: &'static str,
        message: String,
        retry_after: Option<String>,
        retry_delay: Option<String>,
    },
    /// Waits, then answers.
    Slow(Duration, Box<Reply>),
}

impl Reply {
    /// 429 `RESOURCE_EXHAUSTED`, optionally with `Retry-After` (seconds) and `retryDelay`.
    pub fn too_many_requests(retry_after: Option<&str>, retry_delay: Option<&str>) -> Reply {
        Reply::Error {
            status: 429,
            api_status: "RESOURCE_EXHAUSTED",
            message: "Resource has been exhausted (e.g. check quota).".into(),
            retry_after: retry_after.map(str::to_owned),
            retry_delay: retry_delay.map(str::to_owned),
        }
    }

    /// An error status without retry hints.
    pub fn error(status: u16, api_status: &'static str, message: &str) -> Reply {
        Reply::Error {
            status,
            api_status,
            message: message.into(),
            retry_after: None,
            retry_delay: None,
        }
    }

    /// 503 `UNAVAILABLE`.
    pub fn unavailable() -> Reply {
        Reply::error(
            503,
            "UNAVAILABLE",
            "The model is overloaded. Please try again later.",
        )
    }

    /// This reply after `delay`.
    pub fn after(self, delay: Duration) -> Reply {
        Reply::Slow(delay, Box::new(self))
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path only, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`.
    pub path: String,
    pub query: Option<String>,
    /// The `x-goog-api-key` header.
    pub api_key: Option<String>,
    pub body: Value,
    pub received: Instant,
    /// When the reply was sent (`None` while pending or if the client gave up).
    pub answered: Option<Instant>,
    pub status: u16,
}

impl Recorded {
    /// The model in the path.
    pub fn model(&self) -> &str {
        self.path
            .trim_start_matches("/v1beta/models/")
            .trim_end_matches(":generateContent")
    }

    /// The user turn's text.
    pub fn prompt(&self) -> &str {
        self.body["contents"][0]["parts"][0]["text"]
            .as_str()
            .unwrap_or_default()
    }
}

struct Shared {
    key: String,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Reply>,
    log: Mutex<Vec<Recorded>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running fake. Dropping it stops the server.
pub struct FakeGemini {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGemini {
    /// Serves on `127.0.0.1:0`, accepting `key`.
    pub fn start(key: &str) -> FakeGemini {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake Gemini");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Shared {
            key: key.to_owned(),
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(Reply::Verdict(super::verdicts::valid_verdict(100.0))),
            log: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fake-gemini".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("fake Gemini runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let app = axum::Router::new().fallback(handle).with_state(state);
                    tokio::select! {
                        served = axum::serve(listener, app).into_future() => {
                            if let Err(e) = served {
                                eprintln!("fake Gemini stopped: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
            })
            .expect("spawn the fake Gemini thread");
        FakeGemini {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues replies for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.script).extend(replies);
    }

    /// The reply once the script is used up.
    pub fn set_default(&self, reply: Reply) {
        *lock(&self.shared.default) = reply;
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for FakeGemini {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn google_error(status: u16, api_status: &str, message: &str, details: Vec<Value>) -> Response {
    let body = json!({"error": {"code": status, "message": message, "status": api_status, "details": details}});
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(body)).into_response()
}

fn answer(text: String) -> Value {
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": text}]},
            "finishReason": "STOP",
            "index": 0
        }],
        "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 180, "totalTokenCount": 1380},
        "modelVersion": "gemini-2.5-flash"
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api_key = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let index = {
        let mut log = lock(&shared.log);
        log.push(Recorded {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            api_key: api_key.clone(),
            body: parsed.clone().unwrap_or(Value::Null),
            received: Instant::now(),
            answered: None,
            status: 0,
        });
        log.len() - 1
    };
    let response = respond(&shared, &method, &uri, api_key.as_deref(), parsed).await;
    let mut log = lock(&shared.log);
    if let Some(entry) = log.get_mut(index) {
        entry.answered = Some(Instant::now());
        entry.status = response.status().as_u16();
    }
    response
}

async fn respond(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    api_key: Option<&str>,
    body: Option<Value>,
) -> Response {
    let path = uri.path();
    let is_generate = path.starts_with("/v1beta/models/") && path.ends_with(":generateContent");
    if method != Method::POST || !is_generate {
        return google_error(
            404,
            "NOT_FOUND",
            &format!("{method} {path} is not found"),
            vec![],
        );
    }
    match api_key {
        None => {
            return google_error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                vec![],
            )
        }
        Some(key) if key != shared.key => {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                vec![json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"})],
            )
        }
        Some(_) => {}
    }
    let Some(body) = body else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received.",
            vec![],
        );
    };
    let has_text = body["contents"][0]["parts"][0]["text"].is_string();
    let structured = body["generationConfig"]["responseMimeType"] == "application/json"
        && body["generationConfig"]["responseSchema"].is_object();
    if !has_text || !structured {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Request must have contents with text and JSON structured output",
            vec![],
        );
    }
    let mut reply = lock(&shared.script)
        .pop_front()
        .unwrap_or_else(|| lock(&shared.default).clone());
    loop {
        match reply {
            Reply::Slow(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Verdict(verdict) => return Json(answer(verdict.to_string())).into_response(),
            Reply::Text(text) => return Json(answer(text)).into_response(),
            Reply::Body(body) => return Json(body).into_response(),
            Reply::Error {
                status,
                api_status,
                message,
                retry_after,
                retry_delay,
            } => {
                let details = retry_delay
                    .map(|d| vec![json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": d})])
                    .unwrap_or_default();
                let mut response = google_error(status, api_status, &message, details);
                if let Some(value) = retry_after.and_then(|v| v.parse().ok()) {
                    response.headers_mut().insert("retry-after", value);
                }
                return response;
            }
        }
    }
}
