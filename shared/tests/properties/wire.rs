//! Checks on the wire format: events and snapshots survive a round trip, and no note's
//! JSON names its author.

use crate::generate::ACTORS;
use proptest::prelude::*;
use serde_json::Value;
use shared::event::Event;
use shared::state::RoomState;

/// Every key anywhere in a JSON value.
pub fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

/// Every string anywhere in a JSON value.
pub fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Object(map) => map.values().for_each(|inner| strings(inner, out)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        _ => {}
    }
}

/// A note's JSON names no author: no author-like key, no participant id anywhere.
pub fn check_anonymous(note_json: &Value, what: &str) -> Result<(), TestCaseError> {
    let mut found = Vec::new();
    keys(note_json, &mut found);
    prop_assert!(
        !found.iter().any(|k| {
            let k = k.to_lowercase();
            k.contains("author") || k.contains("participant") || k.contains("by")
        }),
        "{what} has an author-like key: {note_json}"
    );
    let mut values = Vec::new();
    strings(note_json, &mut values);
    prop_assert!(
        !values.iter().any(|v| ACTORS.contains(&v.as_str())),
        "{what} names a participant: {note_json}"
    );
    Ok(())
}

pub fn check_event_wire(event: &Event) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(event).expect("events serialize");
    let back: Event = serde_json::from_str(&text).expect("events deserialize");
    prop_assert_eq!(&back, event);
    if matches!(event, Event::NotePosted { .. } | Event::NoteEdited { .. }) {
        let value: Value = serde_json::from_str(&text).unwrap();
        check_anonymous(&value, "a note event")?;
    }
    Ok(())
}

pub fn check_state_wire(state: &RoomState) -> Result<(), TestCaseError> {
    // Read back from the text, as a client does: a `serde_json::Value` sorts its keys,
    // and the timer's `state` must come first (`shared::tag_first`).
    let text = serde_json::to_string(state).expect("states serialize");
    let back: RoomState = serde_json::from_str(&text).expect("states deserialize");
    let value: Value = serde_json::from_str(&text).unwrap();
    prop_assert_eq!(&back, state);
    check_anonymous(&value["notes"], "the notes of a snapshot")?;
    Ok(())
}
