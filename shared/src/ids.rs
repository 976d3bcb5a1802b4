//! Identifiers, as opaque strings on the wire.
//!
//! Participant ids and room codes are made by the server. Note, question and action ids
//! are made by the client that creates the thing, so that a command retried after a
//! dropped connection names the same thing and is applied once. Clients must make them
//! random (our client uses 128 random bits): a note id must say nothing about its author.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

string_id!(
    /// A participant's public id, made by the server when they join.
    ParticipantId
);
string_id!(
    /// The code in an invite link; unguessable, made by the server.
    RoomCode
);
string_id!(
    /// A sticky note, named by the consultant's client when posting it.
    NoteId
);
string_id!(
    /// A clarifying-question card, named by the asking consultant's client.
    QuestionId
);
string_id!(
    /// An action of the client's plan, named by the client's client.
    ActionId
);
string_id!(
    /// The code in a group's invite link; unguessable, made by the server.
    GroupCode
);
string_id!(
    /// A topic proposed for a group's next session, named by the proposer's client.
    ProposalId
);

/// Whether a client-made id has an acceptable shape: 1 to `max` characters from
/// `[A-Za-z0-9_-]`. Anything else could smuggle text into places meant for ids.
pub fn is_valid_client_id(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_restricted_to_a_safe_alphabet() {
        assert!(is_valid_client_id("a1-B_2", 64));
        assert!(!is_valid_client_id("", 64));
        assert!(!is_valid_client_id("has space", 64));
        assert!(!is_valid_client_id("é", 64));
        assert!(!is_valid_client_id(&"x".repeat(65), 64));
    }
}
