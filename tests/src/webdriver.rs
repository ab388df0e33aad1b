//! A small W3C WebDriver client over `std::net::TcpStream` (HTTP/1.1, `Connection: close`)
//! for WebKitWebDriver. A full client crate would pull a second async stack into the build.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// W3C element reference key.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running `WebKitWebDriver`, stopped with SIGTERM on drop so WebKit's children exit.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts WebKitWebDriver on a free loopback port with the given environment (DISPLAY,
    /// the app's data dir…); `TAURI_WEBVIEW_AUTOMATION=true` lets the Tauri web view accept it.
    /// The driver's and the app's output go to `log` for post-mortems.
    pub fn start(envs: &[(&str, std::ffi::OsString)], log: &Path) -> Self {
        let port = free_port();
        if let Some(dir) = log.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let log = std::fs::File::create(log).expect("driver log file");
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .stdout(
                log.try_clone()
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .stderr(Stdio::from(log));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .expect("WebKitWebDriver is installed (apt-get install webkit2gtk-driver)");
        let driver = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "WebKitWebDriver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// Opens a session that launches `binary` (the app) with `args`.
    pub fn session(&self, binary: &Path, args: &[&str]) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": binary, "args": args}
        }}});
        let value = request(self.port, "POST", "/session", Some(&caps))
            .unwrap_or_else(|e| panic!("new session: {e}"));
        let id = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {value}"))
            .to_owned();
        Session {
            port: self.port,
            id,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver session (one running app).
pub struct Session {
    port: u16,
    id: String,
}

/// A found element.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        request(
            self.port,
            method,
            &format!("/session/{}{path}", self.id),
            body,
        )
    }

    /// Waits up to `timeout` for an element matching the CSS selector.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.call(
                "POST",
                "/element",
                Some(&json!({"using": "css selector", "value": css})),
            );
            if let Ok(v) = found {
                if let Some(id) = v[ELEMENT_KEY].as_str() {
                    return Element(id.to_owned());
                }
            }
            assert!(
                Instant::now() < deadline,
                "no element {css} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether an element matching the selector exists right now.
    pub fn exists(&self, css: &str) -> bool {
        self.call(
            "POST",
            "/elements",
            Some(&json!({"using": "css selector", "value": css})),
        )
        .map(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        .unwrap_or(false)
    }

    pub fn click(&self, element: &Element) {
        self.call(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(&json!({})),
        )
        .unwrap_or_else(|e| panic!("click: {e}"));
    }

    /// Clicks the element matching `css` if there is one now; `false` when there is none or it
    /// went away before the click landed (a control the app removes by itself, such as
    /// Reconnect once the link is live again).
    pub fn click_if_present(&self, css: &str) -> bool {
        let Ok(found) = self.call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": css})),
        ) else {
            return false;
        };
        let Some(id) = found[ELEMENT_KEY].as_str() else {
            return false;
        };
        match self.call("POST", &format!("/element/{id}/click"), Some(&json!({}))) {
            Ok(_) => true,
            Err(e) if e.contains("stale element") || e.contains("no such element") => false,
            Err(e) => panic!("click {css}: {e}"),
        }
    }

    pub fn type_text(&self, element: &Element, text: &str) {
        self.call(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(&json!({"text": text})),
        )
        .unwrap_or_else(|e| panic!("send keys: {e}"));
    }

    pub fn text(&self, element: &Element) -> String {
        self.call("GET", &format!("/element/{}/text", element.0), None)
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }

    /// Waits until the element matching `css` has text satisfying `pred`; returns the text.
    pub fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if self.exists(css) {
                let text = self.text(&self.wait_for(css, Duration::from_secs(1)));
                if pred(&text) {
                    return text;
                }
                assert!(Instant::now() < deadline, "{css} text stayed {text:?}");
            }
            assert!(Instant::now() < deadline, "no {css} after {timeout:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs synchronous JavaScript in the page and returns its result.
    pub fn execute(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
        .unwrap_or_else(|e| panic!("execute: {e}"))
    }

    /// Saves a PNG screenshot of the window.
    ///
    /// The app turns WebKitGTK's accelerated compositing off, and then WebKitWebDriver's
    /// snapshot waits for the next paint, which a still page never makes: a 1-pixel,
    /// near-transparent animation keeps frames coming while the snapshot is taken.
    pub fn screenshot(&self, path: &Path) {
        std::thread::sleep(Duration::from_millis(300)); // let the last DOM change paint
        self.execute(
            "if (!document.getElementById('wd-paint')) { \
               const s = document.createElement('style'); s.id = 'wd-paint-style'; \
               s.textContent = '@keyframes wd-paint { from { opacity: 0.01 } to { opacity: 0.02 } }'; \
               document.head.appendChild(s); \
               const d = document.createElement('div'); d.id = 'wd-paint'; \
               d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;animation:wd-paint 0.1s linear infinite alternate'; \
               document.body.appendChild(d); } return true;",
        );
        let shot = self.call("GET", "/screenshot", None);
        self.execute(
            "for (const id of ['wd-paint', 'wd-paint-style']) { \
               const e = document.getElementById(id); if (e) e.remove(); } return true;",
        );
        let v = shot.unwrap_or_else(|e| panic!("screenshot: {e}"));
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Ends the session, which closes the app.
    pub fn quit(self) {
        let _ = self.call("DELETE", "", None);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One HTTP request to the driver; returns the W3C `value`, or the W3C error as text.
fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(payload)
    } else {
        payload.to_owned()
    };
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no HTTP status")?;
    let json: Value = serde_json::from_str(&payload).map_err(|e| format!("{e}: {payload}"))?;
    if status >= 400 {
        return Err(format!("HTTP {status}: {}", json["value"]));
    }
    Ok(json["value"].clone())
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunks_http_bodies() {
        assert_eq!(dechunk("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"), "Wikipedia");
    }
}
