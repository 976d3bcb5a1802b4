//! A group's messages on the WebSocket (`docs/groups.md`, `docs/protocol.md`, "Groups"):
//! a connection is in a room or in a group, never both, and a group's frames are enums
//! of their own rather than more variants of [`ClientMessage`](super::ClientMessage) and
//! [`ServerMessage`](super::ServerMessage), so that the room's page does not carry the
//! code that reads and writes them (the client's module is at its size budget).
//!
//! A connection enters with [`GroupClientMessage::JoinGroup`] or
//! [`GroupClientMessage::ResumeGroup`]; the server answers with
//! [`GroupServerMessage::GroupJoined`] (the member's id and secret token) and a
//! [`GroupServerMessage::GroupSnapshot`], then streams
//! [`GroupServerMessage::GroupEvent`]s numbered by the group's own sequence. Every
//! [`GroupClientMessage::GroupCommand`] gets exactly one `ack` or `rejected`, the
//! room's own answers ([`ServerMessage::Ack`](super::ServerMessage::Ack),
//! [`ServerMessage::Rejected`](super::ServerMessage::Rejected)), as do `ping` and `bye`.

use super::command_named;
use crate::group::{GroupCommand, GroupEvent, GroupState};
use crate::ids::{GroupCode, ParticipantId, ProposalId};
use crate::tag_first::tag_first_enum;
use crate::timer::Millis;
use serde::{Deserialize, Serialize};

/// From a member's page to the server, about a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GroupClientMessage {
    /// Join a group as a new member under `name`; with the group's facilitator key,
    /// take (or take back, from any device) the group facilitator's place.
    JoinGroup {
        protocol_version: u32,
        group: GroupCode,
        name: String,
        #[serde(
            default,
            deserialize_with = "super::null_as_default",
            skip_serializing_if = "Option::is_none"
        )]
        facilitator_key: Option<String>,
    },
    /// Come back to one's place with the member token from `group_joined` (another
    /// device, a reconnect).
    ResumeGroup {
        protocol_version: u32,
        group: GroupCode,
        token: String,
    },
    /// Ask the group to do something; `id` is the sender's, echoed in the answer.
    GroupCommand {
        id: u64,
        #[serde(deserialize_with = "command_named")]
        command: GroupCommand,
    },
}

impl GroupClientMessage {
    /// The `type` of each message: a frame of another type is not the group's.
    pub const TYPES: [&'static str; 3] = ["join_group", "resume_group", "group_command"];
}

// `Deserialize` comes from `tag_first_enum!`: `type` first, read without buffering
// (`crate::tag_first`): the group's page reads these, and serde's derive would compile a
// second, buffered reader of the whole group into the browser's module.
tag_first_enum! {
    #[serde(tag = "type", rename_all = "snake_case")]
    /// From the server to one connection in a group (with the room's `ack`, `rejected`,
    /// `pong` and `bye`).
    // Snapshots are rare and large, events frequent and small (as for rooms).
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub enum GroupServerMessage {
        /// You are in: your member id, and the secret token that opens your place again
        /// (your personal link). Sent to this connection only.
        GroupJoined {
            protocol_version: u32,
            group: GroupCode,
            you: ParticipantId,
            token: String,
        },
        /// The whole group as of sequence number `seq`, and your own vote in the current
        /// ballot (this part differs per member: nobody else's vote is ever sent).
        GroupSnapshot {
            seq: u64,
            server_time: Millis,
            state: GroupState,
            #[serde(default)]
            your_vote: Option<ProposalId>,
            /// The members with the group's page open now (any device).
            #[serde(default)]
            present: Vec<ParticipantId>,
        },
        /// Who has the group's page open changed: everyone who has it open now. Not an
        /// event: nothing is stored and the group's numbers do not move.
        GroupPresence { present: Vec<ParticipantId> },
        /// Something happened in the group; `seq` is one more than the previous event's.
        GroupEvent { seq: u64, event: GroupEvent },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_types_are_the_messages_types() {
        let messages = [
            r#"{"type":"join_group","protocol_version":2,"group":"g","name":"Ana"}"#,
            r#"{"type":"resume_group","protocol_version":2,"group":"g","token":"t"}"#,
            r#"{"type":"group_command","id":1,"command":{"type":"leave"}}"#,
        ];
        for (text, kind) in messages.iter().zip(GroupClientMessage::TYPES) {
            let message: GroupClientMessage = serde_json::from_str(text).expect(text);
            let written = serde_json::to_value(&message).expect("encode");
            assert_eq!(written["type"], kind);
        }
    }

    #[test]
    fn a_group_command_is_named_by_its_type_never_by_its_number() {
        let numbered = r#"{"type":"group_command","id":1,"command":{"type":11}}"#;
        assert!(serde_json::from_str::<GroupClientMessage>(numbered).is_err());
    }
}
