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

mod baseline;
mod client;
mod disk;
mod first_load;
mod idle;
mod load;
mod stats;
mod stored;
mod target;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use stats::{Row, print_table};
use std::path::PathBuf;
use std::time::Duration;
use target::{Kind, Target};

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
        Scenario::S1(args) => s1(cli, args).await,
        Scenario::S2(args) => s2(cli, args).await,
        Scenario::S3(args) => s3(cli, args).await,
        Scenario::S4(args) => s4(cli, args).await,
        Scenario::S5(args) => s5(cli, args).await,
        Scenario::FirstLoad(args) => first_load(cli, args).await,
        Scenario::Disk { samples } => print_flush_latency(*samples),
        Scenario::All => {
            s1(cli, &S1Args::default()).await?;
            s2(cli, &S2Args::default()).await?;
            s3(cli, &S3Args::default()).await?;
            s4(cli, &S4Args::default()).await
        }
        Scenario::BaselineServer { .. } => unreachable!("handled in main"),
    }
}

fn print_machine(fds: u64) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kib: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    println!(
        "machine: {cores} cores, {model}, {:.1} GiB RAM; open-file limit {fds}",
        ram_kib as f64 / 1024.0 / 1024.0
    );
}

/// The servers a run measures, in order.
fn kinds(cli: &Cli) -> Vec<Kind> {
    match cli.only {
        Some(Only::Ours) => vec![Kind::Ours],
        Some(Only::Baseline) => vec![Kind::Baseline],
        None => vec![Kind::Ours, Kind::Baseline],
    }
}

fn start(cli: &Cli, kind: Kind) -> Result<Target> {
    match kind {
        Kind::Ours => {
            if !cli.server.is_file() {
                anyhow::bail!(
                    "no server binary at {} (build it with `cargo build --release -p server`, \
                     or run `cargo xtask bench`)",
                    cli.server.display()
                );
            }
            Target::ours(&cli.server, !cli.no_limit_flags, &cli.server_args)
        }
        Kind::Baseline => Target::baseline(),
    }
}

/// Run `measure` against each server, each in a fresh child process.
async fn each<T, F, Fut>(cli: &Cli, mut measure: F) -> Result<(Option<T>, Option<T>)>
where
    F: FnMut(Target) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut ours = None;
    let mut base = None;
    for kind in kinds(cli) {
        eprintln!("bench: measuring {} ...", kind.label());
        let target = start(cli, kind)?;
        let result = measure(target)
            .await
            .with_context(|| format!("measuring {}", kind.label()))?;
        match kind {
            Kind::Ours => ours = Some(result),
            Kind::Baseline => base = Some(result),
        }
        // Let the machine settle between the two.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok((ours, base))
}

/// Run the load `spec` against each target in turn.
async fn load_each(
    cli: &Cli,
    spec: &load::LoadSpec,
) -> Result<(Option<load::LoadResult>, Option<load::LoadResult>)> {
    each(cli, |target| {
        let spec = spec.clone();
        async move {
            let result = load::run(&target, &spec).await;
            target.stop();
            result
        }
    })
    .await
}

/// Time flushed writes where the server keeps its database, and print the figures.
fn print_flush_latency(samples: usize) -> Result<()> {
    let dir = std::env::temp_dir();
    let flush = disk::flush_latency(&dir, samples)?;
    println!(
        "disk: 4 KiB overwrite + fdatasync in {}, {samples} in a row before any load: \
         p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
        dir.display(),
        flush.p50,
        flush.p99,
        flush.p999,
        flush.max
    );
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}

async fn s1(cli: &Cli, args: &S1Args) -> Result<()> {
    let spec = load::LoadSpec {
        rooms: args.rooms,
        participants: args.participants,
        rates: vec![args.rate],
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.duration),
        drain: Duration::from_secs(3),
        note_len: args.note_len,
        setup_parallelism: 32,
    };
    println!();
    println!(
        "== S1 steady load: {} rooms x {} participants, {} notes/s per consultant, {} s measured after {} s warm-up",
        args.rooms, args.participants, args.rate, args.duration, args.warmup
    );
    // With `--sync full` every delivery waits for at least one such flush.
    print_flush_latency(1000)?;
    let mut runs = Vec::new();
    for run in 1..=args.runs.max(1) {
        if args.runs > 1 {
            eprintln!("bench: run {run} of {}", args.runs);
        }
        runs.push(load_each(cli, &spec).await?);
    }
    let step = |r: &Option<load::LoadResult>| r.as_ref().and_then(|r| r.steps.first().cloned());
    let p99_of = |(ours, base): &(Option<load::LoadResult>, Option<load::LoadResult>)| {
        step(ours)
            .or_else(|| step(base))
            .map_or(f64::NAN, |s| s.delivery.p99)
    };
    if runs.len() > 1 {
        print_runs(&runs, step);
    }
    runs.sort_by(|a, b| p99_of(a).total_cmp(&p99_of(b)));
    let (ours, base) = runs.swap_remove(runs.len() / 2);
    if args.runs > 1 {
        println!("  the run with the median p99:");
    }
    let (o, b) = (step(&ours), step(&base));
    print_load_rows(&o, &b);
    print_load_notes(&ours, &base);
    if let Some(o) = &o {
        let p99 = o.delivery.p99;
        println!(
            "  target p99 <= 2 ms: {} ({p99:.2} ms)",
            verdict(p99 <= 2.0)
        );
        if let Some(b) = &b {
            println!(
                "  target p99 <= 2x baseline: {} ({:.2}x)",
                verdict(p99 <= 2.0 * b.delivery.p99),
                p99 / b.delivery.p99
            );
        }
        println!(
            "  target nothing lost: {} (lost {}, duplicated {})",
            verdict(o.lost == 0 && o.duplicated == 0),
            o.lost,
            o.duplicated
        );
        println!(
            "  persisted before sent (ack, released after commit) p99: {:.2} ms; <= 2 ms: {}",
            o.ack.p99,
            verdict(o.ack.p99 <= 2.0)
        );
    }
    Ok(())
}

/// One line per run of S1, in the order they ran.
fn print_runs(
    runs: &[(Option<load::LoadResult>, Option<load::LoadResult>)],
    step: impl Fn(&Option<load::LoadResult>) -> Option<load::StepResult>,
) {
    let ms = |s: &Option<load::StepResult>, pick: fn(&load::StepResult) -> f64| {
        s.as_ref()
            .map_or("-".to_owned(), |s| format!("{:.2}", pick(s)))
    };
    println!(
        "  {:>3} | {:>24} | {:>10} | {:>5} | {:>17} | {:>15}",
        "run",
        "ours p50 / p99 / p99.9 ms",
        "base p99 ms",
        "ratio",
        "CPU us/dl o / b",
        "other cpu% o / b"
    );
    for (i, (ours, base)) in runs.iter().enumerate() {
        let (o, b) = (step(ours), step(base));
        let ratio = match (&o, &b) {
            (Some(o), Some(b)) => format!("{:.2}", o.delivery.p99 / b.delivery.p99),
            _ => "-".to_owned(),
        };
        println!(
            "  {:>3} | {:>6} / {:>6} / {:>6} | {:>10} | {:>5} | {:>7} / {:>7} | {:>6} / {:>6}",
            i + 1,
            ms(&o, |s| s.delivery.p50),
            ms(&o, |s| s.delivery.p99),
            ms(&o, |s| s.delivery.p999),
            ms(&b, |s| s.delivery.p99),
            ratio,
            ms(&o, per_delivery),
            ms(&b, per_delivery),
            ms(&o, other_share),
            ms(&b, other_share),
        );
    }
}

fn print_load_rows(o: &Option<load::StepResult>, b: &Option<load::StepResult>) {
    let f =
        |s: &Option<load::StepResult>, get: &dyn Fn(&load::StepResult) -> f64| s.as_ref().map(get);
    let rows = vec![
        Row::new(
            "delivery p50 (ms)",
            f(o, &|s| s.delivery.p50),
            f(b, &|s| s.delivery.p50),
        ),
        Row::new(
            "delivery p90 (ms)",
            f(o, &|s| s.delivery.p90),
            f(b, &|s| s.delivery.p90),
        ),
        Row::new(
            "delivery p99 (ms)",
            f(o, &|s| s.delivery.p99),
            f(b, &|s| s.delivery.p99),
        ),
        Row::new(
            "delivery p99.9 (ms)",
            f(o, &|s| s.delivery.p999),
            f(b, &|s| s.delivery.p999),
        ),
        Row::new(
            "delivery max (ms)",
            f(o, &|s| s.delivery.max),
            f(b, &|s| s.delivery.max),
        ),
        Row::new("ack p50 (ms)", f(o, &|s| s.ack.p50), f(b, &|s| s.ack.p50)),
        Row::new("ack p99 (ms)", f(o, &|s| s.ack.p99), f(b, &|s| s.ack.p99)),
        Row::new("ack max (ms)", f(o, &|s| s.ack.max), f(b, &|s| s.ack.max)),
        Row::new(
            "notes sent",
            f(o, &|s| s.sent as f64),
            f(b, &|s| s.sent as f64),
        )
        .decimals(0),
        Row::new(
            "notes planned",
            f(o, &|s| s.planned as f64),
            f(b, &|s| s.planned as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries expected",
            f(o, &|s| s.expected as f64),
            f(b, &|s| s.expected as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries received",
            f(o, &|s| s.delivered as f64),
            f(b, &|s| s.delivered as f64),
        )
        .decimals(0),
        Row::new("lost", f(o, &|s| s.lost as f64), f(b, &|s| s.lost as f64)).decimals(0),
        Row::new(
            "duplicated",
            f(o, &|s| s.duplicated as f64),
            f(b, &|s| s.duplicated as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries/s",
            f(o, &|s| s.deliveries_per_s),
            f(b, &|s| s.deliveries_per_s),
        )
        .decimals(0),
        Row::new(
            "server CPU (s)",
            f(o, &|s| s.server_cpu_us as f64 / 1e6),
            f(b, &|s| s.server_cpu_us as f64 / 1e6),
        ),
        Row::new(
            "server CPU (% of one core)",
            f(o, &|s| cpu_share(s)),
            f(b, &|s| cpu_share(s)),
        )
        .decimals(0),
        Row::new(
            "server CPU us/delivery",
            f(o, &|s| per_delivery(s)),
            f(b, &|s| per_delivery(s)),
        ),
        Row::new(
            "server peak RSS (MiB)",
            f(o, &|s| s.server_peak_rss_kib as f64 / 1024.0),
            f(b, &|s| s.server_peak_rss_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "bench CPU (s)",
            f(o, &|s| s.bench_cpu_us as f64 / 1e6),
            f(b, &|s| s.bench_cpu_us as f64 / 1e6),
        ),
        Row::new(
            "others' CPU: processes, steal (% of one core)",
            f(o, &|s| other_share(s)),
            f(b, &|s| other_share(s)),
        )
        .decimals(0),
    ];
    print_table(&rows);
}

fn cpu_share(s: &load::StepResult) -> f64 {
    s.server_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

fn other_share(s: &load::StepResult) -> f64 {
    s.other_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

fn bench_share(s: &load::StepResult) -> f64 {
    s.bench_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

fn per_delivery(s: &load::StepResult) -> f64 {
    if s.delivered == 0 {
        f64::NAN
    } else {
        s.server_cpu_us as f64 / s.delivered as f64
    }
}

fn print_commits(steps: &[load::StepResult]) {
    for s in steps {
        if let Some((commits, writes, seconds)) = s.commits
            && commits > 0.0
        {
            println!(
                "  ours at {} notes/s: {:.0} commits/s, {:.1} writes per commit, {:.2} ms per commit on average",
                s.rate,
                commits / s.window_s,
                writes / commits,
                seconds / commits * 1000.0
            );
        }
    }
}

fn print_load_notes(ours: &Option<load::LoadResult>, base: &Option<load::LoadResult>) {
    if let Some(ours) = ours {
        print_commits(&ours.steps);
    }
    for (label, result) in [("ours", ours), ("baseline", base)] {
        let Some(r) = result else { continue };
        println!(
            "  {label}: setup {:.1} s, RSS after setup {:.1} MiB, rejected {}{}, connections ended by the server {}{}, sends skipped (bench behind schedule) {}",
            r.setup_s,
            r.server_rss_after_setup_kib as f64 / 1024.0,
            r.rejected,
            if r.rejected_codes.is_empty() {
                String::new()
            } else {
                format!(" {:?}", r.rejected_codes)
            },
            r.byes.len(),
            match r.byes.first() {
                Some(first) => format!(" (first: {first})"),
                None => String::new(),
            },
            r.skipped_sends
        );
    }
}

async fn s2(cli: &Cli, args: &S2Args) -> Result<()> {
    let spec = load::LoadSpec {
        rooms: args.rooms,
        participants: args.participants,
        rates: args.rates.clone(),
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.step),
        drain: Duration::from_secs(3),
        note_len: args.note_len,
        setup_parallelism: 16,
    };
    println!();
    println!(
        "== S2 saturation: {} rooms x {} participants, rates {:?} notes/s per consultant, {} s measured per step after {} s",
        args.rooms, args.participants, args.rates, args.step, args.warmup
    );
    let (ours, base) = load_each(cli, &spec).await?;
    let steps =
        |r: &Option<load::LoadResult>| r.as_ref().map(|r| r.steps.clone()).unwrap_or_default();
    let (o, b) = (steps(&ours), steps(&base));
    type Cell = fn(&load::StepResult) -> f64;
    let columns: [(&str, Cell, usize); 9] = [
        ("p99 ms", |s| s.delivery.p99, 2),
        ("p50 ms", |s| s.delivery.p50, 2),
        ("deliv/s", |s| s.deliveries_per_s, 0),
        ("lost", |s| s.lost as f64, 0),
        ("ack p99", |s| s.ack.p99, 1),
        ("srv us/dl", per_delivery, 2),
        ("srv cpu%", cpu_share, 0),
        ("bench cpu%", bench_share, 0),
        ("other cpu%", other_share, 0),
    ];
    let mut header = format!("  {:>6} |", "rate");
    for (name, _, _) in &columns {
        header.push_str(&format!(
            " {:>10} {:>10} |",
            format!("{name} o"),
            format!("{name} b")
        ));
    }
    println!("{header}  p99 ratio");
    for i in 0..o.len().max(b.len()) {
        let (so, sb) = (o.get(i), b.get(i));
        let rate = so.or(sb).map_or(0.0, |s| s.rate);
        let mut line = format!("  {rate:>6} |");
        for (_, get, decimals) in &columns {
            let cell = |s: Option<&load::StepResult>| {
                s.map_or("-".to_owned(), |s| format!("{:.*}", *decimals, get(s)))
            };
            line.push_str(&format!(" {:>10} {:>10} |", cell(so), cell(sb)));
        }
        if let (Some(x), Some(y)) = (so, sb) {
            line.push_str(&format!("  {:.2}", x.delivery.p99 / y.delivery.p99));
        }
        println!("{line}");
    }
    let best = |steps: &[load::StepResult]| {
        steps
            .iter()
            .filter(|s| s.delivery.p99 < 50.0 && s.lost == 0)
            .map(|s| (s.deliveries_per_s, s.rate))
            .fold(None, |best: Option<(f64, f64)>, x| match best {
                Some(b) if b.0 >= x.0 => Some(b),
                _ => Some(x),
            })
    };
    let (bo, bb) = (best(&o), best(&b));
    print_table(&[Row::new(
        "highest deliveries/s with p99 < 50 ms, none lost",
        bo.map(|x| x.0),
        bb.map(|x| x.0),
    )
    .decimals(0)]);
    if let Some(at75) = o.iter().find(|s| (s.rate - 75.0).abs() < 0.5) {
        println!(
            "  target at 75 notes/s ({:.0} deliveries/s): p99 {:.2} ms <= 20 ms: {}; nothing lost: {} (lost {}, duplicated {}); ack p99 {:.2} ms",
            at75.deliveries_per_s,
            at75.delivery.p99,
            verdict(at75.delivery.p99 <= 20.0),
            verdict(at75.lost == 0 && at75.duplicated == 0),
            at75.lost,
            at75.duplicated,
            at75.ack.p99
        );
    }
    print_load_notes(&ours, &base);
    Ok(())
}

async fn s3(cli: &Cli, args: &S3Args) -> Result<()> {
    let spec = idle::IdleSpec {
        participants: args.participants,
        room_size: args.room_size,
        parallelism: args.parallelism,
        settle: Duration::from_secs(2),
    };
    println!();
    println!(
        "== S3 capacity: {} idle participants in rooms of {}",
        args.participants, args.room_size
    );
    let (o, b) = each(cli, |target| {
        let spec = spec.clone();
        async move {
            let result = idle::capacity(&target, &spec).await;
            target.stop();
            result
        }
    })
    .await?;
    let f =
        |r: &Option<idle::IdleResult>, get: &dyn Fn(&idle::IdleResult) -> f64| r.as_ref().map(get);
    print_table(&[
        Row::new(
            "connections",
            f(&o, &|r| r.connections as f64),
            f(&b, &|r| r.connections as f64),
        )
        .decimals(0),
        Row::new(
            "rooms",
            f(&o, &|r| r.rooms as f64),
            f(&b, &|r| r.rooms as f64),
        )
        .decimals(0),
        Row::new(
            "RSS before (MiB)",
            f(&o, &|r| r.rss_start_kib as f64 / 1024.0),
            f(&b, &|r| r.rss_start_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "RSS with the rooms (MiB)",
            f(&o, &|r| r.rss_rooms_kib as f64 / 1024.0),
            f(&b, &|r| r.rss_rooms_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "RSS connected (MiB)",
            f(&o, &|r| r.rss_connected_kib as f64 / 1024.0),
            f(&b, &|r| r.rss_connected_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "peak RSS (MiB)",
            f(&o, &|r| r.peak_kib as f64 / 1024.0),
            f(&b, &|r| r.peak_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "KiB per connection (rooms included)",
            f(&o, &|r| r.per_connection_kib()),
            f(&b, &|r| r.per_connection_kib()),
        ),
        Row::new(
            "KiB per connection (rooms excluded)",
            f(&o, &|r| r.per_connection_without_rooms_kib()),
            f(&b, &|r| r.per_connection_without_rooms_kib()),
        ),
        Row::new(
            "joining all (s)",
            f(&o, &|r| r.join_s),
            f(&b, &|r| r.join_s),
        ),
        Row::new(
            "server CPU (s)",
            f(&o, &|r| r.server_cpu_us as f64 / 1e6),
            f(&b, &|r| r.server_cpu_us as f64 / 1e6),
        ),
    ]);
    if let Some(o) = &o {
        let kb = o.per_connection_kib() * 1.024;
        println!(
            "  target <= 10 KB per connection: {} ({kb:.1} kB = {:.1} KiB, rooms included)",
            verdict(kb <= 10.0),
            o.per_connection_kib()
        );
    }
    Ok(())
}

async fn s4(cli: &Cli, args: &S4Args) -> Result<()> {
    let spec = idle::StormSpec {
        participants: args.participants,
        room_size: args.room_size,
        spread: Duration::from_millis(args.spread_ms),
    };
    println!();
    println!(
        "== S4 join storm: {} participants in rooms of {}, joins starting over {} ms",
        args.participants, args.room_size, args.spread_ms
    );
    let (o, b) = each(cli, |target| {
        let spec = spec.clone();
        async move {
            let result = idle::storm(&target, &spec).await;
            target.stop();
            result
        }
    })
    .await?;
    let f = |r: &Option<idle::StormResult>, get: &dyn Fn(&idle::StormResult) -> f64| {
        r.as_ref().map(get)
    };
    print_table(&[
        Row::new(
            "joined",
            f(&o, &|r| r.joined as f64),
            f(&b, &|r| r.joined as f64),
        )
        .decimals(0),
        Row::new(
            "failed",
            f(&o, &|r| r.failed as f64),
            f(&b, &|r| r.failed as f64),
        )
        .decimals(0),
        Row::new(
            "join to snapshot p50 (ms)",
            f(&o, &|r| r.join.p50),
            f(&b, &|r| r.join.p50),
        ),
        Row::new(
            "join to snapshot p99 (ms)",
            f(&o, &|r| r.join.p99),
            f(&b, &|r| r.join.p99),
        ),
        Row::new(
            "join to snapshot max (ms)",
            f(&o, &|r| r.join.max),
            f(&b, &|r| r.join.max),
        ),
        Row::new(
            "first join to last snapshot (s)",
            f(&o, &|r| r.all_s),
            f(&b, &|r| r.all_s),
        ),
        Row::new(
            "server CPU (s)",
            f(&o, &|r| r.server_cpu_us as f64 / 1e6),
            f(&b, &|r| r.server_cpu_us as f64 / 1e6),
        ),
        Row::new(
            "bench CPU (s)",
            f(&o, &|r| r.bench_cpu_us as f64 / 1e6),
            f(&b, &|r| r.bench_cpu_us as f64 / 1e6),
        ),
    ]);
    if let Some(o) = &o {
        println!(
            "  target every snapshot within 1 s of its join: {} (max {:.1} ms, {} failed); all {} within {:.2} s of the first join",
            verdict(o.join.max <= 1000.0 && o.failed == 0),
            o.join.max,
            o.failed,
            o.joined,
            o.all_s
        );
    }
    Ok(())
}

/// S5: the real server started on a database of many stored sessions.
async fn s5(cli: &Cli, args: &S5Args) -> Result<()> {
    if cli.only == Some(Only::Baseline) {
        anyhow::bail!("S5 measures the real server only: the baseline stores nothing");
    }
    if !cli.server.is_file() {
        anyhow::bail!("no server binary at {}", cli.server.display());
    }
    let spec = stored::StoredSpec {
        sessions: args.sessions,
        events: args.events,
        joins: args.joins,
    };
    let dir = Target::new_dir()?;
    let db = dir.join(target::DATABASE);
    eprintln!(
        "bench: filling {} with {} sessions of {} events ...",
        db.display(),
        spec.sessions,
        spec.events
    );
    let filling = std::time::Instant::now();
    let codes = stored::fill(&db, &spec).await?;
    let fill = filling.elapsed();
    let database_mib = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|meta| meta.len())
        .sum::<u64>() as f64
        / 1024.0
        / 1024.0;
    let started = std::time::Instant::now();
    let target = Target::ours_in(dir, &cli.server, !cli.no_limit_flags, &cli.server_args)?;
    let measured = stored::measure(&target, started, &codes, &spec).await;
    target.stop();
    let (ready, rss_ready_kib, first_join, rss_after_kib) = measured?;
    let mut result = stored::StoredResult {
        fill,
        database_mib,
        ready,
        rss_ready_kib,
        first_join,
        joined: spec.joins.min(codes.len()),
        rss_after_kib,
    };
    stored::print(&mut result, &spec);
    Ok(())
}

/// First load: the release server on the built site, opened in a throttled Chromium.
async fn first_load(cli: &Cli, args: &FirstLoadArgs) -> Result<()> {
    if cli.only == Some(Only::Baseline) {
        anyhow::bail!("first-load measures the real server and client only");
    }
    if !cli.server.is_file() {
        anyhow::bail!("no server binary at {}", cli.server.display());
    }
    let spec = first_load::FirstLoadSpec {
        runs: args.runs,
        cpu_slowdown: args.cpu_slowdown,
        network: (!args.fast_network).then_some(first_load::SLOW_4G),
        join: args.join,
        dist: args
            .dist
            .clone()
            .or_else(|| std::env::var_os("CLIENT_DIST").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("target/client-dist")),
    };
    println!();
    println!(
        "== first load: invite link in headless Chromium, CPU slowed {}x, {}",
        spec.cpu_slowdown,
        spec.network.map_or("loopback network", |n| n.name)
    );
    first_load::run(&cli.server, &cli.server_args, &spec).await
}
