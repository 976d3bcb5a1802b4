//! A room: its mailbox ([`RoomHandle`]) and the actor task behind it ([`actor`]).
//!
//! Connections talk to a room only through [`ToRoom`] messages; the room talks back only
//! through each connection's bounded queue of ready-to-send frames ([`ConnectionLink`]).
//!
//! A room nobody is connected to puts itself away after a while ([`PutAway`](crate::actor::PutAway)): it
//! leaves the registry, closes its mailbox and stops. Whoever held its handle then finds
//! it gone ([`RoomGone`], or an answer that never comes) and asks the registry again,
//! which loads the room from the store.

mod actor;
mod restore;

pub use crate::actor::{ConnId, ConnectionLink, Context, Frame, Gone as RoomGone, Registration};
pub use actor::spawn;
pub use restore::restore;

use crate::actor::Handle;
use crate::group::Membership;
use crate::storage::SessionOf;
pub use shared::wire::Entry;
use shared::{Command, ParticipantId, Rejection};
use tokio::sync::oneshot;

/// How a connection enters a room: as it asked (`join`, `resume`), or, in a session of
/// a group, as the member the group's actor said its member token is, under the seat
/// token derived for this room (`docs/groups.md`, "Seating by membership").
#[derive(Clone, Debug)]
pub enum Entrance {
    Asked(Entry),
    Member { member: Membership, token: String },
}

/// The one answer for an unknown room, a wrong key and a wrong token.
pub fn invalid_entry() -> Rejection {
    Rejection::new(
        shared::ErrorCode::RoomOrKeyInvalid,
        "no session with this code, or a wrong key",
    )
}

/// A cheap, cloneable way to reach a room.
pub type RoomHandle = Handle<ToRoom>;

/// The messages a room's actor handles, in the order they arrive.
#[derive(Debug)]
pub enum ToRoom {
    /// Admit a connection. On success the room has already queued `joined` and a
    /// snapshot on the link when it answers.
    Enter {
        conn: ConnId,
        entry: Entrance,
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
    /// The group session it runs, if any (for the server only: a page is not told).
    pub group: Option<SessionOf>,
}
