//! `apply` for a group: each event made so, the same on the server and in every
//! member's page. Events were decided against the state they apply to, so an event
//! naming something that is not there changes nothing (it cannot happen in order).

use super::{GroupEvent, GroupState, PlannedSession, SessionState, Standing};
use crate::ids::ParticipantId;

impl GroupState {
    pub fn apply(&mut self, event: &GroupEvent) {
        match event {
            GroupEvent::MemberJoined { member } => self.members.push(member.clone()),
            GroupEvent::CharterAccepted { member, version } => {
                if let Some(member) = self.member_mut(member) {
                    member.charter_accepted = *version;
                }
            }
            GroupEvent::DetailsSet { name, call_link } => {
                self.name = name.clone();
                self.call_link = call_link.clone();
            }
            GroupEvent::CharterSet { text, version } => {
                self.charter = text.clone();
                self.charter_version = *version;
            }
            GroupEvent::SeriesPlanned { dates } => {
                let opened = self
                    .series
                    .iter()
                    .take_while(|s| s.state != SessionState::Planned)
                    .count();
                // A session keeps the member named to run it when its date moves.
                let named: Vec<Option<ParticipantId>> = self.series[opened..]
                    .iter()
                    .map(|s| s.facilitator.clone())
                    .collect();
                self.series.truncate(opened);
                for (i, &at) in dates.iter().enumerate() {
                    self.series.push(PlannedSession {
                        at,
                        state: SessionState::Planned,
                        room: None,
                        facilitator: named.get(i).cloned().flatten(),
                        summary: None,
                    });
                }
            }
            GroupEvent::SessionFacilitatorNamed { index, member } => {
                if let Some(session) = self.series.get_mut(*index as usize) {
                    session.facilitator = member.clone();
                }
            }
            GroupEvent::SessionOpened { index, room } => {
                if let Some(session) = self.series.get_mut(*index as usize) {
                    session.state = SessionState::Live;
                    session.room = Some(room.clone());
                }
            }
            GroupEvent::SessionClosed { index, summary } => {
                if let Some(session) = self.series.get_mut(*index as usize) {
                    session.state = SessionState::Closed;
                    session.summary = summary.clone();
                }
                // The ballot ends with its session.
                for proposal in &mut self.proposals {
                    proposal.votes = 0;
                }
            }
            GroupEvent::TopicProposed { proposal } => self.proposals.push(proposal.clone()),
            GroupEvent::TopicWithdrawn { proposal_id } => {
                if let Some(proposal) = self.proposals.iter_mut().find(|p| &p.id == proposal_id) {
                    proposal.withdrawn = true;
                    proposal.votes = 0;
                }
            }
            GroupEvent::VoteMoved { from, to } => {
                for proposal in &mut self.proposals {
                    if from.as_ref() == Some(&proposal.id) {
                        proposal.votes = proposal.votes.saturating_sub(1);
                    }
                    if to.as_ref() == Some(&proposal.id) {
                        proposal.votes += 1;
                    }
                }
            }
            GroupEvent::TopicPicked { index, proposal_id } => {
                if let Some(proposal) = self.proposals.iter_mut().find(|p| &p.id == proposal_id) {
                    proposal.picked_for = Some(*index);
                }
            }
            GroupEvent::FollowUpSet {
                index,
                action_id,
                follow_up,
            } => {
                let action = self
                    .series
                    .get_mut(*index as usize)
                    .and_then(|s| s.summary.as_mut())
                    .and_then(|summary| {
                        summary.plan.iter_mut().find(|a| &a.action.id == action_id)
                    });
                if let Some(action) = action {
                    action.follow_up = Some(follow_up.clone());
                }
            }
            GroupEvent::MemberLeft { member } => self.part(member, Standing::Left),
            GroupEvent::MemberRemoved { member } => self.part(member, Standing::Removed),
        }
    }

    fn member_mut(&mut self, id: &ParticipantId) -> Option<&mut super::Member> {
        self.members.iter_mut().find(|m| &m.id == id)
    }

    /// A member goes: their standing changes, and sessions not yet opened lose them as
    /// their named facilitator. Their name stays in the group's memory as it was.
    fn part(&mut self, id: &ParticipantId, standing: Standing) {
        if let Some(member) = self.member_mut(id) {
            member.standing = standing;
        }
        for session in &mut self.series {
            if session.state == SessionState::Planned && session.facilitator.as_ref() == Some(id) {
                session.facilitator = None;
            }
        }
    }
}
