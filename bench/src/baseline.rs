//! The baseline: the least a server must do to carry the same load, to measure ours
//! against. Run as `bench baseline-server` in a child process of its own, so its CPU and
//! memory are read from `/proc` like the real server's.
//!
//! It speaks just enough of the protocol for the load generator: `POST /api/sessions`
//! makes a room, `join` answers `joined` and an empty snapshot, and a note command
//! (post, edit, delete) becomes the matching event, encoded once and queued to every
//! member of the room, then acked. There are no rules, no roles, no storage, no limits:
//! a room is a list of queues behind a mutex, the way a bare broadcast hub is written.
//! Sockets are tokio-tungstenite with small buffers, Nagle off, and writes batched the
//! same way the real server batches them.

use anyhow::Result;
use futures_util::{SinkExt, StreamExt};
use shared::state::{Language, Note};
use shared::wire::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, Event, ParticipantId, RoomState};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Frames waiting for one connection, as in the real server.
const QUEUE: usize = 256;
/// Frames written with one flush at most.
const BATCH: usize = 64;

#[derive(Default)]
struct Hub {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    next: AtomicU64,
}

struct Room {
    title: String,
    seq: AtomicU64,
    members: Mutex<Vec<(u64, mpsc::Sender<Utf8Bytes>)>>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn encode(message: &ServerMessage) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(message).unwrap_or_default())
}

/// Serve on 127.0.0.1:`port` until killed.
pub async fn serve(port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    // The same line the real server prints, so the bench finds both the same way.
    println!("Open http://{}/ in a browser.", listener.local_addr()?);
    let hub = Arc::new(Hub::default());
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(tcp, hub.clone()));
    }
}

async fn connection(tcp: TcpStream, hub: Arc<Hub>) {
    let mut head = [0u8; 4];
    if tcp.peek(&mut head).await.is_err() {
        return;
    }
    if &head == b"POST" {
        let _ = create_room(tcp, &hub).await;
        return;
    }
    // The same socket settings as the real server's (`server::connection`).
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(8 * 1024)
        .max_write_buffer_size(8 * 1024 * 1024);
    let Ok(socket) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    websocket(socket, hub).await;
}

/// `POST /api/sessions`: read the request, make a room, answer like the real server.
async fn create_room(mut tcp: TcpStream, hub: &Hub) -> Result<()> {
    let mut request = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                break;
            }
        }
        if request.len() > 16 * 1024 {
            break;
        }
    }
    let n = hub.next.fetch_add(1, Ordering::Relaxed);
    let code = format!("r{n}");
    hub.rooms.lock().expect("hub lock").insert(
        code.clone(),
        Arc::new(Room {
            title: format!("Room {n}"),
            seq: AtomicU64::new(0),
            members: Mutex::new(Vec::new()),
        }),
    );
    let body = serde_json::json!({ "room": code, "facilitator_key": "key" }).to_string();
    let answer = format!(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(answer.as_bytes()).await?;
    tcp.shutdown().await?;
    Ok(())
}

async fn websocket(mut socket: tokio_tungstenite::WebSocketStream<TcpStream>, hub: Arc<Hub>) {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(QUEUE);
    let mut seat: Option<(Arc<Room>, u64)> = None;
    loop {
        tokio::select! {
            incoming = socket.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(message) = serde_json::from_str::<ClientMessage>(&text) else {
                    continue;
                };
                let direct = handle(message, &hub, &tx, &mut seat);
                if let Some(frames) = direct {
                    for frame in frames {
                        if socket.feed(Message::Text(frame)).await.is_err() {
                            break;
                        }
                    }
                    if socket.flush().await.is_err() {
                        break;
                    }
                }
            }
            Some(frame) = rx.recv() => {
                if socket.feed(Message::Text(frame)).await.is_err() {
                    break;
                }
                let mut more = 1;
                while more < BATCH {
                    let Ok(frame) = rx.try_recv() else { break };
                    if socket.feed(Message::Text(frame)).await.is_err() {
                        break;
                    }
                    more += 1;
                }
                if socket.flush().await.is_err() {
                    break;
                }
            }
        }
    }
    if let Some((room, me)) = seat {
        room.members
            .lock()
            .expect("room lock")
            .retain(|(id, _)| *id != me);
    }
}

/// Act on one message; frames to write directly (answers to a join), if any.
fn handle(
    message: ClientMessage,
    hub: &Hub,
    tx: &mpsc::Sender<Utf8Bytes>,
    seat: &mut Option<(Arc<Room>, u64)>,
) -> Option<Vec<Utf8Bytes>> {
    match message {
        ClientMessage::Join { room: code, .. } | ClientMessage::Resume { room: code, .. } => {
            let room = hub
                .rooms
                .lock()
                .expect("hub lock")
                .get(code.as_str())?
                .clone();
            let me = hub.next.fetch_add(1, Ordering::Relaxed);
            room.members
                .lock()
                .expect("room lock")
                .push((me, tx.clone()));
            let joined = encode(&ServerMessage::Joined {
                protocol_version: PROTOCOL_VERSION,
                room: code,
                you: ParticipantId::new(format!("b{me}")),
                token: "token".to_owned(),
            });
            let snapshot = encode(&ServerMessage::Snapshot {
                seq: room.seq.load(Ordering::Relaxed),
                server_time: now_ms(),
                state: RoomState::new(room.title.clone(), Language::En, 0),
                your_notes: Vec::new(),
            });
            *seat = Some((room, me));
            Some(vec![joined, snapshot])
        }
        ClientMessage::Command { id, command } => {
            let (room, _) = seat.as_ref()?;
            let event = match command {
                Command::PostNote {
                    note_id,
                    kind,
                    text,
                } => Some(Event::NotePosted {
                    note: Note {
                        id: note_id,
                        kind,
                        text,
                        posted_at: now_ms(),
                        kept: false,
                        hidden: false,
                    },
                }),
                Command::EditNote {
                    note_id,
                    kind,
                    text,
                } => Some(Event::NoteEdited {
                    note_id,
                    kind,
                    text,
                }),
                Command::DeleteNote { note_id } => Some(Event::NoteDeleted { note_id }),
                _ => None,
            };
            let seq = match event {
                Some(event) => {
                    // Numbered and queued under the lock, so every member sees one order.
                    let members = room.members.lock().expect("room lock");
                    let seq = room.seq.fetch_add(1, Ordering::Relaxed) + 1;
                    let frame = encode(&ServerMessage::Event { seq, event });
                    for (_, member) in members.iter() {
                        let _ = member.try_send(frame.clone());
                    }
                    seq
                }
                None => room.seq.load(Ordering::Relaxed),
            };
            let _ = tx.try_send(encode(&ServerMessage::Ack { id, seq }));
            None
        }
        ClientMessage::Ping { nonce } => Some(vec![encode(&ServerMessage::Pong {
            nonce,
            server_time: now_ms(),
        })]),
        ClientMessage::Sync => None,
    }
}
