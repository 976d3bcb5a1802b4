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

mod processes;
mod proxy;
mod state;

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::postgres::{self, Postgres};
use crate::{cmd, paths, setup, site};
use processes::{Started, free_ports};
use proxy::{proxy_maxconn_cap, write_haproxy_config};
use state::{
    Node, State, clear_stale, read_state, remove_state, state_file, tracked, utf8, wait_gone,
    write_state,
};

/// The nodes' `--lease-seconds`: how long a dead node's sessions wait for another node.
const LEASE_SECONDS: u32 = 5;

/// How long the nodes, then the proxy, may take to answer `GET /health`.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Between two looks at whether a process is ready, or gone.
pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long `down` waits for the processes to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `down` waits for the processes to exit after SIGKILL before giving up.
const KILL_TIMEOUT: Duration = Duration::from_secs(5);

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
