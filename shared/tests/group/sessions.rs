//! A group's session as a room (`docs/groups.md`, slice 4): what the group keeps of a
//! closed room, a session closed before any client, and members seated in the room
//! (the charter accepted at the group's level, two facilitators).

use super::fixture::Fixture;
use shared::group::{SessionState, SessionSummary, session_closed};
use shared::logic::{decide_join, decide_member_join};
use shared::state::{Action, Language, Problem, Role};
use shared::{ActionId, ErrorCode, Limits, ParticipantId, RoomState};

fn room_with_members() -> RoomState {
    let limits = Limits::default();
    let mut room = RoomState::new("Codév · séance 1 sur 4", Language::Fr, 0);
    for (id, role) in [
        ("fac", Role::Facilitator),
        ("run", Role::Facilitator),
        ("ana", Role::Consultant),
    ] {
        let joined = decide_member_join(&room, ParticipantId::from(id), id, role, &limits)
            .expect("a member takes their seat");
        room.apply(&joined);
    }
    room
}

#[test]
fn members_are_seated_with_the_charter_accepted_and_two_facilitators_may_be() {
    let room = room_with_members();
    assert!(room.participants.iter().all(|p| p.charter_accepted));
    let facilitators = room
        .participants
        .iter()
        .filter(|p| p.role == Role::Facilitator)
        .count();
    assert_eq!(facilitators, 2);
    // A second facilitator by the room's own key is still refused.
    let limits = Limits::default();
    let by_key = decide_join(&room, "key".into(), "Key", Role::Facilitator, &limits);
    assert_eq!(by_key.unwrap_err().code, ErrorCode::InvalidValue);
}

#[test]
fn the_group_keeps_the_client_the_title_and_the_plan_of_a_closed_room() {
    let mut room = room_with_members();
    assert_eq!(SessionSummary::of(&room), None, "no client picked");
    room.apply(&shared::Event::ClientPicked {
        participant: "ana".into(),
    });
    room.problem = Some(Problem {
        title: "Déléguer".into(),
        summary: "secret to the room".into(),
    });
    room.plan.push(Action {
        id: ActionId::from("a-1"),
        text: "Parler à N+1".into(),
        due: None,
    });
    let summary = SessionSummary::of(&room).expect("a client");
    assert_eq!(summary.client, ParticipantId::from("ana"));
    assert_eq!(summary.problem_title, "Déléguer");
    assert_eq!(summary.plan.len(), 1);
    assert!(summary.plan[0].follow_up.is_none());
}

#[test]
fn a_session_closed_before_any_client_is_closed_with_nothing_kept() {
    let mut f = Fixture::new();
    f.plan();
    f.ok(
        &f.fac.clone(),
        shared::group::GroupCommand::OpenSession {
            index: 0,
            language: Language::En,
        },
    );
    let room = f.group.state.series[0].room.clone().expect("its room");
    let closed = session_closed(&f.group.state, &room, None).expect("closes");
    f.group.apply(&closed, None);
    let session = &f.group.state.series[0];
    assert_eq!(session.state, SessionState::Closed);
    assert_eq!(session.summary, None);
    assert_eq!(f.group.state.not_yet_client().len(), 4, "nobody was client");
    assert!(
        session_closed(&f.group.state, &room, None).is_none(),
        "recorded once"
    );
}
