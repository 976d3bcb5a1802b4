//! One WebSocket connection: frames in, frames out, nothing else.
//!
//! The task reads the socket, turns each text frame into a [`ClientMessage`] and hands it
//! to the room; it writes whatever the room queued for it. Bad frames get a typed
//! rejection and the connection carries on. It holds no room state: only which room and
//! seat it belongs to once it has joined.
//!
//! It also enforces what is owed per connection before anything reaches a room
//! ([`crate::guard`]): the frame rate (over it, `rate_limited`; flooding on, `bye` with
//! `abuse`), the frame size (over `max_frame_bytes`, `frame_too_large`; over the hard
//! limit, `frame_too_large` and close), and the pace of failed entries from its address.
//! How it ends, when the server ends it, is [`farewell`]'s business.

mod farewell;

use crate::app_state::AppState;
use crate::frames;
use crate::guard::{Admit, Visitor, flood};
use crate::registry::{FindError, LOOKUPS};
use crate::room::{ConnId, ConnectionLink, Entry, Frame, RoomHandle, ToRoom};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use farewell::Farewell;
use futures_util::{SinkExt, StreamExt};
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{ErrorCode, ParticipantId, Rejection, RoomCode};
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Where the connection stands.
enum Seat {
    /// Not in a room yet: only join and resume make sense.
    Lobby,
    /// In a room, holding a participant's seat.
    Seated(RoomHandle),
}

/// What woke the connection up.
enum Wake {
    Incoming(Option<Result<Message, axum::Error>>),
    Outgoing(Frame),
    Kicked(Option<ByeReason>),
    Stopping,
}

/// A refusal frame, counted in the metrics by its code.
fn rejected(app: &AppState, id: Option<u64>, rejection: Rejection) -> Message {
    Message::Text(frames::refusal(&app.config.metrics, id, rejection))
}

/// Serve one upgraded socket until it closes.
pub async fn serve(socket: WebSocket, app: AppState, visitor: Visitor) {
    let conn = ConnId::next();
    let _open = app.config.metrics.connection_opened();
    let mut rate = visitor.command_rate();
    let (mut sink, mut stream) = socket.split();
    let (frames_tx, mut frames_rx) = mpsc::channel::<Frame>(app.config.outgoing_queue);
    let mut frames_tx = Some(frames_tx);
    let mut seat = Seat::Lobby;
    // Fires once when the server stops. Made once, not per wake-up: every connection's
    // waiting registers on the one shared watch, under its lock.
    let mut stopping = app.stopping.clone();
    let stopping = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let mut stopping = std::pin::pin!(stopping);

    // Told by the room if it drops this connection; pending until seated.
    let mut kicked: Option<oneshot::Receiver<ByeReason>> = None;

    let farewell = loop {
        let wake = tokio::select! {
            incoming = stream.next() => Wake::Incoming(incoming),
            Some(out) = frames_rx.recv() => Wake::Outgoing(out),
            reason = async {
                match kicked.as_mut() {
                    Some(kicked) => kicked.await.ok(),
                    None => std::future::pending().await,
                }
            } => Wake::Kicked(reason),
            _ = stopping.as_mut() => Wake::Stopping,
        };
        if let Wake::Incoming(Some(Ok(message))) = &wake {
            match rate.admit(message, app.config.clock.now()) {
                Admit::Yes => {}
                Admit::Refuse { id, rejection } => {
                    let written = sink.send(rejected(&app, id, rejection));
                    if let Err(farewell) =
                        write_or_leave(written, &mut kicked, stopping.as_mut()).await
                    {
                        break farewell;
                    }
                    continue;
                }
                Admit::Disconnect => {
                    tracing::info!(addr = %visitor.addr, "connection dropped for abuse");
                    break Farewell::Bye(ByeReason::Abuse);
                }
            }
        }
        let text = match wake {
            Wake::Incoming(Some(Ok(Message::Text(text)))) => text,
            Wake::Incoming(Some(Ok(Message::Binary(bytes)))) => {
                let max = app.config.max_frame_bytes;
                let refusal = if bytes.len() > max {
                    flood::too_large(max)
                } else {
                    Rejection::new(ErrorCode::Malformed, "frames are JSON text")
                };
                let refusal = rejected(&app, None, refusal);
                // Like every answer, the write gives way if the room drops us meanwhile.
                let written = sink.send(refusal);
                if let Err(farewell) = write_or_leave(written, &mut kicked, stopping.as_mut()).await
                {
                    break farewell;
                }
                continue;
            }
            // Pings are answered by the WebSocket layer.
            Wake::Incoming(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Wake::Incoming(Some(Ok(Message::Close(_))) | None) => break Farewell::Silent,
            // The stream cannot be read on: a frame over the hard limit, a text frame
            // that is not UTF-8 (both said before closing), or a broken socket.
            Wake::Incoming(Some(Err(error))) => {
                tracing::debug!(%error, "connection error");
                break Farewell::after(&error, app.config.frame_hard_limit_bytes);
            }
            Wake::Outgoing(out) => {
                let written = write_queued(&mut sink, out, &mut frames_rx);
                if let Err(farewell) = write_or_leave(written, &mut kicked, stopping.as_mut()).await
                {
                    break farewell;
                }
                continue;
            }
            // A room that lets go without a reason is gone.
            Wake::Kicked(reason) => {
                break Farewell::Bye(reason.unwrap_or(ByeReason::SessionDeleted));
            }
            Wake::Stopping => break Farewell::Bye(ByeReason::ShuttingDown),
        };
        // Boxed: awaited inline, the largest of its futures (a join, waiting for the room)
        // would size every connection's task for the whole connection's life; boxed, it
        // costs an allocation per frame received and 0.25 KiB less per connection (S3).
        let (reply, seated) = Box::pin(handle_text(
            &text,
            conn,
            &app,
            &visitor,
            &seat,
            &mut frames_tx,
        ))
        .await;
        if let Some((room, kick)) = seated {
            seat = Seat::Seated(room);
            kicked = Some(kick);
        }
        if let Some(reply) = reply
            && let Err(farewell) =
                write_or_leave(sink.send(reply), &mut kicked, stopping.as_mut()).await
        {
            break farewell;
        }
    };

    // The room lets go first: nothing more is queued for a connection on its way out,
    // and the others see it leave without waiting for its goodbye.
    if let Seat::Seated(room) = seat {
        let _ = room.send(ToRoom::Leave { conn }).await;
    }
    drop(frames_rx);
    // Boxed: it runs once, at the end, and would otherwise size the task for its life.
    Box::pin(farewell::part(sink, stream, farewell, &app.config.metrics)).await;
    // The address's slot is free before the connection stops being counted (`_open`
    // goes at the very end), so whoever sees the count fall finds the slot free.
    drop(visitor);
}

/// A room just seated this connection: the room, and how it would drop us.
type Seated = (RoomHandle, oneshot::Receiver<ByeReason>);

/// Act on one text frame: the answer, if the connection itself answers, and the room
/// if the frame seated the connection.
async fn handle_text(
    text: &str,
    conn: ConnId,
    app: &AppState,
    visitor: &Visitor,
    seat: &Seat,
    frames_tx: &mut Option<mpsc::Sender<Frame>>,
) -> (Option<Message>, Option<Seated>) {
    let max = app.config.max_frame_bytes;
    if text.len() > max {
        let refusal = flood::too_large(max);
        return (Some(rejected(app, flood::command_id(text), refusal)), None);
    }
    let message: ClientMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(error) => {
            let refusal = Rejection::new(ErrorCode::Malformed, format!("not a message: {error}"));
            return (Some(rejected(app, None, refusal)), None);
        }
    };
    let reply = match (message, seat) {
        (ClientMessage::Ping { nonce }, _) => {
            Some(Message::Text(frames::encode(&ServerMessage::Pong {
                nonce,
                server_time: app.config.clock.now(),
            })))
        }
        (
            ClientMessage::Join {
                protocol_version,
                room,
                name,
                observer,
                facilitator_key,
            },
            Seat::Lobby,
        ) => {
            let entry = Entry::New {
                name,
                observer,
                facilitator_key,
            };
            return enter(protocol_version, room, entry, conn, app, visitor, frames_tx).await;
        }
        (
            ClientMessage::Resume {
                protocol_version,
                room,
                token,
            },
            Seat::Lobby,
        ) => {
            let entry = Entry::Resume { token };
            return enter(protocol_version, room, entry, conn, app, visitor, frames_tx).await;
        }
        (ClientMessage::Join { .. } | ClientMessage::Resume { .. }, Seat::Seated(_)) => {
            Some(rejected(
                app,
                None,
                Rejection::new(
                    ErrorCode::AlreadyJoined,
                    "this connection has already joined",
                ),
            ))
        }
        (ClientMessage::Command { id, .. }, Seat::Lobby) => Some(rejected(
            app,
            Some(id),
            Rejection::new(ErrorCode::NotJoined, "join a room first"),
        )),
        (ClientMessage::Sync, Seat::Lobby) => Some(rejected(
            app,
            None,
            Rejection::new(ErrorCode::NotJoined, "join a room first"),
        )),
        (ClientMessage::Command { id, command }, Seat::Seated(room)) => room
            .send(ToRoom::Command { conn, id, command })
            .await
            .err()
            .map(|_| {
                rejected(
                    app,
                    Some(id),
                    Rejection::new(ErrorCode::SessionClosed, "the session is gone"),
                )
            }),
        (ClientMessage::Sync, Seat::Seated(room)) => {
            let _ = room.send(ToRoom::Sync { conn }).await;
            None
        }
    };
    (reply, None)
}

/// Ask a room to seat this connection.
async fn enter(
    protocol_version: u32,
    code: RoomCode,
    entry: Entry,
    conn: ConnId,
    app: &AppState,
    visitor: &Visitor,
    frames_tx: &mut Option<mpsc::Sender<Frame>>,
) -> (Option<Message>, Option<Seated>) {
    if protocol_version != PROTOCOL_VERSION {
        let refusal = Rejection::new(
            ErrorCode::UnsupportedVersion,
            format!("this server speaks protocol version {PROTOCOL_VERSION}"),
        );
        return (Some(rejected(app, None, refusal)), None);
    }
    // Before the room is looked up: a refusal here says nothing about the room.
    if let Err(refusal) = visitor.may_try_entering() {
        return (Some(rejected(app, None, refusal)), None);
    }
    let invalid = || {
        visitor.entry_failed();
        let refusal = Rejection::new(
            ErrorCode::RoomOrKeyInvalid,
            "no session with this code, or a wrong key",
        );
        (Some(rejected(app, None, refusal)), None)
    };
    // Refused for now: a later attempt may get in.
    let not_now = |error: FindError| (Some(rejected(app, None, error.into())), None);
    // A room put away the moment this came finds its mailbox closed or drops the
    // request unanswered: look it up again, and the registry loads it anew.
    for _ in 0..LOOKUPS {
        let room = match app.registry.find(&code).await {
            Ok(room) => room,
            Err(FindError::Unknown) => return invalid(),
            Err(error @ FindError::ServerFull) => return not_now(error),
            Err(error @ FindError::Storage) => {
                // Each try reads and replays the session again: count it as a failed
                // entry, so that one address cannot keep the store busy with it.
                visitor.entry_failed();
                return not_now(error);
            }
        };
        let Some(frames) = frames_tx.clone() else {
            return invalid();
        };
        let (kick, kicked) = oneshot::channel();
        let (reply, answer) = oneshot::channel();
        let message = ToRoom::Enter {
            conn,
            entry: entry.clone(),
            link: ConnectionLink { frames, kick },
            reply,
        };
        if room.send(message).await.is_err() {
            continue;
        }
        return match answer.await {
            Ok(Ok(participant)) => {
                log_seated(&code, &participant);
                // The room holds the only sender now, so the queue closes when the room
                // lets go.
                *frames_tx = None;
                (None, Some((room, kicked)))
            }
            Ok(Err(rejection)) => {
                if rejection.code == ErrorCode::RoomOrKeyInvalid {
                    visitor.entry_failed();
                }
                (Some(rejected(app, None, rejection)), None)
            }
            Err(_) => continue,
        };
    }
    invalid()
}

fn log_seated(room: &RoomCode, participant: &ParticipantId) {
    tracing::debug!(room = %room, participant = %participant, "seated");
}

/// Bytes read from the socket at once: commands are a few hundred bytes, and the buffer
/// is zero-filled before every read and kept for the connection's lifetime (axum's
/// 128 KiB default cost far more: `docs/benchmarks.md`, S1 and S3).
pub const READ_BUFFER: usize = 1024;
/// Bytes of frames gathered before they are written mid-batch (a batch is flushed at
/// its end anyway, see [`write_queued`]). Small, because the buffer keeps its largest
/// size for the connection's lifetime (`docs/benchmarks.md`, S3).
pub const WRITE_BUFFER: usize = 512;
/// Bytes a connection's write buffer may hold while the socket does not take them: above
/// the largest frame the server sends (a snapshot of a full room). A client that stops
/// reading is stopped by its bounded frame queue long before this.
pub const MAX_WRITE_BUFFER: usize = 8 * 1024 * 1024;
/// Frames written with one flush at most.
const WRITE_BATCH: usize = 64;

/// Finish a write, unless the room drops this connection or the server stops first.
/// A client that stops reading blocks writes, so its room fills its queue and drops it;
/// this is how the connection hears of it while stuck, and lets go of the socket.
/// `Err` carries the farewell: a reason to give, or silence if the socket failed.
async fn write_or_leave(
    write: impl Future<Output = Result<(), axum::Error>>,
    kicked: &mut Option<oneshot::Receiver<ByeReason>>,
    stopping: Pin<&mut impl Future<Output = ()>>,
) -> Result<(), Farewell> {
    tokio::select! {
        written = write => written.map_err(|_| Farewell::Silent),
        reason = async {
            match kicked.as_mut() {
                Some(kicked) => kicked.await.ok(),
                None => std::future::pending().await,
            }
        } => Err(Farewell::Bye(reason.unwrap_or(ByeReason::SessionDeleted))),
        _ = stopping => Err(Farewell::Bye(ByeReason::ShuttingDown)),
    }
}

/// Write `first` and whatever else is already queued for this connection, then flush
/// once: a burst of events costs one system call, not one per frame.
async fn write_queued(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    first: Frame,
    queue: &mut mpsc::Receiver<Frame>,
) -> Result<(), axum::Error> {
    sink.feed(Message::Text(unshare(first))).await?;
    for _ in 1..WRITE_BATCH {
        let Ok(frame) = queue.try_recv() else { break };
        sink.feed(Message::Text(unshare(frame))).await?;
    }
    sink.flush().await
}

/// The frame's bytes, for the socket: taken as they are by the last recipient, shared
/// (a reference count) by the others.
fn unshare(frame: Frame) -> Utf8Bytes {
    Arc::try_unwrap(frame).unwrap_or_else(|shared| Utf8Bytes::clone(&shared))
}
