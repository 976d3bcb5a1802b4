//! The one way to start a server binary as a child process and learn its address.
//!
//! The integration tests (`server::ServerProcess`, a server a test can kill) and the load
//! generator (`bench`'s `Target`, a server it measures through `/proc`) both start a
//! server this way: on port 0, with its stdout read until it prints where it listens.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

/// Why a server process gave no address.
#[derive(Debug)]
pub enum SpawnError {
    /// The program could not be started at all.
    Start(std::io::Error),
    /// It closed its stdout (it exited) before printing an address.
    ExitedBeforeListening,
    /// It printed no address within the patience given; it has been killed.
    NotListeningInTime(Duration),
    /// It printed something that is not a socket address.
    BadAddress(String),
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpawnError::Start(error) => write!(f, "could not start the server: {error}"),
            SpawnError::ExitedBeforeListening => write!(f, "the server exited before listening"),
            SpawnError::NotListeningInTime(patience) => {
                write!(f, "the server did not start listening within {patience:?}")
            }
            SpawnError::BadAddress(text) => write!(f, "the server printed an odd address: {text}"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// Start `command` (a server binary told to listen on port 0, or anything that prints
/// `Open http://ADDR/ ...` once it listens) and wait, up to `patience`, for its address.
///
/// The child logs at `warn` (`RUST_LOG`), reads nothing, writes its stderr to ours, and
/// its stdout is read on a thread: the first line naming the address is sent back, the
/// rest is read and dropped so that the server never blocks on a full pipe.
pub fn spawn_listening(
    mut command: Command,
    patience: Duration,
) -> Result<(Child, SocketAddr), SpawnError> {
    let mut child = command
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(SpawnError::Start)?;
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(SpawnError::ExitedBeforeListening);
    };
    let (found, address) = channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // "Open http://127.0.0.1:PORT/ in a browser."
            if let Some(rest) = line.strip_prefix("Open http://")
                && let Some((addr, _)) = rest.split_once('/')
                && let Some(found) = found.take()
            {
                let _ = found.send(addr.to_owned());
            }
        }
    });
    let failed = |mut child: Child, error| {
        let _ = child.kill();
        let _ = child.wait();
        Err(error)
    };
    match address.recv_timeout(patience) {
        Ok(addr) => match addr.parse() {
            Ok(addr) => Ok((child, addr)),
            Err(_) => failed(child, SpawnError::BadAddress(addr)),
        },
        Err(RecvTimeoutError::Timeout) => failed(child, SpawnError::NotListeningInTime(patience)),
        Err(RecvTimeoutError::Disconnected) => failed(child, SpawnError::ExitedBeforeListening),
    }
}
