//! The one writer: rooms queue their writes here and go on; one thread commits.
//!
//! Whatever is queued when the writer wakes goes into one transaction, so a burst of
//! commands from many rooms costs one commit (one fsync). The writer is an OS thread of
//! its own, not a task: a commit blocks it while the disk works, and SQLite runs inside
//! it (`storage/sqlite/writer.rs`), so between a room queueing an event and learning it is
//! durable there are two wake-ups (the writer's, the room's) and no more. Writes are
//! committed in the order they were queued, so each room's events reach the disk in
//! sequence order, after the room's creation and before its deletion.
//!
//! After each commit the writer tells each room how far its events are durable, through
//! the room's own `watch` channel: the room then releases the acks it held back. Other
//! writes (a new room, a deletion, a flush) can be awaited one by one.
//!
//! On a store shared by several nodes, a commit writes nothing for a room or group
//! another node has claimed since (`docs/cluster.md`): its actor is told it is
//! [`Progress::Lost`] instead, and none of what it queued is ever reported durable.
//!
//! A failed commit is retried, the same batch again, with a growing pause, until it
//! succeeds: the log on disk stays a gap-free prefix of the log in memory. Meanwhile no
//! ack is sent, rooms stop taking commands once too many of their events wait (see the
//! room actor), the error is logged at every attempt, and `/health` says the storage is
//! failing ([`StorageHealth`]).

use super::health::StorageHealth;
use super::{Committed, Store, Write, WriterOf};
use crate::metrics::Metrics;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// The most queued items (each one write or a few) committed in one transaction.
const MAX_BATCH: usize = 4096;
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// What an actor hears from the journal about its writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Its events up to this sequence number are durable.
    Durable(u64),
    /// Another node owns its room or group now: nothing more of it was written, and
    /// nothing will be.
    Lost,
}

/// Who to tell once a write is durable.
#[derive(Debug)]
pub enum Durable {
    /// Nobody.
    Quiet,
    /// A room or group, that its events up to `seq` are durable.
    Room {
        persisted: Arc<watch::Sender<Progress>>,
        seq: u64,
    },
    /// Whoever waits on the other end.
    Notify(oneshot::Sender<()>),
}

#[derive(Debug)]
struct Queued {
    /// Written in the same transaction, never split (all the writes one room message
    /// caused: a command's events, a seat and its join). Empty for a flush: nothing to
    /// write, only to be told when all before it is done.
    writes: Vec<Write>,
    then: Durable,
    queued_at: Instant,
}

/// Counters for the benchmark (failures are counted in [`Metrics`]).
#[derive(Debug, Default)]
pub struct JournalStats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
}

/// A cheap handle to the writer thread, which stops once every handle is gone.
#[derive(Clone, Debug)]
pub struct Journal {
    queue: mpsc::Sender<Queued>,
    stats: Arc<JournalStats>,
}

/// Who hears how the journal's commits go.
#[derive(Clone, Debug, Default)]
pub struct Observers {
    /// Commit times, writes, failures (`/metrics`).
    pub metrics: Arc<Metrics>,
    /// Whether commits are failing or stalled (`/health`).
    pub health: Arc<StorageHealth>,
}

/// The writer thread has stopped (only at the end of the process).
#[derive(Debug, thiserror::Error)]
#[error("the journal has stopped")]
pub struct JournalStopped;

impl Journal {
    /// Start the writer thread on `store`.
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<Self> {
        Self::start_observed(store, Observers::default())
    }

    /// Start the writer thread on `store`, telling `observers` how its commits go.
    pub fn start_observed(store: Arc<dyn Store>, observers: Observers) -> std::io::Result<Self> {
        let (queue, inbox) = mpsc::channel();
        let stats = Arc::new(JournalStats::default());
        let counted = stats.clone();
        std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || run(store.as_ref(), &inbox, &counted, &observers))?;
        Ok(Journal { queue, stats })
    }

    /// Queue a write; `then` is told once it is durable.
    pub fn write(&self, write: Write, then: Durable) {
        self.write_all(vec![write], then);
    }

    /// Queue writes that must be committed together (in one transaction); `then` is
    /// told once they are durable.
    pub fn write_all(&self, writes: Vec<Write>, then: Durable) {
        let queued = Queued {
            writes,
            then,
            queued_at: Instant::now(),
        };
        if self.queue.send(queued).is_err() {
            tracing::error!("a write was queued after the journal stopped");
        }
    }

    /// Queue a write and wait until it is durable.
    pub async fn write_durably(&self, write: Write) -> Result<(), JournalStopped> {
        self.write_all_durably(vec![write]).await
    }

    /// Queue writes to commit together and wait until they are durable.
    pub async fn write_all_durably(&self, writes: Vec<Write>) -> Result<(), JournalStopped> {
        let (done, durable) = oneshot::channel();
        self.write_all(writes, Durable::Notify(done));
        durable.await.map_err(|_| JournalStopped)
    }

    /// Wait until everything queued so far is durable.
    pub async fn flush(&self) -> Result<(), JournalStopped> {
        let (done, durable) = oneshot::channel();
        self.queue
            .send(Queued {
                writes: Vec::new(),
                then: Durable::Notify(done),
                queued_at: Instant::now(),
            })
            .map_err(|_| JournalStopped)?;
        durable.await.map_err(|_| JournalStopped)
    }

    pub fn stats(&self) -> &JournalStats {
        &self.stats
    }
}

/// The writer thread: wait for writes, commit whatever is queued, tell who waits; until
/// every [`Journal`] is dropped.
fn run(
    store: &dyn Store,
    inbox: &mpsc::Receiver<Queued>,
    stats: &JournalStats,
    observers: &Observers,
) {
    let mut batch: Vec<(Queued, Option<WriterOf>)> = Vec::new();
    let mut writes: Vec<Write> = Vec::new();
    while let Ok(first) = inbox.recv() {
        batch.push((first, None));
        batch.extend(inbox.try_iter().take(MAX_BATCH - 1).map(|q| (q, None)));
        for (queued, owner) in &mut batch {
            *owner = writer_of(&queued.writes);
            writes.append(&mut queued.writes);
        }
        let mut lost = HashSet::new();
        if !writes.is_empty() {
            let committed = commit_until_it_succeeds(store, &writes, stats, observers);
            observers.metrics.lost_to_fencing(committed.lost.len());
            lost.extend(committed.lost);
            writes.clear();
        }
        for (queued, owner) in batch.drain(..) {
            observers.metrics.durable_after(queued.queued_at.elapsed());
            let lost = owner.is_some_and(|owner| lost.contains(&owner));
            tell(queued.then, lost);
        }
    }
}

/// Whose the writes of one item are: all of them are one actor's, named by its fence
/// (with its epoch) if it has one, else by the first write that needs an owner.
fn writer_of(writes: &[Write]) -> Option<WriterOf> {
    if let Some(Write::Fence { owned, epoch }) = writes.first() {
        return Some((owned.clone(), Some(*epoch)));
    }
    writes
        .iter()
        .find_map(Write::owner)
        .map(|owned| (owned, None))
}

/// Tell whoever waits for a queued item that it is durable, or that it was not written
/// because its room or group is `lost` to another node (a waiter then sees its sender
/// dropped).
fn tell(then: Durable, lost: bool) {
    match then {
        Durable::Quiet => {}
        Durable::Room { persisted, .. } if lost => {
            persisted.send_replace(Progress::Lost);
        }
        Durable::Room { persisted, seq } => {
            persisted.send_if_modified(|progress| match progress {
                Progress::Durable(up_to) if seq > *up_to => {
                    *up_to = seq;
                    true
                }
                _ => false,
            });
        }
        Durable::Notify(_) if lost => {}
        Durable::Notify(done) => {
            let _ = done.send(());
        }
    }
}

fn commit_until_it_succeeds(
    store: &dyn Store,
    writes: &[Write],
    stats: &JournalStats,
    observers: &Observers,
) -> Committed {
    let Observers { metrics, health } = observers;
    let started = Instant::now();
    let mut pause = FIRST_RETRY;
    loop {
        health.commit_started();
        let committed = store.commit(writes);
        // Counted before health says so: whoever sees the server degraded finds the
        // failure in `/metrics` too.
        if committed.is_err() {
            metrics.commit_failed();
        }
        health.commit_ended(committed.is_ok());
        let error = match committed {
            Ok(committed) => {
                record(writes.len(), started, stats, metrics);
                return committed;
            }
            Err(error) => error,
        };
        tracing::error!(
            %error,
            writes = writes.len(),
            retry_in_ms = pause.as_millis() as u64,
            "could not commit; nothing is acknowledged until this succeeds"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(LAST_RETRY);
    }
}

/// Count a commit of `writes` writes begun at `started`.
fn record(writes: usize, started: Instant, stats: &JournalStats, metrics: &Metrics) {
    metrics.committed(writes, started.elapsed());
    stats.commits.fetch_add(1, Ordering::Relaxed);
    stats.writes.fetch_add(writes as u64, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Digest;
    use crate::storage::{
        MemoryStore, NewRoom, StorageStatus, StoreError, StoreFuture, StoredEvent, StoredRoom,
    };
    use shared::state::Language;
    use shared::{Event, RoomCode};
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Condvar, Mutex};

    /// A memory store that counts commits and holds every one until its gate opens.
    #[derive(Debug, Default)]
    struct GatedStore {
        inner: MemoryStore,
        /// Whether the gate is open, and how many commits have reached it.
        gate: Mutex<(bool, usize)>,
        changed: Condvar,
        commits: AtomicUsize,
    }

    impl GatedStore {
        fn open_gate(&self) {
            self.gate.lock().expect("gate").0 = true;
            self.changed.notify_all();
        }

        /// Block until a commit waits at the gate (or went through).
        fn until_a_commit_arrives(&self) {
            let gate = self.gate.lock().expect("gate");
            drop(self.changed.wait_while(gate, |(_, arrived)| *arrived == 0));
        }
    }

    impl Store for GatedStore {
        fn commit(&self, writes: &[Write]) -> Result<Committed, StoreError> {
            let mut gate = self.gate.lock().expect("gate");
            gate.1 += 1;
            self.changed.notify_all();
            drop(
                self.changed
                    .wait_while(gate, |(open, _)| !*open)
                    .expect("gate"),
            );
            self.commits.fetch_add(1, Ordering::SeqCst);
            self.inner.commit(writes)
        }

        fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>> {
            self.inner.load_room(code)
        }

        fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
            self.inner.load()
        }

        fn expired(
            &self,
            before: shared::Millis,
            skip: usize,
            limit: usize,
        ) -> StoreFuture<'_, Vec<RoomCode>> {
            self.inner.expired(before, skip, limit)
        }

        fn load_group(
            &self,
            code: &shared::GroupCode,
        ) -> StoreFuture<'_, Option<crate::storage::StoredGroup>> {
            self.inner.load_group(code)
        }

        fn expired_groups(
            &self,
            before: shared::Millis,
            skip: usize,
            limit: usize,
        ) -> StoreFuture<'_, Vec<(shared::GroupCode, Vec<RoomCode>)>> {
            self.inner.expired_groups(before, skip, limit)
        }
    }

    #[tokio::test]
    async fn a_burst_from_many_rooms_costs_one_commit_and_each_room_learns_its_progress() {
        let store = Arc::new(GatedStore::default());
        let journal = Journal::start(store.clone()).expect("journal thread");
        let rooms: Vec<RoomCode> = (0..10).map(|i| RoomCode::new(format!("room{i}"))).collect();
        let watches: Vec<_> = rooms
            .iter()
            .map(|_| Arc::new(watch::channel(Progress::Durable(0)).0))
            .collect();
        for code in &rooms {
            journal.write(
                Write::CreateRoom(NewRoom {
                    call_link: None,
                    code: code.clone(),
                    title: "t".into(),
                    language: Language::Fr,
                    created_at: 0,
                    facilitator_key: Digest::of("k"),
                    group: None,
                }),
                Durable::Quiet,
            );
        }
        // 100 events in each of 10 rooms, interleaved, while the first commit is held.
        for seq in 1..=100 {
            for (code, persisted) in rooms.iter().zip(&watches) {
                journal.write(
                    Write::AppendEvent {
                        room: code.clone(),
                        event: StoredEvent {
                            seq,
                            at: seq,
                            actor: None,
                            command_id: None,
                            event: Event::FloorTaken,
                        },
                    },
                    Durable::Room {
                        persisted: persisted.clone(),
                        seq,
                    },
                );
            }
        }
        assert!(
            watches.iter().all(|w| *w.borrow() == Progress::Durable(0)),
            "nothing durable yet"
        );
        store.open_gate();
        journal.flush().await.expect("flush");
        let commits = store.commits.load(Ordering::SeqCst);
        assert!(
            commits <= 2,
            "1010 writes queued together take at most 2 commits, took {commits}"
        );
        assert_eq!(journal.stats().writes.load(Ordering::Relaxed), 1010);
        assert!(
            watches
                .iter()
                .all(|w| *w.borrow() == Progress::Durable(100))
        );
        let stored = store.load().await.expect("load");
        assert_eq!(stored.len(), 10);
        assert!(stored.iter().all(|room| room.events.len() == 100));
    }

    #[tokio::test]
    async fn a_commit_that_does_not_return_shows_as_a_stall_until_it_does() {
        let store = Arc::new(GatedStore::default());
        let observers = Observers::default();
        let health = observers.health.clone();
        let journal = Journal::start_observed(store.clone(), observers).expect("journal thread");
        journal.write(
            Write::CreateRoom(NewRoom {
                call_link: None,
                code: RoomCode::new("held".to_owned()),
                title: "t".into(),
                language: Language::Fr,
                created_at: 0,
                facilitator_key: Digest::of("k"),
                group: None,
            }),
            Durable::Quiet,
        );
        store.until_a_commit_arrives();
        let later = Instant::now() + crate::storage::health::STALLED_AFTER * 2;
        assert!(
            matches!(health.status_at(later), StorageStatus::Stalled(_)),
            "a commit held at the gate is a stall once it has run long enough"
        );
        store.open_gate();
        journal.flush().await.expect("flush");
        assert_eq!(health.status_at(later), StorageStatus::Ok);
    }
}
