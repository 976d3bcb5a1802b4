//! `bench`: the load generator for the session server (run it as `cargo xtask bench`).
//!
//! Each scenario runs against the real server (the release binary, a child process on a
//! fresh SQLite file: every event persisted) and then against a bare in-memory broadcast
//! server built into this binary ([`baseline`]), under the same load, and prints both
//! figures side by side with their ratio. The load is generated on the same machine, over
//! loopback only; every loop is bounded in count and time. Figures, not a test: nothing
//! here passes or fails, it only prints (and says which targets a run met).
//!
//! - S1 steady load: 200 rooms × 6, 2 notes/s per consultant, 20 s.
//! - S2 saturation: 50 rooms × 6, the consultants' rate raised step by step.
//! - S3 capacity: 10,000 idle participants in rooms of 7; memory per connection.
//! - S4 join storm: 1,000 participants joining within one second.
//! - S5 stored sessions (ours only): a server restarted on 10,000 stored sessions; time
//!   to ready, memory, and the first join of a stored session.
//! - first-load (ours only): the built site in headless Chromium on an emulated slow
//!   phone; time from opening an invite link until the join form takes input.
//!
//! This file only parses the command line and dispatches: each scenario is a module of
//! [`scenario`], on the engines beside it (`load`, `idle`, `stored`, `first_load`, `disk`).

mod baseline;
mod client;
mod disk;
mod first_load;
mod idle;
mod load;
mod scenario;
mod stats;
mod stored;
mod target;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use scenario::{
    first_load as first_load_scenario, print_flush_latency, print_machine, s1, s2, s3, s4, s5,
};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Load generator: scenarios S1-S4 against the server and a bare broadcast baseline"
)]
struct Cli {
    /// The server binary to measure (a release build).
    #[arg(long, global = true, default_value = "target/release/server")]
    server: PathBuf,
    /// Measure only one of the two servers.
    #[arg(long, global = true, value_enum)]
    only: Option<Only>,
    /// Do not pass the flags that lift the server's per-address and per-connection
    /// limits (to measure a server built before they existed).
    #[arg(long, global = true)]
    no_limit_flags: bool,
    /// An extra argument for the server binary (repeat for more).
    #[arg(long = "server-arg", global = true, allow_hyphen_values = true)]
    server_args: Vec<String>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Only {
    Ours,
    Baseline,
}

#[derive(Subcommand)]
enum Scenario {
    /// Steady load: rooms of participants, consultants posting at a fixed rate.
    S1(S1Args),
    /// Saturation: the consultants' rate raised step by step, p99 at each step.
    S2(S2Args),
    /// Capacity: idle participants; server memory per connection.
    S3(S3Args),
    /// Join storm: participants joining within one second; time to snapshot.
    S4(S4Args),
    /// Stored sessions (ours only): start on a database of many sessions; time until
    /// ready, memory, first join of a stored session.
    S5(S5Args),
    /// First load (ours only): open an invite link in headless Chromium on an emulated
    /// slow phone (CPU slowed down, DevTools' "Slow 4G" network); time until the join
    /// form takes input. Needs the built site (`cargo xtask bench first-load` builds it).
    FirstLoad(FirstLoadArgs),
    /// S1, S2, S3 and S4 with their defaults, one after the other.
    All,
    /// The disk alone: how long a flushed 4 KiB write takes where the server's database
    /// goes (also printed before S1).
    Disk {
        #[arg(long, default_value_t = 2000)]
        samples: usize,
    },
    /// Run the baseline server (used by the bench itself, as a child process).
    #[command(hide = true)]
    BaselineServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[derive(Args, Clone, Debug)]
struct S1Args {
    #[arg(long, default_value_t = 200)]
    rooms: usize,
    #[arg(long, default_value_t = 6)]
    participants: usize,
    /// Notes per second per consultant.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Characters per note.
    #[arg(long, default_value_t = 80)]
    note_len: usize,
    /// Runs, each against both servers in turn, fresh processes each time. With more
    /// than one, a line per run comes first, then the full report of the run whose p99
    /// (ours, or the baseline's with `--only baseline`) is the median: on a shared
    /// machine one run's p99 can be off by a millisecond.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Also measure the same server on this PostgreSQL database (`postgres://…`), in
    /// the same run, beside SQLite (`cargo xtask bench s1` starts one and passes it).
    #[arg(long)]
    postgres: Option<String>,
    /// Also measure a cluster through its proxy: the state file `cargo xtask cluster
    /// up` wrote (target/cluster/cluster.json); CPU is summed over its nodes.
    #[arg(long)]
    cluster: Option<PathBuf>,
}

impl Default for S1Args {
    fn default() -> Self {
        S1Args {
            rooms: 200,
            participants: 6,
            rate: 2.0,
            duration: 20.0,
            warmup: 3.0,
            note_len: 80,
            runs: 1,
            postgres: None,
            cluster: None,
        }
    }
}

#[derive(Args, Clone, Debug)]
struct S2Args {
    #[arg(long, default_value_t = 50)]
    rooms: usize,
    #[arg(long, default_value_t = 6)]
    participants: usize,
    /// Notes per second per consultant, one per step.
    #[arg(long, value_delimiter = ',', default_value = "10,25,50,75,100,125,150")]
    rates: Vec<f64>,
    /// Seconds measured per step.
    #[arg(long, default_value_t = 5.0)]
    step: f64,
    /// Seconds of each step before measuring.
    #[arg(long, default_value_t = 1.5)]
    warmup: f64,
    #[arg(long, default_value_t = 80)]
    note_len: usize,
}

impl Default for S2Args {
    fn default() -> Self {
        S2Args {
            rooms: 50,
            participants: 6,
            rates: vec![10.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0],
            step: 5.0,
            warmup: 1.5,
            note_len: 80,
        }
    }
}

#[derive(Args, Clone, Debug)]
struct S3Args {
    #[arg(long, default_value_t = 10_000)]
    participants: usize,
    #[arg(long, default_value_t = 7)]
    room_size: usize,
    /// Joins in flight at once.
    #[arg(long, default_value_t = 64)]
    parallelism: usize,
}

impl Default for S3Args {
    fn default() -> Self {
        S3Args {
            participants: 10_000,
            room_size: 7,
            parallelism: 64,
        }
    }
}

#[derive(Args, Clone, Debug)]
struct S4Args {
    #[arg(long, default_value_t = 1_000)]
    participants: usize,
    #[arg(long, default_value_t = 8)]
    room_size: usize,
    /// Milliseconds over which the joins start.
    #[arg(long, default_value_t = 1_000)]
    spread_ms: u64,
}

impl Default for S4Args {
    fn default() -> Self {
        S4Args {
            participants: 1_000,
            room_size: 8,
            spread_ms: 1_000,
        }
    }
}

#[derive(Args, Clone, Debug)]
struct S5Args {
    /// Sessions in the database.
    #[arg(long, default_value_t = 10_000)]
    sessions: usize,
    /// Events per session (six joins, then notes).
    #[arg(long, default_value_t = 150)]
    events: usize,
    /// Stored sessions joined, one after another, once the server is up.
    #[arg(long, default_value_t = 200)]
    joins: usize,
}

#[derive(Args, Clone, Debug)]
struct FirstLoadArgs {
    /// Runs, each a new session opened by a new browser with a cold cache.
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// How many times slower the page's CPU is made (`Emulation.setCPUThrottlingRate`).
    #[arg(long, default_value_t = 4.0)]
    cpu_slowdown: f64,
    /// Leave the network as it is (loopback) instead of DevTools' "Slow 4G".
    #[arg(long)]
    fast_network: bool,
    /// Also type a name, join, and time from the submission until the room shows.
    #[arg(long)]
    join: bool,
    /// The built site to serve [default: `$CLIENT_DIST`, else target/client-dist].
    #[arg(long)]
    dist: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match &cli.scenario {
            Scenario::BaselineServer { port } => baseline::serve(*port).await,
            scenario => run(&cli, scenario).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli, scenario: &Scenario) -> Result<()> {
    let fds = target::raise_fd_limit();
    print_machine(fds);
    match scenario {
        Scenario::S1(args) => s1::run(cli, args).await,
        Scenario::S2(args) => s2::run(cli, args).await,
        Scenario::S3(args) => s3::run(cli, args).await,
        Scenario::S4(args) => s4::run(cli, args).await,
        Scenario::S5(args) => s5::run(cli, args).await,
        Scenario::FirstLoad(args) => first_load_scenario::run(cli, args).await,
        Scenario::Disk { samples } => print_flush_latency(*samples),
        Scenario::All => {
            s1::run(cli, &S1Args::default()).await?;
            s2::run(cli, &S2Args::default()).await?;
            s3::run(cli, &S3Args::default()).await?;
            s4::run(cli, &S4Args::default()).await
        }
        Scenario::BaselineServer { .. } => unreachable!("handled in main"),
    }
}
