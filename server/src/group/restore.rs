//! Loading a stored group: what it was created with, its members' token digests, and
//! its events replayed in order into a fresh [`Group`] (the secret ballot included,
//! from whose command each vote moved). Between the replay and the start, the registry
//! may find that the session the group shows live has closed in the store (a crash came
//! between the room's closing and the group's event): the group records it as it starts.

use super::GroupHandle;
use super::actor::GroupActor;
use crate::actor::replay::replay;
use crate::actor::seats::Seats;
use crate::actor::{Context, Registration};
use crate::secrets::Digest;
use crate::storage::{StoreError, StoredGroup};
use shared::group::{Group, GroupState, SessionSummary};
use shared::{GroupCode, RoomCode};

/// A stored group replayed, not started yet.
pub struct Replayed {
    code: GroupCode,
    group: Group,
    seq: u64,
    facilitator_key: Digest,
    seats: Seats,
}

/// Rebuild a stored group by replaying its events.
pub fn replayed(stored: StoredGroup) -> Result<Replayed, StoreError> {
    let created = stored.group;
    let code = created.code;
    let state = GroupState::new(code.clone(), created.name, created.created_at);
    let mut group = Group::new(state);
    let whose = format!("group {code}");
    let (seats, seq) = replay(whose, stored.members, stored.events, |event, actor| {
        group.apply(event, actor)
    })?;
    Ok(Replayed {
        code,
        group,
        seq,
        facilitator_key: created.facilitator_key,
        seats,
    })
}

impl Replayed {
    /// The room of the session the group shows running, if one is.
    pub fn live_room(&self) -> Option<&RoomCode> {
        let state = &self.group.state;
        state.series.get(state.live_session()?)?.room.as_ref()
    }

    /// Start its actor; `closed` is what the group keeps of its running session, if
    /// its room closed in the store without the group hearing of it.
    pub fn start(
        self,
        closed: Option<Option<SessionSummary>>,
        context: Context,
        registration: Registration,
    ) -> GroupHandle {
        let room = self.live_room().cloned();
        let mut actor = GroupActor::new(
            self.code,
            self.group,
            self.seq,
            self.facilitator_key,
            self.seats,
            context,
        );
        if let (Some(room), Some(summary)) = (room, closed) {
            actor.session_closed(&room, summary);
            actor.core.outbox.write_out();
        }
        actor.start(registration)
    }
}
