//! A group's sessions as rooms (`docs/groups.md`, "How a group's session is a room"):
//! the room a session opens in, stored in the same commit as the event that names it
//! and before it; who a member token is for a session's room; and recording a session
//! whose room closed, once.
//!
//! The group's actor never reaches a room, nor a room its group: the room's row goes
//! to the disk through the group's own outbox (the room is loaded from the store when
//! its first member comes), and rooms report their closing through the registry
//! ([`crate::actor::ReportClosing`]). No actor waits for another.

use super::Membership;
use super::actor::GroupActor;
use crate::actor::core::{self, Held};
use crate::storage::{NewRoom, SessionOf, Write};
use shared::RoomCode;
use shared::group::{GroupRole, SessionSummary, session_closed};
use shared::i18n::{Lang, fill};
use shared::state::{Language, Role};
use tokio::sync::oneshot;

impl GroupActor {
    /// Queue the room of session `index` for the disk: titled with the group's name
    /// and the session's number, in `language`, opened by the group facilitator's key
    /// (which deletes it as any session's), and linked to the group.
    pub(super) fn make_room(&mut self, room: &RoomCode, index: u32, language: Language) {
        let state = &self.group.state;
        let lang = match language {
            Language::Fr => Lang::Fr,
            Language::En => Lang::En,
        };
        let title = fill(
            lang.texts().series_event_title,
            &[
                &state.name,
                &(index + 1).to_string(),
                &state.series.len().to_string(),
            ],
        );
        self.core.outbox.write(Write::CreateRoom(NewRoom {
            call_link: None,
            code: room.clone(),
            title,
            language,
            created_at: self.services.clock.now(),
            facilitator_key: self.facilitator_key,
            group: Some(SessionOf {
                group: self.code.clone(),
                index,
            }),
        }));
        tracing::info!(group = %self.code, room = %room, index, "session opened");
    }

    /// Who `token` is in session `index`'s room, told once what it rests on is durable.
    pub(super) fn identify(
        &mut self,
        token: &str,
        index: u32,
        reply: oneshot::Sender<Option<Membership>>,
    ) {
        let state = &self.group.state;
        let membership = self
            .core
            .seats
            .find_by_token(token)
            .and_then(|id| state.active_member(&id))
            .map(|member| {
                let runs_it = state
                    .series
                    .get(index as usize)
                    .is_some_and(|session| session.facilitator.as_ref() == Some(&member.id));
                let role = if member.role == GroupRole::Facilitator || runs_it {
                    Role::Facilitator
                } else {
                    Role::Consultant
                };
                Membership {
                    id: member.id.clone(),
                    name: member.name.clone(),
                    role,
                }
            });
        let seq = self.core.outbox.seq();
        core::when_durable(self, seq, Held::Own(Box::new((membership, reply))));
    }

    /// The room of a running session closed: the group records what it keeps of it. A
    /// second report of the same closing (or of a room not running one of its
    /// sessions) changes nothing.
    pub(super) fn session_closed(&mut self, room: &RoomCode, summary: Option<SessionSummary>) {
        let Some(event) = session_closed(&self.group.state, room, summary) else {
            return;
        };
        tracing::info!(group = %self.code, room = %room, "session closed");
        self.publish(event, None, None);
    }
}
