//! The cluster `cargo xtask cluster up` started, as the cluster tests drive it: its
//! proxy, its nodes (each a process to kill, stop, continue or restart the same way it
//! was started) and its database, read from the state file named by `CODEV_CLUSTER`.
//!
//! A node restarted here gets its new process id written back to the state file, so
//! that `cargo xtask cluster down` stops what is running, whoever started it.

use serde::{Deserialize, Serialize};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncBufReadExt, BufReader, Interest};

/// Where the cluster's state file is given.
pub const ENV: &str = "CODEV_CLUSTER";

/// How long a node may take to answer `/health` after it was started.
const START_PATIENCE: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct NodeState {
    pub name: String,
    pub address: String,
    pub pid: u32,
    pub log: PathBuf,
    pub command: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ClusterState {
    pub proxy: String,
    pub proxy_pid: u32,
    pub proxy_log: PathBuf,
    pub postgres_url: String,
    pub postgres_dir: String,
    pub lease_seconds: u64,
    pub nodes: Vec<NodeState>,
}

/// The running cluster.
pub struct Cluster {
    path: PathBuf,
    pub state: ClusterState,
}

/// A signal for a node's process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Killed at once (`kill -9`): no goodbye, nothing flushed, sockets reset.
    Kill,
    /// Asked to stop (`SIGTERM`): the graceful stop.
    Term,
    /// Frozen (`SIGSTOP`): its sockets stay open and silent.
    Stop,
    /// Thawed (`SIGCONT`).
    Cont,
}

impl Signal {
    fn number(self) -> libc::c_int {
        match self {
            Signal::Kill => libc::SIGKILL,
            Signal::Term => libc::SIGTERM,
            Signal::Stop => libc::SIGSTOP,
            Signal::Cont => libc::SIGCONT,
        }
    }
}

impl Cluster {
    /// The cluster `CODEV_CLUSTER` names. Panics with what to do when there is none.
    pub fn from_env() -> Cluster {
        let path = std::env::var_os(ENV).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{ENV} is not set: run these tests with `cargo xtask cluster test`")
        });
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let state = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        Cluster { path, state }
    }

    /// `ws://host:port` of the proxy.
    pub fn proxy_ws(&self) -> String {
        format!("ws://{}", self.state.proxy)
    }

    pub fn node(&self, name: &str) -> &NodeState {
        self.state
            .nodes
            .iter()
            .find(|node| node.name == name)
            .unwrap_or_else(|| panic!("no node {name}"))
    }

    /// Send `signal` to the node `name`.
    pub fn signal(&self, name: &str, signal: Signal) {
        let pid = self.node(name).pid;
        // SAFETY: `kill` only sends a signal to a process id; no memory is involved.
        let sent = unsafe { libc::kill(pid as libc::pid_t, signal.number()) };
        assert_eq!(sent, 0, "signal {signal:?} to {name} (pid {pid})");
    }

    /// Freeze the node `name` (`SIGSTOP`) until the guard thaws it, or is dropped: a
    /// failing test never leaves a node frozen for the next.
    pub fn freeze(&self, name: &str) -> Frozen {
        self.signal(name, Signal::Stop);
        Frozen {
            pid: self.node(name).pid,
            thawed: false,
        }
    }

    /// Wait until the node `name`'s process has exited (after `Kill` or `Term`). It is
    /// not this process's child: its exit is watched through a pidfd, which becomes
    /// readable when the process ends.
    pub async fn until_exited(&self, name: &str) {
        let pid = self.node(name).pid as libc::pid_t;
        // SAFETY: pidfd_open takes a process id and flags, and returns a new descriptor.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            // Gone already (no such process).
            return;
        }
        // SAFETY: `fd` was just opened by pidfd_open and belongs to nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
        // SAFETY: the descriptor is owned by the `AsyncFd` and stays open with it.
        let exit = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .unwrap_or_else(|error| panic!("watching {name}'s exit: {error}"));
        let exited = tokio::time::timeout(START_PATIENCE, exit.readable())
            .await
            .unwrap_or_else(|_| panic!("{name} did not exit"))
            .expect("the process's exit");
        drop(exited);
    }

    /// Start the node `name` again with the command it was first started with, and
    /// wait until it says it listens (its first line on standard output).
    pub async fn restart(&mut self, name: &str) {
        let node = self.node(name).clone();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .expect("the node's log");
        let mut command = tokio::process::Command::new(&node.command[0]);
        command
            .args(&node.command[1..])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .process_group(0)
            .kill_on_drop(false);
        let mut child = command.spawn().expect("restart the node");
        let pid = child.id().expect("a running node");
        let stdout = child.stdout.take().expect("the node's output");
        if let Some(held) = self.state.nodes.iter_mut().find(|n| n.name == name) {
            held.pid = pid;
        }
        self.save();
        let mut lines = BufReader::new(stdout).lines();
        let ready = async {
            while let Some(line) = lines.next_line().await.expect("the node's output") {
                if line.starts_with("Open http://") {
                    return;
                }
            }
            panic!("{name} stopped before it listened");
        };
        tokio::time::timeout(START_PATIENCE, ready)
            .await
            .unwrap_or_else(|_| panic!("{name} did not start"));
        // The rest of its output, to its log; `cluster down` stops it by pid.
        tokio::spawn(async move {
            let mut log = tokio::fs::OpenOptions::new()
                .append(true)
                .open(&node.log)
                .await
                .expect("the node's log");
            let mut rest = lines.into_inner();
            let _ = tokio::io::copy(&mut rest, &mut log).await;
            let _ = child.wait().await;
        });
    }

    fn save(&self) {
        let text = serde_json::to_string_pretty(&self.state).expect("the state as JSON");
        std::fs::write(&self.path, text).expect("write the cluster's state");
    }

    /// A connection to the cluster's database.
    pub async fn database(&self) -> PgConnection {
        PgConnection::connect(&self.state.postgres_url)
            .await
            .expect("the cluster's database")
    }

    /// The name of the node holding the room `code` (by the database), if one does.
    pub async fn owner_of(&self, code: &str) -> Option<String> {
        let mut db = self.database().await;
        sqlx::query_scalar(
            "SELECT nodes.name FROM rooms JOIN nodes ON nodes.id = rooms.owner \
             WHERE rooms.code = $1",
        )
        .bind(code)
        .fetch_optional(&mut db)
        .await
        .expect("who holds the room")
    }

    /// The counter `name` of the node at `address`'s `/metrics` (read from this
    /// machine, as `/metrics` allows).
    pub async fn counter(&self, address: &str, name: &str) -> u64 {
        let (_, body) = get(address, "/metrics").await.expect("metrics");
        body.lines()
            .find_map(|line| line.strip_prefix(&format!("codev_{name}_total ")))
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} at {address}"))
    }

    /// Everything the proxy has logged so far.
    pub fn proxy_log(&self) -> String {
        std::fs::read_to_string(&self.state.proxy_log).unwrap_or_default()
    }
}

/// A node frozen by [`Cluster::freeze`].
pub struct Frozen {
    pid: u32,
    thawed: bool,
}

impl Frozen {
    /// Let it run again (`SIGCONT`).
    pub fn thaw(mut self) {
        self.send_cont();
        self.thawed = true;
    }

    fn send_cont(&self) {
        // SAFETY: `kill` only sends a signal to a process id.
        unsafe { libc::kill(self.pid as libc::pid_t, Signal::Cont.number()) };
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        if !self.thawed {
            self.send_cont();
        }
    }
}

/// A plain HTTP/1.0 GET of `path` at `address`: status and body.
pub async fn get(address: &str, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())?;
        Some((status, body))
    };
    tokio::time::timeout(Duration::from_secs(2), attempt)
        .await
        .ok()
        .flatten()
}
