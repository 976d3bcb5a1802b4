//! Loading a stored room: its events replayed in order into a fresh [`Room`], its seats
//! and the answers its senders were given restored ([`replay`]), everyone away until
//! they come back.

use super::RoomHandle;
use super::actor::{RoomActor, Stored};
use crate::actor::replay::replay;
use crate::actor::{Context, Registration};
use crate::storage::{StoreError, StoredRoom};
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
    let mut state = RoomState::new(created.title, created.language, created.created_at);
    state.call_link = created.call_link;
    let mut room = Room::new(state);
    let (mut seats, seq) = replay(
        format!("room {code}"),
        stored_seats,
        events,
        |event, actor| room.apply(event, actor),
    )?;
    for participant in &mut room.state.participants {
        participant.connected = false;
    }
    room.shrink_to_fit();
    seats.all_away(Instant::now());
    let stored = Stored {
        seq,
        facilitator_key: created.facilitator_key,
        group: created.group,
    };
    let actor = RoomActor::new(code, room, stored, seats, context);
    Ok(actor.start(registration))
}
