//! What the server writes, read back: `ServerMessage`, `Event` and `TimerState` are read
//! tag first (`shared::tag_first`), and must read exactly what serde's derive writes.
//!
//! - every variant of the three enums round-trips through JSON unchanged, its tag first
//!   on the wire; the samples cover every variant the reader knows (a variant the reader
//!   lacked would fail its round trip) and every variant of the enum (the `match`es below
//!   have no `_` arm, so a new variant does not compile here until it has a sample);
//! - unknown fields are ignored, wherever they stand after the tag;
//! - a tag that is not the first field gets a clear error; so do an unknown tag and a
//!   missing one;
//! - `rejected`'s optional `id` may be left out or `null`.

mod common;

use common::{Simulation, T0, aid, nid, pid, qid};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::state::{Action, Note, NoteKind, Participant, Question, Role};
use shared::wire::{ByeReason, PROTOCOL_VERSION, ServerMessage};
use shared::{ErrorCode, Event, RoomCode, Step, TimerState};
use std::collections::BTreeSet;
use std::fmt::Debug;

fn every_timer() -> Vec<TimerState> {
    vec![
        TimerState::Idle {
            duration_ms: 600_000,
        },
        TimerState::Running { deadline: T0 + 1 },
        TimerState::Paused {
            remaining_ms: 30_000,
        },
    ]
}

fn timer_tag(timer: &TimerState) -> &'static str {
    match timer {
        TimerState::Idle { .. } => "idle",
        TimerState::Running { .. } => "running",
        TimerState::Paused { .. } => "paused",
    }
}

fn every_event() -> Vec<Event> {
    let mut events = vec![
        Event::ParticipantJoined {
            participant: Participant {
                id: pid("p-ana"),
                name: "Ana \"la\" Été".into(),
                role: Role::Consultant,
                connected: true,
                charter_accepted: false,
            },
        },
        Event::PresenceChanged {
            participant: pid("p-ana"),
            connected: false,
        },
        Event::CharterAccepted {
            participant: pid("p-ana"),
        },
        Event::ClientPicked {
            participant: pid("p-cli"),
        },
        Event::StepChanged {
            step: Step::Clarification,
            at: T0,
        },
        Event::DurationSet {
            step: Step::Exploration,
            minutes: 30,
        },
        Event::HandRaised {
            participant: pid("p-ben"),
            at: T0 + 5,
        },
        Event::HandLowered {
            participant: pid("p-ben"),
        },
        Event::FloorGiven {
            participant: pid("p-ben"),
        },
        Event::FloorTaken,
        Event::ProblemSet {
            title: "Titre".into(),
            summary: String::new(),
        },
        Event::QuestionPosted {
            question: Question {
                id: qid("q-1"),
                author: pid("p-ben"),
                text: "Pourquoi ?".into(),
                answered: false,
                withdrawn: false,
            },
        },
        Event::QuestionWithdrawn {
            question_id: qid("q-1"),
        },
        Event::QuestionAnswered {
            question_id: qid("q-1"),
            answered: true,
        },
        Event::ContractSet {
            text: "Le contrat".into(),
        },
        Event::NotePosted {
            note: Note {
                id: nid("n-1"),
                kind: NoteKind::Advice,
                text: "Une idée".into(),
                posted_at: T0 + 7,
                kept: false,
                hidden: false,
            },
        },
        Event::NoteEdited {
            note_id: nid("n-1"),
            kind: NoteKind::Feeling,
            text: "Autre".into(),
        },
        Event::NoteDeleted {
            note_id: nid("n-1"),
        },
        Event::NoteKept {
            note_id: nid("n-1"),
            kept: true,
        },
        Event::NoteHidden {
            note_id: nid("n-1"),
            hidden: true,
        },
        Event::ActionAdded {
            action: Action {
                id: aid("a-1"),
                text: "Appeler".into(),
                due: Some("2026-12-31".into()),
            },
        },
        Event::ActionEdited {
            action_id: aid("a-1"),
            text: "Écrire".into(),
            due: None,
        },
        Event::ActionRemoved {
            action_id: aid("a-1"),
        },
        Event::ActionMoved {
            action_id: aid("a-1"),
            to: 2,
        },
        Event::LearningWritten {
            participant: pid("p-ana"),
            text: "Appris".into(),
        },
        Event::RoundAdvanced { current: 3 },
        Event::SessionClosed { at: T0 + 9 },
    ];
    events.extend(
        every_timer()
            .into_iter()
            .map(|timer| Event::TimerChanged { timer }),
    );
    events
}

fn event_tag(event: &Event) -> &'static str {
    match event {
        Event::ParticipantJoined { .. } => "participant_joined",
        Event::PresenceChanged { .. } => "presence_changed",
        Event::CharterAccepted { .. } => "charter_accepted",
        Event::ClientPicked { .. } => "client_picked",
        Event::StepChanged { .. } => "step_changed",
        Event::DurationSet { .. } => "duration_set",
        Event::TimerChanged { .. } => "timer_changed",
        Event::HandRaised { .. } => "hand_raised",
        Event::HandLowered { .. } => "hand_lowered",
        Event::FloorGiven { .. } => "floor_given",
        Event::FloorTaken => "floor_taken",
        Event::ProblemSet { .. } => "problem_set",
        Event::QuestionPosted { .. } => "question_posted",
        Event::QuestionWithdrawn { .. } => "question_withdrawn",
        Event::QuestionAnswered { .. } => "question_answered",
        Event::ContractSet { .. } => "contract_set",
        Event::NotePosted { .. } => "note_posted",
        Event::NoteEdited { .. } => "note_edited",
        Event::NoteDeleted { .. } => "note_deleted",
        Event::NoteKept { .. } => "note_kept",
        Event::NoteHidden { .. } => "note_hidden",
        Event::ActionAdded { .. } => "action_added",
        Event::ActionEdited { .. } => "action_edited",
        Event::ActionRemoved { .. } => "action_removed",
        Event::ActionMoved { .. } => "action_moved",
        Event::LearningWritten { .. } => "learning_written",
        Event::RoundAdvanced { .. } => "round_advanced",
        Event::SessionClosed { .. } => "session_closed",
    }
}

fn every_server_message() -> Vec<ServerMessage> {
    let mut messages = vec![
        ServerMessage::Joined {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::new("r-1"),
            you: pid("p-ana"),
            token: "secret".into(),
        },
        ServerMessage::Ack { id: 7, seq: 12 },
        ServerMessage::Rejected {
            id: Some(8),
            code: ErrorCode::WrongStep,
            message: "not now".into(),
        },
        ServerMessage::Rejected {
            id: None,
            code: ErrorCode::Malformed,
            message: "not JSON".into(),
        },
        ServerMessage::YourNote {
            note_id: nid("n-1"),
        },
        ServerMessage::Pong {
            nonce: 99,
            server_time: T0 + 1,
        },
        ServerMessage::Bye {
            reason: ByeReason::SlowConsumer,
            message: "catch up".into(),
            to: None,
        },
        ServerMessage::Bye {
            reason: ByeReason::Moved,
            message: "elsewhere".into(),
            to: Some("n2".into()),
        },
    ];
    // Snapshots of a whole room (participants, notes, plan, round, timer...) at two
    // steps, and one event frame of each event.
    for step in [Step::Exploration, Step::Closed] {
        messages.push(ServerMessage::Snapshot {
            seq: 40,
            server_time: T0 + 2,
            state: Simulation::at_step(step).room.state,
            your_notes: vec![nid("n-1")],
        });
    }
    messages.extend(every_event().into_iter().enumerate().map(|(seq, event)| {
        ServerMessage::Event {
            seq: seq as u64,
            event,
        }
    }));
    messages
}

fn message_tag(message: &ServerMessage) -> &'static str {
    match message {
        ServerMessage::Joined { .. } => "joined",
        ServerMessage::Snapshot { .. } => "snapshot",
        ServerMessage::Event { .. } => "event",
        ServerMessage::Ack { .. } => "ack",
        ServerMessage::Rejected { .. } => "rejected",
        ServerMessage::YourNote { .. } => "your_note",
        ServerMessage::Pong { .. } => "pong",
        ServerMessage::Bye { .. } => "bye",
    }
}

fn read<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|error| error.to_string())
}

/// Each value, written by serde, starts with its tag and reads back as itself; and the
/// values' tags are exactly the variants the reader knows.
fn check_round_trips<T>(values: &[T], tag_name: &str, tag: fn(&T) -> &'static str)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    for value in values {
        let json = serde_json::to_string(value).unwrap();
        let first = format!(r#"{{"{tag_name}":"{}""#, tag(value));
        assert!(
            json.starts_with(&first),
            "{json} does not start with {first}"
        );
        assert_eq!(read::<T>(&json).as_ref(), Ok(value), "{json}");
    }
    let sampled: BTreeSet<&str> = values.iter().map(tag).collect();
    let error = read::<T>(&format!(r#"{{"{tag_name}":"no_such_variant"}}"#)).unwrap_err();
    let (_, listed) = error
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("no list of variants in {error}"));
    let known: BTreeSet<&str> = listed.split('`').skip(1).step_by(2).collect();
    assert_eq!(
        sampled, known,
        "the samples and the reader's variants differ"
    );
}

#[test]
fn every_timer_state_round_trips_unchanged() {
    check_round_trips(&every_timer(), "state", timer_tag);
}

#[test]
fn every_event_round_trips_unchanged() {
    check_round_trips(&every_event(), "type", event_tag);
}

#[test]
fn every_server_message_round_trips_unchanged() {
    check_round_trips(&every_server_message(), "type", message_tag);
}

/// `json` with an unknown field of every JSON shape right after the tag and at the end.
fn with_unknown_fields(json: &str) -> String {
    let after_tag = json.find("\",").map_or(json.len() - 1, |quote| quote + 1);
    let (head, tail) = json.split_at(after_tag);
    let tail = tail.strip_suffix('}').unwrap();
    let unknown = r#""unknown":{"a":[1,2.5,null,true,"x"],"type":"ack"}"#;
    format!("{head},{unknown}{tail},\"later\":[{{}}]}}")
}

#[test]
fn unknown_fields_are_ignored_in_every_variant() {
    assert_eq!(
        with_unknown_fields(r#"{"type":"ack","id":1,"seq":2}"#),
        r#"{"type":"ack","unknown":{"a":[1,2.5,null,true,"x"],"type":"ack"},"id":1,"seq":2,"later":[{}]}"#
    );
    assert_eq!(
        with_unknown_fields(r#"{"type":"floor_taken"}"#),
        r#"{"type":"floor_taken","unknown":{"a":[1,2.5,null,true,"x"],"type":"ack"},"later":[{}]}"#
    );
    for timer in every_timer() {
        let json = with_unknown_fields(&serde_json::to_string(&timer).unwrap());
        assert_eq!(read(&json), Ok(timer), "{json}");
    }
    for event in every_event() {
        let json = with_unknown_fields(&serde_json::to_string(&event).unwrap());
        assert_eq!(read(&json), Ok(event.clone()), "{json}");
        // And inside a frame: the frame's fields and the event's.
        let frame = format!(r#"{{"type":"event","seq":3,"x":0,"event":{json}}}"#);
        assert_eq!(
            read(&frame),
            Ok(ServerMessage::Event { seq: 3, event }),
            "{frame}"
        );
    }
    for message in every_server_message() {
        let json = with_unknown_fields(&serde_json::to_string(&message).unwrap());
        assert_eq!(read(&json), Ok(message), "{json}");
    }
    assert_eq!(
        read(
            r#"{"type":"event","seq":1,"event":{"type":"timer_changed","timer":{"state":"running","x":1,"deadline":5}}}"#
        ),
        Ok(ServerMessage::Event {
            seq: 1,
            event: Event::TimerChanged {
                timer: TimerState::Running { deadline: 5 }
            }
        })
    );
}

#[test]
fn a_tag_that_is_not_the_first_field_is_refused_clearly() {
    let error = read::<ServerMessage>(r#"{"id":1,"type":"ack","seq":2}"#).unwrap_err();
    assert!(
        error.starts_with("`type` must be the first field"),
        "{error}"
    );
    let error = read::<Event>(r#"{"at":5,"type":"session_closed"}"#).unwrap_err();
    assert!(
        error.starts_with("`type` must be the first field"),
        "{error}"
    );
    let error = read::<TimerState>(r#"{"deadline":5,"state":"running"}"#).unwrap_err();
    assert!(
        error.starts_with("`state` must be the first field"),
        "{error}"
    );
    // Nested, the error still names the field, and where it was met.
    let error = read::<ServerMessage>(
        r#"{"type":"event","seq":1,"event":{"type":"timer_changed","timer":{"deadline":5,"state":"running"}}}"#,
    )
    .unwrap_err();
    assert!(
        error.starts_with("`state` must be the first field at line 1 column"),
        "{error}"
    );
    // A `serde_json::Value` sorts its keys: read from the text instead.
    let value = serde_json::to_value(ServerMessage::Ack { id: 1, seq: 2 }).unwrap();
    let error = serde_json::from_value::<ServerMessage>(value).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("`type` must be the first field")
    );
}

#[test]
fn an_unknown_or_missing_tag_is_refused() {
    let error = read::<ServerMessage>(r#"{"type":"launch","id":1}"#).unwrap_err();
    assert!(
        error.starts_with("unknown variant `launch`, expected one of `joined`"),
        "{error}"
    );
    let error = read::<Event>(r#"{"type":"FloorTaken"}"#).unwrap_err();
    assert!(error.starts_with("unknown variant `FloorTaken`"), "{error}");
    let error = read::<TimerState>(r#"{"state":"stopped"}"#).unwrap_err();
    assert!(error.starts_with("unknown variant `stopped`"), "{error}");
    let error = read::<ServerMessage>("{}").unwrap_err();
    assert!(error.starts_with("missing field `type`"), "{error}");
    let error = read::<ServerMessage>(r#"{"type":null}"#).unwrap_err();
    assert!(error.starts_with("invalid type: null"), "{error}");
    let error = read::<ServerMessage>(r#"["ack",1,2]"#).unwrap_err();
    assert!(
        error.starts_with("invalid type: sequence, expected an object whose first field is `type`"),
        "{error}"
    );
}

#[test]
fn a_missing_or_mistyped_field_is_refused() {
    let error = read::<ServerMessage>(r#"{"type":"ack","id":1}"#).unwrap_err();
    assert!(error.starts_with("missing field `seq`"), "{error}");
    let error = read::<Event>(r#"{"type":"round_advanced","current":-1}"#).unwrap_err();
    assert!(error.starts_with("invalid value: integer `-1`"), "{error}");
}

#[test]
fn a_rejected_without_a_command_may_leave_its_id_out_or_null() {
    let expected = ServerMessage::Rejected {
        id: None,
        code: ErrorCode::Malformed,
        message: "m".into(),
    };
    for json in [
        r#"{"type":"rejected","code":"malformed","message":"m"}"#,
        r#"{"type":"rejected","id":null,"code":"malformed","message":"m"}"#,
    ] {
        assert_eq!(read(json), Ok(expected.clone()), "{json}");
    }
    assert_eq!(
        serde_json::to_string(&expected).unwrap(),
        r#"{"type":"rejected","code":"malformed","message":"m"}"#
    );
}
