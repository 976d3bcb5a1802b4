//! S4, join storm: participants joining within one second; time to snapshot.

use super::{each, verdict};
use crate::stats::{Row, print_table};
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
