//! A group's sessions over the wire (`docs/groups.md`, slice 4): the facilitator opens
//! a session and every member on the group's page hears it with its room's code;
//! members enter that room by member token, under their member ids, with the charter
//! already accepted, the group's facilitator and the member named to run it as its
//! facilitators; anyone else is refused as a wrong key is; the session runs to its
//! close, the group records its client, title and plan, and the next one opens.

use super::GroupClient;
use shared::group::{GroupCommand, GroupEvent, SessionState};
use shared::state::{Language, Role};
use shared::{Command, ErrorCode};
use tests::group_ws::{create_group, enter_session, member_join};
pub use tests::group_ws::{run_to_close, until_closed};
use tests::server::TestServer;
use tests::ws::{WsClient, refusal_code};

/// The group's facilitator and three members, a series of two sessions planned, Ben
/// named to run the first. Fanny, Ana, Ben, Cléo.
pub async fn a_group_of_four(url: &str, code: &str, key: &str) -> [GroupClient; 4] {
    let mut fanny = GroupClient::join_facilitator(url, code, key, "Fanny").await;
    let ana = GroupClient::join(url, code, "Ana").await;
    let ben = GroupClient::join(url, code, "Ben").await;
    let cleo = GroupClient::join(url, code, "Cléo").await;
    fanny
        .ok(GroupCommand::PlanSeries {
            dates: vec![1_900_000_000_000, 1_902_600_000_000],
        })
        .await;
    fanny
        .ok(GroupCommand::NameSessionFacilitator {
            index: 0,
            member: Some(ben.you().clone()),
        })
        .await;
    [fanny, ana, ben, cleo]
}

/// Open session `index` (in English), and the room's code, as every member hears it.
pub async fn open(index: u32, fanny: &mut GroupClient, others: &mut [&mut GroupClient]) -> String {
    let seq = fanny
        .ok(GroupCommand::OpenSession {
            index,
            language: Language::En,
        })
        .await;
    let Some(GroupEvent::SessionOpened {
        index: opened,
        room,
    }) = fanny.events.last().cloned()
    else {
        panic!("opening a session is its event: {:?}", fanny.events.last());
    };
    assert_eq!(opened, index);
    for member in others {
        member.catch_up(seq).await;
        assert_eq!(member.events.last(), fanny.events.last(), "heard live");
        assert_eq!(
            member.state().series[index as usize].state,
            SessionState::Live
        );
    }
    room.as_str().to_owned()
}

#[tokio::test]
async fn a_session_opens_seats_members_by_token_and_reports_its_close_to_the_group() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Codév des directrices").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let room = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;

    let mut in_room = Vec::new();
    for member in [&fanny, &ana, &ben] {
        let client = enter_session(&url, &room, member).await;
        assert_eq!(client.me(), member.you(), "their member id");
        in_room.push(client);
    }
    let [mut fanny_room, mut ana_room, ben_room] =
        <[WsClient; 3]>::try_from(in_room).ok().expect("three");
    // Ana's phone: her member token opens her own seat again.
    let phone = enter_session(&url, &room, &ana).await;
    assert_eq!(phone.me(), ana.you());
    fanny_room.wait_until(|s| s.participants.len() == 3).await;
    let state = fanny_room.state().clone();
    assert_eq!(state.title, "Codév des directrices · session 1 of 2");
    assert_eq!(state.language, Language::En);
    let role_of = |id| state.participant(id).map(|p| (p.role, p.charter_accepted));
    assert_eq!(role_of(fanny.you()), Some((Role::Facilitator, true)));
    assert_eq!(
        role_of(ben.you()),
        Some((Role::Facilitator, true)),
        "named to run it"
    );
    assert_eq!(role_of(ana.you()), Some((Role::Consultant, true)));
    assert_eq!(state.participants.len(), 3);

    // Ben, who runs it, has the facilitator's rights: he starts the timer.
    let mut ben_room = ben_room;
    ben_room.ok(Command::StartTimer).await;

    run_to_close(&mut fanny_room, &mut ana_room).await;
    until_closed(&mut cleo, 0).await;
    let summary = cleo.state().series[0].summary.clone().expect("kept");
    assert_eq!(&summary.client, ana.you());
    assert_eq!(summary.problem_title, "Déléguer sans tout reprendre");
    assert_eq!(summary.plan.len(), 1);
    assert_eq!(summary.plan[0].action.text, "Confier le budget à Léa");
    assert_eq!(cleo.state().not_yet_client().len(), 2, "Ben and Cléo");

    // The next session opens now, in a room of its own.
    let next = open(1, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    assert_ne!(next, room);
    let ana_next = enter_session(&url, &next, &ana).await;
    assert_eq!(ana_next.me(), ana.you(), "the same id across the series");
    assert_eq!(
        ana_next.state().participant(ana.you()).map(|p| p.role),
        Some(Role::Consultant),
        "Ben runs no session but the first"
    );
}

#[tokio::test]
async fn outsiders_other_groups_and_former_members_are_refused_as_a_wrong_key_is() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Confidentiel").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let room = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let other = create_group(&server, "Un autre groupe").await;
    let stranger = GroupClient::join(&url, &other.group, "Eve").await;
    let cleo_token = cleo.token.clone().expect("a token");
    cleo.ok(GroupCommand::Leave).await;
    let single = server.create_session("Une séance ponctuelle").await;

    let mut knocker = WsClient::connect(&url, "knocker").await;
    let mut answers = Vec::new();
    let stranger_token = stranger.token.clone().expect("a token");
    let wrong_key = format!(
        r#"{{"type":"join","protocol_version":2,"room":"{room}","name":"Eve","facilitator_key":"{key}x"}}"#
    );
    for frame in [
        serde_json::to_string(&member_join(&room, "not-a-member-token")).expect("json"),
        serde_json::to_string(&member_join(&room, &stranger_token)).expect("json"),
        serde_json::to_string(&member_join(&room, &cleo_token)).expect("json"),
        serde_json::to_string(&member_join(&single.room, &stranger_token)).expect("json"),
        // A name opens nothing in a group's session, nor a key.
        format!(r#"{{"type":"join","protocol_version":2,"room":"{room}","name":"Eve"}}"#),
        wrong_key,
    ] {
        knocker.send_raw(&frame).await;
        let answer = knocker.recv().await;
        assert_eq!(
            refusal_code(&answer),
            Some(ErrorCode::RoomOrKeyInvalid),
            "{frame}"
        );
        answers.push(knocker.raw.last().cloned().expect("a frame"));
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
}
