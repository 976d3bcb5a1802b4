//! The messages on the WebSocket, both ways: JSON text frames, tagged by `type`.
//!
//! A connection starts with [`ClientMessage::Join`] or [`ClientMessage::Resume`], both
//! carrying [`PROTOCOL_VERSION`]. The server answers with [`ServerMessage::Joined`] (the
//! participant's id and secret resume token, for this connection only) and a
//! [`ServerMessage::Snapshot`], then streams [`ServerMessage::Event`]s, each numbered by
//! the room's sequence. Every [`ClientMessage::Command`] gets exactly one
//! [`ServerMessage::Ack`] or [`ServerMessage::Rejected`] with the same `id`.
//! `docs/protocol.md` shows every message with an example.

use crate::command::Command;
use crate::event::Event;
use crate::ids::{NoteId, ParticipantId, RoomCode};
use crate::rejection::ErrorCode;
use crate::state::RoomState;
use crate::tag_first::tag_first_enum;
use crate::timer::Millis;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

pub mod group;

/// The version of this protocol; a client speaking another one is refused.
/// Version 2: the commands that move a shared cursor (step, floor, round) name where
/// they move from.
pub const PROTOCOL_VERSION: u32 = 2;

/// Reads a field that a client may leave out or send as `null`, both meaning its
/// default: the protocol's one rule for optional fields (`docs/protocol.md`,
/// Conventions), so that a client built from the page never has to guess which of the
/// two a field takes. Use it with `#[serde(default, deserialize_with = "...")]`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A command (a room's or a group's) whose `type` is its name. A command is read from serde's buffered copy of
/// the message (`ClientMessage` is internally tagged), and from that buffer serde's derive
/// also takes a variant's number as its tag (`{"type": 29}` was read as
/// `close_session`); read from the text itself, as every other tag is, a number is
/// refused. So a command's tag is checked here, the one place a tag is read from the
/// buffer, and a number is `malformed` like any other unknown type.
fn command_named<'de, D, C>(deserializer: D) -> Result<C, D::Error>
where
    D: Deserializer<'de>,
    C: DeserializeOwned,
{
    use serde::de::Error;
    let value = serde_json::Value::deserialize(deserializer)?;
    if !value.get("type").is_some_and(serde_json::Value::is_string) {
        return Err(D::Error::custom("a command's `type` is its name, a string"));
    }
    C::deserialize(value).map_err(D::Error::custom)
}

/// How someone enters a room: a new seat (`join`, the facilitator's with its key), or
/// the seat a resume token opens (`resume`). What a [`ClientMessage::Join`] or
/// [`ClientMessage::Resume`] asks, without the room and the protocol version; the
/// server seats by it, a client keeps it to enter again after a reconnect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Join {
        name: String,
        observer: bool,
        facilitator_key: Option<String>,
    },
    Resume {
        token: String,
    },
    /// A member of the room's group, with their member token (a group's session seats
    /// its members by membership: `docs/groups.md`).
    Member {
        token: String,
    },
}

/// From a browser (or any client) to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Join a room as a new participant. With the facilitator key, take (or take back)
    /// the facilitator's seat; with `observer`, watch without taking part. In a group's
    /// session, a member comes with their `member_token` instead of a name.
    Join {
        protocol_version: u32,
        room: RoomCode,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        name: String,
        #[serde(default, deserialize_with = "null_as_default")]
        observer: bool,
        #[serde(
            default,
            deserialize_with = "null_as_default",
            skip_serializing_if = "Option::is_none"
        )]
        facilitator_key: Option<String>,
        #[serde(
            default,
            deserialize_with = "null_as_default",
            skip_serializing_if = "Option::is_none"
        )]
        member_token: Option<String>,
    },
    /// Come back to one's seat with the resume token from `joined`.
    Resume {
        protocol_version: u32,
        room: RoomCode,
        token: String,
    },
    /// Ask the room to do something; `id` is the sender's, echoed in the answer.
    /// A command re-sent after a reconnect keeps its `id` and its client-made ids.
    Command {
        id: u64,
        #[serde(deserialize_with = "command_named")]
        command: Command,
    },
    /// Ask for a fresh snapshot (after seeing a gap in sequence numbers).
    Sync,
    /// Measure the round trip and the server's clock.
    Ping { nonce: u64 },
}

/// Why the server ends a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ByeReason {
    /// The server is stopping; reconnect in a moment.
    ShuttingDown,
    /// The connection did not keep up with the room's events; reconnect to catch up.
    SlowConsumer,
    /// Too many refused or too fast messages.
    Abuse,
    /// The facilitator deleted the session.
    SessionDeleted,
    /// Another server of the cluster serves this session (or group) now; reconnect,
    /// and the way in leads there (`docs/cluster.md`).
    Moved,
}

// `Deserialize` comes from `tag_first_enum!`: `type` first, read without buffering
// (`crate::tag_first`). `ClientMessage` above keeps serde's derive: the server reads it
// from any client, keys in any order.
tag_first_enum! {
    #[serde(tag = "type", rename_all = "snake_case")]
    /// From the server to one connection.
    // Snapshots are rare and large, events frequent and small; boxing the state would
    // only add an allocation to every snapshot without saving anything on events, which
    // are encoded once and never held in this enum for long.
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub enum ServerMessage {
        /// You are in: your id, and the secret token to resume your seat later.
        /// Sent to this connection only.
        Joined {
            protocol_version: u32,
            room: RoomCode,
            you: ParticipantId,
            token: String,
        },
        /// The whole room as of sequence number `seq`, and the notes that are yours
        /// (this part differs per recipient).
        Snapshot {
            seq: u64,
            server_time: Millis,
            state: RoomState,
            your_notes: Vec<NoteId>,
        },
        /// Something happened; `seq` is one more than the previous event's.
        Event {
            seq: u64,
            event: Event,
        },
        /// Your command `id` was applied; the room is at `seq` after it.
        Ack {
            id: u64,
            seq: u64,
        },
        /// Your command `id` (or a message without one) was refused, and changed nothing.
        Rejected {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            id: Option<u64>,
            code: ErrorCode,
            message: String,
        },
        /// The note you just posted, for your other open pages. Sent only to the author.
        YourNote {
            note_id: NoteId,
        },
        Pong {
            nonce: u64,
            server_time: Millis,
        },
        /// The server closes this connection, and says why.
        Bye {
            reason: ByeReason,
            message: String,
            /// With `moved`: the name of the server to reconnect to, if the server knows
            /// it (`docs/cluster.md`); the page asks for it once when it reconnects.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            to: Option<String>,
        },
    }
}

#[cfg(test)]
mod command_tags {
    use super::*;

    #[test]
    fn a_command_is_named_by_its_type_never_by_its_number() {
        let named = r#"{"type":"command","id":1,"command":{"type":"close_session"}}"#;
        let read: ClientMessage = serde_json::from_str(named).expect("a command by name");
        assert_eq!(
            read,
            ClientMessage::Command {
                id: 1,
                command: Command::CloseSession
            }
        );
        let index = Command::NAMES
            .iter()
            .position(|name| *name == "close_session")
            .expect("a command");
        for tag in [format!("{index}"), "null".to_owned(), "[]".to_owned()] {
            let numbered = format!(r#"{{"type":"command","id":1,"command":{{"type":{tag}}}}}"#);
            assert!(
                serde_json::from_str::<ClientMessage>(&numbered).is_err(),
                "{numbered} was read"
            );
        }
    }
}
