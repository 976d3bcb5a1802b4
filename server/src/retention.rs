//! Deleting sessions past retention (`--keep-sessions-days`).
//!
//! A session holds people's work problems; an operator may promise to keep them no
//! longer than so many days after the session closed (or, for one never closed, after
//! it was created). One pass runs before the server takes its first connection, then
//! one an hour. Each deletes what is past retention through the journal, in commits of
//! [`BATCH`] sessions, exactly as a facilitator's deletion would (rows gone, deleted
//! content overwritten). A session in memory is in use, or was a moment ago, and is left
//! for a later pass; the batches after it go on past it.

use crate::clock::Clock;
use crate::registry::Registry;
use std::time::Duration;

/// Time between two passes.
pub const EVERY: Duration = Duration::from_secs(3600);
/// Sessions deleted per commit.
pub const BATCH: usize = 500;

/// Delete every stored session past retention now. Returns how many.
pub async fn delete_expired(registry: &Registry, clock: &dyn Clock, keep: Duration) -> usize {
    let keep_ms = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX);
    let before = clock.now().saturating_sub(keep_ms);
    let mut total = 0;
    // Sessions left alone stay first in the order: the next batch starts after them.
    let mut left = 0;
    loop {
        match registry.delete_expired(before, left, BATCH).await {
            Ok(batch) => {
                total += batch.deleted;
                left += batch.left;
                // A short batch: nothing further is past retention.
                if batch.deleted + batch.left < BATCH {
                    return total;
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not delete sessions past retention");
                return total;
            }
        }
    }
}

/// A pass every [`EVERY`], the first one [`EVERY`] from now, until the task is dropped.
pub async fn every_hour(registry: Registry, clock: std::sync::Arc<dyn Clock>, keep: Duration) {
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        delete_expired(&registry, clock.as_ref(), keep).await;
    }
}
