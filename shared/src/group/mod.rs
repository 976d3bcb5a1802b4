//! A group and its series of sessions, as pure state and rules (design: `docs/groups.md`).
//!
//! The same shape as a room's: the state everyone in the group sees ([`GroupState`]),
//! the server's private wrapper that also holds the secret ballot ([`Group`]), what
//! members ask for ([`GroupCommand`]), what happens ([`GroupEvent`]), and two pure
//! functions, [`decide`] (rights, then values, then which events follow) and
//! [`GroupState::apply`]. No clock, no randomness, no I/O: the server's group actor and
//! every member's page will replay the same code.
//!
//! The server's group actor runs them (issue 15, slice 2); the client does not yet.

mod apply;
mod command;
mod create;
mod decide;
mod rights;

pub use command::{GroupCommand, GroupEvent};
pub use create::{NewGroupDetails, call_link, decide_create};
pub use decide::{decide, decide_join, session_closed};
pub use rights::{GroupRole, group_rights};

use crate::ids::{ActionId, GroupCode, ParticipantId, ProposalId, RoomCode};
use crate::state::{Action, RoomState};
use crate::timer::Millis;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A group as every member sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    pub code: GroupCode,
    pub name: String,
    /// The group's video-call link, shown in every session ("Rejoindre la visio").
    pub call_link: Option<String>,
    /// The group's own charter text; `None` is the app's default charter.
    pub charter: Option<String>,
    /// Goes up by one each time the charter text changes: members accept a version.
    pub charter_version: u32,
    pub created_at: Millis,
    /// Everyone who ever joined, in order of joining; who left stays, marked.
    pub members: Vec<Member>,
    /// The planned sessions, in order; a session's index is its place here.
    pub series: Vec<PlannedSession>,
    /// Topics proposed for sessions to come, in order of proposing.
    pub proposals: Vec<Proposal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: ParticipantId,
    pub name: String,
    pub role: GroupRole,
    /// The charter version this member accepted; 0 for none yet.
    pub charter_accepted: u32,
    pub standing: Standing,
}

/// Whether a member is still in the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Active,
    Left,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSession {
    /// When it starts (milliseconds since the Unix epoch, UTC).
    pub at: Millis,
    pub state: SessionState,
    /// The room that runs it, once opened.
    pub room: Option<RoomCode>,
    /// A member named to run this session (the group's facilitator keeps their rights).
    pub facilitator: Option<ParticipantId>,
    /// What the group keeps of it once closed.
    pub summary: Option<SessionSummary>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Planned,
    Live,
    Closed,
}

/// The group's memory of a closed session: nothing of its notes, questions or contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub client: ParticipantId,
    pub problem_title: String,
    pub plan: Vec<FollowedAction>,
}

impl SessionSummary {
    /// What the group keeps of a closed session's room: its client, the problem's
    /// title (empty if none was written) and the action plan, nothing else. `None` if
    /// no client was picked.
    pub fn of(room: &RoomState) -> Option<SessionSummary> {
        let client = room.client()?.id.clone();
        let problem_title = room
            .problem
            .as_ref()
            .map(|problem| problem.title.clone())
            .unwrap_or_default();
        let plan = room
            .plan
            .iter()
            .map(|action| FollowedAction {
                action: action.clone(),
                follow_up: None,
            })
            .collect();
        Some(SessionSummary {
            client,
            problem_title,
            plan,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedAction {
    pub action: Action,
    pub follow_up: Option<FollowUp>,
}

/// Where a past client says an action of theirs stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub status: ActionStatus,
    /// An optional word; empty for none.
    pub word: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Done,
    InProgress,
    Dropped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: ProposalId,
    pub author: ParticipantId,
    pub title: String,
    /// One optional line; empty for none.
    pub line: String,
    pub withdrawn: bool,
    /// The session whose topic it became.
    pub picked_for: Option<u32>,
    /// Votes for it in the current ballot: a count, never who.
    pub votes: u32,
}

impl GroupState {
    pub fn new(code: GroupCode, name: String, created_at: Millis) -> Self {
        GroupState {
            code,
            name,
            call_link: None,
            charter: None,
            charter_version: 1,
            created_at,
            members: Vec::new(),
            series: Vec::new(),
            proposals: Vec::new(),
        }
    }

    pub fn member(&self, id: &ParticipantId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// A member still in the group.
    pub fn active_member(&self, id: &ParticipantId) -> Option<&Member> {
        self.member(id).filter(|m| m.standing == Standing::Active)
    }

    pub fn proposal(&self, id: &ProposalId) -> Option<&Proposal> {
        self.proposals.iter().find(|p| &p.id == id)
    }

    /// The session now running, if one is.
    pub fn live_session(&self) -> Option<usize> {
        self.series
            .iter()
            .position(|s| s.state == SessionState::Live)
    }

    /// Members who have not yet been client in a closed session of the series.
    pub fn not_yet_client(&self) -> Vec<&ParticipantId> {
        let clients: Vec<&ParticipantId> = self
            .series
            .iter()
            .filter_map(|s| s.summary.as_ref().map(|summary| &summary.client))
            .collect();
        self.members
            .iter()
            .filter(|m| m.standing == Standing::Active && m.role == GroupRole::Member)
            .map(|m| &m.id)
            .filter(|id| !clients.contains(id))
            .collect()
    }

    /// An action of a closed session's plan.
    pub fn planned_action(&self, index: usize, action: &ActionId) -> Option<&FollowedAction> {
        let summary = self.series.get(index)?.summary.as_ref()?;
        summary.plan.iter().find(|a| &a.action.id == action)
    }
}

/// The server's whole view of a group: the public state and the secret ballot.
///
/// Who voted for which proposal is needed to allow one vote per member and a change of
/// mind; it leaves this struct only towards the voter's own connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub state: GroupState,
    ballot: HashMap<ParticipantId, ProposalId>,
}

impl Group {
    pub fn new(state: GroupState) -> Self {
        Group {
            state,
            ballot: HashMap::new(),
        }
    }

    /// The proposal `member` votes for in the current ballot.
    pub fn vote_of(&self, member: &ParticipantId) -> Option<&ProposalId> {
        self.ballot.get(member)
    }

    /// Apply an event; `actor` is whose command caused it (it fills the secret ballot).
    pub fn apply(&mut self, event: &GroupEvent, actor: Option<&ParticipantId>) {
        match (event, actor) {
            (GroupEvent::VoteMoved { to, .. }, Some(voter)) => match to {
                Some(to) => {
                    self.ballot.insert(voter.clone(), to.clone());
                }
                None => {
                    self.ballot.remove(voter);
                }
            },
            (GroupEvent::SessionClosed { .. }, _) => self.ballot.clear(),
            (GroupEvent::TopicWithdrawn { proposal_id }, _) => {
                self.ballot.retain(|_, voted| voted != proposal_id);
            }
            _ => {}
        }
        self.state.apply(event);
    }
}
