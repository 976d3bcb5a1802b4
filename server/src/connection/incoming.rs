//! A text frame read as a message of the protocol: a room's ([`ClientMessage`]) or a
//! group's ([`GroupClientMessage`]), two enums so that a room's page does not carry a
//! group's code (`shared::wire::group`). A frame is read as a room's first, as most are;
//! only one that is not is looked at again, by its `type`, and read as a group's if
//! that type is one of theirs, so that each kind of frame is refused in its own words.

use serde::Deserialize;
use shared::wire::ClientMessage;
use shared::wire::group::GroupClientMessage;
use std::borrow::Cow;

/// A message from a client, about a room or about a group.
#[derive(Debug)]
pub enum Incoming {
    Room(ClientMessage),
    Group(GroupClientMessage),
}

/// Read `text` as a message, or say why it is not one.
pub fn read(text: &str) -> Result<Incoming, serde_json::Error> {
    let room = match serde_json::from_str(text) {
        Ok(message) => return Ok(Incoming::Room(message)),
        Err(error) => error,
    };
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
    }
    match serde_json::from_str::<Tag>(text) {
        Ok(tag) if GroupClientMessage::TYPES.contains(&tag.kind.as_ref()) => {
            serde_json::from_str(text).map(Incoming::Group)
        }
        _ => Err(room),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_as_a_rooms_or_a_groups_each_refused_in_its_own_words() {
        assert!(matches!(
            read(r#"{"type":"ping","nonce":1}"#),
            Ok(Incoming::Room(ClientMessage::Ping { nonce: 1 }))
        ));
        assert!(matches!(
            read(r#"{"group":"g","type":"resume_group","protocol_version":2,"token":"t"}"#),
            Ok(Incoming::Group(GroupClientMessage::ResumeGroup { .. }))
        ));
        let group = read(r#"{"type":"join_group","group":"g"}"#).unwrap_err();
        assert!(group.to_string().contains("protocol_version"), "{group}");
        let unknown = read(r#"{"type":"dance"}"#).unwrap_err();
        assert!(unknown.to_string().contains("unknown variant"), "{unknown}");
    }
}
