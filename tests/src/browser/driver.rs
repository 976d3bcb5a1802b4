//! chromedriver as a child process: started on a free port in a process group of its
//! own, polled until it accepts sessions, and killed with every Chromium it started.
//! Browser tests of one test binary take turns on it (one driver at a time).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::{env, fs};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, MutexGuard};

use super::tail;

/// Where chromedriver is expected; `CHROMEDRIVER` overrides it.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How many times to start chromedriver before giving up (a port picked as free can be
/// taken by someone else before chromedriver binds it).
const START_ATTEMPTS: usize = 3;
/// How often, and how many times, to ask a starting chromedriver whether it is ready.
const STATUS_POLL: Duration = Duration::from_millis(50);
const STATUS_POLLS: usize = 200;

/// A running chromedriver, killed with everything it started when dropped.
pub struct ChromeDriver {
    /// Browser tests of one test binary take turns: several Chromium windows per test
    /// are plenty for two cores, and a loaded machine makes waits flaky.
    _turn: MutexGuard<'static, ()>,
    child: Child,
    port: u16,
    /// Holds the profile directory of every browser of this driver and the driver's log.
    pub(super) scratch: PathBuf,
    pub(super) next_browser: AtomicUsize,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until it accepts sessions.
    ///
    /// Panics with a clear message if chromedriver is missing or does not come up:
    /// browser tests must fail, never skip, when the browser is unavailable.
    pub async fn start() -> Self {
        // Each test has its own runtime; tokio's mutex works across them.
        static TURN: Mutex<()> = Mutex::const_new(());
        let turn = TURN.lock().await;
        let program = env::var_os("CHROMEDRIVER")
            .map_or_else(|| PathBuf::from(DEFAULT_CHROMEDRIVER), PathBuf::from);
        assert!(
            program.is_file(),
            "chromedriver not found at {}: run the tests through `cargo xtask test`, which \
             installs Debian's chromium and chromium-driver",
            program.display()
        );
        let scratch = scratch_dir();
        fs::create_dir_all(&scratch).expect("create the browser scratch directory");
        let log = scratch.join("chromedriver.log");

        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let mut child = spawn_in_own_group(
                Command::new(&program)
                    .arg(format!("--port={port}"))
                    .arg(format!("--log-path={}", log.display()))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            match wait_until_ready(&mut child, port).await {
                Ok(()) => {
                    return ChromeDriver {
                        _turn: turn,
                        child,
                        port,
                        scratch,
                        next_browser: AtomicUsize::new(0),
                    };
                }
                Err(why) => {
                    kill_group(&mut child);
                    failures.push(format!("port {port}: {why}"));
                }
            }
        }
        let log = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_dir_all(&scratch);
        panic!(
            "chromedriver ({}) did not start: {}\n--- chromedriver log (end) ---\n{}",
            program.display(),
            failures.join("; "),
            tail(&log, 4000)
        );
    }

    /// The WebDriver endpoint, e.g. `http://127.0.0.1:9515`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        let _ = fs::remove_dir_all(&self.scratch);
    }
}

/// Polls chromedriver's `/status` until it says it is ready, for a bounded time.
async fn wait_until_ready(child: &mut Child, port: u16) -> Result<(), String> {
    for _ in 0..STATUS_POLLS {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("chromedriver exited ({status})"));
        }
        if is_ready(port).await {
            return Ok(());
        }
        tokio::time::sleep(STATUS_POLL).await;
    }
    Err(format!(
        "not ready after {:?}",
        STATUS_POLL * STATUS_POLLS as u32
    ))
}

/// One `GET /status`, bounded in time; `true` if the driver reports `"ready": true`.
async fn is_ready(port: u16) -> bool {
    let body = tokio::time::timeout(STATUS_POLL * 20, get_status(port)).await;
    body.ok()
        .flatten()
        .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
        .is_some_and(|status| status["value"]["ready"] == serde_json::Value::Bool(true))
}

/// The body of chromedriver's `/status` answer. Chromedriver says `Connection: close` but
/// keeps the socket open, so the body is delimited by its `Content-Length`, not by EOF.
async fn get_status(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })?;
        if body.len() >= length {
            return Some(body.to_owned());
        }
    }
}

/// Kills the process group led by `child` (chromedriver and every Chromium it started)
/// and reaps `child`.
fn kill_group(child: &mut Child) {
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: `kill` has no memory-safety preconditions. A negative pid addresses the
        // process group, which `spawn_in_own_group` made equal to the child's pid; the
        // child is not reaped yet, so that id cannot have been reused.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
    let _ = child.wait();
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free local port")
        .port()
}

/// A directory name no other test (or test process) uses.
fn scratch_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    env::temp_dir().join(format!(
        "codev-browser-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Spawns `command` as the leader of a new process group, so the group can be killed
/// as a whole.
fn spawn_in_own_group(command: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    command
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start chromedriver: {e}"))
}
