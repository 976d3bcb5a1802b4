//! What a room does as a session of a group (`docs/groups.md`, "How a group's session
//! is a room"): it seats the members its group vouched for under their member ids,
//! and once its closing is durable, it hands its group what the group keeps of it; once
//! its deletion is durable, it tells its group that the session closed with nothing kept.

use super::{Own, RoomActor};
use crate::actor::core::Held;
use crate::group::{ClosedSession, Membership};
use shared::group::SessionSummary;
use shared::logic::decide_member_join;
use shared::{ParticipantId, Rejection};
use tokio::sync::oneshot;

impl RoomActor {
    /// The seat of a member of the room's group, made on their first entry. `token`
    /// is the seat's, derived from their member token for this room: the same on
    /// every device, so their first seat stays theirs.
    pub(super) fn admit_member(
        &mut self,
        member: Membership,
        token: String,
    ) -> Result<(ParticipantId, String), Rejection> {
        if self.group.is_none() {
            return Err(crate::room::invalid_entry());
        }
        if self.room.state.participant(&member.id).is_some() {
            return Ok((member.id, token));
        }
        let joined = decide_member_join(
            &self.room.state,
            member.id.clone(),
            &member.name,
            member.role,
            &self.config.limits,
        )?;
        self.take_seat(&member.id, &token, joined, member.role);
        Ok((member.id, token))
    }

    /// The room is deleted, durably once `deleted` fires: if it runs a session of a
    /// group, its group then records that session closed with no summary (a second
    /// report of a session closed changes nothing). The receiver answered fires after
    /// that report.
    pub(super) fn report_deletion(&self, deleted: oneshot::Receiver<()>) -> oneshot::Receiver<()> {
        let Some(of) = &self.group else {
            return deleted;
        };
        let closed = ClosedSession {
            group: of.group.clone(),
            room: self.code.clone(),
            summary: None,
        };
        let closing = self.closing.clone();
        let (done, answer) = oneshot::channel();
        tokio::spawn(async move {
            if deleted.await.is_ok() {
                closing(closed);
                let _ = done.send(());
            }
        });
        answer
    }

    /// The room closed at event `seq`: once that is durable, its group records it.
    pub(super) fn report_closing(&mut self, seq: u64) {
        let Some(of) = &self.group else {
            return;
        };
        let closed = ClosedSession {
            group: of.group.clone(),
            room: self.code.clone(),
            summary: SessionSummary::of(&self.room.state),
        };
        self.when_durable(seq, Held::Own(Own::Closed(Box::new(closed))));
    }
}
