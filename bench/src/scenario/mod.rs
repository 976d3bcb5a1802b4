//! The scenarios, one module each, and what they share: which servers a run measures,
//! how each is started, and how a target is judged.
//!
//! `main.rs` only parses the command line and calls one of these; the engines that
//! generate load live beside it (`load`, `idle`, `stored`, `first_load`, `disk`).

pub mod first_load;
pub mod report;
pub mod s1;
pub mod s2;
pub mod s3;
pub mod s4;
pub mod s5;

use crate::target::{Kind, Target};
use crate::{Cli, Only, disk, load};
use anyhow::{Context, Result};
use std::time::Duration;

pub fn print_machine(fds: u64) {
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

/// For a scenario that measures the real server only: fails with `why` when asked for
/// the baseline only, and when there is no server binary to run.
pub fn ours_only(cli: &Cli, why: &str) -> Result<()> {
    if cli.only == Some(Only::Baseline) {
        anyhow::bail!("{why}");
    }
    if !cli.server.is_file() {
        anyhow::bail!("no server binary at {}", cli.server.display());
    }
    Ok(())
}

/// The servers a run measures, in order.
pub fn kinds(cli: &Cli) -> Vec<Kind> {
    match cli.only {
        Some(Only::Ours) => vec![Kind::Ours],
        Some(Only::Baseline) => vec![Kind::Baseline],
        None => vec![Kind::Ours, Kind::Baseline],
    }
}

pub fn start(cli: &Cli, kind: Kind) -> Result<Target> {
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
pub async fn each<T, F, Fut>(cli: &Cli, mut measure: F) -> Result<(Option<T>, Option<T>)>
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
pub async fn load_each(
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
pub fn print_flush_latency(samples: usize) -> Result<()> {
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

pub fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}
