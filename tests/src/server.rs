//! A real server for tests: bound to `127.0.0.1:0`, running in the test's runtime, and
//! stopped (gracefully) when dropped. [`ServerProcess`] runs the real binary instead, as
//! a child process that a test can kill.

use crate::process::spawn_listening;
use server::storage::{SqliteStore, Store};
use server::{Config, Services, Site};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The methods a running server answers through, the same for a [`TestServer`] and a
/// [`ServerProcess`] (both keep their address in `addr`): its addresses, one HTTP
/// request, creating and deleting a session through the API.
macro_rules! endpoint_methods {
    () => {
        /// The address the server listens on.
        pub fn addr(&self) -> SocketAddr {
            self.addr
        }

        /// The server's root page, `http://<addr>/`.
        pub fn http_url(&self) -> String {
            format!("http://{}/", self.addr)
        }

        /// The server's WebSocket endpoint, `ws://<addr>/ws`.
        pub fn ws_url(&self) -> String {
            format!("ws://{}/ws", self.addr)
        }

        /// Send one HTTP/1.1 request and read the whole answer.
        pub async fn http(&self, method: &str, path: &str, body: Option<&str>) -> HttpAnswer {
            http(self.addr, method, path, body, &[]).await
        }

        /// Create a session through the HTTP API.
        pub async fn create_session(&self, title: &str) -> SessionCreated {
            create_session(self.addr, title).await
        }

        /// Delete a session through the HTTP API with `key` as the facilitator key.
        pub async fn delete_session(&self, room: &str, key: &str) -> HttpAnswer {
            delete_session(self.addr, room, key).await
        }
    };
}

pub struct TestServer {
    addr: SocketAddr,
    /// What the server counts (its own, from its config).
    metrics: Arc<server::metrics::Metrics>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub use server::http::SessionCreated;

/// A plain HTTP answer: status code and body.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    /// The status line and headers, as received.
    pub head: String,
    pub body: String,
}

impl TestServer {
    /// A server with the default settings.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// A server with these settings and the default services (a store in memory, the
    /// system's clock).
    pub async fn start_with(config: Config) -> Self {
        Self::start_with_services(config, Services::default()).await
    }

    /// A server with these settings and services (a store to share with a later
    /// server, a clock the test moves).
    pub async fn start_with_services(config: Config, services: Services) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        Self::serve_on(listener, config, services)
    }

    /// A server on a given address: to restart a stopped server where its pages expect
    /// it, give the old [`addr`](Self::addr) and services with the same `store` (a
    /// shared `Arc<MemoryStore>`, or a `SqliteStore` on the same file).
    pub async fn start_at(addr: SocketAddr, config: Config, services: Services) -> Self {
        let listener = TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        Self::serve_on(listener, config, services)
    }

    fn serve_on(listener: TcpListener, config: Config, services: Services) -> Self {
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let metrics = services.metrics.clone();
        let stopped = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server::serve(listener, config, services, stopped));
        TestServer {
            addr,
            metrics,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A server keeping its sessions in the SQLite file at `db` (created if missing),
    /// restoring whatever the file already holds.
    pub async fn start_with_db(db: &Path) -> Self {
        Self::start_on_db(Config::default(), db).await
    }

    /// A server with these settings keeping its sessions in the SQLite file at `db`
    /// (created if missing), restoring whatever the file already holds.
    pub async fn start_on_db(config: Config, db: &Path) -> Self {
        Self::start_on_store(config, open_db(db).await).await
    }

    /// A server with the default settings keeping its sessions in `store`.
    pub async fn start_with_store(store: impl Store + 'static) -> Self {
        Self::start_on_store(Config::default(), Arc::new(store)).await
    }

    /// A server with these settings keeping its sessions in `store` (an `Arc` the test
    /// may keep, to make the disk fail or to share it with a later server), and the
    /// default services otherwise.
    pub async fn start_on_store(config: Config, store: Arc<dyn Store>) -> Self {
        Self::start_with_services(config, services_on(store)).await
    }

    /// A server that also serves the built client from `CLIENT_DIST` (set by
    /// `cargo xtask test`). Fails loudly rather than skipping when it is missing.
    pub async fn start_with_client() -> Self {
        Self::start_with(with_client()).await
    }

    endpoint_methods!();

    /// Like [`http`](Self::http), with extra headers (`("Authorization", "Bearer …")`).
    pub async fn http_with_headers(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> HttpAnswer {
        http(self.addr, method, path, body, headers).await
    }

    /// Assert that `/health` counts `rooms` sessions in memory (stored ones put away
    /// do not count).
    pub async fn assert_rooms_in_memory(&self, rooms: usize) {
        let health = self.http("GET", "/health", None).await;
        let count = format!("\"rooms\":{rooms}");
        assert!(health.body.contains(&count), "{}", health.body);
    }

    /// Wait until the server holds exactly `open` connections: a closed one is let go
    /// of (and its address's slot freed) a moment after the client closes it.
    pub async fn until_open_connections(&self, open: i64) {
        let mut count = self.metrics.open_connections();
        let reached = tokio::time::timeout(CONNECTION_PATIENCE, async {
            count.wait_for(|now| *now == open).await.is_ok()
        })
        .await;
        if reached != Ok(true) {
            panic!(
                "the server holds {} connections, not {open}",
                *count.borrow()
            );
        }
    }

    /// Wait until the server has put away `count` idle groups in all (they stay
    /// stored).
    pub async fn until_groups_put_away(&self, count: u64) {
        let mut put_away = self.metrics.groups_put_away();
        let reached = tokio::time::timeout(CONNECTION_PATIENCE, async {
            put_away.wait_for(|now| *now >= count).await.is_ok()
        })
        .await;
        assert_eq!(reached, Ok(true), "the server has put away fewer groups");
    }

    /// Wait until the server has put away `count` idle rooms in all (taken them out of
    /// memory; they stay stored).
    pub async fn until_rooms_put_away(&self, count: u64) {
        let mut put_away = self.metrics.rooms_put_away();
        let reached = tokio::time::timeout(CONNECTION_PATIENCE, async {
            put_away.wait_for(|now| *now >= count).await.is_ok()
        })
        .await;
        if reached != Ok(true) {
            panic!(
                "the server has put away {} rooms, not {count}",
                *put_away.borrow()
            );
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

/// The default settings, serving the built client from `CLIENT_DIST` ([`client_dist`]).
pub fn with_client() -> Config {
    Config {
        site: Some(Site::Dir(client_dist())),
        ..Config::default()
    }
}

/// The default services, but keeping sessions in `store`.
pub fn services_on(store: Arc<dyn Store>) -> Services {
    Services {
        store,
        ..Services::default()
    }
}

/// The SQLite store on the file at `db` (created if missing).
pub async fn open_db(db: &Path) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(db).await.expect("open the database"))
}

/// The built client site, from `CLIENT_DIST` (set by `cargo xtask test`). Panics with
/// what to do when it is missing: browser tests never skip silently.
pub fn client_dist() -> PathBuf {
    let dist = std::env::var_os("CLIENT_DIST").map(PathBuf::from).expect(
        "CLIENT_DIST is not set: run the browser tests through `cargo xtask test`, \
         which builds the client first",
    );
    assert!(
        dist.join("index.html").is_file(),
        "CLIENT_DIST={} has no index.html: build the client with `cargo xtask test`",
        dist.display()
    );
    dist
}

/// Send one HTTP/1.1 request to `addr` and read the whole answer.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = body.unwrap_or("");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
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
    HttpAnswer {
        status,
        head: head.to_owned(),
        body,
    }
}

/// Create a session titled `title` through the HTTP API of whatever listens at `addr`
/// (a server, or a proxy in front of one).
pub async fn create_session(addr: SocketAddr, title: &str) -> SessionCreated {
    let body = serde_json::json!({ "title": title, "language": "fr" }).to_string();
    let answer = http(addr, "POST", "/api/sessions", Some(&body), &[]).await;
    assert_eq!(answer.status, 201, "create session: {}", answer.body);
    serde_json::from_str(&answer.body).expect("the API's answer")
}

async fn delete_session(addr: SocketAddr, room: &str, key: &str) -> HttpAnswer {
    let bearer = format!("Bearer {key}");
    http(
        addr,
        "DELETE",
        &format!("/api/sessions/{room}"),
        None,
        &[("Authorization", &bearer)],
    )
    .await
}

/// The server binary running as a child process on a database file, so that a test
/// can kill it like a crash would (SIGKILL) or stop it like an operator (SIGTERM).
/// It listens on a port of its own choosing, read from what it prints. Killed when
/// dropped.
pub struct ServerProcess {
    addr: SocketAddr,
    child: Option<Child>,
}

/// How long a server process may take to start or to stop.
const PROCESS_PATIENCE: Duration = Duration::from_secs(30);
/// The longest a closed connection may take to be let go of: a safety net, never a wait.
const CONNECTION_PATIENCE: Duration = Duration::from_secs(10);

impl ServerProcess {
    /// Start the server binary at `bin` on the SQLite file `db`. Tests of the `server`
    /// package pass `env!("CARGO_BIN_EXE_server")`, which Cargo builds for them.
    pub async fn spawn(bin: impl AsRef<Path>, db: &Path) -> Self {
        let mut command = Command::new(bin.as_ref());
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--db"])
            .arg(db);
        let spawned =
            tokio::task::spawn_blocking(move || spawn_listening(command, PROCESS_PATIENCE))
                .await
                .expect("the spawning thread");
        let (child, addr) = spawned.unwrap_or_else(|error| panic!("{error}"));
        ServerProcess {
            addr,
            child: Some(child),
        }
    }

    endpoint_methods!();

    /// Kill the process with SIGKILL (nothing flushed, nothing said), and wait until it
    /// is gone.
    pub async fn kill(mut self) {
        let mut child = self.child.take().expect("a running server");
        child.kill().expect("SIGKILL the server");
        let status = wait(child).await;
        assert!(!status.success(), "a killed server does not exit cleanly");
    }

    /// Ask the process to stop with SIGTERM and wait until it exits; true if it exited
    /// successfully.
    pub async fn terminate(mut self) -> bool {
        let child = self.child.take().expect("a running server");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "SIGTERM the server");
        wait(child).await.success()
    }
}

/// Wait for a child process to exit, without blocking the runtime.
async fn wait(mut child: Child) -> std::process::ExitStatus {
    let waiting = tokio::task::spawn_blocking(move || child.wait());
    tokio::time::timeout(PROCESS_PATIENCE, waiting)
        .await
        .expect("the server to exit in time")
        .expect("the waiting thread")
        .expect("wait for the server")
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Create a directory of a name never used before under the system's temporary
/// directory, `codev-<label>-<pid>-<n>-<nanos>`, and return its path. Nothing removes
/// it: [`TempDir`] does, or the caller.
pub fn fresh_temp_dir(label: &str) -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!(
        "codev-{label}-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&path)?;
    Ok(path)
}

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        TempDir(fresh_temp_dir(label).expect("create a temporary directory"))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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
