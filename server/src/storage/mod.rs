//! Where rooms outlive the process.
//!
//! A room is stored as what it was created with and the numbered list of its events,
//! each with who caused it and by which command: replaying the events with
//! [`shared::Room::apply`] gives back the room exactly, note authorship included, and the
//! (participant, command id, sequence number) of each event gives back the answers
//! already sent, so a command re-sent after a crash is still applied once.
//!
//! Everything goes through one small trait, [`Store`]: [`sqlite::SqliteStore`] is the
//! embedded default, [`memory::MemoryStore`] serves tests that want no disk, and
//! [`postgres::PostgresStore`] lets several server nodes share one database, each room or
//! group owned by one node at a time ([`Claim`], `docs/cluster.md`). Room actors never
//! call a store: they queue [`Write`]s on the [`journal::Journal`], whose one writer
//! thread commits whatever is queued in one transaction and tells each room how far its
//! events are durable, or that another node owns it now. See `docs/storage.md`.

#[cfg(test)]
pub(crate) mod conformance;
pub mod health;
pub mod journal;
pub mod memory;
pub mod migrations;
pub mod postgres;
pub mod sqlite;

use crate::secrets::Digest;
use shared::group::GroupEvent;
use shared::state::Language;
use shared::{Event, GroupCode, Millis, ParticipantId, RoomCode};
use std::future::Future;
use std::pin::Pin;

pub use health::{StorageHealth, StorageStatus};
pub use journal::Journal;
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// What a store's methods return: a boxed future, so that `dyn Store` works.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the writer's own connection (see [`sqlite`]).
    #[error("database error: {0}")]
    Write(#[from] rusqlite::Error),
    #[error("the database is closed")]
    Closed,
    /// Work on the writer's connection, run off the async runtime, did not finish.
    #[error("database work stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data this version cannot read (written by a newer version, or damaged).
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
}

/// The durable part of a room: everything needed to rebuild it.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Make `writes` durable, in order, all or none. When this returns `Ok`, they survive
    /// a crash of the process (and, for SQLite, of the machine).
    ///
    /// It blocks until then: it is called on the journal's own thread, where waiting
    /// for the disk holds up nothing else, and where a store that runs in that thread
    /// (SQLite) hands nothing to another thread and back. A store with an async driver
    /// (PostgreSQL through sqlx) would wait for its future there with
    /// `tokio::runtime::Handle::block_on`.
    ///
    /// A store shared by several nodes writes nothing for a room or group this node no
    /// longer owns (another node claimed it, [`Store::claim`]) and names it in
    /// [`Committed::lost`]; the other writes of the batch are made all the same.
    fn commit(&self, writes: &[Write]) -> Result<Committed, StoreError>;

    /// Whether other server nodes share this store (PostgreSQL): a new room or group is
    /// then left to the node its first connection reaches, and nobody holds it until
    /// then. With one node, its creator holds it at once.
    fn is_shared(&self) -> bool {
        false
    }

    /// Make this node the owner of a room or group before loading it, unless another
    /// live node owns it. A store of one node grants every claim.
    fn claim(&self, _owned: &Owned) -> StoreFuture<'_, Claim> {
        Box::pin(async {
            Ok(Claim::Granted {
                epoch: 0,
                took_over: false,
            })
        })
    }

    /// One stored room with its seats and its events in sequence order, or `None` if
    /// no room has this code. Rooms are loaded one at a time, when someone comes to one
    /// (`crate::registry`): a server holds in memory only the sessions in use.
    fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>>;

    /// Every stored room, in order of creation (for tests and tools; the server itself
    /// loads rooms one at a time).
    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>>;

    /// Up to `limit` rooms past retention: closed before `before`, or never closed and
    /// created before it. Oldest first (then by code), after the first `skip` of them.
    fn expired(&self, before: Millis, skip: usize, limit: usize) -> StoreFuture<'_, Vec<RoomCode>>;

    /// One stored group with its members' tokens and its events in sequence order, or
    /// `None` if no group has this code (`docs/groups.md`).
    fn load_group(&self, code: &GroupCode) -> StoreFuture<'_, Option<StoredGroup>>;

    /// Up to `limit` groups past retention, each with the rooms of its sessions: groups
    /// with no session running (no room of theirs stored and not closed) whose last
    /// session closed before `before` (or, with none closed, created before it). Oldest
    /// first (then by code), after the first `skip` of them.
    fn expired_groups(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> StoreFuture<'_, Vec<(GroupCode, Vec<RoomCode>)>>;
}

/// What one node of a cluster owns at a time (`docs/cluster.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owned {
    Room(RoomCode),
    Group(GroupCode),
}

impl std::fmt::Display for Owned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owned::Room(code) => write!(f, "room {code}"),
            Owned::Group(code) => write!(f, "group {code}"),
        }
    }
}

/// How a store answers a node's claim on a room or group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This node owns it now, at this `epoch` (one more than the previous owner's),
    /// taken from another node whose lease had lapsed if `took_over`.
    Granted { epoch: u64, took_over: bool },
    /// Another node, whose lease is running, owns it: it is served there. If that node
    /// has stopped renewing its lease (it missed renewals: it is probably gone), its
    /// lease lapses in `lapses_in`, after which a claim takes the room over.
    Held {
        by: NodeName,
        lapses_in: Option<std::time::Duration>,
    },
}

/// How a node of a cluster is named to others: its id (new at every start), the name
/// the proxy in front knows it by, and the address it serves on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeName {
    pub id: String,
    pub name: String,
    pub address: String,
}

/// Whose writes these are: the room or group they are for, and the epoch of the fence
/// they came under, if they came under one (`Write::Fence`).
pub type WriterOf = (Owned, Option<u64>);

/// What a commit did besides writing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// Rooms and groups it wrote nothing for, this node no longer holding them: with
    /// the epoch of the fence their writes came under, if they came under one.
    pub lost: Vec<WriterOf>,
}

/// A change to what is stored.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    CreateRoom(NewRoom),
    /// A participant's seat: their resume token's digest.
    AddSeat {
        room: RoomCode,
        participant: ParticipantId,
        token: Digest,
    },
    AppendEvent {
        room: RoomCode,
        event: StoredEvent,
    },
    /// Forget the room and everything about it.
    DeleteRoom {
        room: RoomCode,
    },
    CreateGroup(NewGroup),
    /// A group member's personal token: its digest.
    AddGroupMember {
        group: GroupCode,
        member: ParticipantId,
        token: Digest,
    },
    AppendGroupEvent {
        group: GroupCode,
        event: StoredEvent<GroupEvent>,
    },
    /// Forget the group and everything about it, the rooms of its sessions with all
    /// that is stored about them included.
    DeleteGroup {
        group: GroupCode,
    },
    /// This node no longer holds the room or group it claimed at `epoch` (put away):
    /// another node may load it at once. Nothing for a store of one node.
    Release {
        owned: Owned,
        epoch: u64,
    },
    /// The writes after it (up to the next fence) are those of the actor that loaded
    /// `owned` at `epoch`: they are made only while the node still holds it at that
    /// epoch, so that an actor superseded by a newer claim, even on the same node,
    /// writes nothing more. Nothing for a store of one node.
    Fence {
        owned: Owned,
        epoch: u64,
    },
}

impl Write {
    /// The room or group this write changes and that the node must own to make it:
    /// none for a creation (a new room or group is its creator's), nor for a release,
    /// which names its own epoch and is never reported lost.
    pub fn owner(&self) -> Option<Owned> {
        match self {
            Write::CreateRoom(_) | Write::CreateGroup(_) => None,
            Write::AddSeat { room, .. }
            | Write::AppendEvent { room, .. }
            | Write::DeleteRoom { room } => Some(Owned::Room(room.clone())),
            Write::AddGroupMember { group, .. }
            | Write::AppendGroupEvent { group, .. }
            | Write::DeleteGroup { group } => Some(Owned::Group(group.clone())),
            Write::Release { .. } | Write::Fence { .. } => None,
        }
    }
}

/// What a group is created with, before any event.
#[derive(Clone, Debug, PartialEq)]
pub struct NewGroup {
    pub code: GroupCode,
    pub name: String,
    pub created_at: Millis,
    pub facilitator_key: Digest,
}

/// A group as loaded from the store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredGroup {
    pub group: NewGroup,
    pub members: Vec<(ParticipantId, Digest)>,
    pub events: Vec<StoredEvent<GroupEvent>>,
}

/// What a room is created with, before any event.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRoom {
    pub code: RoomCode,
    pub title: String,
    pub language: Language,
    pub created_at: Millis,
    pub facilitator_key: Digest,
    /// The group session it runs, if it runs one.
    pub group: Option<SessionOf>,
    /// A single session's own video-call link (a group's session shows its group's).
    pub call_link: Option<String>,
}

/// The session of a group that a room runs: the group, and the session's place in its
/// series (`docs/groups.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOf {
    pub group: GroupCode,
    pub index: u32,
}

/// One event of a room's log (or, with `E` a [`GroupEvent`], of a group's).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent<E = Event> {
    /// The room's (or group's) sequence number: 1, 2, 3… without gaps.
    pub seq: u64,
    /// Server time when it happened.
    pub at: Millis,
    /// Who sent the command that caused it (none for joins, presence, expiries).
    pub actor: Option<ParticipantId>,
    /// The id of that command, as the sender numbered it.
    pub command_id: Option<u64>,
    pub event: E,
}

/// A room as loaded from the store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRoom {
    pub room: NewRoom,
    /// When the session was closed, if it was (also the last event's business; kept
    /// on the room for retention queries).
    pub closed_at: Option<Millis>,
    pub seats: Vec<(ParticipantId, Digest)>,
    pub events: Vec<StoredEvent>,
}

pub(crate) fn language_name(language: Language) -> &'static str {
    match language {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

pub(crate) fn language_from_name(name: &str) -> Result<Language, StoreError> {
    match name {
        "fr" => Ok(Language::Fr),
        "en" => Ok(Language::En),
        other => Err(StoreError::Corrupt(format!("unknown language {other:?}"))),
    }
}
