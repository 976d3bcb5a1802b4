//! `cargo xtask cluster up | down | test`: the app as a cluster on this machine, for
//! trying it out and for the cluster tests. Several server nodes share one PostgreSQL
//! database behind HAProxy, everything on loopback.
//!
//! `up` leaves the cluster running when it returns, so each process is started detached:
//! a process group of its own (a Ctrl-C in the terminal does not reach it), stdin closed,
//! its output appended to a log in `target/cluster/`. The PostgreSQL server is a kept one
//! ([`Postgres::start_kept`]), which outlives the xtask. What runs is written to
//! `target/cluster/cluster.json` ([`State`]): `down` reads it to stop everything, and the
//! cluster tests read it to find the proxy and the nodes, and to kill and restart nodes
//! (writing a restarted node's new pid back into it, which `down` then stops).
//!
//! `up` fails rather than leave half a cluster: whatever it started before a failure is
//! stopped again.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use crate::postgres::{self, Postgres};
use crate::{cmd, paths, setup, site};

/// The nodes' `--lease-seconds`: how long a dead node's sessions wait for another node.
const LEASE_SECONDS: u32 = 5;

/// How long the nodes, then the proxy, may take to answer `GET /health`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Between two looks at whether a process is ready, or gone.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long `down` waits for the processes to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `down` waits for the processes to exit after SIGKILL before giving up.
const KILL_TIMEOUT: Duration = Duration::from_secs(5);

/// How many lines of a log an error about a process that failed to start quotes.
const LOG_TAIL_LINES: usize = 30;

/// The state file's name, in [`paths::cluster_dir`].
const STATE_FILE: &str = "cluster.json";

/// Server options `test` adds: the tests open many connections and sessions from one
/// address (127.0.0.1) at a pace no person would, so the per-address limits are off.
const TEST_SERVER_ARGS: &[&str] = &[
    "--max-connections-per-address",
    "0",
    "--commands-per-second",
    "0",
    "--join-failures-per-minute",
    "0",
    "--sessions-per-address-per-hour",
    "0",
];

#[derive(Args, Debug)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Subcommand, Debug)]
enum ClusterCommand {
    /// Build the site and the server, start PostgreSQL, the nodes and HAProxy in the
    /// background, wait until the app answers through the proxy, and describe it all in
    /// target/cluster/cluster.json.
    Up(UpArgs),
    /// Stop the cluster `up` started (the processes cluster.json names now) and delete
    /// its database. Succeeds, saying so, when no cluster is up.
    Down,
    /// `up` with the server's per-address limits off, run the cluster tests against it
    /// (`cargo test -p tests --test cluster`, with CODEV_CLUSTER naming cluster.json),
    /// then `down`, whether the tests passed or not.
    Test(TestArgs),
}

/// The shape of the cluster, for `up` and `test`.
#[derive(Args, Debug)]
struct Options {
    /// How many nodes to run, named n1, n2, ...
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=32))]
    nodes: u16,
    /// The port on 127.0.0.1 where HAProxy listens: the app is http://127.0.0.1:PORT/.
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Build and run the server optimised.
    #[arg(long)]
    release: bool,
}

#[derive(Args, Debug)]
struct UpArgs {
    #[command(flatten)]
    options: Options,
    /// More options for every node, e.g. `cargo xtask cluster up -- --grace-seconds 10`
    /// (see `cargo run -p server -- --help`).
    #[arg(last = true)]
    server_args: Vec<String>,
}

#[derive(Args, Debug)]
struct TestArgs {
    #[command(flatten)]
    options: Options,
    /// Passed to the test binary, e.g. `cargo xtask cluster test -- failover`.
    #[arg(last = true)]
    test_args: Vec<String>,
}

/// What runs, as `target/cluster/cluster.json`. The cluster tests read it by these
/// field names, so they are part of the interface. Every path is absolute.
#[derive(Serialize, Deserialize, Debug)]
struct State {
    /// Where HAProxy listens, `127.0.0.1:<port>`.
    proxy: String,
    proxy_pid: u32,
    /// HAProxy's log: one line per request.
    proxy_log: PathBuf,
    postgres_url: String,
    /// The kept PostgreSQL's directory, which [`postgres::stop_kept`] stops and deletes.
    postgres_dir: PathBuf,
    /// Every node's `--lease-seconds`.
    lease_seconds: u32,
    nodes: Vec<Node>,
}

/// One node of [`State`].
#[derive(Serialize, Deserialize, Debug)]
struct Node {
    /// Its `--node-name`, the name HAProxy knows it by: n1, n2, ...
    name: String,
    /// Where it listens, `127.0.0.1:<port>`.
    address: String,
    /// Its process. A test that restarts the node writes the new one's here; `down`
    /// stops the process with this pid if it still runs `command[0]`.
    pid: u32,
    /// Its stdout and stderr, appended.
    log: PathBuf,
    /// Its full argv, the server binary first, to restart it the same way (with
    /// `RUST_LOG=info` and `NO_COLOR=1` in the environment, as `up` runs it).
    command: Vec<String>,
}

pub fn run(args: &ClusterArgs) -> Result<()> {
    match &args.command {
        ClusterCommand::Up(args) => up(&args.options, &args.server_args, None).map(|_| ()),
        ClusterCommand::Down => down(),
        ClusterCommand::Test(args) => test(&args.options, &args.test_args, None),
    }
}

/// The cluster tests as `cargo xtask test` runs them, on the site it has just built:
/// three debug nodes on the default port.
pub fn test_on_site(site: PathBuf) -> Result<()> {
    let options = Options {
        nodes: 3,
        port: 8090,
        release: false,
    };
    test(&options, &[], Some(site))
}

fn state_file() -> PathBuf {
    paths::cluster_dir().join(STATE_FILE)
}

/// `cargo xtask cluster up`, serving `site` (built here if none); returns the path of
/// the state file it wrote.
fn up(options: &Options, server_args: &[String], site: Option<PathBuf>) -> Result<PathBuf> {
    setup::ensure_haproxy()?;
    postgres::ensure_installed()?;
    let dir = paths::cluster_dir();
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let state_file = state_file();
    clear_stale(&state_file)?;
    // Checked before the long builds, and held until the nodes' ports are picked, so
    // none of those can be the proxy's.
    let proxy_port = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).with_context(|| {
        format!(
            "cannot listen on 127.0.0.1:{}; choose another port with --port",
            options.port
        )
    })?;
    let proxy_address = format!("127.0.0.1:{}", options.port);

    let site_dir = match site {
        Some(site) => site,
        None => site::build(&site::SiteArgs::default())?,
    };
    cmd::run(&mut cmd::build_binaries(
        &[("server", "server")],
        options.release,
    ))?;
    let server = paths::target_dir()
        .join(if options.release { "release" } else { "debug" })
        .join("server");

    // Declared first, so dropped last: stopped and deleted if anything below fails,
    // after the nodes that use it.
    let postgres = Postgres::start_kept("cargo xtask cluster")?;
    let mut started = Started::default();

    let ports = free_ports(options.nodes.into())?;
    drop(proxy_port);
    let mut nodes = Vec::new();
    for (index, port) in ports.into_iter().enumerate() {
        let name = format!("n{}", index + 1);
        let mut command: Vec<String> = vec![
            utf8(&server)?.to_owned(),
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
            "--db".into(),
            postgres.url(),
            "--node-name".into(),
            name.clone(),
            "--lease-seconds".into(),
            LEASE_SECONDS.to_string(),
            "--static-dir".into(),
            utf8(&site_dir)?.to_owned(),
            "--client-ip-header".into(),
            "X-Forwarded-For".into(),
        ];
        command.extend(server_args.iter().cloned());
        nodes.push(Node {
            log: dir.join(format!("{name}.log")),
            address: format!("127.0.0.1:{port}"),
            name,
            pid: 0,
            command,
        });
    }

    let config = dir.join("haproxy.cfg");
    write_haproxy_config(&server, &proxy_address, &nodes, &config)?;

    for node in &mut nodes {
        let mut command = Command::new(&node.command[0]);
        command
            .args(&node.command[1..])
            .current_dir(paths::root())
            .env("RUST_LOG", "info")
            // The log is a file, to read and search: no colours in it.
            .env("NO_COLOR", "1");
        eprintln!(
            "xtask: starting {}: RUST_LOG=info NO_COLOR=1 {} >> {}",
            node.name,
            node.command.join(" "),
            node.log.display()
        );
        node.pid = started.spawn(&node.name, command, &node.log)?;
    }
    let deadline = Instant::now() + READY_TIMEOUT;
    for (index, node) in nodes.iter().enumerate() {
        started.wait_ready(index, &node.address, deadline)?;
    }
    eprintln!("xtask: every node answers; starting HAProxy");

    let proxy_log = dir.join("haproxy.log");
    let mut haproxy = Command::new(setup::HAPROXY);
    if let Some(maxconn) = proxy_maxconn_cap(&config)? {
        eprintln!(
            "xtask: this machine's limit on open files is too low for the configuration's \
             maxconn; HAProxy runs with `-n {maxconn}`"
        );
        haproxy.arg("-n").arg(maxconn.to_string());
    }
    haproxy.arg("-f").arg(&config).current_dir(&dir);
    let proxy_pid = started.spawn("HAProxy", haproxy, &proxy_log)?;
    started.wait_ready(nodes.len(), &proxy_address, Instant::now() + READY_TIMEOUT)?;

    let state = State {
        proxy: proxy_address,
        proxy_pid,
        proxy_log,
        postgres_url: postgres.url(),
        postgres_dir: postgres.dir().to_path_buf(),
        lease_seconds: LEASE_SECONDS,
        nodes,
    };
    write_state(&state_file, &state)?;
    // Written down: from here on the cluster is `down`'s to stop.
    started.hand_over();
    postgres.keep();

    println!();
    println!("The app is up on http://{}/", state.proxy);
    for node in &state.nodes {
        println!(
            "  node {} on {}, log {}",
            node.name,
            node.address,
            node.log.display()
        );
    }
    println!("  HAProxy log {}", state.proxy_log.display());
    println!("  PostgreSQL {}", state.postgres_url);
    println!("  state {}", state_file.display());
    println!("Stop it with `cargo xtask cluster down`.");
    Ok(state_file)
}

/// Refuses if the state file names a cluster that still runs; if all its nodes and its
/// proxy are gone, stops its PostgreSQL and deletes the file.
fn clear_stale(state_file: &Path) -> Result<()> {
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

/// Writes HAProxy's configuration for `nodes`, as the server prints it, to `config`,
/// and has HAProxy check it.
fn write_haproxy_config(server: &Path, listen: &str, nodes: &[Node], config: &Path) -> Result<()> {
    let mut generate = Command::new(server);
    generate.args(["haproxy-config", "--listen", listen, "--log-to-stderr"]);
    for node in nodes {
        generate
            .arg("--node")
            .arg(format!("{}={}", node.name, node.address));
    }
    let out = generate
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {} haproxy-config", server.display()))?;
    if !out.status.success() {
        bail!(
            "`{} haproxy-config` failed ({}):\n{}",
            server.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    fs::write(config, &out.stdout).with_context(|| format!("writing {}", config.display()))?;
    cmd::run_quiet(Command::new(setup::HAPROXY).arg("-c").arg("-f").arg(config))
        .with_context(|| format!("HAProxy rejects {}", config.display()))
}

/// Open files HAProxy needs besides two per connection (listeners, health checks, its
/// log), with room to spare: it needs about 20 with three nodes.
const PROXY_SPARE_FILES: u64 = 256;

/// The `-n` (maxconn) to run HAProxy with, if the `maxconn` of the `global` section of
/// `config` needs more open files than this machine allows (HAProxy needs two per
/// connection, and refuses to start if it cannot raise its limit that far). Some
/// containers' hard limit is as low as the server's default `maxconn 20000` itself.
fn proxy_maxconn_cap(config: &Path) -> Result<Option<u64>> {
    let text =
        fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let maxconn = text
        .lines()
        .skip_while(|line| line.trim() != "global")
        .skip(1)
        .take_while(|line| line.starts_with(char::is_whitespace) || line.trim().is_empty())
        .find_map(|line| {
            line.trim()
                .strip_prefix("maxconn")?
                .trim()
                .parse::<u64>()
                .ok()
        });
    let (Some(maxconn), Some(limit)) = (maxconn, open_files_hard_limit()) else {
        return Ok(None);
    };
    if 2 * maxconn + PROXY_SPARE_FILES <= limit {
        return Ok(None);
    }
    match limit.checked_sub(PROXY_SPARE_FILES) {
        Some(room) if room >= 2 => Ok(Some(room / 2)),
        _ => bail!("this machine allows only {limit} open files, too few for HAProxy"),
    }
}

/// This process's hard limit on open files (which its children inherit), from
/// `/proc/self/limits`; `None` if unlimited or unknown.
fn open_files_hard_limit() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The processes `up` has started so far. Dropped before [`Started::hand_over`] (`up`
/// failed), it kills them.
#[derive(Default)]
struct Started {
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
    fn spawn(&mut self, name: &str, mut command: Command, log: &Path) -> Result<u32> {
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
    fn wait_ready(&mut self, index: usize, address: &str, deadline: Instant) -> Result<()> {
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
    fn hand_over(mut self) {
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
fn free_ports(count: usize) -> Result<Vec<u16>> {
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
fn health(address: SocketAddr) -> Result<u16> {
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
fn log_tail(log: &Path) -> String {
    match fs::read(log) {
        Ok(text) => {
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(error) => format!("(unreadable: {error})"),
    }
}

/// `path` as UTF-8, which the state file's JSON needs.
fn utf8(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not valid UTF-8", path.display()))
}

/// The state file's cluster, or `None` if there is no state file.
fn read_state(state_file: &Path) -> Result<Option<State>> {
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
fn write_state(state_file: &Path, state: &State) -> Result<()> {
    let json = serde_json::to_string_pretty(state).context("encoding the cluster's state")?;
    let partial = state_file.with_extension("json.partial");
    fs::write(&partial, json + "\n").with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, state_file)
        .with_context(|| format!("moving {} to {}", partial.display(), state_file.display()))
}

fn remove_state(state_file: &Path) -> Result<()> {
    fs::remove_file(state_file).with_context(|| format!("deleting {}", state_file.display()))
}

/// A process a state file names: the proxy or a node.
struct Tracked {
    name: String,
    pid: u32,
    /// What it runs (its `argv[0]`), to tell it from another process that got its pid.
    program: String,
}

impl Tracked {
    /// Whether the process still runs, and still runs [`Tracked::program`]: a process
    /// that exited long ago may have left its pid to an unrelated one, which must not
    /// be signalled. Without `/proc`, only whether the pid is in use (`kill -0`).
    fn running(&self) -> bool {
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
    fn signal(&self, signal: &str) {
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
fn tracked(state: &State) -> Vec<Tracked> {
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
fn wait_gone(mut processes: Vec<Tracked>, timeout: Duration) -> Vec<Tracked> {
    let deadline = Instant::now() + timeout;
    loop {
        processes.retain(Tracked::running);
        if processes.is_empty() || Instant::now() >= deadline {
            return processes;
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// `cargo xtask cluster down`.
fn down() -> Result<()> {
    let state_file = state_file();
    let Some(state) = read_state(&state_file)? else {
        eprintln!(
            "xtask: no cluster is up ({} does not exist)",
            state_file.display()
        );
        return Ok(());
    };
    let mut running = Vec::new();
    for process in tracked(&state) {
        if process.running() {
            eprintln!("xtask: stopping {} (pid {})", process.name, process.pid);
            process.signal("TERM");
            running.push(process);
        } else {
            eprintln!(
                "xtask: {} (pid {}) is not running",
                process.name, process.pid
            );
        }
    }
    let mut running = wait_gone(running, STOP_TIMEOUT);
    if !running.is_empty() {
        for process in &running {
            eprintln!(
                "xtask: {} (pid {}) still runs {} s after SIGTERM; killing it",
                process.name,
                process.pid,
                STOP_TIMEOUT.as_secs()
            );
            process.signal("KILL");
        }
        running = wait_gone(running, KILL_TIMEOUT);
    }
    if !running.is_empty() {
        let names: Vec<String> = running
            .iter()
            .map(|process| format!("{} (pid {})", process.name, process.pid))
            .collect();
        bail!(
            "could not stop {}; {} is left for another `cargo xtask cluster down`",
            names.join(", "),
            state_file.display()
        );
    }
    postgres::stop_kept(&state.postgres_dir)?;
    remove_state(&state_file)?;
    eprintln!("xtask: the cluster is down");
    Ok(())
}

/// `cargo xtask cluster test`.
fn test(options: &Options, test_args: &[String], site: Option<PathBuf>) -> Result<()> {
    let server_args: Vec<String> = TEST_SERVER_ARGS.iter().map(|&arg| arg.into()).collect();
    let state_file = up(options, &server_args, site)?;
    let tests = cmd::run(
        cmd::cargo()
            .args(["test", "--package", "tests", "--test", "cluster"])
            .args(["--", "--test-threads", "1"])
            .args(test_args)
            .env("CODEV_CLUSTER", &state_file),
    );
    let stopped = down();
    match (tests, stopped) {
        (Ok(()), stopped) => stopped,
        (Err(failed), Ok(())) => Err(failed.context("the cluster tests failed")),
        (Err(failed), Err(stopping)) => {
            eprintln!("xtask: error: stopping the cluster: {stopping:#}");
            Err(failed.context("the cluster tests failed"))
        }
    }
}
