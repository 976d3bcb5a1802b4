//! The connection once seated in a room or a group: commands of its kind go there (a
//! room's `command` and `sync` to a room, a `group_command` to a group), what it queues
//! goes out, a second `join` or `resume` of either kind is refused, and so is the other
//! kind's command, until the connection ends.

use super::farewell::Farewell;
use super::incoming::Incoming;
use super::{Connection, FrameSink, FrameStream};
use crate::actor::{ConnId, Frame};
use crate::group::{GroupHandle, ToGroup};
use crate::room::{RoomHandle, ToRoom};
use shared::wire::ClientMessage;
use shared::wire::group::GroupClientMessage;
use shared::{ErrorCode, Rejection};
use tokio::sync::mpsc;

/// Where a connection is seated: a room or a group, never both.
pub enum Seat {
    Room(RoomHandle),
    Group(GroupHandle),
}

/// A seated connection's room or group, and the queue of frames it writes for it.
pub struct Seated {
    pub seat: Seat,
    pub queue: mpsc::Receiver<Frame>,
}

impl Seated {
    /// Tell the room or group the connection is gone, and stop taking its frames.
    pub async fn leave(self, conn: ConnId) {
        let Seated { seat, queue } = self;
        let _ = match seat {
            Seat::Room(room) => room.send(ToRoom::Leave { conn }).await,
            Seat::Group(group) => group.send(ToGroup::Leave { conn }).await,
        };
        drop(queue);
    }
}

fn gone() -> Rejection {
    Rejection::new(ErrorCode::SessionClosed, "the session is gone")
}

impl<Si: FrameSink, St: FrameStream> Connection<Si, St> {
    /// Until the connection ends: what it ends with.
    pub(super) async fn seated(&mut self, seated: &mut Seated) -> Farewell {
        loop {
            let text = match self.next_text(Some(&mut seated.queue)).await {
                Ok(text) => text,
                Err(farewell) => return farewell,
            };
            let conn = self.conn;
            let reply = match (self.read(&text), &seated.seat) {
                (Err(refusal), _) => Some(refusal),
                (Ok(Incoming::Room(ClientMessage::Ping { nonce })), _) => Some(self.pong(nonce)),
                (
                    Ok(
                        Incoming::Room(ClientMessage::Join { .. } | ClientMessage::Resume { .. })
                        | Incoming::Group(
                            GroupClientMessage::JoinGroup { .. }
                            | GroupClientMessage::ResumeGroup { .. },
                        ),
                    ),
                    _,
                ) => Some(self.refusal(
                    None,
                    Rejection::new(
                        ErrorCode::AlreadyJoined,
                        "this connection has already joined",
                    ),
                )),
                (Ok(Incoming::Room(ClientMessage::Command { id, command })), Seat::Room(room)) => {
                    let sent = room.send(ToRoom::Command { conn, id, command });
                    sent.await.err().map(|_| self.refusal(Some(id), gone()))
                }
                (Ok(Incoming::Room(ClientMessage::Sync)), Seat::Room(room)) => {
                    let _ = room.send(ToRoom::Sync { conn }).await;
                    None
                }
                (
                    Ok(Incoming::Group(GroupClientMessage::GroupCommand { id, command })),
                    Seat::Group(group),
                ) => {
                    let sent = group.send(ToGroup::Command { conn, id, command });
                    sent.await.err().map(|_| self.refusal(Some(id), gone()))
                }
                // The other kind's command: this connection is not in one of those.
                (Ok(Incoming::Room(ClientMessage::Command { id, .. })), Seat::Group(_))
                | (
                    Ok(Incoming::Group(GroupClientMessage::GroupCommand { id, .. })),
                    Seat::Room(_),
                ) => Some(self.refusal(Some(id), elsewhere())),
                (Ok(Incoming::Room(ClientMessage::Sync)), Seat::Group(_)) => {
                    Some(self.refusal(None, elsewhere()))
                }
            };
            if let Some(reply) = reply
                && let Err(farewell) = self.say(reply).await
            {
                return farewell;
            }
        }
    }
}

/// A room's message on a connection seated in a group, or the other way round.
fn elsewhere() -> Rejection {
    Rejection::new(
        ErrorCode::NotJoined,
        "this connection is in a room or a group, not the other",
    )
}
