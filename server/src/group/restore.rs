//! Loading a stored group: what it was created with, its members' token digests, and
//! its events replayed in order into a fresh [`Group`] (the secret ballot included,
//! from whose command each vote moved).

use super::GroupHandle;
use super::actor::GroupActor;
use crate::actor::replay::replay;
use crate::actor::{Context, Registration};
use crate::storage::{StoreError, StoredGroup};
use shared::group::{Group, GroupState};

/// Rebuild a stored group by replaying its events, and start its actor.
pub fn restore(
    stored: StoredGroup,
    context: Context,
    registration: Registration,
) -> Result<GroupHandle, StoreError> {
    let created = stored.group;
    let code = created.code;
    let state = GroupState::new(code.clone(), created.name, created.created_at);
    let mut group = Group::new(state);
    let whose = format!("group {code}");
    let (seats, seq) = replay(whose, stored.members, stored.events, |event, actor| {
        group.apply(event, actor)
    })?;
    let actor = GroupActor::new(code, group, seq, created.facilitator_key, seats, context);
    Ok(actor.start(registration))
}
