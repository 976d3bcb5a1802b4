//! Starting the cluster's processes detached, waiting until each answers, and stopping
//! what a failed `up` had started.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::{POLL_INTERVAL, READY_TIMEOUT};

/// How many lines of a log an error about a process that failed to start quotes.
const LOG_TAIL_LINES: usize = 30;

/// The processes `up` has started so far. Dropped before [`Started::hand_over`] (`up`
/// failed), it kills them.
#[derive(Default)]
pub(super) struct Started {
    processes: Vec<Launched>,
    handed_over: bool,
}

/// One process of [`Started`].
struct Launched {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Started {
    /// Starts `command` detached, its output into `log` (emptied first, then appended
    /// to, as by a restart in a test), and returns its pid.
    pub(super) fn spawn(&mut self, name: &str, mut command: Command, log: &Path) -> Result<u32> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        file.set_len(0)
            .with_context(|| format!("emptying {}", log.display()))?;
        let stderr = file
            .try_clone()
            .with_context(|| format!("opening {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .with_context(|| format!("could not start {name} ({:?})", command.get_program()))?;
        let pid = child.id();
        self.processes.push(Launched {
            name: name.to_owned(),
            child,
            log: log.to_path_buf(),
        });
        Ok(pid)
    }

    /// Waits until the process started `index`-th answers `GET /health` at `address`
    /// with 200. Fails, quoting the end of its log, if it exits first or `deadline`
    /// passes.
    pub(super) fn wait_ready(
        &mut self,
        index: usize,
        address: &str,
        deadline: Instant,
    ) -> Result<()> {
        let process = &mut self.processes[index];
        let socket: SocketAddr = address
            .parse()
            .with_context(|| format!("{address} is not an address"))?;
        loop {
            let status = process
                .child
                .try_wait()
                .with_context(|| format!("waiting for {}", process.name))?;
            if let Some(status) = status {
                bail!(
                    "{} exited ({status}) before it was ready; end of its log {}:\n{}",
                    process.name,
                    process.log.display(),
                    log_tail(&process.log)
                );
            }
            let answer = health(socket);
            if matches!(answer, Ok(200)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let answer = match answer {
                    Ok(code) => format!("status {code}"),
                    Err(error) => format!("{error:#}"),
                };
                bail!(
                    "{} did not answer GET http://{address}/health with 200 within {} s \
                     (last: {answer}); end of its log {}:\n{}",
                    process.name,
                    READY_TIMEOUT.as_secs(),
                    process.log.display(),
                    log_tail(&process.log)
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Leaves the processes running for good: the state file names them now.
    pub(super) fn hand_over(mut self) {
        self.handed_over = true;
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if self.handed_over {
            return;
        }
        for process in self.processes.iter_mut().rev() {
            eprintln!("xtask: stopping {}", process.name);
            if let Err(error) = process.child.kill() {
                eprintln!("xtask: warning: killing {}: {error}", process.name);
            }
            // Reaped, so nothing of the failed start is left, not even a zombie.
            let _ = process.child.wait();
        }
    }
}

/// `count` distinct free loopback ports, as the system hands them out: all bound at
/// once (so never the same twice), then released for the nodes to take.
pub(super) fn free_ports(count: usize) -> Result<Vec<u16>> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<Result<Vec<_>, _>>()
        .context("finding free ports on 127.0.0.1")?;
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect::<Result<_, std::io::Error>>()
        .context("reading the port of a loopback socket")
}

/// The status code of `GET /health` at `address`, asked in plain HTTP/1.0 (the server
/// closes the connection after its answer).
pub(super) fn health(address: SocketAddr) -> Result<u16> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET /health HTTP/1.0\r\nHost: {address}\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    status_line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| anyhow!("not an HTTP answer: {status_line:?}"))
}

/// The last [`LOG_TAIL_LINES`] lines of `log`.
pub(super) fn log_tail(log: &Path) -> String {
    match fs::read(log) {
        Ok(text) => {
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(error) => format!("(unreadable: {error})"),
    }
}
