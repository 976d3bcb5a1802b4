//! S4, join storm: participants joining within one second; time to snapshot.

use super::{each, verdict};
use crate::stats::{compare, print_table};
use crate::{Cli, S4Args, idle};
use anyhow::Result;
use std::time::Duration;

pub async fn run(cli: &Cli, args: &S4Args) -> Result<()> {
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
    let row = compare(&o, &b);
    print_table(&[
        row("joined", |r| r.joined as f64).decimals(0),
        row("failed", |r| r.failed as f64).decimals(0),
        row("join to snapshot p50 (ms)", |r| r.join.p50),
        row("join to snapshot p99 (ms)", |r| r.join.p99),
        row("join to snapshot max (ms)", |r| r.join.max),
        row("first join to last snapshot (s)", |r| r.all_s),
        row("server CPU (s)", |r| r.server_cpu_us as f64 / 1e6),
        row("bench CPU (s)", |r| r.bench_cpu_us as f64 / 1e6),
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
