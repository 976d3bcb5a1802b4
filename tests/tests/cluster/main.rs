//! The cluster with real processes (`cargo xtask cluster test`, `docs/cluster.md`):
//! three nodes on one PostgreSQL behind HAProxy, started by the xtask, and pages
//! (`tests::page`, the web client's own logic without the browser) on them while nodes
//! are killed, frozen and restarted. Each test prints its figures; `docs/benchmarks.md`
//! keeps them.
//!
//! Run one at a time (`--test-threads 1`): they share the cluster, and each leaves it
//! whole (every node running) for the next.

mod failures;
mod rooms;
