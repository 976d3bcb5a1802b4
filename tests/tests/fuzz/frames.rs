//! What a fuzzer sends: well-formed commands with random values, the same with
//! mutated fields, random text and bytes, unicode of every kind, frames over the size
//! limits and text frames that are not UTF-8.

use crate::rng::Rng;
use serde_json::{Value, json};
use shared::Limits;
use std::sync::{Arc, Mutex};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

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
pub(crate) type People = Arc<Mutex<Vec<String>>>;

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
pub(crate) const CLEAN_IDS: u64 = 1 << 60;

/// Command ids: mostly fresh, sometimes repeated (the server's remembered answers).
fn command_id(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(rng.below(20)),
        1 => json!(u64::MAX),
        _ => json!(rng.next() >> 12),
    }
}

/// Change a message in one to three places.
pub(crate) fn mutate(rng: &mut Rng, value: &mut Value, limits: &Limits) {
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
pub(crate) fn frame(rng: &mut Rng, people: &People, limits: &Limits, room: &str) -> Message {
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
