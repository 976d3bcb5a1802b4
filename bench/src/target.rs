//! The server under load, as a child process: started on a fresh temporary database,
//! watched through `/proc` (CPU time, resident memory), and stopped when dropped. It is
//! started by the tests' own spawner (`tests::process::spawn_listening`), as the
//! integration tests start theirs.
//!
//! Both the real server and the baseline run as children, so the figures read from
//! `/proc/<pid>` are theirs alone, never the load generator's.

use anyhow::{Context, Result, anyhow};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;
use tests::process::spawn_listening;

/// Which server a run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The real server binary, SQLite file and all.
    Ours,
    /// The bare broadcast server built into this binary ([`crate::baseline`]).
    Baseline,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Baseline => "baseline",
        }
    }
}

/// Server flags that lift the limits meant for real clients (0: no limit).
const LIMITS_OFF: &[&str] = &[
    "--max-connections-per-address",
    "0",
    "--commands-per-second",
    "0",
    "--sessions-per-address-per-hour",
    "0",
    "--join-failures-per-minute",
    "0",
];

/// The server's database file, in its directory.
pub const DATABASE: &str = "bench.db";

/// A running server process, or a cluster started by someone else.
pub struct Target {
    pub kind: Kind,
    pub addr: SocketAddr,
    child: Option<Child>,
    dir: PathBuf,
    /// A cluster's node processes, whose CPU and memory are summed (none for a child).
    nodes: Vec<u32>,
}

/// What `/proc` says about a process at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User + system CPU time, in microseconds.
    pub cpu_us: u64,
    /// Resident memory now, in KiB.
    pub rss_kib: u64,
    /// Peak resident memory (since start, or since [`Target::reset_peak`]), in KiB.
    pub hwm_kib: u64,
}

impl Target {
    /// Start the real server at `binary` on a new database in a temporary directory.
    /// `limits_off` passes the flags that lift the per-address and per-connection limits
    /// (not for a server built before they existed).
    pub fn ours(binary: &Path, limits_off: bool, extra: &[String]) -> Result<Self> {
        let dir = temp_dir("ours")?;
        Self::ours_in(dir, binary, limits_off, extra)
    }

    /// A directory for a database made before the server starts ([`Target::ours_in`]).
    pub fn new_dir() -> Result<PathBuf> {
        temp_dir("ours")
    }

    /// Start the real server on `dir/bench.db`, which may already hold sessions; `dir`
    /// is removed when the server stops.
    pub fn ours_in(
        dir: PathBuf,
        binary: &Path,
        limits_off: bool,
        extra: &[String],
    ) -> Result<Self> {
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--db"])
            .arg(dir.join(DATABASE))
            // All the load comes from one address, far faster than any person: the
            // per-address and per-connection limits are for the open internet.
            .args(if limits_off { LIMITS_OFF } else { &[] })
            .args(extra);
        Self::start(Kind::Ours, command, dir)
            .with_context(|| format!("starting {}", binary.display()))
    }

    /// Start the real server on the PostgreSQL database at `url` (one node of a
    /// cluster of one).
    pub fn ours_on_postgres(
        binary: &Path,
        url: &str,
        limits_off: bool,
        extra: &[String],
    ) -> Result<Self> {
        let dir = temp_dir("ours-postgres")?;
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--db", url])
            .args(if limits_off { LIMITS_OFF } else { &[] })
            .args(extra);
        Self::start(Kind::Ours, command, dir)
            .with_context(|| format!("starting {} on PostgreSQL", binary.display()))
    }

    /// A cluster already running behind its proxy at `addr`, its nodes' processes
    /// `nodes` (`cargo xtask cluster up`): measured as it is, never stopped here.
    pub fn cluster(addr: SocketAddr, nodes: Vec<u32>) -> Result<Self> {
        Ok(Target {
            kind: Kind::Ours,
            addr,
            child: None,
            dir: temp_dir("cluster")?,
            nodes,
        })
    }

    /// Start this very binary as the baseline server.
    pub fn baseline() -> Result<Self> {
        let dir = temp_dir("baseline")?;
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["baseline-server", "--port", "0"]);
        Self::start(Kind::Baseline, command, dir)
    }

    fn start(kind: Kind, command: Command, dir: PathBuf) -> Result<Self> {
        let (child, addr) = spawn_listening(command, Duration::from_secs(60))
            .with_context(|| format!("the {} server", kind.label()))?;
        eprintln!(
            "bench: {} server, pid {}, on {addr}",
            kind.label(),
            child.id()
        );
        Ok(Target {
            kind,
            addr,
            child: Some(child),
            dir,
            nodes: Vec::new(),
        })
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// CPU time and memory of the server process now (of all a cluster's nodes).
    pub fn usage(&self) -> Result<Usage> {
        if self.nodes.is_empty() {
            return usage_of(self.pid());
        }
        let mut total = Usage::default();
        for &pid in &self.nodes {
            let node = usage_of(pid)?;
            total.cpu_us += node.cpu_us;
            total.rss_kib += node.rss_kib;
            total.hwm_kib += node.hwm_kib;
        }
        Ok(total)
    }

    /// Forget the peak resident memory so far, so that the next [`usage`](Self::usage)
    /// reports the peak from now on (Linux `clear_refs`, value 5).
    pub fn reset_peak(&self) {
        if !self.nodes.is_empty() {
            return;
        }
        let path = format!("/proc/{}/clear_refs", self.pid());
        if let Err(error) = std::fs::write(&path, "5") {
            eprintln!(
                "bench: could not reset the peak RSS ({path}: {error}); VmHWM counts from the start"
            );
        }
    }

    /// Stop the server: SIGTERM, then SIGKILL if it lingers.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else {
            let _ = std::fs::remove_dir_all(&self.dir);
            return;
        };
        // SAFETY: plain syscall on our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        for _ in 0..100 {
            if let Ok(Some(_)) = child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS, VmHWM).
pub fn usage_of(pid: u32) -> Result<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow!("odd /proc/{pid}/stat"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After ')' come state (field 3) … utime is field 14, stime field 15.
    let ticks: u64 = fields
        .get(11)
        .zip(fields.get(12))
        .and_then(|(u, s)| Some(u.parse::<u64>().ok()? + s.parse::<u64>().ok()?))
        .ok_or_else(|| anyhow!("no CPU times in /proc/{pid}/stat"))?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Ok(Usage {
        cpu_us: ticks * 1_000_000 / hz,
        rss_kib: kib("VmRSS:"),
        hwm_kib: kib("VmHWM:"),
    })
}

/// CPU time the whole machine has spent busy (every core, every process), in
/// microseconds, from `/proc/stat`. With the server's and the bench's own, it tells how
/// much others took during a measurement: other processes, and on a virtual machine the
/// time the hypervisor gave our cores to other machines (steal), which shows up here as
/// latency from nowhere.
pub fn machine_busy_us() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|line| line.starts_with("cpu ")) else {
        return 0;
    };
    let ticks: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    busy * 1_000_000 / hz
}

/// CPU time this process (the load generator) has used, in microseconds.
pub fn own_cpu_us() -> u64 {
    usage_of(std::process::id()).map_or(0, |usage| usage.cpu_us)
}

/// Raise this process's open-file limit to its hard limit; children inherit it. Returns
/// the new soft limit.
pub fn raise_fd_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        }
        limit.rlim_cur
    }
}

fn temp_dir(label: &str) -> Result<PathBuf> {
    Ok(tests::server::fresh_temp_dir(&format!("bench-{label}"))?)
}
