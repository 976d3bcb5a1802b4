//! S3, capacity: idle participants in rooms; the server's memory per connection.

use super::{each, verdict};
use crate::stats::{compare, print_table};
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
    let row = compare(&o, &b);
    print_table(&[
        row("connections", |r| r.connections as f64).decimals(0),
        row("rooms", |r| r.rooms as f64).decimals(0),
        row("RSS before (MiB)", |r| r.rss_start_kib as f64 / 1024.0).decimals(1),
        row("RSS with the rooms (MiB)", |r| {
            r.rss_rooms_kib as f64 / 1024.0
        })
        .decimals(1),
        row("RSS connected (MiB)", |r| {
            r.rss_connected_kib as f64 / 1024.0
        })
        .decimals(1),
        row("peak RSS (MiB)", |r| r.peak_kib as f64 / 1024.0).decimals(1),
        row("KiB per connection (rooms included)", |r| {
            r.per_connection_kib()
        }),
        row("KiB per connection (rooms excluded)", |r| {
            r.per_connection_without_rooms_kib()
        }),
        row("joining all (s)", |r| r.join_s),
        row("server CPU (s)", |r| r.server_cpu_us as f64 / 1e6),
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
