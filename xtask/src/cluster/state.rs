//! What a running cluster is, as `target/cluster/cluster.json` says: written by `up`,
//! read by `down` and by the cluster tests (which write a restarted node's pid back),
//! and the processes it names, told apart from others that got their pids.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::POLL_INTERVAL;
use crate::{cmd, paths, postgres, setup};

/// The state file's name, in [`paths::cluster_dir`].
const STATE_FILE: &str = "cluster.json";

/// What runs, as `target/cluster/cluster.json`. The cluster tests read it by these
/// field names, so they are part of the interface. Every path is absolute.
#[derive(Serialize, Deserialize, Debug)]
pub(super) struct State {
    /// Where HAProxy listens, `127.0.0.1:<port>`.
    pub(super) proxy: String,
    pub(super) proxy_pid: u32,
    /// HAProxy's log: one line per request.
    pub(super) proxy_log: PathBuf,
    pub(super) postgres_url: String,
    /// The kept PostgreSQL's directory, which [`postgres::stop_kept`] stops and deletes.
    pub(super) postgres_dir: PathBuf,
    /// Every node's `--lease-seconds`.
    pub(super) lease_seconds: u32,
    pub(super) nodes: Vec<Node>,
}

/// One node of [`State`].
#[derive(Serialize, Deserialize, Debug)]
pub(super) struct Node {
    /// Its `--node-name`, the name HAProxy knows it by: n1, n2, ...
    pub(super) name: String,
    /// Where it listens, `127.0.0.1:<port>`.
    pub(super) address: String,
    /// Its process. A test that restarts the node writes the new one's here; `down`
    /// stops the process with this pid if it still runs `command[0]`.
    pub(super) pid: u32,
    /// Its stdout and stderr, appended.
    pub(super) log: PathBuf,
    /// Its full argv, the server binary first, to restart it the same way (with
    /// `RUST_LOG=info` and `NO_COLOR=1` in the environment, as `up` runs it).
    pub(super) command: Vec<String>,
}

pub(super) fn state_file() -> PathBuf {
    paths::cluster_dir().join(STATE_FILE)
}

/// Refuses if the state file names a cluster that still runs; if all its nodes and its
/// proxy are gone, stops its PostgreSQL and deletes the file.
pub(super) fn clear_stale(state_file: &Path) -> Result<()> {
    let Some(state) = read_state(state_file)? else {
        return Ok(());
    };
    let running: Vec<String> = tracked(&state)
        .iter()
        .filter(|process| process.running())
        .map(|process| format!("{} (pid {})", process.name, process.pid))
        .collect();
    if !running.is_empty() {
        bail!(
            "a cluster is already up on http://{}/ ({} running, as {} says); \
             stop it with `cargo xtask cluster down` first",
            state.proxy,
            running.join(", "),
            state_file.display()
        );
    }
    eprintln!(
        "xtask: the nodes and proxy of {} are gone; cleaning up after them",
        state_file.display()
    );
    postgres::stop_kept(&state.postgres_dir)?;
    remove_state(state_file)
}

/// `path` as UTF-8, which the state file's JSON needs.
pub(super) fn utf8(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not valid UTF-8", path.display()))
}

/// The state file's cluster, or `None` if there is no state file.
pub(super) fn read_state(state_file: &Path) -> Result<Option<State>> {
    let text = match fs::read_to_string(state_file) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", state_file.display()));
        }
    };
    serde_json::from_str(&text).map(Some).with_context(|| {
        format!(
            "{} is not a cluster's state; if no cluster runs, delete it",
            state_file.display()
        )
    })
}

/// Writes `state` to `state_file` whole: into a scratch file first, then renamed, so a
/// reader never sees half of it.
pub(super) fn write_state(state_file: &Path, state: &State) -> Result<()> {
    let json = serde_json::to_string_pretty(state).context("encoding the cluster's state")?;
    let partial = state_file.with_extension("json.partial");
    fs::write(&partial, json + "\n").with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, state_file)
        .with_context(|| format!("moving {} to {}", partial.display(), state_file.display()))
}

pub(super) fn remove_state(state_file: &Path) -> Result<()> {
    fs::remove_file(state_file).with_context(|| format!("deleting {}", state_file.display()))
}

/// A process a state file names: the proxy or a node.
pub(super) struct Tracked {
    pub(super) name: String,
    pub(super) pid: u32,
    /// What it runs (its `argv[0]`), to tell it from another process that got its pid.
    pub(super) program: String,
}

impl Tracked {
    /// Whether the process still runs, and still runs [`Tracked::program`]: a process
    /// that exited long ago may have left its pid to an unrelated one, which must not
    /// be signalled. Without `/proc`, only whether the pid is in use (`kill -0`).
    pub(super) fn running(&self) -> bool {
        // 0 and 1 are never ours, and `kill 0` would signal our own process group.
        if self.pid <= 1 {
            return false;
        }
        if !Path::new("/proc/self").exists() {
            return Command::new("kill")
                .args(["-0", &self.pid.to_string()])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
        }
        // Empty for a zombie, which has exited as far as we are concerned.
        fs::read(format!("/proc/{}/cmdline", self.pid)).is_ok_and(|cmdline| {
            cmdline
                .split(|&byte| byte == 0)
                .next()
                .is_some_and(|argv0| argv0 == self.program.as_bytes())
        })
    }

    /// Sends `signal` (`TERM`, `KILL`) with `kill`; trouble is only reported, since the
    /// process may have exited meanwhile.
    pub(super) fn signal(&self, signal: &str) {
        let sent = cmd::run_quiet(
            Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(self.pid.to_string()),
        );
        if let Err(error) = sent
            && self.running()
        {
            eprintln!("xtask: warning: signalling {}: {error:#}", self.name);
        }
    }
}

/// The proxy and the nodes of `state`, in the order to stop them.
pub(super) fn tracked(state: &State) -> Vec<Tracked> {
    let proxy = Tracked {
        name: "HAProxy".to_owned(),
        pid: state.proxy_pid,
        program: setup::HAPROXY.to_owned(),
    };
    let nodes = state.nodes.iter().map(|node| Tracked {
        name: node.name.clone(),
        pid: node.pid,
        program: node.command.first().cloned().unwrap_or_default(),
    });
    std::iter::once(proxy).chain(nodes).collect()
}

/// Waits up to `timeout` for `processes` to exit; returns those still running.
pub(super) fn wait_gone(mut processes: Vec<Tracked>, timeout: Duration) -> Vec<Tracked> {
    let deadline = Instant::now() + timeout;
    loop {
        processes.retain(Tracked::running);
        if processes.is_empty() || Instant::now() >= deadline {
            return processes;
        }
        thread::sleep(POLL_INTERVAL);
    }
}
