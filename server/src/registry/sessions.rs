//! Between a group and its sessions' rooms, where neither actor reaches the other
//! (`docs/groups.md`, "How a group's session is a room"): who a member token is in a
//! session's room (the room says which group, the group who the token is), a room's
//! closing passed on to its group on a task of its own, and, when a group is loaded,
//! the repair of a closing that a crash kept from reaching it (its room is closed in the
//! store, the group still shows the session live).

use super::{FindError, Registry, ask, found};
use crate::actor::ReportClosing;
use crate::group::{ClosedSession, Membership, ToGroup};
use crate::storage::StoredRoom;
use shared::group::SessionSummary;
use shared::{RoomCode, RoomState};
use std::sync::Arc;

impl Registry {
    /// Who `token` is in the room `room`: `None` for a room that runs no group's
    /// session, and for a token that is not an active member's of that group.
    pub async fn membership(
        &self,
        room: &RoomCode,
        token: &str,
    ) -> Result<Option<Membership>, FindError> {
        let Some(of) = self.describe(room).await?.group else {
            return Ok(None);
        };
        let asked = ask(
            || self.find_group(&of.group),
            |reply| ToGroup::Identify {
                token: token.to_owned(),
                index: of.index,
                reply,
            },
        );
        match asked.await {
            Err(FindError::Unknown) => Ok(None),
            answer => answer,
        }
    }

    /// How the rooms this registry starts report their closing: each report goes to
    /// the group on a task of its own, so that the room never waits for its group.
    pub(super) fn report_closing(&self) -> ReportClosing {
        let registry = self.clone();
        Arc::new(move |closed| {
            let registry = registry.clone();
            tokio::spawn(async move { registry.tell_group(closed).await });
        })
    }

    /// Hand a closed session to its group. A group loaded for it reads the closing
    /// from the store itself (and the message then changes nothing).
    async fn tell_group(&self, closed: ClosedSession) {
        for _ in 0..super::LOOKUPS {
            let handle = match self.find_group(&closed.group).await {
                Ok(handle) => handle,
                // Deleted (with its rooms, or before them): nobody to tell.
                Err(FindError::Unknown) => return,
                Err(error) => {
                    tracing::warn!(group = %closed.group, room = %closed.room, ?error,
                        "a closed session could not reach its group; it is read back when the group loads");
                    return;
                }
            };
            let told = ToGroup::SessionClosed {
                room: closed.room.clone(),
                summary: closed.summary.clone(),
            };
            if handle.send(told).await.is_ok() {
                return;
            }
        }
    }

    /// What the group keeps of the session `room` runs, if that room is closed in the
    /// store: read back from its stored events; nothing if it was deleted (the session
    /// is closed with no summary).
    pub(super) async fn closed_in_store(
        &self,
        room: &RoomCode,
    ) -> Result<Option<Option<SessionSummary>>, FindError> {
        let stored = match found(self.services.store.load_room(room).await, "room", room) {
            Ok(stored) => stored,
            // Deleted without the group hearing of it: closed, nothing kept.
            Err(FindError::Unknown) => return Ok(Some(None)),
            Err(error) => return Err(error),
        };
        Ok(stored
            .closed_at
            .map(|_| SessionSummary::of(&replayed_state(stored))))
    }
}

/// The state a stored room's events give (its public state: all a summary needs).
fn replayed_state(stored: StoredRoom) -> RoomState {
    let created = stored.room;
    let mut state = RoomState::new(created.title, created.language, created.created_at);
    for event in &stored.events {
        state.apply(&event.event);
    }
    state
}
