//! A group (`docs/groups.md`): its mailbox ([`GroupHandle`]) and the actor task behind it
//! ([`actor`]), built as a room's is (`crate::actor`): one task changes the group, by
//! the pure rules of [`shared::group`]; every event is durable before anything that
//! rests on it is sent; it is loaded from the store when someone comes to it
//! ([`restore`]) and put away when nobody has been connected for [`Config::idle_room`].
//!
//! [`Config::idle_room`]: crate::config::Config::idle_room

mod actor;
mod restore;
mod sessions;

pub use actor::spawn;
pub use restore::{Replayed, replayed};

use crate::actor::{ConnId, ConnectionLink, Handle};
use shared::group::{GroupCommand, GroupState, SessionSummary};
use shared::state::Role;
use shared::{ErrorCode, ParticipantId, Rejection, RoomCode};
use tokio::sync::oneshot;

/// Who a member token is, for a session of the group: the member's id (their id in
/// every session of the series), their name, and their role in the session's room (the
/// group's facilitator and the member named to run it are its facilitators, any other
/// member a consultant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
}

pub use crate::actor::ClosedSession;

/// The one answer for an unknown group, a wrong key and a wrong token (the same code as
/// a room's, so that a page handles them alike).
pub fn invalid_entry() -> Rejection {
    Rejection::new(
        ErrorCode::RoomOrKeyInvalid,
        "no group with this code, or a wrong key or token",
    )
}

/// A cheap, cloneable way to reach a group.
pub type GroupHandle = Handle<ToGroup>;

/// How someone enters a group: as a new member (`join_group`, the group facilitator's
/// place with its key), or the place a member token opens (`resume_group`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEntry {
    Join {
        name: String,
        facilitator_key: Option<String>,
    },
    Resume {
        token: String,
    },
}

/// The messages a group's actor handles, in the order they arrive.
#[derive(Debug)]
pub enum ToGroup {
    /// Admit a connection. On success the group has already queued `group_joined` and
    /// a snapshot on the link when it answers.
    Enter {
        conn: ConnId,
        entry: GroupEntry,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    },
    Command {
        conn: ConnId,
        id: u64,
        command: GroupCommand,
    },
    /// The connection is gone.
    Leave { conn: ConnId },
    /// The group as the member whose token this is reads it, outside a connection (the
    /// series' calendar file); a token that opens no place gets [`invalid_entry`].
    Read {
        token: String,
        reply: oneshot::Sender<Result<GroupState, Rejection>>,
    },
    /// Who `token` is for session `index`: an active member, or nobody (`None`, for
    /// a wrong token and for a member who left or was removed). Answered once what it
    /// says is durable.
    Identify {
        token: String,
        index: u32,
        reply: oneshot::Sender<Option<Membership>>,
    },
    /// Delete the group, if `key` is its facilitator's: the answer is `None` for a
    /// wrong key; otherwise the group has told its connections `session_deleted`,
    /// stopped, and answers the rooms of its sessions, for the registry to delete with
    /// it (`Write::DeleteGroup`).
    Delete {
        key: String,
        reply: oneshot::Sender<Option<Vec<RoomCode>>>,
    },
    /// The room of one of the group's sessions closed, or was deleted (then with no
    /// summary): record it (once).
    SessionClosed {
        room: RoomCode,
        summary: Option<SessionSummary>,
    },
}
