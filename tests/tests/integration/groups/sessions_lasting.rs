//! A series outlives the server (`docs/groups.md`, slice 4): a restart in the middle of
//! a session loses neither the group, nor the session's room, nor the seating by member
//! token, and the room's close still reaches the group; and a close that a crash kept
//! from the group is read back from the store when the group loads.

use super::GroupClient;
use super::sessions::{a_group_of_four, open, run_to_close, until_closed};
use server::Config;
use server::secrets::Digest;
use server::storage::{MemoryStore, NewGroup, NewRoom, SessionOf, Store, StoredEvent, Write};
use shared::group::{GroupCommand, GroupEvent, GroupRole, Member, SessionState, Standing};
use shared::state::{Action, Language, Participant, Role};
use shared::{Event, GroupCode, ParticipantId, RoomCode};
use std::sync::Arc;
use tests::group_ws::{create_group, enter_session};
use tests::server::{TempDir, TestServer, open_db, services_on};
use tests::ws::WsClient;

#[tokio::test]
async fn a_restart_mid_series_loses_nothing_and_the_close_still_reaches_the_group() {
    let dir = TempDir::new("series-restart");
    let db = dir.join("codev.db");
    let server = TestServer::start_with_db(&db).await;
    let url = server.ws_url();
    let created = create_group(&server, "Durable").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let room = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let ben_room = enter_session(&url, &room, &ben).await;
    let ben_seat = ben_room.token.clone().expect("a seat token");
    let addr = server.addr();
    server.stop().await;
    ben_room.close().await;

    let server =
        TestServer::start_at(addr, Config::default(), services_on(open_db(&db).await)).await;
    // Everyone back: the group, its live session, the seats by token.
    let fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    assert_eq!(fanny.state().series[0].state, SessionState::Live);
    let mut ana_group = GroupClient::resume(&url, code, ana.token.as_deref().unwrap(), "Ana").await;
    let mut fanny_room = enter_session(&url, &room, &fanny).await;
    let mut ana_room = enter_session(&url, &room, &ana).await;
    assert_eq!(ana_room.me(), ana.you());
    let ben_room = WsClient::resume(&url, &room, &ben_seat, "Ben").await;
    assert_eq!(ben_room.me(), ben.you());
    assert_eq!(
        ben_room.state().participant(ben.you()).map(|p| p.role),
        Some(Role::Facilitator)
    );

    run_to_close(&mut fanny_room, &mut ana_room).await;
    until_closed(&mut ana_group, 0).await;
    let summary = ana_group.state().series[0].summary.clone().expect("kept");
    assert_eq!(&summary.client, ana.you());
    let mut fanny = fanny;
    // On a new device, Fanny numbers her commands after those of the first.
    fanny.first_command_id(100);
    let next = open(1, &mut fanny, &mut [&mut ana_group]).await;
    assert_ne!(next, room);
    server.stop().await;
}

/// The `seq`th event of a log (from 0), caused by no command.
fn stored<E>(seq: usize, event: E) -> StoredEvent<E> {
    StoredEvent {
        seq: seq as u64 + 1,
        at: 1,
        actor: None,
        command_id: None,
        event,
    }
}

/// A stored group whose first session is live, and its room, closed in the store with
/// Ana as its client: as a crash between the room's close and the group's event leaves
/// them.
fn a_close_the_group_never_heard_of(group: &GroupCode, room: &RoomCode) -> Vec<Write> {
    let (fanny, ana) = (ParticipantId::from("fanny"), ParticipantId::from("ana"));
    let member = |id: &ParticipantId, role| GroupEvent::MemberJoined {
        member: Member {
            id: id.clone(),
            name: id.as_str().to_owned(),
            role,
            charter_accepted: 1,
            standing: Standing::Active,
        },
    };
    let seat = |id: &ParticipantId, role| Event::ParticipantJoined {
        participant: Participant {
            id: id.clone(),
            name: id.as_str().to_owned(),
            role,
            connected: true,
            charter_accepted: true,
        },
    };
    let group_events = [
        member(&fanny, GroupRole::Facilitator),
        member(&ana, GroupRole::Member),
        GroupEvent::SeriesPlanned {
            dates: vec![1_900_000_000_000, 1_902_600_000_000],
        },
        GroupEvent::SessionOpened {
            index: 0,
            room: room.clone(),
        },
    ];
    let room_events = [
        seat(&fanny, Role::Facilitator),
        seat(&ana, Role::Consultant),
        Event::ClientPicked {
            participant: ana.clone(),
        },
        Event::ProblemSet {
            title: "Dire non".into(),
            summary: String::new(),
        },
        Event::ActionAdded {
            action: Action {
                id: "a-1".into(),
                text: "Dire non une fois".into(),
                due: None,
            },
        },
        Event::SessionClosed { at: 5 },
    ];
    let mut writes = vec![
        Write::CreateGroup(NewGroup {
            code: group.clone(),
            name: "Réparé".into(),
            created_at: 1,
            facilitator_key: Digest::of("the key"),
        }),
        Write::CreateRoom(NewRoom {
            call_link: None,
            code: room.clone(),
            title: "Réparé · séance 1 sur 2".into(),
            language: Language::Fr,
            created_at: 1,
            facilitator_key: Digest::of("the key"),
            group: Some(SessionOf {
                group: group.clone(),
                index: 0,
            }),
        }),
    ];
    writes.extend(group_events.into_iter().enumerate().map(|(seq, event)| {
        Write::AppendGroupEvent {
            group: group.clone(),
            event: stored(seq, event),
        }
    }));
    writes.extend(
        room_events
            .into_iter()
            .enumerate()
            .map(|(seq, event)| Write::AppendEvent {
                room: room.clone(),
                event: stored(seq, event),
            }),
    );
    writes
}

#[tokio::test]
async fn a_close_lost_in_a_crash_is_read_back_from_the_store_when_the_group_loads() {
    let store = Arc::new(MemoryStore::new());
    let (group, room) = (GroupCode::from("g-repaired"), RoomCode::from("r-closed"));
    store
        .commit(&a_close_the_group_never_heard_of(&group, &room))
        .expect("stored");
    let server = TestServer::start_on_store(Config::default(), store.clone()).await;
    let mut fanny =
        GroupClient::join_facilitator(&server.ws_url(), group.as_str(), "the key", "Fanny").await;
    let session = &fanny.state().series[0];
    assert_eq!(session.state, SessionState::Closed, "repaired as it loaded");
    let summary = session.summary.clone().expect("read back");
    assert_eq!(summary.client, ParticipantId::from("ana"));
    assert_eq!(summary.problem_title, "Dire non");
    assert_eq!(summary.plan[0].action.text, "Dire non une fois");
    // Durable like any event: the next session opens after it.
    fanny
        .ok(GroupCommand::OpenSession {
            index: 1,
            language: Language::Fr,
        })
        .await;
    let stored = store.load_group(&group).await.expect("load").expect("kept");
    assert!(
        stored
            .events
            .iter()
            .any(|e| matches!(e.event, GroupEvent::SessionClosed { index: 0, .. })),
        "the repair is stored"
    );
    server.stop().await;
}
