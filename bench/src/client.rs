//! One participant's connection, speaking the real protocol: `shared::wire` messages out,
//! and in, the same messages read two ways.
//!
//! While a room is being set up, frames are decoded into [`ServerMessage`] (the real
//! types). Under load, the bench would spend its CPU (shared with the server on the same
//! machine) decoding snapshots it does not need, so [`Peek`] reads only the few fields a
//! measurement needs, borrowing from the frame instead of building the message.

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use shared::wire::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, ParticipantId, RoomCode};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

pub type Socket = WebSocketStream<TcpStream>;

/// The longest the bench waits for any one answer during setup.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub use server::http::SessionCreated;

/// Create a session through the HTTP API (one plain HTTP/1.1 request).
pub async fn create_session(addr: SocketAddr, title: &str) -> Result<SessionCreated> {
    let body = serde_json::json!({ "title": title, "language": "en" }).to_string();
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .context("no answer to POST /api/sessions")??;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    if !head.starts_with("HTTP/1.1 201") {
        bail!("POST /api/sessions: {head} {body}");
    }
    serde_json::from_str(body.trim()).context("the API's answer to POST /api/sessions")
}

/// `GET path`: the body of a 200 answer.
pub async fn get(addr: SocketAddr, path: &str) -> Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .with_context(|| format!("no answer to GET {path}"))??;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    if !head.starts_with("HTTP/1.1 200") {
        bail!("GET {path}: {head}");
    }
    Ok(body.to_owned())
}

/// Small buffers: the bench holds up to 10,000 of these, and frames are small.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
}

/// Open a WebSocket to `addr`'s `/ws`, routed by `room` as the web client routes it
/// (a cluster's proxy sends it to the node that holds the room), without Nagle's delay.
pub async fn connect(addr: SocketAddr, room: &str) -> Result<Socket> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let path = shared::routing::websocket_path(room, None);
    let (socket, _) = client_async_with_config(
        format!("ws://{addr}{path}").as_str(),
        tcp,
        Some(socket_config()),
    )
    .await?;
    Ok(socket)
}

pub async fn send(socket: &mut Socket, message: &ClientMessage) -> Result<()> {
    let text = serde_json::to_string(message)?;
    socket.send(Message::text(text)).await?;
    Ok(())
}

/// The next text frame, decoded, within [`PATIENCE`].
pub async fn recv(socket: &mut Socket) -> Result<ServerMessage> {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .context("nothing received in time")?;
        match frame {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
            Some(Ok(Message::Close(_))) | None => bail!("the server closed the connection"),
            Some(Err(error)) => return Err(error.into()),
            Some(Ok(_)) => {}
        }
    }
}

/// A seated participant: the socket, and who they are in the room.
pub struct Seated {
    pub socket: Socket,
    pub me: ParticipantId,
}

/// Connect and join `room` (as facilitator with `key`), reading until `joined` and the
/// first snapshot have both arrived.
pub async fn join(
    addr: SocketAddr,
    room: &str,
    name: &str,
    facilitator_key: Option<&str>,
) -> Result<Seated> {
    let mut socket = connect(addr, room).await?;
    send(
        &mut socket,
        &ClientMessage::Join {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(room),
            name: name.to_owned(),
            observer: false,
            facilitator_key: facilitator_key.map(str::to_owned),
            member_token: None,
        },
    )
    .await?;
    let mut me = None;
    loop {
        match recv(&mut socket).await? {
            ServerMessage::Joined { you, .. } => me = Some(you),
            ServerMessage::Snapshot { .. } if me.is_some() => break,
            ServerMessage::Rejected { code, message, .. } => {
                bail!("{name} could not join: {code:?} {message}")
            }
            _ => {}
        }
    }
    Ok(Seated {
        socket,
        me: me.ok_or_else(|| anyhow!("no joined"))?,
    })
}

/// Send a command and read until its ack; a rejection is an error.
pub async fn command(socket: &mut Socket, id: u64, command: Command) -> Result<()> {
    let name = command.name();
    send(socket, &ClientMessage::Command { id, command }).await?;
    loop {
        match recv(socket).await? {
            ServerMessage::Ack { id: acked, .. } if acked == id => return Ok(()),
            ServerMessage::Rejected {
                id: Some(refused),
                code,
                message,
            } if refused == id => bail!("{name} refused: {code:?} {message}"),
            _ => {}
        }
    }
}

/// The fields of a server message that a measurement needs, borrowed from the frame.
/// Unknown fields (a snapshot's whole state, say) are skipped without being built.
#[derive(Debug, Deserialize)]
pub struct Peek<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// `ack` and `rejected`.
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default, borrow)]
    pub event: Option<PeekEvent<'a>>,
    /// `rejected`: the code.
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
    /// `bye`: the reason.
    #[serde(default, borrow)]
    pub reason: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct PeekEvent<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// `note_posted`.
    #[serde(default, borrow)]
    pub note: Option<PeekNote<'a>>,
    /// `note_edited`.
    #[serde(default, borrow)]
    pub text: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct PeekNote<'a> {
    #[serde(borrow)]
    pub text: Cow<'a, str>,
}

impl Peek<'_> {
    /// The text of a posted or rewritten note, if this is one.
    pub fn note_text(&self) -> Option<&str> {
        let event = self.event.as_ref()?;
        match event.kind.as_ref() {
            "note_posted" => event.note.as_ref().map(|note| note.text.as_ref()),
            "note_edited" => event.text.as_deref(),
            _ => None,
        }
    }
}

/// What a bench note's text carries: who sent it, its number, and when (µs since the
/// run's epoch). `"<sender>.<seq>.<sent_us>."` then padding to the chosen length.
pub fn note_text(sender: u32, seq: u32, sent_us: u64, len: usize) -> String {
    let mut text = format!("{sender}.{seq}.{sent_us}.");
    while text.len() < len {
        text.push('x');
    }
    text
}

/// Read back [`note_text`]: (sender, seq, sent_us).
pub fn parse_note_text(text: &str) -> Option<(u32, u32, u64)> {
    let mut parts = text.splitn(4, '.');
    let sender = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    Some((sender, seq, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_texts_round_trip() {
        let text = note_text(12, 345, 6_789_012, 64);
        assert_eq!(text.len(), 64);
        assert_eq!(parse_note_text(&text), Some((12, 345, 6_789_012)));
    }

    #[test]
    fn peek_reads_the_real_messages() {
        use shared::state::{Note, NoteKind};
        let posted = ServerMessage::Event {
            seq: 9,
            event: shared::Event::NotePosted {
                note: Note {
                    id: "n1".into(),
                    kind: NoteKind::Comment,
                    text: note_text(1, 2, 3, 10),
                    posted_at: 0,
                    kept: false,
                    hidden: false,
                },
            },
        };
        let json = serde_json::to_string(&posted).unwrap();
        let peek: Peek = serde_json::from_str(&json).unwrap();
        assert_eq!(peek.note_text().and_then(parse_note_text), Some((1, 2, 3)));
        let edited = ServerMessage::Event {
            seq: 10,
            event: shared::Event::NoteEdited {
                note_id: "n1".into(),
                kind: NoteKind::Comment,
                text: note_text(4, 5, 6, 0),
            },
        };
        let json = serde_json::to_string(&edited).unwrap();
        let peek: Peek = serde_json::from_str(&json).unwrap();
        assert_eq!(peek.note_text().and_then(parse_note_text), Some((4, 5, 6)));
        let ack = serde_json::to_string(&ServerMessage::Ack { id: 7, seq: 1 }).unwrap();
        let peek: Peek = serde_json::from_str(&ack).unwrap();
        assert_eq!((peek.kind.as_ref(), peek.id), ("ack", Some(7)));
    }
}
