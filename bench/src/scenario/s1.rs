//! S1, steady load: rooms of participants, consultants posting at a fixed rate, the
//! median of several runs if asked; the delivery p99 judged against its targets.

use super::report::{other_share, per_delivery, print_load_notes, print_load_rows};
use super::{load_each, print_flush_latency, verdict};
use crate::target::Target;
use crate::{Cli, S1Args, load};
use anyhow::{Context, Result};
use std::time::Duration;

pub async fn run(cli: &Cli, args: &S1Args) -> Result<()> {
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
    if let Some(url) = &args.postgres {
        let target =
            Target::ours_on_postgres(&cli.server, url, !cli.no_limit_flags, &cli.server_args)?;
        let on_postgres = load::run(&target, &spec).await?;
        target.stop();
        println!(
            "  -- the same server on PostgreSQL (one node, --db postgres://…), beside the baseline:"
        );
        print_elsewhere(&on_postgres, &b);
    }
    if let Some(state) = &args.cluster {
        let (proxy, nodes) = cluster_of(state)?;
        println!(
            "  -- a cluster of {} nodes on PostgreSQL through HAProxy ({}), beside the baseline:",
            nodes.len(),
            state.display()
        );
        let target = Target::cluster(proxy, nodes)?;
        let through_proxy = load::run(&target, &spec).await?;
        target.stop();
        print_elsewhere(&through_proxy, &b);
    }
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

/// The rows of `result` beside the baseline's `b`, and whether nothing was lost.
fn print_elsewhere(result: &load::LoadResult, b: &Option<load::StepResult>) {
    let step = result.steps.first().cloned();
    print_load_rows(&step, b);
    if let Some(step) = &step {
        println!(
            "  target nothing lost: {} (lost {}, duplicated {})",
            verdict(step.lost == 0 && step.duplicated == 0),
            step.lost,
            step.duplicated
        );
    }
}

/// The proxy's address and the nodes' process ids in a cluster's state file.
fn cluster_of(state: &std::path::Path) -> Result<(std::net::SocketAddr, Vec<u32>)> {
    let text =
        std::fs::read_to_string(state).with_context(|| format!("reading {}", state.display()))?;
    let state: serde_json::Value = serde_json::from_str(&text)?;
    let proxy = state["proxy"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no proxy in the cluster's state"))?
        .parse()?;
    let nodes = state["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|node| node["pid"].as_u64().map(|pid| pid as u32))
                .collect()
        })
        .unwrap_or_default();
    Ok((proxy, nodes))
}

/// One line per run of S1, in the order they ran.
pub fn print_runs(
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
