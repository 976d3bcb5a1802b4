//! A group's rules, without a network: the table of rights (written out here from
//! `docs/groups.md`, independently of `group_rights`), the series, the secret ballot,
//! the follow-up of action plans, the charter's versions, and commands sent twice.

#[path = "group/fixture.rs"]
mod fixture;
#[path = "group/sessions.rs"]
mod sessions;

use fixture::{DAY, Fixture, T0, expected_right, one_of_each};
use shared::group::{
    ActionStatus, GroupCommand, GroupRole, GroupState, SessionState, SessionSummary, Standing,
    decide, decide_join, session_closed,
};
use shared::{ActionId, ErrorCode, ParticipantId, ProposalId, RoomCode};

#[test]
fn each_role_is_refused_exactly_what_the_table_of_rights_denies_it() {
    let fixture = Fixture::new();
    let mut cells = 0;
    for role in GroupRole::ALL {
        let actor = match role {
            GroupRole::Facilitator => fixture.fac.clone(),
            GroupRole::Member => fixture.member(1),
        };
        for command in one_of_each(&fixture) {
            let room = RoomCode::from("room-x");
            let decided = decide(&fixture.group, &actor, &command, &room, &fixture.limits);
            let forbidden = decided.as_ref().err().map(|r| r.code) == Some(ErrorCode::Forbidden);
            assert_eq!(
                forbidden,
                !expected_right(role, &command),
                "{role:?} {command:?}: {decided:?}"
            );
            cells += 1;
        }
    }
    assert_eq!(cells, 2 * 13);
}

#[test]
fn outsiders_and_members_who_left_are_not_in_the_group() {
    let mut f = Fixture::new();
    let stranger = ParticipantId::from("stranger");
    for command in one_of_each(&f) {
        assert_eq!(f.refused(&stranger, command), ErrorCode::NotJoined);
    }
    let ben = f.member(1);
    f.ok(&ben, GroupCommand::Leave);
    assert_eq!(
        f.group.state.member(&ben).map(|m| m.standing),
        Some(Standing::Left)
    );
    let code = f.refused(&ben, GroupCommand::Vote { proposal_id: None });
    assert_eq!(code, ErrorCode::NotJoined);
    let fac = f.fac.clone();
    let dan = f.member(3);
    f.ok(
        &fac,
        GroupCommand::RemoveMember {
            member: dan.clone(),
        },
    );
    assert_eq!(
        f.group.state.member(&dan).map(|m| m.standing),
        Some(Standing::Removed)
    );
    assert_eq!(
        f.refused(&fac, GroupCommand::RemoveMember { member: dan }),
        ErrorCode::NotFound
    );
    assert_eq!(
        f.refused(
            &fac,
            GroupCommand::RemoveMember {
                member: fac.clone()
            }
        ),
        ErrorCode::InvalidValue
    );
}

#[test]
fn a_group_takes_at_most_its_limit_of_members() {
    let mut f = Fixture::new();
    f.limits.group_members = 5;
    let late = decide_join(
        &f.group.state,
        ParticipantId::from("late"),
        "Late",
        GroupRole::Member,
        &f.limits,
    );
    assert_eq!(late.map_err(|r| r.code), Err(ErrorCode::LimitReached));
}

#[test]
fn the_series_is_planned_opened_in_order_one_at_a_time_and_kept_once_closed() {
    let mut f = Fixture::new();
    let fac = f.fac.clone();
    let decreasing = GroupCommand::PlanSeries {
        dates: vec![T0 + 2 * DAY, T0 + DAY],
    };
    assert_eq!(f.refused(&fac, decreasing), ErrorCode::InvalidValue);
    let too_many = GroupCommand::PlanSeries {
        dates: (1..=13).map(|i| T0 + i * DAY).collect(),
    };
    assert_eq!(f.refused(&fac, too_many), ErrorCode::InvalidValue);
    f.plan();
    assert_eq!(f.group.state.series.len(), 4);

    assert_eq!(
        f.refused(
            &fac,
            GroupCommand::OpenSession {
                index: 1,
                language: Default::default()
            }
        ),
        ErrorCode::InvalidValue,
        "sessions open in order"
    );
    f.ok(
        &fac,
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
    );
    assert_eq!(f.group.state.live_session(), Some(0));
    assert!(
        f.ok(
            &fac,
            GroupCommand::OpenSession {
                index: 0,
                language: Default::default()
            }
        )
        .is_empty(),
        "opening it again changes nothing"
    );
    assert_eq!(
        f.refused(
            &fac,
            GroupCommand::OpenSession {
                index: 1,
                language: Default::default()
            }
        ),
        ErrorCode::InvalidValue,
        "one session at a time"
    );
    let room = f.group.state.series[0].room.clone().expect("its room");
    assert!(
        session_closed(
            &f.group.state,
            &RoomCode::from("other"),
            Some(summary_of(&f, 0))
        )
        .is_none()
    );
    let closed = session_closed(&f.group.state, &room, Some(summary_of(&f, 0))).expect("closes");
    f.group.apply(&closed, None);
    assert_eq!(f.group.state.series[0].state, SessionState::Closed);

    // Planning again moves the sessions not opened yet, and keeps the closed one.
    let later = GroupCommand::PlanSeries {
        dates: vec![T0 + 60 * DAY, T0 + 90 * DAY],
    };
    f.ok(&fac, later);
    let series = &f.group.state.series;
    assert_eq!(series.len(), 3);
    assert_eq!(series[0].state, SessionState::Closed);
    assert_eq!(series[1].at, T0 + 60 * DAY);
    let before_the_closed_one = GroupCommand::PlanSeries {
        dates: vec![T0 + DAY],
    };
    assert_eq!(
        f.refused(&fac, before_the_closed_one),
        ErrorCode::InvalidValue
    );
}

fn summary_of(f: &Fixture, client: usize) -> SessionSummary {
    SessionSummary {
        client: f.member(client),
        problem_title: "Deux équipes".into(),
        plan: Vec::new(),
    }
}

#[test]
fn a_member_named_to_run_a_session_opens_it_and_no_other() {
    let mut f = Fixture::new();
    f.plan();
    let (fac, ana, ben) = (f.fac.clone(), f.member(0), f.member(1));
    f.ok(
        &fac,
        GroupCommand::NameSessionFacilitator {
            index: 0,
            member: Some(ana.clone()),
        },
    );
    assert_eq!(
        f.refused(
            &ben,
            GroupCommand::OpenSession {
                index: 0,
                language: Default::default()
            }
        ),
        ErrorCode::Forbidden
    );
    f.ok(
        &ana,
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
    );
    assert_eq!(f.group.state.live_session(), Some(0));
    // Ana leaving the group frees the sessions she was named for, not yet opened.
    f.ok(
        &fac,
        GroupCommand::NameSessionFacilitator {
            index: 2,
            member: Some(ana.clone()),
        },
    );
    f.ok(&ana, GroupCommand::Leave);
    assert_eq!(f.group.state.series[2].facilitator, None);
    assert_eq!(f.group.state.series[0].facilitator, Some(ana));
}

#[test]
fn the_ballot_is_secret_counted_and_ends_with_its_session() {
    let mut f = Fixture::new();
    f.plan();
    let (fac, ana, ben, chloe) = (f.fac.clone(), f.member(0), f.member(1), f.member(2));
    for (who, id) in [(&ana, "topic-x"), (&ben, "topic-y")] {
        f.ok(
            who,
            GroupCommand::ProposeTopic {
                proposal_id: ProposalId::from(id),
                title: format!("Sujet de {who}"),
                line: String::new(),
            },
        );
    }
    let vote = |id: &str| GroupCommand::Vote {
        proposal_id: Some(ProposalId::from(id)),
    };
    assert_eq!(
        f.refused(&chloe, vote("topic-x")),
        ErrorCode::WrongStep,
        "no session runs"
    );
    f.ok(
        &fac,
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
    );
    assert_eq!(
        f.refused(&fac, vote("topic-x")),
        ErrorCode::Forbidden,
        "the facilitator does not vote"
    );
    let mut seen = Vec::new();
    seen.extend(f.ok(&chloe, vote("topic-x")));
    seen.extend(f.ok(&ben, vote("topic-x")));
    assert!(
        f.ok(&ben, vote("topic-x")).is_empty(),
        "the same vote again changes nothing"
    );
    seen.extend(f.ok(&chloe, vote("topic-y")));
    let votes = |f: &Fixture, id: &str| {
        f.group
            .state
            .proposal(&ProposalId::from(id))
            .map(|p| p.votes)
    };
    assert_eq!(
        (votes(&f, "topic-x"), votes(&f, "topic-y")),
        (Some(1), Some(1))
    );
    assert_eq!(f.group.vote_of(&chloe), Some(&ProposalId::from("topic-y")));

    // Nothing anyone receives names a voter: not the events, not the group's state.
    let mut frames: Vec<String> = seen
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    frames.push(serde_json::to_string(&f.group.state).unwrap());
    for frame in &frames {
        if frame.contains("vote_moved") {
            for voter in [&ben, &chloe] {
                assert!(!frame.contains(voter.as_str()), "{frame} names {voter}");
            }
        }
    }
    assert!(!frames.last().unwrap().contains("ballot"));

    // A withdrawn proposal loses its votes, and its voters may vote again.
    f.ok(
        &ben,
        GroupCommand::WithdrawTopic {
            proposal_id: ProposalId::from("topic-y"),
        },
    );
    assert_eq!(votes(&f, "topic-y"), Some(0));
    assert_eq!(f.group.vote_of(&chloe), None);
    assert_eq!(f.refused(&chloe, vote("topic-y")), ErrorCode::InvalidValue);
    assert_eq!(
        f.refused(
            &chloe,
            GroupCommand::WithdrawTopic {
                proposal_id: ProposalId::from("topic-x")
            }
        ),
        ErrorCode::NotAuthor
    );

    // The topic picked, the session closed: the ballot starts again at zero.
    f.ok(
        &fac,
        GroupCommand::PickTopic {
            index: 0,
            proposal_id: ProposalId::from("topic-x"),
        },
    );
    assert_eq!(
        f.refused(&ana, vote("topic-x")),
        ErrorCode::InvalidValue,
        "picked already"
    );
    let room = f.group.state.series[0].room.clone().unwrap();
    let closed = session_closed(&f.group.state, &room, Some(summary_of(&f, 0))).unwrap();
    f.group.apply(&closed, None);
    assert_eq!(votes(&f, "topic-x"), Some(0));
    assert_eq!(f.group.vote_of(&ben), None);
}

#[test]
fn proposals_are_bounded_and_a_proposal_sent_again_is_posted_once() {
    let mut f = Fixture::new();
    let ana = f.member(0);
    let propose = |id: &str, title: &str| GroupCommand::ProposeTopic {
        proposal_id: ProposalId::from(id),
        title: title.into(),
        line: "Une ligne".into(),
    };
    assert!(!f.ok(&ana, propose("p-1", "Un")).is_empty());
    assert!(
        f.ok(&ana, propose("p-1", "Un")).is_empty(),
        "sent again after a reconnect"
    );
    assert_eq!(f.refused(&ana, propose("p-1", "Autre")), ErrorCode::IdTaken);
    assert_eq!(
        f.refused(&ana, propose("p 2", "Deux")),
        ErrorCode::InvalidValue
    );
    assert_eq!(f.refused(&ana, propose("p-2", "   ")), ErrorCode::EmptyText);
    f.ok(&ana, propose("p-2", "Deux"));
    f.ok(&ana, propose("p-3", "Trois"));
    assert_eq!(
        f.refused(&ana, propose("p-4", "Quatre")),
        ErrorCode::LimitReached
    );
    f.ok(
        &ana,
        GroupCommand::WithdrawTopic {
            proposal_id: ProposalId::from("p-3"),
        },
    );
    f.ok(&ana, propose("p-4", "Quatre"));
}

#[test]
fn only_a_past_client_follows_up_their_own_plan() {
    let mut f = Fixture::new();
    f.plan();
    f.run_session(0, 1);
    let (ana, ben) = (f.member(0), f.member(1));
    let follow = |action: &str, status| GroupCommand::SetFollowUp {
        index: 0,
        action_id: ActionId::from(action),
        status,
        word: "  presque  ".into(),
    };
    assert_eq!(
        f.refused(&ana, follow("a-1", ActionStatus::Done)),
        ErrorCode::NotAuthor
    );
    assert_eq!(
        f.refused(&ben, follow("a-9", ActionStatus::Done)),
        ErrorCode::NotFound
    );
    f.ok(&ben, follow("a-1", ActionStatus::InProgress));
    assert!(
        f.ok(&ben, follow("a-1", ActionStatus::InProgress))
            .is_empty()
    );
    let action = f
        .group
        .state
        .planned_action(0, &ActionId::from("a-1"))
        .unwrap();
    let follow_up = action.follow_up.as_ref().unwrap();
    assert_eq!(
        (follow_up.status, follow_up.word.as_str()),
        (ActionStatus::InProgress, "presque")
    );
    let not_closed = GroupCommand::SetFollowUp {
        index: 1,
        action_id: ActionId::from("a-1"),
        status: ActionStatus::Done,
        word: String::new(),
    };
    assert_eq!(f.refused(&ben, not_closed), ErrorCode::NotFound);
    assert_eq!(
        f.group.state.not_yet_client().len(),
        3,
        "Ben has been client"
    );
}

#[test]
fn a_changed_charter_is_accepted_again_at_its_new_version() {
    let mut f = Fixture::new();
    let (fac, ana) = (f.fac.clone(), f.member(0));
    f.ok(
        &fac,
        GroupCommand::SetCharter {
            text: Some("Bienveillance.".into()),
        },
    );
    assert_eq!(f.group.state.charter_version, 2);
    assert!(
        f.ok(
            &fac,
            GroupCommand::SetCharter {
                text: Some("Bienveillance.".into())
            }
        )
        .is_empty()
    );
    assert_eq!(
        f.refused(&ana, GroupCommand::AcceptCharter { version: 1 }),
        ErrorCode::Stale
    );
    assert_eq!(f.group.state.member(&ana).unwrap().charter_accepted, 1);
    f.ok(&ana, GroupCommand::AcceptCharter { version: 2 });
    assert_eq!(f.group.state.member(&ana).unwrap().charter_accepted, 2);
}

#[test]
fn the_call_link_is_an_https_address_or_none() {
    let mut f = Fixture::new();
    let fac = f.fac.clone();
    let details = |link: &str| GroupCommand::SetDetails {
        name: "Les pairs".into(),
        call_link: Some(link.into()),
    };
    for bad in [
        "http://visio.example.org",
        "javascript:alert(1)",
        "https://a b",
        "https://",
    ] {
        assert_eq!(
            f.refused(&fac, details(bad)),
            ErrorCode::InvalidValue,
            "{bad}"
        );
    }
    f.ok(&fac, details(" https://visio.example.org/x "));
    assert_eq!(
        f.group.state.call_link.as_deref(),
        Some("https://visio.example.org/x")
    );
    f.ok(&fac, details(""));
    assert_eq!(f.group.state.call_link, None);
}

#[test]
fn events_read_back_as_they_were_written() {
    let mut f = Fixture::new();
    f.plan();
    f.run_session(0, 2);
    let json = serde_json::to_string(&f.group.state).unwrap();
    let read: GroupState = serde_json::from_str(&json).unwrap();
    assert_eq!(read, f.group.state);
    let command = GroupCommand::Vote { proposal_id: None };
    let json = serde_json::to_string(&command).unwrap();
    assert_eq!(json, r#"{"type":"vote","proposal_id":null}"#);
}
