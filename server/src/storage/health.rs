//! Whether the disk is taking the journal's commits, for `GET /health`.
//!
//! When a commit fails (a full disk, a database file made read-only) the journal retries
//! it until it succeeds, and meanwhile nothing is acknowledged and rooms fill up and stop
//! taking commands: every session on the server stands still. Logs say why, but an
//! operator's monitor usually only asks `/health`, so the server reports itself
//! degraded there while commits fail, or while one has not returned for
//! [`STALLED_AFTER`] (a disk that hangs instead of failing).
//!
//! The journal's thread is the only writer: it says when a commit starts and how it
//! ended. On the hot path that is two relaxed atomic stores and a look, under an
//! uncontended lock, at whether commits were failing; a failure, which is rare, goes
//! through that `watch` so that tests can wait for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A commit running for longer than this makes the server degraded. A commit takes
/// milliseconds at worst on a working disk (`docs/benchmarks.md`).
pub const STALLED_AFTER: Duration = Duration::from_secs(10);

/// What the journal last said about its commits.
#[derive(Debug)]
pub struct StorageHealth {
    /// The reference point of `committing_since`.
    epoch: Instant,
    /// When the commit in progress started, in microseconds since `epoch`, plus one;
    /// 0 while no commit runs.
    committing_since: AtomicU64,
    /// Since when commits have been failing, if the last one failed.
    failing_since: watch::Sender<Option<Instant>>,
}

/// How the storage is doing, as `/health` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageStatus {
    Ok,
    /// The last commit failed, and commits have been failing for this long.
    Failing(Duration),
    /// A commit has been running for this long, more than [`STALLED_AFTER`].
    Stalled(Duration),
}

impl Default for StorageHealth {
    fn default() -> Self {
        StorageHealth {
            epoch: Instant::now(),
            committing_since: AtomicU64::new(0),
            failing_since: watch::channel(None).0,
        }
    }
}

impl StorageHealth {
    /// The journal starts a commit.
    pub fn commit_started(&self) {
        let since = self.epoch.elapsed().as_micros() as u64 + 1;
        self.committing_since.store(since, Ordering::Relaxed);
    }

    /// The commit the journal started has returned, successfully or not.
    pub fn commit_ended(&self, succeeded: bool) {
        self.committing_since.store(0, Ordering::Relaxed);
        self.failing_since.send_if_modified(|failing_since| {
            match (succeeded, *failing_since) {
                (true, Some(_)) => *failing_since = None,
                (false, None) => *failing_since = Some(Instant::now()),
                _ => return false,
            }
            true
        });
    }

    /// How the storage is doing now.
    pub fn status(&self) -> StorageStatus {
        self.status_at(Instant::now())
    }

    /// How the storage is doing at `now` (a test gives the time).
    pub fn status_at(&self, now: Instant) -> StorageStatus {
        if let Some(since) = *self.failing_since.borrow() {
            return StorageStatus::Failing(now.saturating_duration_since(since));
        }
        match self.committing_since.load(Ordering::Relaxed) {
            0 => StorageStatus::Ok,
            since => {
                let started = self.epoch + Duration::from_micros(since - 1);
                let running = now.saturating_duration_since(started);
                if running > STALLED_AFTER {
                    StorageStatus::Stalled(running)
                } else {
                    StorageStatus::Ok
                }
            }
        }
    }

    /// Since when commits have been failing, as it changes (tests wait on it).
    pub fn failing_since(&self) -> watch::Receiver<Option<Instant>> {
        self.failing_since.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_commit_degrades_until_one_succeeds() {
        let health = StorageHealth::default();
        assert_eq!(health.status(), StorageStatus::Ok);
        health.commit_started();
        health.commit_ended(false);
        let failing = health.failing_since();
        let since = failing.borrow().expect("failing since the failure");
        let later = since + Duration::from_secs(3);
        assert_eq!(
            health.status_at(later),
            StorageStatus::Failing(Duration::from_secs(3))
        );
        // A retry that fails again does not move the start of the failure.
        health.commit_started();
        health.commit_ended(false);
        assert_eq!(*failing.borrow(), Some(since));
        health.commit_started();
        health.commit_ended(true);
        assert_eq!(health.status_at(later), StorageStatus::Ok);
        assert_eq!(*failing.borrow(), None);
    }

    #[test]
    fn a_commit_that_does_not_return_is_a_stall_after_a_while() {
        let health = StorageHealth::default();
        let before = Instant::now();
        health.commit_started();
        let after = Instant::now();
        assert_eq!(
            health.status_at(after + STALLED_AFTER / 2),
            StorageStatus::Ok
        );
        let StorageStatus::Stalled(running) =
            health.status_at(after + STALLED_AFTER + Duration::from_secs(1))
        else {
            panic!("a commit running past the limit is a stall");
        };
        // The start is kept to the microsecond, rounded down.
        let slack = (after - before) + Duration::from_micros(1);
        assert!(running > STALLED_AFTER);
        assert!(running <= STALLED_AFTER + Duration::from_secs(1) + slack);
        health.commit_ended(true);
        assert_eq!(
            health.status_at(after + STALLED_AFTER * 2),
            StorageStatus::Ok
        );
    }
}
