//! Loading a stored room: its events replayed in order into a fresh [`Room`], its seats
//! and the answers its senders were given restored, everyone away until they come back.
//! A gap in the stored sequence is corruption, reported, never papered over.

use super::RoomHandle;
use super::actor::RoomActor;
use crate::actor::seats::{PastAnswer, Seats};
use crate::actor::{Context, Registration};
use crate::storage::{StoreError, StoredEvent, StoredRoom};
use shared::{Room, RoomState};
use tokio::time::Instant;

/// Rebuild a stored room by replaying its events, and start its actor. Everyone is
/// away until they come back; their grace period starts now.
pub fn restore(
    stored: StoredRoom,
    context: Context,
    registration: Registration,
) -> Result<RoomHandle, StoreError> {
    let StoredRoom {
        room: created,
        seats: stored_seats,
        events,
        ..
    } = stored;
    let code = created.code;
    let mut room = Room::new(RoomState::new(
        created.title,
        created.language,
        created.created_at,
    ));
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
                "room {code}: event {stored_seq} follows event {seq}"
            )));
        }
        room.apply(&event, actor.as_ref());
        seq = stored_seq;
        // The answer its sender was (or was about to be) given, should they ask again.
        if let (Some(actor), Some(id)) = (actor, command_id) {
            seats.remember_answer(&actor, id, PastAnswer::Ack { seq });
        }
    }
    for participant in &mut room.state.participants {
        participant.connected = false;
    }
    room.shrink_to_fit();
    seats.all_away(Instant::now());
    let actor = RoomActor::new(code, room, seq, created.facilitator_key, seats, context);
    Ok(actor.start(registration))
}
