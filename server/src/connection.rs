//! One WebSocket connection: frames in, frames out, nothing else.
//!
//! The task reads the socket, turns each text frame into a [`ClientMessage`] and hands it
//! to the room; it writes whatever the room queued for it. Bad frames get a typed
//! rejection and the connection carries on. It holds no room state: only which room and
//! seat it belongs to once it has joined.

use crate::http::AppState;
use crate::room::{ConnId, ConnectionLink, Entry, RoomHandle, ToRoom};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{ErrorCode, ParticipantId, Rejection, RoomCode};
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
    Outgoing(Utf8Bytes),
    Kicked(Option<ByeReason>),
    Stopping,
}

fn frame(message: &ServerMessage) -> Message {
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(message).unwrap_or_default(),
    ))
}

fn rejected(id: Option<u64>, rejection: Rejection) -> Message {
    frame(&ServerMessage::Rejected {
        id,
        code: rejection.code,
        message: rejection.message,
    })
}

fn bye(reason: ByeReason) -> Message {
    let message = match reason {
        ByeReason::ShuttingDown => "the server is restarting; reconnect in a moment",
        ByeReason::SlowConsumer => "this connection fell behind; reconnect to catch up",
        ByeReason::Abuse => "too many refused or too fast messages",
        ByeReason::SessionDeleted => "the facilitator deleted this session",
    };
    frame(&ServerMessage::Bye {
        reason,
        message: message.to_owned(),
    })
}

/// Serve one upgraded socket until it closes.
pub async fn serve(socket: WebSocket, app: AppState) {
    let conn = ConnId::next();
    let (mut sink, mut stream) = socket.split();
    let (frames_tx, mut frames_rx) = mpsc::channel::<Utf8Bytes>(app.config.outgoing_queue);
    let mut frames_tx = Some(frames_tx);
    let mut seat = Seat::Lobby;
    let mut stopping = app.stopping.clone();

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
            _ = stopping.wait_for(|stop| *stop) => Wake::Stopping,
        };
        let text = match wake {
            Wake::Incoming(Some(Ok(Message::Text(text)))) => text,
            Wake::Incoming(Some(Ok(Message::Binary(_)))) => {
                let refusal = rejected(
                    None,
                    Rejection::new(ErrorCode::Malformed, "frames are JSON text"),
                );
                if sink.send(refusal).await.is_err() {
                    break None;
                }
                continue;
            }
            // Pings are answered by the WebSocket layer.
            Wake::Incoming(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Wake::Incoming(Some(Ok(Message::Close(_))) | None) => break None,
            Wake::Incoming(Some(Err(error))) => {
                tracing::debug!(%error, "connection error");
                break None;
            }
            Wake::Outgoing(out) => {
                if sink.send(Message::Text(out)).await.is_err() {
                    break None;
                }
                continue;
            }
            // A room that lets go without a reason is gone.
            Wake::Kicked(reason) => break Some(reason.unwrap_or(ByeReason::SessionDeleted)),
            Wake::Stopping => break Some(ByeReason::ShuttingDown),
        };
        let (reply, seated) = handle_text(&text, conn, &app, &seat, &mut frames_tx).await;
        if let Some((room, kick)) = seated {
            seat = Seat::Seated(room);
            kicked = Some(kick);
        }
        if let Some(reply) = reply
            && sink.send(reply).await.is_err()
        {
            break None;
        }
    };

    if let Some(reason) = farewell {
        let _ = sink.send(bye(reason)).await;
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: 1001,
                reason: Utf8Bytes::from_static("bye"),
            })))
            .await;
    }
    if let Seat::Seated(room) = seat {
        let _ = room.send(ToRoom::Leave { conn }).await;
    }
}

/// A room just seated this connection: the room, and how it would drop us.
type Seated = (RoomHandle, oneshot::Receiver<ByeReason>);

/// Act on one text frame: the answer, if the connection itself answers, and the room
/// if the frame seated the connection.
async fn handle_text(
    text: &str,
    conn: ConnId,
    app: &AppState,
    seat: &Seat,
    frames_tx: &mut Option<mpsc::Sender<Utf8Bytes>>,
) -> (Option<Message>, Option<Seated>) {
    let message: ClientMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(error) => {
            let refusal = Rejection::new(ErrorCode::Malformed, format!("not a message: {error}"));
            return (Some(rejected(None, refusal)), None);
        }
    };
    let reply = match (message, seat) {
        (ClientMessage::Ping { nonce }, _) => Some(frame(&ServerMessage::Pong {
            nonce,
            server_time: app.config.clock.now(),
        })),
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
            return enter(protocol_version, room, entry, conn, app, frames_tx).await;
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
            return enter(protocol_version, room, entry, conn, app, frames_tx).await;
        }
        (ClientMessage::Join { .. } | ClientMessage::Resume { .. }, Seat::Seated(_)) => {
            Some(rejected(
                None,
                Rejection::new(
                    ErrorCode::AlreadyJoined,
                    "this connection has already joined",
                ),
            ))
        }
        (ClientMessage::Command { id, .. }, Seat::Lobby) => Some(rejected(
            Some(id),
            Rejection::new(ErrorCode::NotJoined, "join a room first"),
        )),
        (ClientMessage::Sync, Seat::Lobby) => Some(rejected(
            None,
            Rejection::new(ErrorCode::NotJoined, "join a room first"),
        )),
        (ClientMessage::Command { id, command }, Seat::Seated(room)) => room
            .send(ToRoom::Command { conn, id, command })
            .await
            .err()
            .map(|_| {
                rejected(
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
    frames_tx: &mut Option<mpsc::Sender<Utf8Bytes>>,
) -> (Option<Message>, Option<Seated>) {
    if protocol_version != PROTOCOL_VERSION {
        let refusal = Rejection::new(
            ErrorCode::UnsupportedVersion,
            format!("this server speaks protocol version {PROTOCOL_VERSION}"),
        );
        return (Some(rejected(None, refusal)), None);
    }
    let invalid = || {
        let refusal = Rejection::new(
            ErrorCode::RoomOrKeyInvalid,
            "no session with this code, or a wrong key",
        );
        (Some(rejected(None, refusal)), None)
    };
    let Some(room) = app.registry.get(&code) else {
        return invalid();
    };
    let Some(frames) = frames_tx.clone() else {
        return invalid();
    };
    let (kick, kicked) = oneshot::channel();
    let (reply, answer) = oneshot::channel();
    let message = ToRoom::Enter {
        conn,
        entry,
        link: ConnectionLink { frames, kick },
        reply,
    };
    if room.send(message).await.is_err() {
        return invalid();
    }
    match answer.await {
        Ok(Ok(participant)) => {
            log_seated(&code, &participant);
            // The room holds the only sender now, so the queue closes when the room lets go.
            *frames_tx = None;
            (None, Some((room, kicked)))
        }
        Ok(Err(rejection)) => (Some(rejected(None, rejection)), None),
        Err(_) => invalid(),
    }
}

fn log_seated(room: &RoomCode, participant: &ParticipantId) {
    tracing::debug!(room = %room, participant = %participant, "seated");
}
