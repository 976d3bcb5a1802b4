//! Deleting sessions past retention (`--keep-sessions-days`).
//!
//! A session holds people's work problems; an operator may promise to keep them no
//! longer than so many days after the session closed (or, for one never closed, after
//! it was created). One pass runs before the server takes its first connection, then
//! one an hour. Each deletes what is past retention through the journal, in commits of
//! [`BATCH`] sessions, exactly as a facilitator's deletion would (rows gone, deleted
//! content overwritten). A session in memory is in use, or was a moment ago, and is left
//! for a later pass; the batches after it go on past it.
//!
//! Groups follow the same promise: a group with no session running is deleted once its
//! last session closed that many days ago (or, with no session ever closed, once it was
//! created that long ago), with the rooms of all its sessions; a group in memory, or one
//! of whose rooms is, is left for a later pass.

use crate::clock::Clock;
use crate::registry::{ExpiredBatch, Registry};
use crate::storage::StoreError;
use std::time::Duration;

/// Time between two passes.
pub const EVERY: Duration = Duration::from_secs(3600);
/// Sessions deleted per commit.
pub const BATCH: usize = 500;

/// Delete every stored session, then every stored group, past retention now. Returns
/// how many sessions and groups.
pub async fn delete_expired(registry: &Registry, clock: &dyn Clock, keep: Duration) -> usize {
    let keep_ms = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX);
    let before = clock.now().saturating_sub(keep_ms);
    let sessions = in_batches(|left| registry.delete_expired(before, left, BATCH)).await;
    let groups = in_batches(|left| registry.delete_expired_groups(before, left, BATCH)).await;
    sessions + groups
}

/// Run `batch` until a short one: each starts after those left alone before it (they
/// stay first in the order). Returns how many were deleted.
async fn in_batches<Batch>(batch: impl Fn(usize) -> Batch) -> usize
where
    Batch: std::future::Future<Output = Result<ExpiredBatch, StoreError>>,
{
    let mut total = 0;
    let mut left = 0;
    loop {
        match batch(left).await {
            Ok(batch) => {
                total += batch.deleted;
                left += batch.left;
                // A short batch: nothing further is past retention.
                if batch.deleted + batch.left < BATCH {
                    return total;
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not delete sessions or groups past retention");
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
