//! Copying SQLite's WAL back into the database file, mostly away from the commits.
//!
//! In WAL mode a commit appends pages to the `-wal` file; a *checkpoint* later copies
//! them into the database file and fsyncs it. Left to SQLite, the checkpoint runs inside
//! the commit that makes the WAL cross a size mark (`wal_autocheckpoint`), and every
//! event waiting on that commit waits for the whole copy: at load, one commit in a few
//! thousand took ~30 ms instead of ~0.5 ms (`docs/benchmarks.md`).
//!
//! This task copies the WAL back every few milliseconds ([`interval`]) on a connection
//! of its own, with `PASSIVE` checkpoints, which never block the writer. That alone
//! would let the WAL grow without end under steady writes: the file starts over from
//! its beginning only when a commit begins with the whole WAL copied, and with commits
//! back to back one always lands while the copy runs. So the writer keeps its own size
//! mark ([`WRITER_MARK_PAGES`]): when the WAL passes it, the writer checkpoints after
//! its commit as before, but finds nearly everything already copied, and its next
//! commit starts the WAL over. The copy in the commit path shrinks from everything
//! since the last mark to what the last interval added.

use super::SyncMode;
use sqlx::SqlitePool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the WAL is copied back in the background (`docs/storage.md`,
/// "Checkpoints"). A copy flushes the WAL and then the database file to the disk.
///
/// - With `SyncMode::Full` every commit flushes the disk too, and waits for whatever is
///   being written meanwhile, the copy included: small, frequent copies keep that wait
///   short.
/// - With `SyncMode::Normal` commits do not flush, but a commit that appends to a page of
///   the WAL while the copy's flush is writing it waits for that write: fewer flushes,
///   fewer waits. The interval is also how much a power cut can take back in this mode.
pub fn interval(sync: SyncMode) -> Duration {
    match sync {
        SyncMode::Full => Duration::from_millis(10),
        SyncMode::Normal => Duration::from_millis(50),
    }
}

/// The WAL size, in pages, past which the writer checkpoints itself after a commit
/// (SQLite's default: 1,000 pages, 4 MiB).
pub const WRITER_MARK_PAGES: u32 = 10_000;

/// What the background checkpoints did, for the benchmark.
#[derive(Debug, Default)]
pub struct CheckpointStats {
    /// Checkpoints run.
    pub runs: AtomicU64,
    /// Pages they copied.
    pub pages: AtomicU64,
    /// The most pages the WAL held at any of them.
    pub largest_wal_pages: AtomicU64,
}

/// Start checkpointing through `pool` (a connection other than the writer's) every
/// `every`, until the store it belongs to is dropped (`alive` can no longer be
/// upgraded) or the pool is closed.
pub fn start(pool: SqlitePool, every: Duration, alive: Weak<()>, stats: Arc<CheckpointStats>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut copied_before = 0;
        loop {
            ticks.tick().await;
            if alive.upgrade().is_none() || pool.is_closed() {
                break;
            }
            match checkpoint(&pool).await {
                Ok((wal_pages, copied)) => {
                    stats.runs.fetch_add(1, Ordering::Relaxed);
                    // The WAL started over since the last run if it shrank.
                    let new = if copied >= copied_before {
                        copied - copied_before
                    } else {
                        copied
                    };
                    copied_before = copied;
                    stats.pages.fetch_add(new, Ordering::Relaxed);
                    stats
                        .largest_wal_pages
                        .fetch_max(wal_pages, Ordering::Relaxed);
                }
                Err(_) if pool.is_closed() => break,
                // Commits do not depend on checkpoints; a failing one only leaves more
                // for the writer's own.
                Err(error) => tracing::warn!(%error, "WAL checkpoint failed"),
            }
        }
        pool.close().await;
    });
}

/// One passive checkpoint: the pages in the WAL, and how many of them are copied.
async fn checkpoint(pool: &SqlitePool) -> Result<(u64, u64), sqlx::Error> {
    // One row (busy, pages in the WAL, pages copied), -1s when not in WAL mode. Read to
    // the end, so that the statement is done with when this returns.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_all(pool)
        .await?;
    let (_, wal_pages, copied) = rows.first().copied().unwrap_or_default();
    Ok((wal_pages.max(0) as u64, copied.max(0) as u64))
}
