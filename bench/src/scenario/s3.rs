//! S3, capacity: idle participants in rooms; the server's memory per connection.

use super::{each, verdict};
use crate::stats::{Row, print_table};
use crate::{Cli, S3Args, idle};
use anyhow::Result;
use std::time::Duration;

pub async fn run(cli: &Cli, args: &S3Args) -> Result<()> {
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
