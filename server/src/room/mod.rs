//! A room: its mailbox ([`RoomHandle`]) and the actor task behind it ([`actor`]).
//!
//! Connections talk to a room only through [`ToRoom`] messages; the room talks back only
//! through each connection's bounded queue of ready-to-send frames ([`ConnectionLink`]).
//!
//! A room nobody is connected to puts itself away after a while ([`PutAway`]): it
//! leaves the registry, closes its mailbox and stops. Whoever held its handle then finds
//! it gone ([`RoomGone`], or an answer that never comes) and asks the registry again,
//! which loads the room from the store.

mod actor;
mod attendance;
mod durability;
mod restore;
mod seats;

pub use actor::{Context, Registration, spawn};
pub use restore::restore;

use axum::extract::ws::Utf8Bytes;
use shared::wire::ByeReason;
pub use shared::wire::Entry;
use shared::{Command, ParticipantId, Rejection};
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

/// How a room reaches one connection: frames to write, and a way to end it.
#[derive(Debug)]
pub struct ConnectionLink {
    /// Serialized frames, shared between recipients (one encoding per event).
    pub frames: mpsc::Sender<Frame>,
    /// Told once if the room drops this connection (too slow, say).
    pub kick: oneshot::Sender<ByeReason>,
}

/// The messages a room's actor handles, in the order they arrive.
#[derive(Debug)]
pub enum ToRoom {
    /// Admit a connection. On success the room has already queued `joined` and a
    /// snapshot on the link when it answers.
    Enter {
        conn: ConnId,
        entry: Entry,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    },
    Command {
        conn: ConnId,
        id: u64,
        command: Command,
    },
    /// Send this connection a fresh snapshot.
    Sync { conn: ConnId },
    /// The connection is gone.
    Leave { conn: ConnId },
    /// Say what anyone holding the room's code may know before entering: its title and
    /// whether it takes newcomers. Answered once what it says is durable.
    Describe { reply: oneshot::Sender<Description> },
    /// Delete the room and everything stored about it, if `key` is the facilitator's.
    /// The answer is `None` for a wrong key; otherwise the room has told its
    /// connections, stopped, and queued the deletion, and the receiver fires once the
    /// deletion is durable.
    Delete {
        key: String,
        reply: oneshot::Sender<Option<oneshot::Receiver<()>>>,
    },
}

/// What an invite link's page shows before asking for a name: nothing a visitor with
/// the code could not see by joining as an observer, and nothing secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    pub title: String,
    /// Whether newcomers may join (the session is not closed).
    pub open: bool,
}

/// One run of a room's actor: a room put away and loaded again is a new instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomInstance(u64);

impl RoomInstance {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RoomInstance(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What an idle room calls to leave the registry before it stops: true if the registry
/// still held this instance (and now does not).
pub type PutAway = Box<dyn FnOnce() -> bool + Send>;

/// A cheap, cloneable way to reach a room.
#[derive(Clone, Debug)]
pub struct RoomHandle {
    mailbox: mpsc::Sender<ToRoom>,
    instance: RoomInstance,
}

impl RoomHandle {
    /// Whether two handles reach the same room.
    pub fn same_room(&self, other: &RoomHandle) -> bool {
        self.mailbox.same_channel(&other.mailbox)
    }

    /// Which run of the room's actor this handle reaches.
    pub fn instance(&self) -> RoomInstance {
        self.instance
    }
}

/// The room's actor has stopped: the room was deleted, or put away (the registry loads
/// it again on the next lookup).
#[derive(Debug, thiserror::Error)]
#[error("the room is gone")]
pub struct RoomGone;

impl RoomHandle {
    /// Queue a message for the room, waiting if its mailbox is full: a connection that
    /// floods its room slows only itself.
    pub async fn send(&self, message: ToRoom) -> Result<(), RoomGone> {
        self.mailbox.send(message).await.map_err(|_| RoomGone)
    }
}
