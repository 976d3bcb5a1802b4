//! `decide` for a group: the rules as a pure function, in a fixed order of checks so that
//! the same situation always gets the same code: a member still in the group, then
//! their role ([`group_rights`]), then the rules that need the state, then the values.
//! A command that asks for what already holds succeeds with no events, so a command
//! sent again after a reconnect is harmless.

use super::create::call_link;
use super::{
    FollowUp, Group, GroupCommand, GroupEvent, GroupRole, GroupState, Member, PlannedSession,
    Proposal, SessionState, SessionSummary, Standing, group_rights,
};
use crate::ids::{ParticipantId, ProposalId, RoomCode};
use crate::limits::Limits;
use crate::logic::values::{client_id, not_found, optional_text, text};
use crate::rejection::{ErrorCode, Rejection};
use crate::timer::Millis;

type Decision = Result<Vec<GroupEvent>, Rejection>;

/// Decide what `actor`'s `command` does to `group`. `new_room` is a room code the server
/// drew in case the command opens a session (the room is made only if it does).
pub fn decide(
    group: &Group,
    actor: &ParticipantId,
    command: &GroupCommand,
    new_room: &RoomCode,
    limits: &Limits,
) -> Decision {
    let state = &group.state;
    let me = state
        .active_member(actor)
        .ok_or_else(|| Rejection::new(ErrorCode::NotJoined, "join the group first"))?;
    if !group_rights(command).contains(&me.role) {
        return Err(Rejection::new(
            ErrorCode::Forbidden,
            "this role may not do that in a group",
        ));
    }
    let decider = Decider {
        group,
        state,
        me,
        limits,
    };
    decider.decide(command, new_room)
}

/// Decide whether someone may join the group as `role` under `name`; the server has
/// made `id`.
pub fn decide_join(
    state: &GroupState,
    id: ParticipantId,
    name: &str,
    role: GroupRole,
    limits: &Limits,
) -> Decision {
    let name = text(name, limits.name_chars, "name")?;
    if state.members.len() >= limits.group_members {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("a group has at most {} members", limits.group_members),
        ));
    }
    Ok(vec![GroupEvent::MemberJoined {
        member: Member {
            id,
            name,
            role,
            charter_accepted: 0,
            standing: Standing::Active,
        },
    }])
}

/// The event that records a group's session as closed, once its room `room` closed
/// with `summary` (see [`SessionSummary::of`]); `None` if no running session of the
/// group is held in that room (it was recorded already).
pub fn session_closed(
    state: &GroupState,
    room: &RoomCode,
    summary: Option<SessionSummary>,
) -> Option<GroupEvent> {
    let index = state
        .series
        .iter()
        .position(|s| s.state == SessionState::Live && s.room.as_ref() == Some(room))?;
    Some(GroupEvent::SessionClosed {
        index: index as u32,
        summary,
    })
}

/// One decision, with its context at hand. Membership and role are already checked.
struct Decider<'a> {
    group: &'a Group,
    state: &'a GroupState,
    me: &'a Member,
    limits: &'a Limits,
}

impl Decider<'_> {
    fn decide(&self, command: &GroupCommand, new_room: &RoomCode) -> Decision {
        let state = self.state;
        let limits = self.limits;
        let none = Ok(Vec::new());
        match command {
            GroupCommand::AcceptCharter { version } => {
                if *version != state.charter_version {
                    return Err(Rejection::new(
                        ErrorCode::Stale,
                        "the charter has changed: read it again",
                    ));
                }
                if self.me.charter_accepted == *version {
                    return none;
                }
                Ok(vec![GroupEvent::CharterAccepted {
                    member: self.me.id.clone(),
                    version: *version,
                }])
            }
            GroupCommand::SetDetails {
                name,
                call_link: link,
            } => {
                let name = text(name, limits.group_name_chars, "group's name")?;
                let call_link = call_link(link.as_deref(), limits)?;
                if name == state.name && call_link == state.call_link {
                    return none;
                }
                Ok(vec![GroupEvent::DetailsSet { name, call_link }])
            }
            GroupCommand::SetCharter { text: charter } => {
                let charter = match charter {
                    Some(charter) => Some(text(charter, limits.charter_chars, "charter")?),
                    None => None,
                };
                if charter == state.charter {
                    return none;
                }
                Ok(vec![GroupEvent::CharterSet {
                    text: charter,
                    version: state.charter_version + 1,
                }])
            }
            GroupCommand::PlanSeries { dates } => self.plan(dates),
            GroupCommand::NameSessionFacilitator { index, member } => {
                let session = self.planned(*index)?;
                if let Some(member) = member {
                    let named = state
                        .active_member(member)
                        .ok_or_else(|| not_found("member"))?;
                    if named.role != GroupRole::Member {
                        return Err(Rejection::new(
                            ErrorCode::InvalidValue,
                            "the group's facilitator runs every session already",
                        ));
                    }
                }
                if &session.facilitator == member {
                    return none;
                }
                Ok(vec![GroupEvent::SessionFacilitatorNamed {
                    index: *index,
                    member: member.clone(),
                }])
            }
            GroupCommand::OpenSession { index, .. } => self.open(*index, new_room),
            GroupCommand::ProposeTopic {
                proposal_id,
                title,
                line,
            } => self.propose(proposal_id, title, line),
            GroupCommand::WithdrawTopic { proposal_id } => {
                let proposal = state
                    .proposal(proposal_id)
                    .ok_or_else(|| not_found("proposal"))?;
                if proposal.author != self.me.id {
                    return Err(Rejection::new(
                        ErrorCode::NotAuthor,
                        "only its author withdraws a proposal",
                    ));
                }
                if proposal.withdrawn {
                    return none;
                }
                if proposal.picked_for.is_some() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "this proposal is already a session's topic",
                    ));
                }
                Ok(vec![GroupEvent::TopicWithdrawn {
                    proposal_id: proposal_id.clone(),
                }])
            }
            GroupCommand::Vote { proposal_id } => {
                if state.live_session().is_none() {
                    return Err(Rejection::new(
                        ErrorCode::WrongStep,
                        "the ballot is open while a session runs",
                    ));
                }
                if let Some(proposal_id) = proposal_id {
                    self.open_proposal(proposal_id)?;
                }
                let from = self.group.vote_of(&self.me.id).cloned();
                if &from == proposal_id {
                    return none;
                }
                Ok(vec![GroupEvent::VoteMoved {
                    from,
                    to: proposal_id.clone(),
                }])
            }
            GroupCommand::PickTopic { index, proposal_id } => {
                let session = self.session(*index)?;
                if session.state == SessionState::Closed {
                    return Err(closed_session());
                }
                let proposal = state
                    .proposal(proposal_id)
                    .ok_or_else(|| not_found("proposal"))?;
                if proposal.picked_for == Some(*index) {
                    return none;
                }
                self.open_proposal(proposal_id)?;
                Ok(vec![GroupEvent::TopicPicked {
                    index: *index,
                    proposal_id: proposal_id.clone(),
                }])
            }
            GroupCommand::SetFollowUp {
                index,
                action_id,
                status,
                word,
            } => {
                let summary = self
                    .session(*index)?
                    .summary
                    .as_ref()
                    .ok_or_else(|| not_found("closed session"))?;
                if summary.client != self.me.id {
                    return Err(Rejection::new(
                        ErrorCode::NotAuthor,
                        "only the session's client follows up its plan",
                    ));
                }
                let action = state
                    .planned_action(*index as usize, action_id)
                    .ok_or_else(|| not_found("action"))?;
                let follow_up = FollowUp {
                    status: *status,
                    word: optional_text(word, limits.follow_up_chars, "word")?,
                };
                if action.follow_up.as_ref() == Some(&follow_up) {
                    return none;
                }
                Ok(vec![GroupEvent::FollowUpSet {
                    index: *index,
                    action_id: action_id.clone(),
                    follow_up,
                }])
            }
            GroupCommand::Leave => Ok(vec![GroupEvent::MemberLeft {
                member: self.me.id.clone(),
            }]),
            GroupCommand::RemoveMember { member } => {
                let removed = state
                    .active_member(member)
                    .ok_or_else(|| not_found("member"))?;
                if removed.role == GroupRole::Facilitator {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "the group's facilitator cannot be removed",
                    ));
                }
                Ok(vec![GroupEvent::MemberRemoved {
                    member: member.clone(),
                }])
            }
        }
    }

    fn session(&self, index: u32) -> Result<&PlannedSession, Rejection> {
        self.state
            .series
            .get(index as usize)
            .ok_or_else(|| not_found("session"))
    }

    /// A session not opened yet.
    fn planned(&self, index: u32) -> Result<&PlannedSession, Rejection> {
        let session = self.session(index)?;
        if session.state != SessionState::Planned {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "this session has been opened already",
            ));
        }
        Ok(session)
    }

    /// The dates of the sessions not opened yet: sessions open in order, so the opened
    /// ones are the series' first, and the new dates follow them, each later than the
    /// one before.
    fn plan(&self, dates: &[Millis]) -> Decision {
        let state = self.state;
        let opened: Vec<&PlannedSession> = state
            .series
            .iter()
            .filter(|s| s.state != SessionState::Planned)
            .collect();
        let total = opened.len() + dates.len();
        if total == 0 || total > self.limits.series_sessions {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                format!("a series has 1 to {} sessions", self.limits.series_sessions),
            ));
        }
        let mut previous = opened.last().map(|s| s.at);
        for &at in dates {
            if previous.is_some_and(|previous| at <= previous) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "each session comes after the one before",
                ));
            }
            previous = Some(at);
        }
        let planned: Vec<Millis> = state.series[opened.len()..].iter().map(|s| s.at).collect();
        if planned == dates {
            return Ok(Vec::new());
        }
        Ok(vec![GroupEvent::SeriesPlanned {
            dates: dates.to_vec(),
        }])
    }

    /// Open the first session not opened yet, one at a time; a member opens only the
    /// session they were named to run.
    fn open(&self, index: u32, new_room: &RoomCode) -> Decision {
        let session = self.session(index)?;
        let named = session.facilitator.as_ref() == Some(&self.me.id);
        if self.me.role != GroupRole::Facilitator && !named {
            return Err(Rejection::new(
                ErrorCode::Forbidden,
                "only the group's facilitator, or the member named to run it, opens a session",
            ));
        }
        if session.state == SessionState::Live {
            return Ok(Vec::new());
        }
        self.planned(index)?;
        if self.state.live_session().is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "a session is running: close it first",
            ));
        }
        let first_planned = self
            .state
            .series
            .iter()
            .position(|s| s.state == SessionState::Planned);
        if first_planned != Some(index as usize) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "sessions open in the order of the series",
            ));
        }
        Ok(vec![GroupEvent::SessionOpened {
            index,
            room: new_room.clone(),
        }])
    }

    fn propose(&self, proposal_id: &ProposalId, title: &str, line: &str) -> Decision {
        let limits = self.limits;
        client_id(proposal_id.as_str(), limits)?;
        let title = text(title, limits.proposal_title_chars, "title")?;
        let line = optional_text(line, limits.proposal_line_chars, "line")?;
        if let Some(existing) = self.state.proposal(proposal_id) {
            // The same proposal sent again after a reconnect.
            if existing.author == self.me.id && existing.title == title && existing.line == line {
                return Ok(Vec::new());
            }
            return Err(Rejection::new(
                ErrorCode::IdTaken,
                "this id names another proposal",
            ));
        }
        let open = self
            .state
            .proposals
            .iter()
            .filter(|p| p.author == self.me.id && !p.withdrawn && p.picked_for.is_none())
            .count();
        if open >= limits.proposals_per_member {
            return Err(Rejection::new(
                ErrorCode::LimitReached,
                format!(
                    "a member has at most {} open proposals",
                    limits.proposals_per_member
                ),
            ));
        }
        Ok(vec![GroupEvent::TopicProposed {
            proposal: Proposal {
                id: proposal_id.clone(),
                author: self.me.id.clone(),
                title,
                line,
                withdrawn: false,
                picked_for: None,
                votes: 0,
            },
        }])
    }

    /// A proposal that can still be voted for or picked.
    fn open_proposal(&self, proposal_id: &ProposalId) -> Result<&Proposal, Rejection> {
        let proposal = self
            .state
            .proposal(proposal_id)
            .ok_or_else(|| not_found("proposal"))?;
        if proposal.withdrawn || proposal.picked_for.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "this proposal is withdrawn or already a session's topic",
            ));
        }
        Ok(proposal)
    }
}

fn closed_session() -> Rejection {
    Rejection::new(ErrorCode::SessionClosed, "this session is closed")
}
