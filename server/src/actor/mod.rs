//! What a room's actor and a group's actor share: each is the one task that changes its
//! state (`docs/architecture.md`, "One room, one owner"; `docs/groups.md`), reached
//! through a bounded mailbox ([`Handle`]), talking back through each connection's
//! bounded queue of frames ([`ConnectionLink`]), holding what it sends until the events
//! it rests on are durable ([`Outbox`]), and putting itself away when idle
//! ([`Registration`]). One copy of each idea, so that rooms and groups keep the same
//! guarantees.

pub mod answers;
pub mod attendance;
pub mod audience;
pub mod core;
pub mod durability;
pub mod outbox;
pub mod replay;
pub mod seats;

pub use audience::Audience;
pub use outbox::Outbox;

use crate::config::Config;
use crate::services::Services;
use crate::storage::Journal;
use axum::extract::ws::Utf8Bytes;
use shared::group::SessionSummary;
use shared::wire::ByeReason;
use shared::{GroupCode, RoomCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// A frame queued for one connection: the same `Arc` goes to every recipient of an
/// event, encoded once. Pointer-sized, because every connection's queue allocates its
/// slots up front (figures: `docs/benchmarks.md`, S3).
pub type Frame = Arc<Utf8Bytes>;

/// Identifies one WebSocket connection for the lifetime of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnId(pub u64);

impl ConnId {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ConnId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// How an actor reaches one connection: frames to write, and a way to end it.
#[derive(Debug)]
pub struct ConnectionLink {
    /// Serialized frames, shared between recipients (one encoding per event).
    pub frames: mpsc::Sender<Frame>,
    /// Told once if the actor drops this connection (too slow, say).
    pub kick: oneshot::Sender<ByeReason>,
}

/// One run of an actor: a room or group put away and loaded again is a new instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance(u64);

impl Instance {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Instance(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What an idle actor calls to leave the registry before it stops: true if the
/// registry still held this instance (and now does not).
pub type PutAway = Box<dyn FnOnce() -> bool + Send>;

/// How an actor is known to the registry, and how it leaves it.
pub struct Registration {
    pub instance: Instance,
    pub put_away: PutAway,
    /// What it holds in a cluster, and at which epoch: its writes are fenced by it
    /// (`Write::Fence`). None with one node.
    pub fence: Option<(crate::storage::Owned, u64)>,
}

/// A session of a group whose room closed, as the room hands it to its group (the
/// group's actor records it: `crate::group`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedSession {
    pub group: GroupCode,
    pub room: RoomCode,
    pub summary: Option<SessionSummary>,
}

/// How a room that runs a group's session tells its group that it closed: the
/// registry's way to the group, handed to every room it starts, so that no actor holds
/// the registry or waits for another actor (the registry forwards the news on a task
/// of its own).
pub type ReportClosing = Arc<dyn Fn(ClosedSession) + Send + Sync>;

/// What every actor works with: the server's settings and services, the journal its
/// writes go to, and how a group's room reports its closing.
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub services: Services,
    pub journal: Journal,
    pub closing: ReportClosing,
}

/// A cheap, cloneable way to reach an actor whose messages are `M`.
#[derive(Debug)]
pub struct Handle<M> {
    mailbox: mpsc::Sender<M>,
    instance: Instance,
}

impl<M> Clone for Handle<M> {
    fn clone(&self) -> Self {
        Handle {
            mailbox: self.mailbox.clone(),
            instance: self.instance,
        }
    }
}

/// The actor has stopped: its room or group was deleted, or put away (the registry
/// loads it again on the next lookup).
#[derive(Debug, thiserror::Error)]
#[error("the room or group is gone")]
pub struct Gone;

impl<M> Handle<M> {
    /// A mailbox of `capacity` messages for the actor `instance`, and its receiving end.
    pub fn open(capacity: usize, instance: Instance) -> (Self, mpsc::Receiver<M>) {
        let (mailbox, inbox) = mpsc::channel(capacity);
        (Handle { mailbox, instance }, inbox)
    }

    /// Whether two handles reach the same actor.
    pub fn same_actor(&self, other: &Handle<M>) -> bool {
        self.mailbox.same_channel(&other.mailbox)
    }

    /// Which run of the actor this handle reaches.
    pub fn instance(&self) -> Instance {
        self.instance
    }

    /// Queue a message, waiting if the mailbox is full: a connection that floods its
    /// room or group slows only itself.
    pub async fn send(&self, message: M) -> Result<(), Gone> {
        self.mailbox.send(message).await.map_err(|_| Gone)
    }
}

/// Leave the registry, so that the next lookup loads the actor's state from the store,
/// and close the mailbox. Messages that arrived meanwhile are dropped unanswered: their
/// senders see the actor gone and ask the registry again. False if the registry no
/// longer held this run.
pub async fn leave_registry<M>(mut inbox: mpsc::Receiver<M>, put_away: PutAway) -> bool {
    let held = put_away();
    inbox.close();
    while inbox.recv().await.is_some() {}
    held
}
