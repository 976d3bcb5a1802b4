//! S5, stored sessions (ours only): fill a database, start the real server on it, and
//! measure it (the engine is in `stored`).

use super::ours_only;
use crate::target::{self, Target};
use crate::{Cli, S5Args, stored};
use anyhow::Result;

/// S5: the real server started on a database of many stored sessions.
pub async fn run(cli: &Cli, args: &S5Args) -> Result<()> {
    ours_only(
        cli,
        "S5 measures the real server only: the baseline stores nothing",
    )?;
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
