//! `docs/protocol.md` stays true to the code.
//!
//! The protocol document is the only thing a new client's author reads, so it must not
//! drift. This test reads it and checks that:
//! - every fenced block tagged `json client`, `json server`, `json command`, `json event`
//!   or `json state` parses as `ClientMessage`, `ServerMessage`, `Command`, `Event` or
//!   `RoomState`, and serializes back to the same JSON (so examples are canonical: no
//!   unknown fields, no missing defaults);
//! - every variant of those four enums, every `ByeReason` and every `ErrorCode` is
//!   documented, the list of variants coming from serde itself, so a new variant fails
//!   here until the document shows it;
//! - the table of rights matches `logic::rights` row by row;
//! - blocks tagged `json group_client` and `json group_server` parse and round-trip as
//!   a group's messages (`GroupClientMessage`, `GroupServerMessage`), each shown;
//! - the `transcript` of a whole session parses line by line and replays: applying its
//!   events to its first snapshot gives exactly each later snapshot.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::logic::rights;
use shared::wire::group::{GroupClientMessage, GroupServerMessage};
use shared::wire::{ByeReason, ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, Event, RoomState};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn protocol_doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// A fenced code block: its info string, its text, and the line it starts on.
struct Block {
    info: String,
    text: String,
    line: usize,
}

fn fenced_blocks(doc: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in doc.lines().enumerate() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some(Block {
                        info: info.trim().to_owned(),
                        text: String::new(),
                        line: index + 1,
                    });
                }
            }
            Some(block) => {
                if line.trim_end() == "```" {
                    blocks.extend(open.take());
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "a fenced block is never closed");
    blocks
}

/// Parse `text` as a `T`, and check that writing it back gives the same JSON.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str, what: &str, line: usize) -> T {
    let written: Value = serde_json::from_str(text)
        .unwrap_or_else(|error| panic!("line {line}: not JSON: {error}\n{text}"));
    let parsed: T = serde_json::from_str(text)
        .unwrap_or_else(|error| panic!("line {line}: not a {what}: {error}\n{text}"));
    let again = serde_json::to_value(&parsed).expect("our types always serialize");
    assert_eq!(
        again, written,
        "line {line}: the {what} does not serialize back to the same JSON"
    );
    parsed
}

/// The wire name of a tagged value: its `type` field.
fn type_of<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_value(value).expect("our types always serialize");
    json["type"]
        .as_str()
        .expect("a tagged value has a string `type`")
        .to_owned()
}

fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .expect("our types always serialize")
        .as_str()
        .expect("a unit variant serializes as a string")
        .to_owned()
}

/// Every variant name of `T`, as serde knows them: deserializing an unknown variant
/// fails with "unknown variant `x`, expected one of `a`, `b`, ...".
fn variants<T: DeserializeOwned + std::fmt::Debug>(unknown: Value) -> BTreeSet<String> {
    let error = serde_json::from_value::<T>(unknown)
        .expect_err("an unknown variant must not parse")
        .to_string();
    let expected = error
        .split_once("expected")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("serde's error no longer lists the variants: {error}"));
    let names: BTreeSet<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(
        names.len() > 1,
        "serde's error no longer lists the variants: {error}"
    );
    names
}

fn tagged_variants<T: DeserializeOwned + std::fmt::Debug>() -> BTreeSet<String> {
    variants::<T>(json!({ "type": "no_such_variant" }))
}

fn unit_variants<T: DeserializeOwned + std::fmt::Debug>() -> BTreeSet<String> {
    variants::<T>(json!("no_such_variant"))
}

/// The frames a transcript shows clients receiving, with their line numbers. Frames
/// sent by clients are checked too, and dropped.
fn transcript_frames(block: &Block) -> Vec<(usize, ServerMessage)> {
    let mut received = Vec::new();
    for (offset, line) in block.text.lines().enumerate() {
        let number = block.line + 1 + offset;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let to_server = line.find(" → {");
        let to_client = line.find(" ← {");
        match (to_server, to_client) {
            (Some(s), c) if c.is_none_or(|c| s < c) => {
                round_trip::<ClientMessage>(&line[s + " → ".len()..], "ClientMessage", number);
            }
            (_, Some(c)) => received.push((
                number,
                round_trip(&line[c + " ← ".len()..], "ServerMessage", number),
            )),
            _ => panic!(
                "line {number}: a transcript line is `Name → {{...}}`, `Names ← {{...}}` or a # comment"
            ),
        }
    }
    received
}

/// Replay a transcript's events over its first snapshot and compare with every later
/// snapshot; acks never run ahead of the room.
fn replay(frames: &[(usize, ServerMessage)]) {
    let mut room: Option<(u64, RoomState)> = None;
    let mut events = 0;
    let mut snapshots = 0;
    for (line, message) in frames {
        match message {
            ServerMessage::Snapshot { seq, state, .. } => {
                snapshots += 1;
                match &room {
                    None => room = Some((*seq, state.clone())),
                    Some((at, replayed)) => {
                        assert_eq!(
                            seq, at,
                            "line {line}: a snapshot at seq {seq}, but the transcript's events reach {at}"
                        );
                        assert_eq!(
                            state, replayed,
                            "line {line}: the snapshot differs from the replayed events"
                        );
                    }
                }
            }
            ServerMessage::Event { seq, event } => {
                let (at, state) = room
                    .as_mut()
                    .unwrap_or_else(|| panic!("line {line}: an event before any snapshot"));
                if *seq <= *at {
                    continue;
                }
                assert_eq!(
                    *seq,
                    *at + 1,
                    "line {line}: event {seq} follows {at}: the transcript skips events"
                );
                state.apply(event);
                *at = *seq;
                events += 1;
            }
            ServerMessage::Ack { seq, .. } => {
                let at = room.as_ref().map_or(0, |(at, _)| *at);
                assert!(
                    *seq <= at,
                    "line {line}: an ack at seq {seq} before event {seq} was shown"
                );
            }
            _ => {}
        }
    }
    assert!(
        snapshots >= 2 && events > 0,
        "a transcript shows a snapshot, events, and a later snapshot to compare"
    );
}

/// The examples of the document, by type.
#[derive(Default)]
struct Examples {
    client: Vec<ClientMessage>,
    server: Vec<ServerMessage>,
    commands: Vec<Command>,
    events: Vec<Event>,
    group_client: Vec<GroupClientMessage>,
    group_server: Vec<GroupServerMessage>,
    states: usize,
    transcripts: usize,
}

fn examples(doc: &str) -> Examples {
    let mut found = Examples::default();
    for block in fenced_blocks(doc) {
        let mut words = block.info.split_whitespace();
        let (Some(language), tag) = (words.next(), words.next()) else {
            continue;
        };
        let (text, line) = (block.text.as_str(), block.line);
        match (language, tag) {
            ("json", Some("client")) => found.client.push(round_trip(text, "ClientMessage", line)),
            ("json", Some("server")) => found.server.push(round_trip(text, "ServerMessage", line)),
            ("json", Some("command")) => found.commands.push(round_trip(text, "Command", line)),
            ("json", Some("event")) => found.events.push(round_trip(text, "Event", line)),
            ("json", Some("group_client")) => {
                let message = round_trip(text, "GroupClientMessage", line);
                found.group_client.push(message);
            }
            ("json", Some("group_server")) => {
                let message = round_trip(text, "GroupServerMessage", line);
                found.group_server.push(message);
            }
            ("json", Some("state")) => {
                round_trip::<RoomState>(text, "RoomState", line);
                found.states += 1;
            }
            ("json", other) => panic!(
                "line {line}: a json block must be tagged client, server, command, event, state, group_client or group_server, not {other:?}"
            ),
            ("transcript", _) => {
                replay(&transcript_frames(&block));
                found.transcripts += 1;
            }
            _ => {}
        }
    }
    found
}

fn assert_all_shown(what: &str, all: BTreeSet<String>, shown: impl Iterator<Item = String>) {
    let shown: BTreeSet<String> = shown.collect();
    let missing: Vec<&String> = all.difference(&shown).collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md does not show these {what}: {missing:?}"
    );
}

/// The rows of the table under `heading`: first cell (without backticks) to the others.
fn table_rows(doc: &str, heading: &str) -> BTreeMap<String, Vec<String>> {
    let section = doc
        .split_once(heading)
        .unwrap_or_else(|| panic!("docs/protocol.md has no section {heading:?}"))
        .1;
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect();
            (cells[0].trim_matches('`').to_owned(), cells[1..].to_vec())
        })
        .collect()
}

#[test]
fn every_example_parses_and_round_trips() {
    let found = examples(&protocol_doc());
    assert!(!found.client.is_empty() && !found.server.is_empty());
    assert!(!found.commands.is_empty() && !found.events.is_empty());
    assert!(found.states >= 1, "the room state has a full example");
    assert!(found.transcripts >= 1, "a whole session is shown");
}

#[test]
fn every_message_command_and_event_has_an_example() {
    let found = examples(&protocol_doc());
    assert_all_shown(
        "client messages",
        tagged_variants::<ClientMessage>(),
        found.client.iter().map(type_of),
    );
    assert_all_shown(
        "server messages",
        tagged_variants::<ServerMessage>(),
        found.server.iter().map(type_of),
    );
    assert_all_shown(
        "commands",
        tagged_variants::<Command>(),
        found.commands.iter().map(type_of),
    );
    assert_all_shown(
        "events",
        tagged_variants::<Event>(),
        found.events.iter().map(type_of),
    );
    assert_all_shown(
        "bye reasons",
        unit_variants::<ByeReason>(),
        found.server.iter().filter_map(|message| match message {
            ServerMessage::Bye { reason, .. } => Some(wire_name(reason)),
            _ => None,
        }),
    );
}

#[test]
fn every_error_code_is_explained_and_no_other() {
    let doc = protocol_doc();
    let rows = table_rows(&doc, "\n## Error codes\n");
    for code in rows.keys() {
        assert!(
            serde_json::from_value::<ErrorCode>(json!(code)).is_ok(),
            "the error table lists `{code}`, which is not an ErrorCode"
        );
    }
    assert_all_shown(
        "error codes (in the table)",
        unit_variants::<ErrorCode>(),
        rows.into_keys(),
    );
}

#[test]
fn the_table_of_rights_is_logic_rights() {
    let doc = protocol_doc();
    let rows = table_rows(&doc, "\n## The table of rights\n");
    let found = examples(&doc);
    let mut seen = BTreeSet::new();
    for command in &found.commands {
        let name = type_of(command);
        if !seen.insert(name.clone()) {
            continue;
        }
        let row = rows
            .get(&name)
            .unwrap_or_else(|| panic!("the table of rights has no row for `{name}`"));
        let (roles, steps) = rights(command);
        let roles: BTreeSet<String> = roles.iter().map(wire_name).collect();
        let steps: BTreeSet<String> = steps.iter().map(|s| s.number().to_string()).collect();
        let documented_roles: BTreeSet<String> =
            row[0].split(',').map(|r| r.trim().to_owned()).collect();
        let documented_steps: BTreeSet<String> =
            row[1].split_whitespace().map(str::to_owned).collect();
        assert_eq!(documented_roles, roles, "roles allowed to send `{name}`");
        assert_eq!(documented_steps, steps, "steps where `{name}` is allowed");
    }
    let stale: Vec<&String> = rows.keys().filter(|name| !seen.contains(*name)).collect();
    assert!(
        stale.is_empty(),
        "the table of rights lists commands without an example: {stale:?}"
    );
}

#[test]
fn the_table_of_a_groups_rights_is_group_rights() {
    use shared::group::{GroupCommand, GroupRole, group_rights};
    let doc = protocol_doc();
    let rows = table_rows(&doc, "\n### Who may do what in a group\n");
    let commands = tagged_variants::<GroupCommand>();
    assert_eq!(
        rows.keys().cloned().collect::<BTreeSet<_>>(),
        commands,
        "one row per group command"
    );
    // A value of each command, to ask `group_rights` (rights never look at values).
    use shared::group::ActionStatus;
    let proposal = shared::ProposalId::new("p");
    let every: Vec<GroupCommand> = vec![
        GroupCommand::AcceptCharter { version: 1 },
        GroupCommand::SetDetails {
            name: "G".into(),
            call_link: None,
        },
        GroupCommand::SetCharter { text: None },
        GroupCommand::PlanSeries { dates: vec![1] },
        GroupCommand::NameSessionFacilitator {
            index: 0,
            member: None,
        },
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
        GroupCommand::ProposeTopic {
            proposal_id: proposal.clone(),
            title: "t".into(),
            line: String::new(),
        },
        GroupCommand::WithdrawTopic {
            proposal_id: proposal.clone(),
        },
        GroupCommand::Vote { proposal_id: None },
        GroupCommand::PickTopic {
            index: 0,
            proposal_id: proposal,
        },
        GroupCommand::SetFollowUp {
            index: 0,
            action_id: shared::ActionId::new("a"),
            status: ActionStatus::Done,
            word: String::new(),
        },
        GroupCommand::Leave,
        GroupCommand::RemoveMember {
            member: shared::ParticipantId::new("m"),
        },
    ];
    assert_eq!(
        every.iter().map(type_of).collect::<BTreeSet<_>>(),
        commands,
        "every group command is asked"
    );
    for command in every {
        let name = type_of(&command);
        let roles: BTreeSet<String> = group_rights(&command)
            .iter()
            .map(|role| match role {
                GroupRole::Facilitator => "facilitator".to_owned(),
                GroupRole::Member => "member".to_owned(),
            })
            .collect();
        let documented: BTreeSet<String> = rows[&name][0]
            .split(',')
            .map(|r| r.trim().to_owned())
            .collect();
        assert_eq!(documented, roles, "roles allowed to send `{name}`");
    }
}

#[test]
fn every_group_message_has_an_example() {
    let found = examples(&protocol_doc());
    assert_all_shown(
        "group client messages",
        tagged_variants::<GroupClientMessage>(),
        found.group_client.iter().map(type_of),
    );
    assert_all_shown(
        "group server messages",
        tagged_variants::<GroupServerMessage>(),
        found.group_server.iter().map(type_of),
    );
}
