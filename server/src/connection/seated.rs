//! The connection once seated in a room: commands and `sync` go to the room, what the
//! room queues goes out, a second `join` or `resume` is refused, until the connection
//! ends.

use super::farewell::Farewell;
use super::{Connection, FrameSink, FrameStream};
use crate::room::{ConnId, Frame, RoomHandle, ToRoom};
use shared::wire::ClientMessage;
use shared::{ErrorCode, Rejection};
use tokio::sync::mpsc;

/// A seated connection's room, and the queue of frames the room writes for it.
pub struct Seated {
    pub room: RoomHandle,
    pub queue: mpsc::Receiver<Frame>,
}

impl Seated {
    /// Tell the room the connection is gone, and stop taking its frames.
    pub async fn leave(self, conn: ConnId) {
        let Seated { room, queue } = self;
        let _ = room.send(ToRoom::Leave { conn }).await;
        drop(queue);
    }
}

impl<Si: FrameSink, St: FrameStream> Connection<Si, St> {
    /// Until the connection ends: what it ends with.
    pub(super) async fn seated(&mut self, seated: &mut Seated) -> Farewell {
        loop {
            let text = match self.next_text(Some(&mut seated.queue)).await {
                Ok(text) => text,
                Err(farewell) => return farewell,
            };
            let reply = match self.read(&text) {
                Err(refusal) => Some(refusal),
                Ok(ClientMessage::Ping { nonce }) => Some(self.pong(nonce)),
                Ok(ClientMessage::Join { .. } | ClientMessage::Resume { .. }) => {
                    Some(self.refusal(
                        None,
                        Rejection::new(
                            ErrorCode::AlreadyJoined,
                            "this connection has already joined",
                        ),
                    ))
                }
                Ok(ClientMessage::Command { id, command }) => {
                    let conn = self.conn;
                    let sent = seated.room.send(ToRoom::Command { conn, id, command });
                    sent.await.err().map(|_| {
                        let gone = Rejection::new(ErrorCode::SessionClosed, "the session is gone");
                        self.refusal(Some(id), gone)
                    })
                }
                Ok(ClientMessage::Sync) => {
                    let _ = seated.room.send(ToRoom::Sync { conn: self.conn }).await;
                    None
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
