//! The [`Store`] for several server nodes sharing one PostgreSQL database
//! (`--db postgres://...`, `docs/cluster.md`).
//!
//! It keeps what [`super::SqliteStore`] keeps, in the same shape (its own versioned
//! migrations, `server/migrations/postgres/`), and adds who owns each room and group:
//! a node registers with a fresh id at every start and renews a lease every second,
//! judged by the database's clock ([`ownership`]); loading a room claims it, and every
//! commit checks, inside its transaction, that this node still owns each room it writes
//! for at the epoch it claimed, and writes nothing for one it lost ([`commit`]).
//!
//! The store runs its pool on a small runtime of its own. The journal commits from its
//! own thread and waits there (`Store::commit`), which a runtime of its own makes
//! possible whatever runtime the server or a test runs on; reads hop onto it and back.

mod commit;
mod ownership;
mod read;
mod schema;
#[cfg(test)]
pub(crate) mod tests;

use super::{
    Claim, Committed, Owned, Store, StoreError, StoreFuture, StoredGroup, StoredRoom, Write,
};
use crate::metrics::Metrics;
pub use ownership::NodeSettings;
use shared::{GroupCode, Millis, RoomCode};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connections one node keeps to the database: the journal's commits take one at a
/// time, loads and claims the others.
const CONNECTIONS: u32 = 8;

/// The longest a node's transaction may wait on the node itself: well under a lease
/// (5 s), so that a node frozen mid-commit loses its locks before its lease lapses.
const IDLE_IN_TRANSACTION: &str = "2s";
/// The longest a statement waits for a lock before failing (and being retried).
const LOCK_TIMEOUT: &str = "5s";

/// How a node opens its store.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// `postgres://user@host:port/database`, as libpq understands it.
    pub url: String,
    /// Its lease and where it serves.
    pub node: NodeSettings,
    /// Where it counts claims, takeovers and failed renewals.
    pub metrics: Arc<Metrics>,
    /// Migrate only up to this version (tests); `i64::MAX` for all.
    pub schema: i64,
}

/// A handle to the store; clones share the pool, the node and its claims.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    node: ownership::Node,
    /// The epoch at which this node claimed each room and group it holds.
    claims: Mutex<HashMap<Owned, u64>>,
    metrics: Arc<Metrics>,
    /// The runtime the pool lives on (`None` once shut down, in `Drop`).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping a runtime waits for its tasks, which an async caller may not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PostgresStore {
    /// Connect, bring the schema up to date (one node at a time: the migrator holds an
    /// advisory lock), register this node and start renewing its lease.
    pub async fn open(options: PostgresOptions) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres")
            .enable_all()
            .build()
            .map_err(|error| StoreError::Corrupt(format!("could not start a runtime: {error}")))?;
        let connect = {
            let options = options.clone();
            async move {
                // A node frozen in the middle of a commit (a paused process, a cut
                // network) must not hold its rows' locks past its lease: the database
                // ends such a session, and the others can claim what it held.
                let connect: PgConnectOptions = options.url.parse::<PgConnectOptions>()?.options([
                    ("idle_in_transaction_session_timeout", IDLE_IN_TRANSACTION),
                    ("lock_timeout", LOCK_TIMEOUT),
                ]);
                let pool = PgPoolOptions::new()
                    .max_connections(CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(connect)
                    .await?;
                schema::migrator(options.schema).run(&pool).await?;
                let node = ownership::Node::register(&pool, options.node).await?;
                Ok::<_, StoreError>((pool, node))
            }
        };
        let (pool, node) = runtime.spawn(connect).await??;
        let inner = Arc::new(Inner {
            pool,
            node,
            claims: Mutex::new(HashMap::new()),
            metrics: options.metrics,
            runtime: Some(runtime),
        });
        ownership::keep_renewing(&inner);
        tracing::info!(node = %inner.node.name.id, "registered in the cluster");
        Ok(PostgresStore { inner })
    }

    /// This node's id and address, as other nodes see them.
    pub fn node(&self) -> &super::NodeName {
        &self.inner.node.name
    }

    /// Renew this node's lease now (as the store does every `renew_every`).
    pub async fn renew_lease(&self) {
        let inner = self.inner.clone();
        let renewed = self.on_runtime(async move {
            ownership::renew(&inner).await;
            Ok(())
        });
        let _ = renewed.await;
    }

    /// Release every room and group this node holds and leave the cluster (a graceful
    /// stop, after the journal's last commit): other nodes may load them at once.
    pub async fn close(&self) {
        let inner = self.inner.clone();
        let left = self.on_runtime(async move { ownership::leave(&inner).await });
        match left.await {
            Ok(()) => tracing::info!("left the cluster"),
            Err(error) => tracing::warn!(%error, "could not leave the cluster cleanly"),
        }
    }

    /// The schema version the database is at.
    pub async fn version(&self) -> Result<i64, StoreError> {
        let pool = self.inner.pool.clone();
        self.on_runtime(async move {
            let version: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(&pool)
                    .await?;
            Ok(version.unwrap_or(0))
        })
        .await
    }

    /// Run `work` on the store's runtime and wait for it from any other.
    fn on_runtime<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let spawned = self.inner.runtime().spawn(work);
        Box::pin(async move { spawned.await? })
    }
}

impl Inner {
    fn runtime(&self) -> &tokio::runtime::Handle {
        match &self.runtime {
            Some(runtime) => runtime.handle(),
            // Only `Drop` takes it, and nothing runs on a dropped store.
            None => unreachable!("the store's runtime is gone"),
        }
    }

    /// Wait for `work` on the store's runtime from a thread that may not wait: the
    /// journal's (any plain thread), or a test's async code, from which it moves to a
    /// scoped thread of its own.
    fn block_on<T: Send>(&self, work: impl Future<Output = T> + Send) -> T {
        let runtime = self.runtime();
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(work);
        }
        std::thread::scope(|scope| {
            let waited = scope.spawn(|| runtime.block_on(work)).join();
            waited.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

impl Store for PostgresStore {
    fn commit(&self, writes: &[Write]) -> Result<Committed, StoreError> {
        let inner = &*self.inner;
        inner.block_on(commit::commit(inner, writes))
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn claim(&self, owned: &Owned) -> StoreFuture<'_, Claim> {
        let (inner, owned) = (self.inner.clone(), owned.clone());
        self.on_runtime(async move { ownership::claim(&inner, &owned).await })
    }

    fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>> {
        let (pool, code) = (self.inner.pool.clone(), code.clone());
        self.on_runtime(async move { read::room(&pool, &code).await })
    }

    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        let pool = self.inner.pool.clone();
        self.on_runtime(async move { read::all_rooms(&pool).await })
    }

    fn expired(&self, before: Millis, skip: usize, limit: usize) -> StoreFuture<'_, Vec<RoomCode>> {
        let pool = self.inner.pool.clone();
        self.on_runtime(async move { read::expired_rooms(&pool, before, skip, limit).await })
    }

    fn load_group(&self, code: &GroupCode) -> StoreFuture<'_, Option<StoredGroup>> {
        let (pool, code) = (self.inner.pool.clone(), code.clone());
        self.on_runtime(async move { read::group(&pool, &code).await })
    }

    fn expired_groups(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> StoreFuture<'_, Vec<(GroupCode, Vec<RoomCode>)>> {
        let pool = self.inner.pool.clone();
        self.on_runtime(async move { read::expired_groups(&pool, before, skip, limit).await })
    }
}
