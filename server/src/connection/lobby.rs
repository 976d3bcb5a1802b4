//! The connection before it is seated: it answers `ping`, takes `join` and `resume`
//! (asking the room to seat it), and refuses everything else with `not_joined`. It
//! leaves the lobby seated in a room ([`Seated`]) or ended ([`Farewell`]).

use super::farewell::Farewell;
use super::seated::Seated;
use super::{Connection, FrameSink, FrameStream};
use crate::app_state::AppState;
use crate::guard::Visitor;
use crate::registry::{FindError, LOOKUPS};
use crate::room::{ConnId, ConnectionLink, Entry, Frame, RoomHandle, ToRoom};
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION};
use shared::{ErrorCode, Rejection, RoomCode};
use tokio::sync::{mpsc, oneshot};

/// What a `join` or `resume` asks: the protocol version it speaks, the room, and how it
/// enters.
struct Knock {
    protocol_version: u32,
    room: RoomCode,
    entry: Entry,
}

impl Knock {
    fn of(message: ClientMessage) -> Option<Knock> {
        match message {
            ClientMessage::Join {
                protocol_version,
                room,
                name,
                observer,
                facilitator_key,
            } => Some(Knock {
                protocol_version,
                room,
                entry: Entry::Join {
                    name,
                    observer,
                    facilitator_key,
                },
            }),
            ClientMessage::Resume {
                protocol_version,
                room,
                token,
            } => Some(Knock {
                protocol_version,
                room,
                entry: Entry::Resume { token },
            }),
            ClientMessage::Ping { .. } | ClientMessage::Command { .. } | ClientMessage::Sync => {
                None
            }
        }
    }
}

fn not_joined() -> Rejection {
    Rejection::new(ErrorCode::NotJoined, "join a room first")
}

impl<Si: FrameSink, St: FrameStream> Connection<Si, St> {
    /// Until a `join` or `resume` seats the connection.
    pub(super) async fn lobby(&mut self) -> Result<Seated, Farewell> {
        // The room's frames for this connection. The room gets the sender when it seats
        // the connection and holds the only one from then on, so the queue closes when
        // the room lets go.
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
            let reply = match message {
                ClientMessage::Ping { nonce } => self.pong(nonce),
                ClientMessage::Command { id, .. } => self.refusal(Some(id), not_joined()),
                ClientMessage::Sync => self.refusal(None, not_joined()),
                knocked => {
                    let Some(knock) = Knock::of(knocked) else {
                        continue;
                    };
                    // Boxed: awaited inline, the largest of the connection's futures (a
                    // join, waiting for the room) would size its task for its whole life
                    // (`docs/benchmarks.md`, S3).
                    let entering = enter(&self.app, &self.visitor, self.conn, knock, &frames);
                    match Box::pin(entering).await {
                        Ok((room, kicked)) => {
                            self.shutdown.heed(kicked);
                            return Ok(Seated { room, queue });
                        }
                        Err(rejection) => self.refusal(None, rejection),
                    }
                }
            };
            self.say(reply).await?;
        }
    }
}

/// Ask the room to seat connection `conn`: the room and how it would drop us, or why
/// not. Free of the connection (it takes what it reads), so that the task stays `Send`
/// without its socket having to be `Sync`.
async fn enter(
    app: &AppState,
    visitor: &Visitor,
    conn: ConnId,
    knock: Knock,
    frames: &mpsc::Sender<Frame>,
) -> Result<(RoomHandle, oneshot::Receiver<ByeReason>), Rejection> {
    let Knock {
        protocol_version,
        room: code,
        entry,
    } = knock;
    if protocol_version != PROTOCOL_VERSION {
        return Err(Rejection::new(
            ErrorCode::UnsupportedVersion,
            format!("this server speaks protocol version {PROTOCOL_VERSION}"),
        ));
    }
    // Before the room is looked up: a refusal here says nothing about the room.
    visitor.may_try_entering()?;
    let invalid = || {
        visitor.entry_failed();
        Rejection::new(
            ErrorCode::RoomOrKeyInvalid,
            "no session with this code, or a wrong key",
        )
    };
    // A room put away the moment this came finds its mailbox closed or drops the
    // request unanswered: look it up again, and the registry loads it anew.
    for _ in 0..LOOKUPS {
        let room = match app.registry.find(&code).await {
            Ok(room) => room,
            Err(FindError::Unknown) => return Err(invalid()),
            // Refused for now: a later attempt may get in.
            Err(error @ FindError::ServerFull) => return Err(error.into()),
            Err(error @ FindError::Storage) => {
                // Each try reads and replays the session again: count it as a failed
                // entry, so that one address cannot keep the store busy with it.
                visitor.entry_failed();
                return Err(error.into());
            }
        };
        let (kick, kicked) = oneshot::channel();
        let (reply, answer) = oneshot::channel();
        let message = ToRoom::Enter {
            conn,
            entry: entry.clone(),
            link: ConnectionLink {
                frames: frames.clone(),
                kick,
            },
            reply,
        };
        if room.send(message).await.is_err() {
            continue;
        }
        return match answer.await {
            Ok(Ok(participant)) => {
                tracing::debug!(room = %code, participant = %participant, "seated");
                Ok((room, kicked))
            }
            Ok(Err(rejection)) => {
                if rejection.code == ErrorCode::RoomOrKeyInvalid {
                    visitor.entry_failed();
                }
                Err(rejection)
            }
            Err(_) => continue,
        };
    }
    Err(invalid())
}
