//! The connection before it is seated: it answers `ping`, takes `join` and `resume`
//! (asking the room to seat it) or `join_group` and `resume_group` (asking the group),
//! and refuses everything else with `not_joined`. It leaves the lobby seated in a room
//! or a group ([`Seated`]) or ended ([`Farewell`]).

use super::farewell::Farewell;
use super::incoming::Incoming;
use super::seated::{Seat, Seated};
use super::{Connection, FrameSink, FrameStream};
use crate::actor::{ConnId, ConnectionLink, Frame, Handle};
use crate::app_state::AppState;
use crate::group::{self, GroupEntry, ToGroup};
use crate::guard::Visitor;
use crate::registry::{FindError, LOOKUPS};
use crate::room::{Entrance, Entry, ToRoom};
use crate::storage::NodeName;
use shared::wire::group::GroupClientMessage;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION};
use shared::{ErrorCode, GroupCode, ParticipantId, Rejection, RoomCode};
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<ParticipantId, Rejection>>;

/// Where a knock goes, a room or a group, and how it asks to be seated there.
trait Door: Send + Sync {
    type Message: Send + 'static;
    /// Its actor, from the registry.
    fn find<'a>(
        &'a self,
        app: &'a AppState,
    ) -> impl Future<Output = Result<Handle<Self::Message>, FindError>> + Send + 'a;
    /// The message asking it to seat connection `conn`.
    fn knock(&self, conn: ConnId, link: ConnectionLink, reply: Reply) -> Self::Message;
    /// The one answer for an unknown code and a wrong key or token.
    fn invalid(&self) -> Rejection;
}

/// A door of one kind: its code and entry, the registry's lookup for it, its actor's
/// entering message (the same fields for rooms and groups), its answer to a bad knock.
macro_rules! door {
    ($door:ident, $code:ty, $entry:ty, $message:ident, $find:ident, $invalid:path) => {
        struct $door {
            code: $code,
            entry: $entry,
        }

        impl Door for $door {
            type Message = $message;
            fn find<'a>(
                &'a self,
                app: &'a AppState,
            ) -> impl Future<Output = Result<Handle<$message>, FindError>> + Send + 'a {
                app.registry.$find(&self.code)
            }
            fn knock(&self, conn: ConnId, link: ConnectionLink, reply: Reply) -> $message {
                let entry = self.entry.clone();
                $message::Enter {
                    conn,
                    entry,
                    link,
                    reply,
                }
            }
            fn invalid(&self) -> Rejection {
                $invalid()
            }
        }
    };
}

door!(
    RoomDoor,
    RoomCode,
    Entrance,
    ToRoom,
    find,
    crate::room::invalid_entry
);
door!(
    GroupDoor,
    GroupCode,
    GroupEntry,
    ToGroup,
    find_group,
    group::invalid_entry
);

/// A `join` or `resume`, of a room or a group: the protocol version it speaks, and
/// where it knocks. A member of a group comes to a session's room with their member
/// token: the group says who they are before the room seats them.
enum Knock {
    Room(u32, RoomDoor),
    Group(u32, GroupDoor),
    Member(u32, RoomCode, String),
}

impl Knock {
    /// The knock a message is, or the message back if it is none.
    fn of(message: Incoming) -> Result<Knock, Incoming> {
        Ok(match message {
            Incoming::Room(ClientMessage::Join {
                protocol_version,
                room,
                member_token: Some(token),
                ..
            }) => Knock::Member(protocol_version, room, token),
            Incoming::Room(ClientMessage::Join {
                protocol_version,
                room,
                name,
                observer,
                facilitator_key,
                member_token: None,
            }) => {
                let entry = Entrance::Asked(Entry::Join {
                    name,
                    observer,
                    facilitator_key,
                });
                Knock::Room(protocol_version, RoomDoor { code: room, entry })
            }
            Incoming::Room(ClientMessage::Resume {
                protocol_version,
                room,
                token,
            }) => {
                let entry = Entrance::Asked(Entry::Resume { token });
                Knock::Room(protocol_version, RoomDoor { code: room, entry })
            }
            Incoming::Group(GroupClientMessage::JoinGroup {
                protocol_version,
                group,
                name,
                facilitator_key,
            }) => {
                let entry = GroupEntry::Join {
                    name,
                    facilitator_key,
                };
                Knock::Group(protocol_version, GroupDoor { code: group, entry })
            }
            Incoming::Group(GroupClientMessage::ResumeGroup {
                protocol_version,
                group,
                token,
            }) => {
                let entry = GroupEntry::Resume { token };
                Knock::Group(protocol_version, GroupDoor { code: group, entry })
            }
            other => return Err(other),
        })
    }
}

fn not_joined() -> Rejection {
    Rejection::new(ErrorCode::NotJoined, "join a room or a group first")
}

impl<Si: FrameSink, St: FrameStream> Connection<Si, St> {
    /// Until a `join` or `resume` (of a room or a group) seats the connection.
    pub(super) async fn lobby(&mut self) -> Result<Seated, Farewell> {
        // The frames for this connection. The room or group gets the sender when it
        // seats the connection and holds the only one from then on, so the queue closes
        // when it lets go.
        let (frames, queue) = mpsc::channel(self.app.config.outgoing_queue);
        loop {
            let text = self.next_text(None).await?;
            let message = match self.read(&text) {
                Ok(message) => message,
                Err(refusal) => {
                    self.say(refusal).await?;
                    continue;
                }
            };
            let knock = match Knock::of(message) {
                Ok(knock) => knock,
                Err(other) => {
                    let reply = match other {
                        Incoming::Room(ClientMessage::Ping { nonce }) => self.pong(nonce),
                        Incoming::Room(ClientMessage::Command { id, .. })
                        | Incoming::Group(GroupClientMessage::GroupCommand { id, .. }) => {
                            self.refusal(Some(id), not_joined())
                        }
                        _ => self.refusal(None, not_joined()),
                    };
                    self.say(reply).await?;
                    continue;
                }
            };
            let (app, visitor, conn) = (&self.app, &self.visitor, self.conn);
            // Boxed: awaited inline, the largest of the connection's futures (a join,
            // waiting for the room) would size its task for its whole life
            // (`docs/benchmarks.md`, S3).
            let entered = match knock {
                Knock::Room(version, door) => {
                    Box::pin(enter(app, visitor, conn, version, door, &frames))
                        .await
                        .map(|(room, kicked)| (Seat::Room(room), kicked))
                }
                Knock::Group(version, door) => {
                    Box::pin(enter(app, visitor, conn, version, door, &frames))
                        .await
                        .map(|(group, kicked)| (Seat::Group(group), kicked))
                }
                Knock::Member(version, room, token) => {
                    let member = (room, token);
                    Box::pin(enter_as_member(
                        app, visitor, conn, version, member, &frames,
                    ))
                    .await
                    .map(|(room, kicked)| (Seat::Room(room), kicked))
                }
            };
            match entered {
                Ok((seat, kicked)) => {
                    self.shutdown.heed(kicked);
                    return Ok(Seated { seat, queue });
                }
                Err(NotIn::Refused(rejection)) => {
                    let refusal = self.refusal(None, rejection);
                    self.say(refusal).await?;
                }
                Err(NotIn::Elsewhere(node)) => return Err(Farewell::MovedTo(node.name)),
            }
        }
    }
}

/// Why a knock did not seat the connection.
enum NotIn {
    /// Refused, with the reason the protocol gives.
    Refused(Rejection),
    /// Another live node of the cluster serves it: the connection is sent there.
    Elsewhere(NodeName),
}

impl From<Rejection> for NotIn {
    fn from(rejection: Rejection) -> Self {
        NotIn::Refused(rejection)
    }
}

/// Ask the room or group behind `door` to seat connection `conn`: its handle and how it
/// would drop us, or why not. Free of the connection (it takes what it reads), so that
/// the task stays `Send` without its socket having to be `Sync`.
async fn enter<D: Door>(
    app: &AppState,
    visitor: &Visitor,
    conn: ConnId,
    protocol_version: u32,
    door: D,
    frames: &mpsc::Sender<Frame>,
) -> Result<(Handle<D::Message>, oneshot::Receiver<ByeReason>), NotIn> {
    may_knock(visitor, protocol_version)?;
    let invalid = || {
        visitor.entry_failed();
        door.invalid()
    };
    // A room or group put away the moment this came finds its mailbox closed or drops
    // the request unanswered: look it up again, and the registry loads it anew.
    for _ in 0..LOOKUPS {
        let handle = match door.find(app).await {
            Ok(handle) => handle,
            Err(FindError::Unknown) => return Err(invalid().into()),
            Err(FindError::Moved(node)) => return Err(NotIn::Elsewhere(node)),
            // Refused for now: a later attempt may get in.
            Err(error @ FindError::ServerFull) => return Err(Rejection::from(error).into()),
            Err(error @ FindError::Storage) => {
                // Each try reads and replays it again: count it as a failed entry, so
                // that one address cannot keep the store busy with it.
                visitor.entry_failed();
                return Err(Rejection::from(error).into());
            }
        };
        let (kick, kicked) = oneshot::channel();
        let (reply, answer) = oneshot::channel();
        let link = ConnectionLink {
            frames: frames.clone(),
            kick,
        };
        if handle.send(door.knock(conn, link, reply)).await.is_err() {
            continue;
        }
        return match answer.await {
            Ok(Ok(participant)) => {
                tracing::debug!(participant = %participant, "seated");
                Ok((handle, kicked))
            }
            Ok(Err(rejection)) => {
                if rejection.code == ErrorCode::RoomOrKeyInvalid {
                    visitor.entry_failed();
                }
                Err(rejection.into())
            }
            Err(_) => continue,
        };
    }
    Err(invalid().into())
}

/// Whether a knock may go on: the protocol version spoken, and the address not
/// refused for its failed entries. Asked before anything is looked up, so that a
/// refusal here says nothing about the room or group.
fn may_knock(visitor: &Visitor, protocol_version: u32) -> Result<(), Rejection> {
    if protocol_version != PROTOCOL_VERSION {
        return Err(Rejection::new(
            ErrorCode::UnsupportedVersion,
            format!("this server speaks protocol version {PROTOCOL_VERSION}"),
        ));
    }
    visitor.may_try_entering()
}

/// A member's entry into a session of their group: the room says which group it runs
/// a session of, the group who the member token is, and the room seats that member
/// under a seat token derived from the member token for this room. A room of no group,
/// a token of another group or of a member who left: the answer to a wrong key.
async fn enter_as_member(
    app: &AppState,
    visitor: &Visitor,
    conn: ConnId,
    protocol_version: u32,
    (code, token): (RoomCode, String),
    frames: &mpsc::Sender<Frame>,
) -> Result<(Handle<ToRoom>, oneshot::Receiver<ByeReason>), NotIn> {
    may_knock(visitor, protocol_version)?;
    let member = match app.registry.membership(&code, &token).await {
        Ok(Some(member)) => member,
        Ok(None) | Err(FindError::Unknown) => {
            visitor.entry_failed();
            return Err(crate::room::invalid_entry().into());
        }
        Err(FindError::Moved(node)) => return Err(NotIn::Elsewhere(node)),
        Err(error @ FindError::ServerFull) => return Err(Rejection::from(error).into()),
        Err(error @ FindError::Storage) => {
            // As in `enter`: each try reads the store again.
            visitor.entry_failed();
            return Err(Rejection::from(error).into());
        }
    };
    let token = crate::secrets::member_seat_token(&code, &token);
    let door = RoomDoor {
        code,
        entry: Entrance::Member { member, token },
    };
    enter(app, visitor, conn, protocol_version, door, frames).await
}
