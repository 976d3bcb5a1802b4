//! What the server works with, as opposed to its settings ([`crate::config`]): where
//! rooms are kept, where time comes from, where it counts what it does, and whether the
//! disk takes commits. The binary builds them from its settings (it opens the SQLite
//! file named by `--db`); a test gives its own (a store in memory, a clock it moves).
//! Cheap to clone: every part of the server that needs one holds the same.

use crate::clock::{Clock, SystemClock};
use crate::metrics::Metrics;
use crate::storage::{MemoryStore, StorageHealth, Store};
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    /// Where rooms are kept across restarts. The binary opens a SQLite file; the
    /// default keeps them in memory only, for tests.
    pub store: Arc<dyn Store>,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Where the server counts what it does (`/metrics`); each server its own.
    pub metrics: Arc<Metrics>,
    /// Whether the store is taking commits (`/health`); each server its own.
    pub storage_health: Arc<StorageHealth>,
}

impl Default for Services {
    /// A store in memory, the system's clock, fresh counters.
    fn default() -> Self {
        Services {
            store: Arc::new(MemoryStore::new()),
            clock: Arc::new(SystemClock),
            metrics: Arc::new(Metrics::new()),
            storage_health: Arc::new(StorageHealth::default()),
        }
    }
}
