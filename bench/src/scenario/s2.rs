//! S2, saturation: the consultants' rate raised step by step, one line per step, and
//! the highest rate the server carries within bounds.

use super::report::{bench_share, cpu_share, other_share, per_delivery, print_load_notes};
use super::{load_each, verdict};
use crate::stats::{Row, print_table};
use crate::{Cli, S2Args, load};
use anyhow::Result;
use std::time::Duration;

pub async fn run(cli: &Cli, args: &S2Args) -> Result<()> {
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
