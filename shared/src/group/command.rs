//! What a group's members ask for, and what happens in a group: the group's own commands
//! and events, apart from a room's.

use super::{ActionStatus, FollowUp, Member, Proposal, SessionSummary};
use crate::ids::{ActionId, ParticipantId, ProposalId, RoomCode};
use crate::state::Language;
use crate::tag_first::tag_first_enum;
use crate::timer::Millis;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GroupCommand {
    /// Accept the charter as it is at `version` (a charter changed meanwhile is
    /// `stale`: the member reads the new text first).
    AcceptCharter {
        version: u32,
    },
    /// The group's name and video-call link.
    SetDetails {
        name: String,
        call_link: Option<String>,
    },
    /// The group's own charter; `None` goes back to the app's default.
    SetCharter {
        text: Option<String>,
    },
    /// The dates of the sessions not yet opened, in order; the opened ones stay.
    PlanSeries {
        dates: Vec<Millis>,
    },
    /// Name a member to run one session (or nobody: the group's facilitator runs it).
    NameSessionFacilitator {
        index: u32,
        member: Option<ParticipantId>,
    },
    /// Open the session: the server makes its room, titled in `language` (the
    /// opener's; French if not given).
    OpenSession {
        index: u32,
        #[serde(default)]
        language: Language,
    },
    ProposeTopic {
        proposal_id: ProposalId,
        title: String,
        line: String,
    },
    WithdrawTopic {
        proposal_id: ProposalId,
    },
    /// Vote for a proposal in the running session's ballot, or take one's vote back.
    Vote {
        proposal_id: Option<ProposalId>,
    },
    /// The topic of a session.
    PickTopic {
        index: u32,
        proposal_id: ProposalId,
    },
    /// A past client says where an action of their plan stands.
    SetFollowUp {
        index: u32,
        action_id: ActionId,
        status: ActionStatus,
        word: String,
    },
    Leave,
    RemoveMember {
        member: ParticipantId,
    },
}

// `Deserialize` comes from `tag_first_enum!`: `type` first, read without buffering
// (`crate::tag_first`), as the room's events are.
tag_first_enum! {
    #[serde(tag = "type", rename_all = "snake_case")]
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub enum GroupEvent {
        MemberJoined {
            member: Member,
        },
        CharterAccepted {
            member: ParticipantId,
            version: u32,
        },
        DetailsSet {
            name: String,
            call_link: Option<String>,
        },
        CharterSet {
            text: Option<String>,
            version: u32,
        },
        /// The dates of the sessions not yet opened, replacing the planned ones.
        SeriesPlanned {
            dates: Vec<Millis>,
        },
        SessionFacilitatorNamed {
            index: u32,
            member: Option<ParticipantId>,
        },
        SessionOpened {
            index: u32,
            room: RoomCode,
        },
        /// Its room closed: what the group keeps of it (none if it closed before a
        /// client was picked).
        SessionClosed {
            index: u32,
            summary: Option<SessionSummary>,
        },
        TopicProposed {
            proposal: Proposal,
        },
        TopicWithdrawn {
            proposal_id: ProposalId,
        },
        /// A vote moved in the ballot: from one proposal (or none) to another (or none).
        /// Never who moved it.
        VoteMoved {
            from: Option<ProposalId>,
            to: Option<ProposalId>,
        },
        TopicPicked {
            index: u32,
            proposal_id: ProposalId,
        },
        FollowUpSet {
            index: u32,
            action_id: ActionId,
            follow_up: FollowUp,
        },
        MemberLeft {
            member: ParticipantId,
        },
        MemberRemoved {
            member: ParticipantId,
        },
    }
}
