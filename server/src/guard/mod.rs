//! Bounds on how much one address, or one connection, may ask of the server.
//!
//! The room rules bound what a participant may put *in* a room (text lengths, notes per
//! consultant, participants per room: `shared::Limits`). This module bounds how *often*
//! and how *much* anyone may knock, before any room is involved:
//!
//! - open WebSocket connections per address (`max_connections_per_address`): one more is
//!   refused at the upgrade with HTTP 429;
//! - frames per second per connection, and the disconnection of a connection that keeps
//!   flooding ([`flood`]);
//! - failed `join` or `resume` attempts per address (`join_failures_per_minute`), so that
//!   room codes, keys and tokens cannot be guessed fast (they are hopeless to guess
//!   anyway: see `secrets`);
//! - sessions created per address (`sessions_per_address_per_hour`), so that one client
//!   cannot fill the server's `max_rooms` for everyone.
//!
//! Each refusal is typed (`rate_limited`) and goes to the one who asked; nothing else in
//! the server changes. The state kept here is a counter or a bucket per address; buckets
//! that are full again are forgotten, so the memory held is bounded by the addresses
//! active within a refill period.

pub mod address;
pub mod bucket;
pub mod flood;

pub use address::ClientAddr;
pub use bucket::TokenBucket;
pub use flood::{Admit, CommandRate};

use crate::clock::Clock;
use crate::config::Config;
use dashmap::DashMap;
use shared::Millis;
use shared::{ErrorCode, Rejection};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Forget full buckets once a table holds this many addresses.
const PRUNE_AT: usize = 4096;

/// The server's limits per address. Cheap to clone; clones share their counts.
#[derive(Clone)]
pub struct Guard {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    connections: DashMap<ClientAddr, usize>,
    entry_failures: Buckets,
    creations: Buckets,
}

impl Guard {
    pub fn new(config: Arc<Config>, clock: Arc<dyn Clock>) -> Self {
        let per_minute = config.join_failures_per_minute;
        let per_hour = config.sessions_per_address_per_hour;
        Guard {
            inner: Arc::new(Inner {
                connections: DashMap::new(),
                entry_failures: Buckets::new(
                    per_minute,
                    f64::from(per_minute) / 60.0,
                    clock.clone(),
                ),
                creations: Buckets::new(per_hour, f64::from(per_hour) / 3600.0, clock.clone()),
                config,
                clock,
            }),
        }
    }

    /// Count one more open connection from `addr`, if it may have one.
    pub fn connect(&self, addr: ClientAddr) -> Result<ConnectionPermit, Rejection> {
        let max = self.inner.config.max_connections_per_address;
        let mut open = self.inner.connections.entry(addr).or_insert(0);
        if max > 0 && *open >= max {
            return Err(Rejection::new(
                ErrorCode::RateLimited,
                format!("at most {max} open connections from one address"),
            ));
        }
        *open += 1;
        Ok(ConnectionPermit {
            guard: self.clone(),
            addr,
        })
    }

    /// Open connections from `addr`.
    pub fn connections_from(&self, addr: ClientAddr) -> usize {
        self.inner.connections.get(&addr).map_or(0, |open| *open)
    }

    /// Whether `addr` may create a session now; if so, it counts.
    pub fn may_create_session(&self, addr: ClientAddr) -> Result<(), Rejection> {
        if self.inner.creations.try_take(addr) {
            Ok(())
        } else {
            Err(Rejection::new(
                ErrorCode::RateLimited,
                format!(
                    "at most {} new sessions per hour from one address; try again later",
                    self.inner.config.sessions_per_address_per_hour
                ),
            ))
        }
    }

    /// Whether `addr` may try to enter a room now. Asked before the room is looked up,
    /// so the answer says nothing about whether the room exists.
    pub fn may_try_entering(&self, addr: ClientAddr) -> Result<(), Rejection> {
        if self.inner.entry_failures.has_token(addr) {
            Ok(())
        } else {
            Err(Rejection::new(
                ErrorCode::RateLimited,
                "too many failed attempts to enter a session from this address; wait a minute",
            ))
        }
    }

    /// `addr` tried to enter with an unknown room, key or token.
    pub fn entry_failed(&self, addr: ClientAddr) {
        self.inner.entry_failures.charge(addr);
    }

    /// The frame rate limit of a new connection.
    pub fn command_rate(&self) -> CommandRate {
        CommandRate::new(&self.inner.config, self.inner.clock.now())
    }
}

/// One open connection from an address, counted until dropped.
pub struct ConnectionPermit {
    guard: Guard,
    addr: ClientAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let connections = &self.guard.inner.connections;
        if let Some(mut open) = connections.get_mut(&self.addr) {
            *open = open.saturating_sub(1);
        }
        connections.remove_if(&self.addr, |_, open| *open == 0);
    }
}

/// A token bucket per address, all alike; 0 per period means no limit.
struct Buckets {
    capacity: u32,
    per_second: f64,
    buckets: DashMap<ClientAddr, TokenBucket>,
    clock: Arc<dyn Clock>,
    /// Insertions since the last pruning.
    since_prune: AtomicUsize,
}

impl Buckets {
    fn new(capacity: u32, per_second: f64, clock: Arc<dyn Clock>) -> Self {
        Buckets {
            capacity,
            per_second,
            buckets: DashMap::new(),
            clock,
            since_prune: AtomicUsize::new(0),
        }
    }

    fn with<T>(&self, addr: ClientAddr, act: impl FnOnce(&mut TokenBucket, Millis) -> T) -> T {
        let now = self.clock.now();
        let result = {
            let mut bucket = self.buckets.entry(addr).or_insert_with(|| {
                self.since_prune.fetch_add(1, Ordering::Relaxed);
                TokenBucket::new(self.capacity, self.per_second, now)
            });
            act(&mut bucket, now)
        };
        if self.buckets.len() >= PRUNE_AT
            && self.since_prune.load(Ordering::Relaxed) >= PRUNE_AT / 4
        {
            self.since_prune.store(0, Ordering::Relaxed);
            self.buckets.retain(|_, bucket| !bucket.is_full(now));
        }
        result
    }

    fn try_take(&self, addr: ClientAddr) -> bool {
        self.capacity == 0 || self.with(addr, |bucket, now| bucket.try_take(now))
    }

    fn has_token(&self, addr: ClientAddr) -> bool {
        self.capacity == 0 || self.with(addr, |bucket, now| bucket.has_token(now))
    }

    fn charge(&self, addr: ClientAddr) {
        if self.capacity > 0 {
            self.with(addr, |bucket, now| bucket.charge(now));
        }
    }
}

/// Whoever opens a WebSocket: their address and their place among its connections,
/// held for as long as the connection lives.
pub struct Visitor {
    pub addr: ClientAddr,
    guard: Guard,
    _permit: ConnectionPermit,
}

impl Visitor {
    /// A visitor from `addr` holding one of its connection slots.
    pub fn new(addr: ClientAddr, guard: Guard, permit: ConnectionPermit) -> Visitor {
        Visitor {
            addr,
            guard,
            _permit: permit,
        }
    }

    /// See [`Guard::may_try_entering`].
    pub fn may_try_entering(&self) -> Result<(), Rejection> {
        self.guard.may_try_entering(self.addr)
    }

    /// See [`Guard::entry_failed`].
    pub fn entry_failed(&self) {
        self.guard.entry_failed(self.addr);
    }

    pub fn command_rate(&self) -> CommandRate {
        self.guard.command_rate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(config: Config) -> Guard {
        Guard::new(Arc::new(config), Arc::new(crate::clock::SystemClock))
    }

    fn addr(ip: &str) -> ClientAddr {
        ClientAddr::of(ip.parse().unwrap())
    }

    #[test]
    fn connections_are_counted_per_address_until_dropped() {
        let guard = guard(Config {
            max_connections_per_address: 2,
            ..Config::default()
        });
        let a = addr("192.0.2.1");
        let first = guard.connect(a).unwrap();
        let _second = guard.connect(a).unwrap();
        let refused = guard.connect(a).err().unwrap();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        // Another address is not concerned.
        let _other = guard.connect(addr("192.0.2.2")).unwrap();
        drop(first);
        let _third = guard.connect(a).unwrap();
        assert_eq!(guard.connections_from(a), 2);
    }

    #[test]
    fn the_count_of_an_address_goes_when_its_last_connection_does() {
        let guard = guard(Config::default());
        let a = addr("2001:db8::1");
        let permits: Vec<_> = (0..5).map(|_| guard.connect(a).unwrap()).collect();
        assert_eq!(guard.connections_from(addr("2001:db8::ffff")), 5);
        drop(permits);
        assert!(guard.inner.connections.is_empty());
    }

    #[test]
    fn failed_entries_close_the_door_to_everyone_at_that_address_for_a_while() {
        let guard = guard(Config {
            join_failures_per_minute: 3,
            ..Config::default()
        });
        let a = addr("192.0.2.1");
        for _ in 0..3 {
            assert!(guard.may_try_entering(a).is_ok());
            guard.entry_failed(a);
        }
        assert_eq!(
            guard.may_try_entering(a).map_err(|r| r.code),
            Err(ErrorCode::RateLimited)
        );
        assert!(guard.may_try_entering(addr("192.0.2.2")).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        let guard = guard(Config {
            max_connections_per_address: 0,
            join_failures_per_minute: 0,
            sessions_per_address_per_hour: 0,
            ..Config::default()
        });
        let a = addr("192.0.2.1");
        let _permits: Vec<_> = (0..1000).map(|_| guard.connect(a).unwrap()).collect();
        for _ in 0..1000 {
            guard.entry_failed(a);
            assert!(guard.may_create_session(a).is_ok());
        }
        assert!(guard.may_try_entering(a).is_ok());
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let guard = guard(Config {
            sessions_per_address_per_hour: 10,
            ..Config::default()
        });
        for i in 0..(PRUNE_AT as u32 * 2) {
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + i);
            // Looking at a bucket without taking from it leaves it full.
            assert!(guard.inner.creations.has_token(ClientAddr::of(ip.into())));
        }
        assert!(guard.inner.creations.buckets.len() < PRUNE_AT + PRUNE_AT / 4 + 1);
    }
}
