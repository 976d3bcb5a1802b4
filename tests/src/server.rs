//! A real server for tests: bound to `127.0.0.1:0`, running in the test's runtime, and
//! stopped (gracefully) when dropped.

use server::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

pub struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// What `POST /api/sessions` answered.
#[derive(Debug, Clone)]
pub struct Session {
    pub room: String,
    pub facilitator_key: String,
}

/// A plain HTTP answer: status code and body.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: String,
}

impl TestServer {
    /// A server with the default settings.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    pub async fn start_with(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, config, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A server that also serves the built client from `CLIENT_DIST` (set by
    /// `cargo xtask test`). Fails loudly rather than skipping when it is missing.
    pub async fn start_with_client() -> Self {
        let dist = std::env::var_os("CLIENT_DIST").map(PathBuf::from).expect(
            "CLIENT_DIST is not set: run the browser tests through `cargo xtask test`, \
             which builds the client first",
        );
        assert!(
            dist.join("index.html").is_file(),
            "CLIENT_DIST={} has no index.html: build the client with `cargo xtask test`",
            dist.display()
        );
        Self::start_with(Config {
            static_dir: Some(dist),
            ..Config::default()
        })
        .await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn http_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Send one HTTP/1.1 request and read the whole answer.
    pub async fn http(&self, method: &str, path: &str, body: Option<&str>) -> HttpAnswer {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let status = raw
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("an HTTP status line");
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        HttpAnswer { status, body }
    }

    /// Create a session through the HTTP API.
    pub async fn create_session(&self, title: &str) -> Session {
        let body = serde_json::json!({ "title": title, "language": "fr" }).to_string();
        let answer = self.http("POST", "/api/sessions", Some(&body)).await;
        assert_eq!(answer.status, 201, "create session: {}", answer.body);
        let json: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON answer");
        Session {
            room: json["room"].as_str().expect("room").to_owned(),
            facilitator_key: json["facilitator_key"]
                .as_str()
                .expect("facilitator_key")
                .to_owned(),
        }
    }

    /// Stop the server gracefully and wait until it has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
