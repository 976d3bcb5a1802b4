//! One fuzzing connection: a sender that enters the room its own way and keeps sending,
//! and a reader that checks every frame the server sends (it parses, events follow
//! their snapshot without a gap) and keeps the page's copy of the room.

use crate::frames::{People, frame, mutate};
use crate::rng::Rng;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use shared::wire::{ByeReason, ServerMessage};
use shared::{Limits, RoomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Frames a fuzzer may have sent without an answer yet.
const WINDOW: u64 = 32;

/// The longest a fuzzer waits for answers before sending on (frames the server drops
/// without a word, such as a flood's, get none).
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// The `type` of a server frame.
fn message_kind(text: &str) -> &str {
    text.strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

/// What one reader saw on one connection.
#[derive(Default)]
struct Seen {
    frames: u64,
    /// Problems: unparsable frames, gaps in sequence numbers.
    problems: Vec<String>,
    byes: Vec<ByeReason>,
    /// The page's copy of the room: sequence number and state.
    copy: Option<(u64, RoomState)>,
    token: Option<String>,
}

/// Read a connection to its end, checking every frame.
async fn read(
    mut stream: futures_util::stream::SplitStream<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    >,
    people: People,
    token: Arc<Mutex<Option<String>>>,
    answered: tokio::sync::watch::Sender<u64>,
) -> Seen {
    let mut seen = Seen::default();
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        seen.frames += 1;
        let message: ServerMessage = match serde_json::from_str(&text) {
            Ok(message) => message,
            Err(error) => {
                seen.problems
                    .push(format!("unparsable frame {error}: {text}"));
                continue;
            }
        };
        match message {
            ServerMessage::Joined { token: t, you, .. } => {
                if let Ok(mut people) = people.lock()
                    && !people.contains(&you.0)
                {
                    people.push(you.0.clone());
                }
                if let Ok(mut token) = token.lock() {
                    *token = Some(t.clone());
                }
                seen.token = Some(t);
            }
            ServerMessage::Snapshot { seq, state, .. } => {
                if let Ok(mut people) = people.lock() {
                    for p in &state.participants {
                        if !people.contains(&p.id.0) {
                            people.push(p.id.0.clone());
                        }
                    }
                }
                seen.copy = Some((seq, state));
            }
            ServerMessage::Event { seq, event } => {
                if let Some((last, state)) = &mut seen.copy {
                    if seq != *last + 1 {
                        seen.problems
                            .push(format!("event {seq} after {last}: a gap"));
                    }
                    state.apply(&event);
                    *last = seq;
                } else {
                    seen.problems
                        .push(format!("event {seq} before any snapshot"));
                }
            }
            ServerMessage::Bye { reason, .. } => seen.byes.push(reason),
            _ => {}
        }
        if matches!(
            message_kind(&text),
            "ack" | "rejected" | "pong" | "snapshot"
        ) {
            answered.send_modify(|count| *count += 1);
        }
    }
    seen
}

/// How a fuzzer enters the room, each time it (re)connects.
#[derive(Clone)]
pub(crate) enum Door {
    Facilitator(String),
    Participant { name: String, observer: bool },
    Never,
    Mangled,
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) connections: u64,
    pub(crate) problems: Vec<String>,
    pub(crate) byes: Vec<ByeReason>,
    /// The copy of the room held by the fuzzer's last connection.
    pub(crate) last_copy: Option<(u64, RoomState)>,
}

/// Fuzz until `until`, then say so through `stopped`; keep the last connection open
/// (its reader following the room) until `release` turns true.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fuzzer(
    url: String,
    room: String,
    door: Door,
    seed: u64,
    until: Instant,
    people: People,
    sent_total: Arc<AtomicU64>,
    mut release: tokio::sync::watch::Receiver<bool>,
    stopped: tokio::sync::oneshot::Sender<()>,
) -> Report {
    let mut stopped = Some(stopped);
    let mut say_stopped = move || {
        if let Some(stopped) = stopped.take() {
            let _ = stopped.send(());
        }
    };
    let mut rng = Rng(seed | 1);
    let limits = Limits::default();
    let mut report = Report::default();
    let token: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    while Instant::now() < until {
        let Ok((socket, _)) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), None, true).await
        else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        report.connections += 1;
        let (mut sink, stream) = socket.split();
        let (answers, mut answered) = tokio::sync::watch::channel(0u64);
        let mut sent_here = 0u64;
        let reader = tokio::spawn(read(stream, people.clone(), token.clone(), answers));
        let known_token = token.lock().ok().and_then(|t| t.clone());
        let entry = match (&door, known_token) {
            (Door::Facilitator(key), _) => Some(json!({
                "type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room, "name": "Fuzz fac",
                "facilitator_key": key,
            })),
            (Door::Participant { .. }, Some(token)) => Some(json!({
                "type": "resume", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room, "token": token,
            })),
            (Door::Participant { name, observer }, None) => Some(json!({
                "type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room, "name": name,
                "observer": observer,
            })),
            (Door::Never | Door::Mangled, _) => None,
        };
        let mut alive = true;
        if let Some(entry) = entry {
            alive = sink.send(Message::text(entry.to_string())).await.is_ok();
            // Let the seat be taken (or refused) before the noise starts.
            let entered = answered.wait_for(|count| *count >= 1);
            if let Ok(Err(_)) = tokio::time::timeout(ANSWER_WAIT, entered).await {
                alive = false; // the reader is gone: the connection closed
            }
        }
        while alive && Instant::now() < until {
            let message = if matches!(door, Door::Mangled) && rng.chance(50) {
                let mut join = json!({
                    "type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room, "name": "Mangled",
                });
                mutate(&mut rng, &mut join, &limits);
                Message::text(join.to_string())
            } else {
                frame(&mut rng, &people, &limits, &room)
            };
            alive = sink.send(message).await.is_ok();
            sent_here += 1;
            report.sent += 1;
            // At most WINDOW frames unanswered, so that what is counted as sent is what
            // the server read (not what waits in socket buffers).
            // Past the wait, the frame is counted all the same.
            let caught_up = answered.wait_for(|count| sent_here <= count + WINDOW);
            if let Ok(Err(_)) = tokio::time::timeout(ANSWER_WAIT, caught_up).await {
                alive = false; // the reader is gone: the connection closed
            }
            alive &= !reader.is_finished();
            sent_total.fetch_add(1, Ordering::Relaxed);
        }
        if alive {
            // The loop ended on time: this fuzzer sends no more.
            say_stopped();
            let _ = release.wait_for(|released| *released).await;
        }
        let _ = sink.close().await;
        match tokio::time::timeout(Duration::from_secs(30), reader).await {
            Ok(Ok(seen)) => {
                report.received += seen.frames;
                report.problems.extend(seen.problems);
                report.byes.extend(seen.byes);
                report.last_copy = seen.copy;
            }
            _ => report.problems.push("a reader did not finish".into()),
        }
    }
    say_stopped();
    report
}
