//! Random and mutated frames thrown at a live room, for a bounded time.
//!
//! Eight fuzzing connections work one room at once: the facilitator (who moves the room
//! through every step), the client, two consultants, an observer, a page that never
//! joins, and a page that keeps trying to join with mangled entries. Each sends, as fast
//! as the server takes them, a mix of valid commands with random values, valid messages
//! with mutated fields (wrong types, huge and negative numbers, deep nesting, unknown
//! types, missing and extra fields), random text and bytes, unicode of every kind,
//! frames over the size limits and text frames that are not UTF-8 (after which it
//! reconnects). A reader per connection checks every frame the server sends: it parses
//! as a server message, and events follow their snapshot without a gap.
//!
//! Afterwards: no task of the process panicked (a panic hook counts them), the server
//! answers a ping, the room's state as a fresh page receives it satisfies the
//! invariants and the bounds, every fuzzing page that followed the room to the end holds
//! exactly that state, and a valid command from a clean page still works, as does a new
//! session.
//!
//! The run lasts `FUZZ_SECONDS` (3 by default: CI); `FUZZ_SEED` replays a run. For a
//! long run: `FUZZ_SECONDS=600 cargo test -p tests --release --test fuzz -- --nocapture`.
//! The figures are printed, and recorded in `docs/security.md`.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use server::Config;
use server::storage::SqliteStore;
use shared::wire::{ByeReason, ServerMessage};
use shared::{Limits, RoomState, Step, invariants};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tests::server::{TempDir, TestServer};
use tests::ws::WsClient;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// xorshift64*: small, fast, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What pages may type: plain words, accents, emoji, joiners, bidi overrides, controls.
const PIECES: &[&str] = &[
    "a",
    "note",
    " ",
    "é",
    "ü",
    "ß",
    "中文",
    "😀",
    "👩🏽‍💻",
    "\u{200b}",
    "\u{202e}",
    "\u{301}",
    "\u{0}",
    "\u{7}",
    "\n",
    "\t",
    "\"",
    "\\",
    "<script>",
    "'); DROP TABLE events;--",
    "\u{feff}",
    "\u{10ffff}",
    "ｗ",
];

fn text(rng: &mut Rng, limits: &Limits) -> String {
    match rng.below(10) {
        0 => String::new(),
        1 => "é".repeat(limits.note_chars + rng.below(3) as usize - 1),
        2 => "x".repeat(rng.below(5_000) as usize),
        _ => (0..rng.below(40))
            .map(|_| *rng.pick(PIECES))
            .collect::<String>(),
    }
}

fn number(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => json!(0),
        1 => json!(u64::MAX),
        2 => json!(u32::MAX),
        3 => json!(-1),
        4 => json!(1.5),
        5 => json!(1e300),
        6 => json!(9_007_199_254_740_993u64),
        7 => json!(i64::MIN),
        _ => json!(rng.below(300)),
    }
}

fn client_id(rng: &mut Rng, prefix: &str) -> String {
    match rng.below(10) {
        0 => String::new(),
        1 => "x".repeat(65),
        2 => "bad id!".into(),
        3 => format!("{prefix}{}", rng.next()),
        _ => format!("{prefix}{}", rng.below(8)),
    }
}

/// Any JSON at all, nested up to `depth`.
fn any_value(rng: &mut Rng, depth: u32, limits: &Limits) -> Value {
    match rng.below(if depth == 0 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => number(rng),
        3 => json!(text(rng, limits)),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| any_value(rng, depth - 1, limits))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| (text(rng, limits), any_value(rng, depth - 1, limits)))
                .collect(),
        ),
    }
}

const STEPS: &[&str] = &[
    "welcome",
    "problem",
    "clarification",
    "contract",
    "exploration",
    "action_plan",
    "closing",
    "closed",
];
const KINDS: &[&str] = &[
    "comment",
    "reaction",
    "feeling",
    "advice",
    "experience",
    "suggestion",
];

/// Every command but `close_session`: the room must stay open to be fuzzed.
static COMMANDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    shared::Command::NAMES
        .into_iter()
        .filter(|name| *name != "close_session")
        .collect()
});

/// Participant ids seen so far by any fuzzer: commands name real people too.
type People = Arc<Mutex<Vec<String>>>;

fn participant(rng: &mut Rng, people: &People) -> Value {
    let known = people.lock().map(|p| p.clone()).unwrap_or_default();
    if known.is_empty() || rng.chance(15) {
        json!(client_id(rng, "p"))
    } else {
        json!(rng.pick(&known))
    }
}

/// A well-formed command with random values.
fn command(rng: &mut Rng, name: &str, people: &People, limits: &Limits) -> Value {
    let mut c = match name {
        "pick_client" | "give_floor" => json!({ "participant": participant(rng, people) }),
        "go_to_step" => json!({ "step": rng.pick(STEPS) }),
        "set_duration" => json!({ "step": rng.pick(STEPS), "minutes": rng.below(300) }),
        "extend_timer" => json!({ "minutes": rng.below(300) }),
        "set_problem" => json!({ "title": text(rng, limits), "summary": text(rng, limits) }),
        "post_question" => json!({ "question_id": client_id(rng, "q"), "text": text(rng, limits) }),
        "withdraw_question" => json!({ "question_id": client_id(rng, "q") }),
        "mark_answered" => {
            json!({ "question_id": client_id(rng, "q"), "answered": rng.chance(50) })
        }
        "set_contract" | "write_learning" => json!({ "text": text(rng, limits) }),
        "post_note" | "edit_note" => json!({
            "note_id": client_id(rng, "n"),
            "kind": rng.pick(KINDS),
            "text": text(rng, limits),
        }),
        "delete_note" => json!({ "note_id": client_id(rng, "n") }),
        "keep_note" => json!({ "note_id": client_id(rng, "n"), "kept": rng.chance(50) }),
        "hide_note" => json!({ "note_id": client_id(rng, "n"), "hidden": rng.chance(50) }),
        "add_action" | "edit_action" => {
            let due = match rng.below(4) {
                0 => Value::Null,
                1 => json!("2030-02-28"),
                2 => json!("2030-02-30"),
                _ => json!(text(rng, limits)),
            };
            json!({ "action_id": client_id(rng, "a"), "text": text(rng, limits), "due": due })
        }
        "remove_action" => json!({ "action_id": client_id(rng, "a") }),
        "move_action" => json!({ "action_id": client_id(rng, "a"), "to": rng.below(5) }),
        _ => json!({}),
    };
    c["type"] = json!(name);
    c
}

/// Where the clean page numbers its commands: above every id [`command_id`] makes
/// (at most 2^52, or `u64::MAX`).
const CLEAN_IDS: u64 = 1 << 60;

/// Command ids: mostly fresh, sometimes repeated (the server's remembered answers).
fn command_id(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(rng.below(20)),
        1 => json!(u64::MAX),
        _ => json!(rng.next() >> 12),
    }
}

/// Change a message in one to three places.
fn mutate(rng: &mut Rng, value: &mut Value, limits: &Limits) {
    for _ in 0..=rng.below(3) {
        let target = if rng.chance(60) {
            value.get_mut("command").filter(|c| c.is_object())
        } else {
            None
        };
        let target = match target {
            Some(target) => target,
            None => &mut *value,
        };
        let Some(object) = target.as_object_mut() else {
            return;
        };
        let keys: Vec<String> = object.keys().cloned().collect();
        match rng.below(6) {
            0 if !keys.is_empty() => {
                object.remove(rng.pick(&keys));
            }
            1 => {
                object.insert(text(rng, limits), any_value(rng, 3, limits));
            }
            2 => {
                object.insert("type".into(), json!(rng.pick(&COMMANDS)));
            }
            3 => {
                object.insert("type".into(), json!(text(rng, limits)));
            }
            _ if !keys.is_empty() => {
                let key = rng.pick(&keys).clone();
                object.insert(key, any_value(rng, 3, limits));
            }
            _ => {}
        }
    }
}

/// One frame to send.
fn frame(rng: &mut Rng, people: &People, limits: &Limits, room: &str) -> Message {
    let mut message = match rng.below(20) {
        0 => json!({ "type": "ping", "nonce": rng.next() }),
        1 => json!({ "type": "sync" }),
        2 => json!({
            "type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room,
            "name": text(rng, limits), "observer": rng.chance(50),
        }),
        3 => {
            json!({ "type": "resume", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": room, "token": text(rng, limits) })
        }
        _ => {
            let name = rng_name(rng);
            json!({
                "type": "command",
                "id": command_id(rng),
                "command": command(rng, name, people, limits),
            })
        }
    };
    match rng.below(100) {
        0..=54 => Message::text(message.to_string()),
        55..=84 => {
            mutate(rng, &mut message, limits);
            Message::text(message.to_string())
        }
        85..=89 => {
            // Cut short, or spliced with junk.
            let mut raw = message.to_string();
            let cut = rng.below(raw.len() as u64) as usize;
            while !raw.is_char_boundary(cut.min(raw.len())) {
                raw.pop();
            }
            raw.truncate(cut.min(raw.len()));
            raw.push_str(rng.pick::<&str>(PIECES));
            Message::text(raw)
        }
        90..=91 => {
            let depth = 1 + rng.below(3_000) as usize;
            Message::text(format!(
                r#"{{"type":"command","id":1,"command":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            ))
        }
        92..=93 => Message::binary(
            (0..rng.below(200))
                .map(|_| rng.next() as u8)
                .collect::<Vec<_>>(),
        ),
        94..=95 => Message::text(format!(
            r#"{{"type":"command","id":{},"command":{{"type":"write_learning","text":"{}"}}}}"#,
            rng.below(1000),
            "y".repeat(limits.learning_chars * 10)
        )),
        96 => Message::text(
            r#"{"type":"command","id":3,"command":{"type":"write_learning","text":"\ud800\udfff\ud800"}}"#,
        ),
        97 if rng.chance(10) => Message::text("z".repeat(100 * 1024)),
        98 if rng.chance(10) => Message::Frame(Frame::message(
            vec![b'{', 0xc3, 0x28, b'}'],
            OpCode::Data(Data::Text),
            true,
        )),
        _ => Message::text(message.to_string()),
    }
}

fn rng_name(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(&COMMANDS)
}

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
enum Door {
    Facilitator(String),
    Participant { name: String, observer: bool },
    Never,
    Mangled,
}

#[derive(Default)]
struct Report {
    sent: u64,
    received: u64,
    connections: u64,
    problems: Vec<String>,
    byes: Vec<ByeReason>,
    /// The copy of the room held by the fuzzer's last connection.
    last_copy: Option<(u64, RoomState)>,
}

/// Fuzz until `until`, then say so through `stopped`; keep the last connection open
/// (its reader following the room) until `release` turns true.
#[allow(clippy::too_many_arguments)]
async fn fuzzer(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_mutated_frames_never_break_a_room() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("fuzz: FUZZ_SEED={seed} FUZZ_SECONDS={seconds}");

    let dir = TempDir::new("fuzz");
    let store = SqliteStore::open(dir.join("codev.db"))
        .await
        .expect("open the database");
    // Every fuzzing page shares one address: limits per address would only slow the
    // fuzz down (they have tests of their own). The frame rate stays on, high.
    let server = TestServer::start_with(Config {
        store: Arc::new(store),
        max_connections_per_address: 0,
        join_failures_per_minute: 0,
        commands_per_second: 100_000,
        command_burst: 100_000,
        ..Config::default()
    })
    .await;
    let session = server.create_session("Fuzz").await;
    let url = server.ws_url();
    let people: People = Arc::default();
    let sent = Arc::new(AtomicU64::new(0));

    // Seat the cast first, in order, so that the client can be picked.
    let doors = [
        Door::Facilitator(session.facilitator_key.clone()),
        Door::Participant {
            name: "Claude".into(),
            observer: false,
        },
        Door::Participant {
            name: "Ana".into(),
            observer: false,
        },
        Door::Participant {
            name: "Ben".into(),
            observer: false,
        },
        Door::Participant {
            name: "Olga".into(),
            observer: true,
        },
        Door::Never,
        Door::Mangled,
        Door::Participant {
            name: "Dora".into(),
            observer: false,
        },
    ];
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let (release, released) = tokio::sync::watch::channel(false);
    let mut fuzzers = tokio::task::JoinSet::new();
    let mut all_stopped = Vec::new();
    for (index, door) in doors.into_iter().enumerate() {
        let (stopped, has_stopped) = tokio::sync::oneshot::channel();
        all_stopped.push(has_stopped);
        fuzzers.spawn(fuzzer(
            url.clone(),
            session.room.clone(),
            door,
            seed.wrapping_add((index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            until,
            people.clone(),
            sent.clone(),
            released.clone(),
            stopped,
        ));
    }
    // Every fuzzer has stopped sending (or ended).
    for has_stopped in all_stopped {
        let _ = has_stopped.await;
    }
    let elapsed = until.saturating_duration_since(started);

    // The server answers.
    let mut checker = WsClient::connect(&url, "checker").await;
    checker
        .send(&shared::wire::ClientMessage::Ping { nonce: 77 })
        .await;
    assert!(matches!(
        checker.recv().await,
        ServerMessage::Pong { nonce: 77, .. }
    ));
    // The room as a fresh page gets it satisfies the invariants and the bounds.
    let mut fac =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Fuzz fac").await;
    let state = fac.state().clone();
    let seq = fac.seq;
    invariants::check_state(&state).unwrap_or_else(|broken| panic!("{broken}: {state:#?}"));
    invariants::check_bounds(&state, &Limits::default())
        .unwrap_or_else(|broken| panic!("{broken}: {state:#?}"));
    assert_ne!(state.step, Step::Closed);

    let _ = release.send(true);
    let mut reports = Vec::new();
    while let Some(report) = fuzzers.join_next().await {
        reports.push(report.expect("a fuzzer task"));
    }
    let total_sent: u64 = reports.iter().map(|r| r.sent).sum();
    let total_received: u64 = reports.iter().map(|r| r.received).sum();
    let connections: u64 = reports.iter().map(|r| r.connections).sum();
    println!(
        "fuzz: {total_sent} frames sent in {:.1} s ({:.0} frames/s), {total_received} \
         received, {connections} connections",
        elapsed.as_secs_f64(),
        total_sent as f64 / elapsed.as_secs_f64()
    );
    println!(
        "fuzz: the room is at {:?} after {seq} events, with {} participants, {} notes, {} \
         cards, {} actions",
        state.step,
        state.participants.len(),
        state.notes.len(),
        state.questions.len(),
        state.plan.len()
    );
    let problems: Vec<&String> = reports.iter().flat_map(|r| &r.problems).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let byes: Vec<&ByeReason> = reports.iter().flat_map(|r| &r.byes).collect();
    assert!(
        byes.iter().all(|b| **b == ByeReason::SlowConsumer),
        "no page was told to go but slow ones: {byes:?}"
    );
    assert!(total_sent > 100, "the fuzz ran");
    // Every page that followed the room to the end holds exactly the server's room.
    // (After `seq`, only presence changed: the fuzzers stopped sending, then left.)
    let mut compared = 0;
    for report in &reports {
        if let Some((copy_seq, copy)) = &report.last_copy
            && *copy_seq >= seq
        {
            compared += 1;
            let mut copy = copy.clone();
            for (mine, theirs) in copy.participants.iter_mut().zip(&state.participants) {
                mine.connected = theirs.connected;
            }
            assert_eq!(&copy, &state, "a page's copy drifted from the room");
        }
    }
    println!("fuzz: {compared} pages' copies compared with the room");
    // A clean command still works, in this room and in a new one. The fuzzers shared
    // this seat and used command ids of their own: the server rightly answers a reused
    // id with its first answer, so the clean page counts from ids no fuzzer picked.
    fac.first_command_id(CLEAN_IDS);
    fac.ok(shared::Command::AcceptCharter).await;
    let other = server.create_session("Après").await;
    let mut after =
        WsClient::join_facilitator(&url, &other.room, &other.facilitator_key, "Anne").await;
    after.ok(shared::Command::StartTimer).await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a task panicked");
}
