//! Who owns what in a cluster: nodes and their leases, claims on rooms and groups, and
//! leaving (`docs/cluster.md`).
//!
//! A node registers under a fresh id at every start, so that nothing a previous run of
//! it claimed counts as its own. Its lease is renewed every second and judged by the
//! database's clock, never by the nodes' own. A claim takes a room or group (`owner`,
//! `epoch + 1`) only if nobody holds it, this node does, or its owner's lease has
//! lapsed. Leases only decide who may claim: safety comes from the epoch every commit
//! checks, so a node whose lease lapsed may renew it again without harm.

use super::Inner;
use crate::storage::{Claim, NodeName, Owned, StoreError};
use sqlx::postgres::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A node's names, and its lease.
#[derive(Clone, Debug)]
pub struct NodeSettings {
    /// How the proxy in front knows this node: where a connection that came to another
    /// node for one of its rooms is sent.
    pub name: String,
    /// Where it serves (host:port), for people reading the `nodes` table.
    pub address: String,
    /// How long a lease runs past its last renewal: a node silent that long loses its
    /// rooms to the next node that claims them.
    pub lease: Duration,
    /// How often the lease is renewed; `None` never (tests renew it by hand).
    pub renew_every: Option<Duration>,
}

impl NodeSettings {
    /// A 5-second lease renewed every second.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Self {
        NodeSettings {
            name: name.into(),
            address: address.into(),
            lease: Duration::from_secs(5),
            renew_every: Some(Duration::from_secs(1)),
        }
    }
}

/// This run of the server, as registered.
#[derive(Debug)]
pub struct Node {
    pub name: NodeName,
    settings: NodeSettings,
    /// Set once it has left the cluster: its lease is no longer renewed.
    left: AtomicBool,
}

impl Node {
    /// Register a new node with a running lease, forgetting nodes long gone.
    pub async fn register(pool: &PgPool, settings: NodeSettings) -> Result<Node, StoreError> {
        let id = format!("{:016x}", rand::random::<u64>());
        sqlx::query("DELETE FROM nodes WHERE lease_until < now() - interval '1 day'")
            .execute(pool)
            .await?;
        sqlx::query(
            "INSERT INTO nodes (id, name, address, lease_until) \
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        )
        .bind(&id)
        .bind(&settings.name)
        .bind(&settings.address)
        .bind(settings.lease.as_secs_f64())
        .execute(pool)
        .await?;
        Ok(Node {
            name: NodeName {
                id,
                name: settings.name.clone(),
                address: settings.address.clone(),
            },
            settings,
            left: AtomicBool::new(false),
        })
    }
}

/// Renew the lease every `renew_every` until the store is dropped or leaves.
pub fn keep_renewing(inner: &Arc<Inner>) {
    let Some(every) = inner.node.settings.renew_every else {
        return;
    };
    let store = Arc::downgrade(inner);
    inner.runtime().spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(inner) = store.upgrade() else { return };
            if inner.node.left.load(Ordering::SeqCst) {
                return;
            }
            renew(&inner).await;
        }
    });
}

/// Push the lease `lease` past the database's now; a lapsed or failed renewal is
/// counted and logged (the next one tries again).
pub async fn renew(inner: &Inner) {
    let renewed: Result<Option<bool>, sqlx::Error> = sqlx::query_scalar(
        "WITH previous AS (SELECT lease_until > now() AS running FROM nodes WHERE id = $1 \
         FOR UPDATE) \
         UPDATE nodes SET lease_until = now() + make_interval(secs => $2), renewed_at = now() \
         FROM previous \
         WHERE id = $1 RETURNING previous.running",
    )
    .bind(&inner.node.name.id)
    .bind(inner.node.settings.lease.as_secs_f64())
    .fetch_optional(&inner.pool)
    .await;
    match renewed {
        Ok(Some(true)) => {}
        Ok(Some(false)) => {
            inner.metrics.lease_renewal_failed();
            tracing::warn!(
                "this node's lease had lapsed: other nodes may have taken its rooms, which \
                 it then gives up at their next commit"
            );
        }
        Ok(None) => {
            inner.metrics.lease_renewal_failed();
            tracing::error!("this node is no longer registered in the database");
        }
        Err(error) => {
            inner.metrics.lease_renewal_failed();
            tracing::error!(%error, "could not renew this node's lease");
        }
    }
}

/// The table and code of what is claimed.
fn row_of(owned: &Owned) -> (Table, &str) {
    match owned {
        Owned::Room(code) => (Table::Rooms, code.as_str()),
        Owned::Group(code) => (Table::Groups, code.as_str()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Rooms,
    Groups,
}

impl Table {
    /// Take the row (`$1`) for node `$2` unless a live node holds it; answers the new
    /// epoch and the previous owner.
    fn claim_sql(self) -> &'static str {
        match self {
            Table::Rooms => {
                "WITH previous AS (SELECT code, owner FROM rooms WHERE code = $1 FOR UPDATE) \
                 UPDATE rooms SET owner = $2, epoch = rooms.epoch + 1 FROM previous \
                 WHERE rooms.code = previous.code AND (previous.owner IS NULL \
                   OR previous.owner = $2 OR NOT EXISTS (SELECT 1 FROM nodes \
                     WHERE nodes.id = previous.owner AND nodes.lease_until > now())) \
                 RETURNING rooms.epoch, previous.owner"
            }
            Table::Groups => {
                "WITH previous AS (SELECT code, owner FROM groups WHERE code = $1 FOR UPDATE) \
                 UPDATE groups SET owner = $2, epoch = groups.epoch + 1 FROM previous \
                 WHERE groups.code = previous.code AND (previous.owner IS NULL \
                   OR previous.owner = $2 OR NOT EXISTS (SELECT 1 FROM nodes \
                     WHERE nodes.id = previous.owner AND nodes.lease_until > now())) \
                 RETURNING groups.epoch, previous.owner"
            }
        }
    }

    /// The live owner of the row `$1`, where it serves, and, if it has not renewed its
    /// lease for [`STALE_AFTER`], the milliseconds until its lease lapses.
    fn holder_sql(self) -> &'static str {
        match self {
            Table::Rooms => {
                "SELECT nodes.id, nodes.name, nodes.address, \
                   CASE WHEN nodes.renewed_at < now() - make_interval(secs => $2) \
                   THEN (EXTRACT(EPOCH FROM nodes.lease_until - now()) * 1000)::BIGINT END \
                 FROM rooms JOIN nodes ON nodes.id = rooms.owner \
                 WHERE rooms.code = $1 AND nodes.lease_until > now()"
            }
            Table::Groups => {
                "SELECT nodes.id, nodes.name, nodes.address, \
                   CASE WHEN nodes.renewed_at < now() - make_interval(secs => $2) \
                   THEN (EXTRACT(EPOCH FROM nodes.lease_until - now()) * 1000)::BIGINT END \
                 FROM groups JOIN nodes ON nodes.id = groups.owner \
                 WHERE groups.code = $1 AND nodes.lease_until > now()"
            }
        }
    }

    /// Give up the row `$1` held by node `$2` at epoch `$3`.
    pub fn release_sql(self) -> &'static str {
        match self {
            Table::Rooms => {
                "UPDATE rooms SET owner = NULL WHERE code = $1 AND owner = $2 AND epoch = $3"
            }
            Table::Groups => {
                "UPDATE groups SET owner = NULL WHERE code = $1 AND owner = $2 AND epoch = $3"
            }
        }
    }
}

/// A node that has not renewed its lease for this long (renewals come every second)
/// is taken for gone: a claim on one of its rooms says when its lease lapses.
pub const STALE_AFTER: Duration = Duration::from_millis(2500);

/// How many times a claim looks again when its owner's lease lapses between the claim
/// and the look at who holds it.
const CLAIM_ATTEMPTS: usize = 3;

/// Claim `owned` for this node (`Store::claim`). An unknown code is granted at epoch 0
/// and not held: loading it finds nothing.
pub async fn claim(inner: &Inner, owned: &Owned) -> Result<Claim, StoreError> {
    let (table, code) = row_of(owned);
    let me = &inner.node.name.id;
    for _ in 0..CLAIM_ATTEMPTS {
        let taken: Option<(i64, Option<String>)> = sqlx::query_as(table.claim_sql())
            .bind(code)
            .bind(me)
            .fetch_optional(&inner.pool)
            .await?;
        if let Some((epoch, previous)) = taken {
            let epoch = epoch as u64;
            inner.claims().insert(owned.clone(), epoch);
            let took_over = previous.is_some_and(|previous| previous != *me);
            if took_over {
                tracing::info!(%owned, epoch, "took over from a node whose lease lapsed");
            }
            return Ok(Claim::Granted { epoch, took_over });
        }
        let exists: bool = sqlx::query_scalar(match table {
            Table::Rooms => "SELECT EXISTS (SELECT 1 FROM rooms WHERE code = $1)",
            Table::Groups => "SELECT EXISTS (SELECT 1 FROM groups WHERE code = $1)",
        })
        .bind(code)
        .fetch_one(&inner.pool)
        .await?;
        if !exists {
            return Ok(Claim::Granted {
                epoch: 0,
                took_over: false,
            });
        }
        let holder: Option<(String, String, String, Option<i64>)> =
            sqlx::query_as(table.holder_sql())
                .bind(code)
                .bind(STALE_AFTER.as_secs_f64())
                .fetch_optional(&inner.pool)
                .await?;
        if let Some((id, name, address, lapses_in)) = holder {
            return Ok(Claim::Held {
                by: NodeName { id, name, address },
                lapses_in: lapses_in.map(|ms| Duration::from_millis(ms.max(0) as u64)),
            });
        }
        // Its owner's lease lapsed in between: claim again.
    }
    Err(StoreError::Corrupt(format!(
        "{owned} changed hands {CLAIM_ATTEMPTS} times during one claim"
    )))
}

/// Give up everything this node holds and unregister (a graceful stop).
pub async fn leave(inner: &Inner) -> Result<(), StoreError> {
    inner.node.left.store(true, Ordering::SeqCst);
    let me = &inner.node.name.id;
    let mut tx = inner.pool.begin().await?;
    for sql in [
        "UPDATE rooms SET owner = NULL WHERE owner = $1",
        "UPDATE groups SET owner = NULL WHERE owner = $1",
        "DELETE FROM nodes WHERE id = $1",
    ] {
        sqlx::query(sql).bind(me).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    inner.claims().clear();
    Ok(())
}

impl Inner {
    /// The claims this node holds (never held across an await).
    pub(super) fn claims(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Owned, u64>> {
        self.claims.lock().unwrap_or_else(|e| e.into_inner())
    }
}
