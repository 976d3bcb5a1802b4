//! Loading a stored room or group: its seats back, and its events replayed in order,
//! with the answer each sender was given. A gap in the stored sequence is corruption,
//! reported, never papered over.

use super::seats::{PastAnswer, Seats};
use crate::secrets::Digest;
use crate::storage::{StoreError, StoredEvent};
use shared::ParticipantId;
use std::fmt::Display;

/// The seats of `stored_seats`, and the sequence number of the last of `events`, each
/// given to `apply` with whose command caused it. `whose` names the room or group in a
/// report of corruption ("room abc").
pub fn replay<E>(
    whose: impl Display,
    stored_seats: Vec<(ParticipantId, Digest)>,
    events: Vec<StoredEvent<E>>,
    mut apply: impl FnMut(&E, Option<&ParticipantId>),
) -> Result<(Seats, u64), StoreError> {
    let mut seats = Seats::default();
    for (participant, token) in stored_seats {
        seats.add(participant, token);
    }
    let mut seq = 0;
    for StoredEvent {
        seq: stored_seq,
        actor,
        command_id,
        event,
        ..
    } in events
    {
        if stored_seq != seq + 1 {
            return Err(StoreError::Corrupt(format!(
                "{whose}: event {stored_seq} follows event {seq}"
            )));
        }
        apply(&event, actor.as_ref());
        seq = stored_seq;
        // The answer its sender was (or was about to be) given, should they ask again.
        if let (Some(actor), Some(id)) = (actor, command_id) {
            seats.remember_answer(&actor, id, PastAnswer::Ack { seq });
        }
    }
    Ok((seats, seq))
}
