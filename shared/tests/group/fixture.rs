//! A group at hand for the tests: its facilitator (Fanny) and four members, and the
//! moves the tests repeat (commands sent, refused, a series planned, a session run).

use shared::group::ActionStatus;
use shared::group::{
    FollowedAction, Group, GroupCommand, GroupEvent, GroupRole, GroupState, SessionSummary, decide,
    decide_join, session_closed,
};
use shared::state::Action;
use shared::{ActionId, ErrorCode, GroupCode, Limits, ParticipantId, ProposalId, RoomCode};

pub const DAY: u64 = 24 * 3600 * 1000;
pub const T0: u64 = 1_780_000_000_000;

/// A group with its facilitator (Fanny) and four members, everyone's charter accepted.
pub struct Fixture {
    pub group: Group,
    pub limits: Limits,
    pub fac: ParticipantId,
    pub members: Vec<ParticipantId>,
    rooms: u32,
}

impl Fixture {
    pub fn new() -> Self {
        let state = GroupState::new(GroupCode::from("g-code"), "Les pairs".into(), T0);
        let mut fixture = Fixture {
            group: Group::new(state),
            limits: Limits::default(),
            fac: ParticipantId::from("fanny"),
            members: ["ana", "ben", "chloe", "dan"]
                .map(ParticipantId::from)
                .to_vec(),
            rooms: 0,
        };
        let fac = fixture.fac.clone();
        fixture.join(&fac, "Fanny", GroupRole::Facilitator);
        for (id, name) in fixture
            .members
            .clone()
            .iter()
            .zip(["Ana", "Ben", "Chloé", "Dan"])
        {
            fixture.join(id, name, GroupRole::Member);
        }
        for id in fixture.everyone() {
            fixture.ok(&id, GroupCommand::AcceptCharter { version: 1 });
        }
        fixture
    }

    pub fn everyone(&self) -> Vec<ParticipantId> {
        let mut all = vec![self.fac.clone()];
        all.extend(self.members.iter().cloned());
        all
    }

    pub fn member(&self, i: usize) -> ParticipantId {
        self.members[i].clone()
    }

    pub fn join(&mut self, id: &ParticipantId, name: &str, role: GroupRole) {
        let events =
            decide_join(&self.group.state, id.clone(), name, role, &self.limits).expect("joins");
        self.apply(&events, id);
    }

    pub fn apply(&mut self, events: &[GroupEvent], actor: &ParticipantId) {
        for event in events {
            self.group.apply(event, Some(actor));
        }
    }

    pub fn try_(
        &mut self,
        actor: &ParticipantId,
        command: GroupCommand,
    ) -> Result<Vec<GroupEvent>, ErrorCode> {
        self.rooms += 1;
        let room = RoomCode::new(format!("room-{}", self.rooms));
        let decided = decide(&self.group, actor, &command, &room, &self.limits);
        match decided {
            Ok(events) => {
                self.apply(&events, actor);
                Ok(events)
            }
            Err(rejection) => Err(rejection.code),
        }
    }

    pub fn ok(&mut self, actor: &ParticipantId, command: GroupCommand) -> Vec<GroupEvent> {
        let shown = format!("{command:?}");
        self.try_(actor, command)
            .unwrap_or_else(|code| panic!("{actor} {shown}: refused with {code:?}"))
    }

    pub fn refused(&mut self, actor: &ParticipantId, command: GroupCommand) -> ErrorCode {
        let shown = format!("{command:?}");
        match self.try_(actor, command) {
            Ok(events) => panic!("{actor} {shown}: accepted with {events:?}"),
            Err(code) => code,
        }
    }

    /// Four sessions a month apart from a week after T0.
    pub fn plan(&mut self) {
        let dates = (0..4).map(|i| T0 + 7 * DAY + i * 30 * DAY).collect();
        let fac = self.fac.clone();
        self.ok(&fac, GroupCommand::PlanSeries { dates });
    }

    /// Open session `index` and close it with member `client`'s plan of two actions.
    pub fn run_session(&mut self, index: u32, client: usize) {
        let fac = self.fac.clone();
        self.ok(
            &fac,
            GroupCommand::OpenSession {
                index,
                language: Default::default(),
            },
        );
        let room = self.group.state.series[index as usize]
            .room
            .clone()
            .expect("a room");
        let summary = SessionSummary {
            client: self.member(client),
            problem_title: format!("Problème {index}"),
            plan: ["a-1", "a-2"]
                .map(|id| FollowedAction {
                    action: Action {
                        id: ActionId::from(id),
                        text: format!("Action {id}"),
                        due: None,
                    },
                    follow_up: None,
                })
                .to_vec(),
        };
        let closed =
            session_closed(&self.group.state, &room, Some(summary)).expect("a live session");
        self.group.apply(&closed, None);
    }
}

/// One command of each kind, valid where the group stands when it is sent.
pub fn one_of_each(f: &Fixture) -> Vec<GroupCommand> {
    vec![
        GroupCommand::AcceptCharter { version: 1 },
        GroupCommand::SetDetails {
            name: "Les pairs du jeudi".into(),
            call_link: Some("https://visio.example.org/pairs".into()),
        },
        GroupCommand::SetCharter {
            text: Some("Notre charte.".into()),
        },
        GroupCommand::PlanSeries {
            dates: vec![T0 + DAY, T0 + 31 * DAY],
        },
        GroupCommand::NameSessionFacilitator {
            index: 0,
            member: Some(f.member(0)),
        },
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
        GroupCommand::ProposeTopic {
            proposal_id: ProposalId::from("p-new"),
            title: "Un sujet".into(),
            line: String::new(),
        },
        GroupCommand::WithdrawTopic {
            proposal_id: ProposalId::from("p-new"),
        },
        GroupCommand::Vote { proposal_id: None },
        GroupCommand::PickTopic {
            index: 0,
            proposal_id: ProposalId::from("p-new"),
        },
        GroupCommand::SetFollowUp {
            index: 0,
            action_id: ActionId::from("a-1"),
            status: ActionStatus::Done,
            word: String::new(),
        },
        GroupCommand::Leave,
        GroupCommand::RemoveMember {
            member: f.member(3),
        },
    ]
}

/// The table of rights, from `docs/groups.md`: may `role` send `command` at all.
pub fn expected_right(role: GroupRole, command: &GroupCommand) -> bool {
    use GroupCommand::*;
    let facilitator = matches!(
        command,
        AcceptCharter { .. }
            | SetDetails { .. }
            | SetCharter { .. }
            | PlanSeries { .. }
            | NameSessionFacilitator { .. }
            | OpenSession { .. }
            | PickTopic { .. }
            | RemoveMember { .. }
    );
    let member = matches!(
        command,
        AcceptCharter { .. }
            | OpenSession { .. }
            | ProposeTopic { .. }
            | WithdrawTopic { .. }
            | Vote { .. }
            | SetFollowUp { .. }
            | Leave
    );
    match role {
        GroupRole::Facilitator => facilitator,
        GroupRole::Member => member,
    }
}
