//! Durability, in-process: acks wait for the disk while other screens do not, a
//! restarted server brings back every room (closed ones too, read-only), and a deleted
//! session is gone from memory, from every screen and from the database.

use server::Config;
use server::storage::{MemoryStore, SqliteStore, Store};
use shared::state::NoteKind;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, ErrorCode, Event, NoteId, RoomCode, Step};
use std::sync::Arc;
use std::time::Duration;
use tests::cast::open_room;
use tests::server::{TempDir, TestServer, open_db, services_on};
use tests::ws::{WsClient, refusal_code};

/// Long enough for a frame that was going to arrive to arrive on this machine; used only
/// to show that something does NOT arrive while the disk refuses writes.
const QUIET: Duration = Duration::from_millis(300);

/// The next message if one arrives within [`QUIET`].
async fn within_quiet(client: &mut WsClient) -> Option<ServerMessage> {
    tokio::time::timeout(QUIET, client.recv()).await.ok()
}

#[tokio::test]
async fn nothing_leaves_a_room_before_it_is_durable_and_all_follows_in_order_once_it_is() {
    let store = Arc::new(MemoryStore::new());
    let server = TestServer::start_on_store(Config::default(), store.clone()).await;
    let url = server.ws_url();
    let (session, mut fac, [mut bruno]) =
        open_room(&server, "Disque lent", "Anne", ["Bruno"]).await;

    store.set_failing(true);
    bruno
        .send(&ClientMessage::Command {
            id: 7,
            command: Command::RaiseHand,
        })
        .await;
    // While the write fails, no screen shows the hand (a crash now would take it
    // back), and Bruno hears nothing: his page keeps the command.
    for client in [&mut fac, &mut bruno] {
        while let Some(message) = within_quiet(client).await {
            match message {
                ServerMessage::Event {
                    event: Event::HandRaised { .. },
                    ..
                } => panic!("an event went out before it was durable"),
                ServerMessage::Ack { .. } | ServerMessage::Rejected { .. } => {
                    panic!("an answer went out before the event was durable")
                }
                // Bruno's arrival, sent before the failure.
                _ => {}
            }
        }
    }
    // A newcomer is not seated either: their token must still work after a crash.
    let mut chloe = WsClient::connect(&url, "Chloé").await;
    chloe
        .send(&ClientMessage::Join {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(session.room.as_str()),
            name: "Chloé".into(),
            observer: false,
            facilitator_key: None,
            member_token: None,
        })
        .await;
    assert!(
        within_quiet(&mut chloe).await.is_none(),
        "no `joined` before the seat is durable"
    );

    // The disk recovers; the journal's retry commits, and everything follows in order.
    store.set_failing(false);
    fac.wait_event(|e| matches!(e, Event::HandRaised { .. }))
        .await;
    let answer = loop {
        match bruno.recv().await {
            ServerMessage::Ack { id: 7, seq } => break seq,
            ServerMessage::Rejected { .. } => panic!("refused"),
            _ => {}
        }
    };
    chloe.expect_seated().await;
    assert!(chloe.state().participants.iter().any(|p| p.name == "Chloé"));
    assert!(
        chloe.state().has_hand_raised(bruno.me()),
        "the newcomer's snapshot holds what came before it"
    );
    let stored = store.load().await.expect("load");
    assert_eq!(stored.len(), 1);
    assert!(stored[0].events.len() as u64 >= answer);
    let raised = &stored[0].events[answer as usize - 1];
    assert_eq!(raised.command_id, Some(7));
    assert_eq!(raised.actor.as_ref(), bruno.me.as_ref());
}

/// Long enough for a retried commit to come round (the journal waits 50 ms, then
/// 100 ms...); only a bound on an event-driven wait, never a pause.
const RETRY_PATIENCE: Duration = Duration::from_secs(10);

/// `/health` answers 200, status ok.
async fn assert_healthy(server: &TestServer) {
    let ok = server.http("GET", "/health", None).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("\"status\":\"ok\""), "{}", ok.body);
}

#[tokio::test]
async fn health_says_degraded_while_the_disk_refuses_writes_and_ok_once_it_takes_them() {
    let store = Arc::new(MemoryStore::new());
    let services = services_on(store.clone());
    let health = services.storage_health.clone();
    let server = TestServer::start_with_services(Config::default(), services).await;
    let (_, mut fac, [mut bruno]) = open_room(&server, "Disque plein", "Anne", ["Bruno"]).await;
    assert_healthy(&server).await;

    let mut failing = health.failing_since();
    store.set_failing(true);
    bruno
        .send(&ClientMessage::Command {
            id: 1,
            command: Command::RaiseHand,
        })
        .await;
    tokio::time::timeout(RETRY_PATIENCE, failing.wait_for(Option::is_some))
        .await
        .expect("the journal tried to commit the raised hand")
        .expect("the journal is running");
    let degraded = server.http("GET", "/health", None).await;
    assert_eq!(degraded.status, 503, "{}", degraded.body);
    let body: serde_json::Value = serde_json::from_str(&degraded.body).expect("JSON");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["storage"], "failing");
    assert_eq!(body["rooms"], 1);
    assert!(body["for_ms"].is_u64(), "{body}");
    let metrics = server.http("GET", "/metrics", None).await;
    let failed: u64 = metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix("codev_storage_failed_commits_total "))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no failed-commit count in {}", metrics.body));
    assert!(failed >= 1, "{failed} failed commits counted");

    // The disk takes writes again: the retry lands, the hand goes out, health is back.
    store.set_failing(false);
    tokio::time::timeout(RETRY_PATIENCE, failing.wait_for(Option::is_none))
        .await
        .expect("the retried commit succeeded")
        .expect("the journal is running");
    fac.wait_event(|e| matches!(e, Event::HandRaised { .. }))
        .await;
    assert_healthy(&server).await;
    server.stop().await;
}

/// Bruno's advice note, posted before a restart and again after it with the same id.
fn post_brunos_note() -> Command {
    Command::PostNote {
        note_id: NoteId::from("n-bruno"),
        kind: NoteKind::Advice,
        text: "Parlez-vous".into(),
    }
}

#[tokio::test]
async fn a_restarted_server_restores_every_room_with_seats_authors_and_closed_records() {
    let dir = TempDir::new("restore");
    let db = dir.join("codev.db");
    let server = TestServer::start_with_db(&db).await;
    let url = server.ws_url();

    // An open session, in exploration, with a note and a hand up.
    let (open, mut fac, [mut cli, mut bruno]) =
        open_room(&server, "Ouverte", "Anne", ["Claire", "Bruno"]).await;
    let mut obs = WsClient::join(&url, &open.room, "Olivier", true).await;
    fac.ok(Command::PickClient {
        participant: cli.me().clone(),
    })
    .await;
    for _ in 0..3 {
        fac.ok(Command::next_step(fac.state())).await;
    }
    cli.ok(Command::SetContract {
        text: "Des pistes.".into(),
    })
    .await;
    fac.ok(Command::next_step(fac.state())).await;
    fac.ok(Command::StartTimer).await;
    bruno.ok(Command::RaiseHand).await;
    bruno
        .command_with_id(500, post_brunos_note())
        .await
        .expect("posted");
    let seq = cli
        .ok(Command::KeepNote {
            note_id: NoteId::from("n-bruno"),
            kept: true,
        })
        .await;
    fac.catch_up(seq).await;
    let before = fac.state().clone();
    let tokens = [
        fac.token.clone().expect("token"),
        bruno.token.clone().expect("token"),
        obs.token.clone().expect("token"),
    ];

    // A closed session, whose record stays readable to its participants.
    let (closed, mut fac2, [dora]) = open_room(&server, "Fermée", "Anne", ["Dora"]).await;
    let dora_token = dora.token.clone().expect("token");
    fac2.ok(Command::CloseSession).await;
    let addr = server.addr();
    server.stop().await;
    for client in [&mut fac, &mut cli, &mut bruno, &mut obs, &mut fac2] {
        while client.try_recv().await.is_some() {}
    }

    // Back on the same address (where pages expect it), on the same file.
    let services = services_on(open_db(&db).await);
    let server = TestServer::start_at(addr, Config::default(), services).await;
    assert_eq!(server.ws_url(), url);
    let url = server.ws_url();
    // Nothing is loaded before someone comes to it.
    server.assert_rooms_in_memory(0).await;

    // The facilitator's key opens the same seat, with the same token, from any device.
    let fac = WsClient::join_facilitator(&url, &open.room, &open.facilitator_key, "Anne").await;
    assert_eq!(fac.token.as_deref(), Some(tokens[0].as_str()));
    let mut after = fac.state().clone();
    for participant in &after.participants {
        assert_eq!(participant.connected, &participant.id == fac.me());
    }
    for participant in &mut after.participants {
        participant.connected = true;
    }
    let mut expected = before.clone();
    for participant in &mut expected.participants {
        participant.connected = true;
    }
    assert_eq!(after, expected, "the whole room, as it was");
    assert_eq!(after.step, Step::Exploration);

    // Seats come back with their tokens; the author still owns their note.
    let mut bruno = WsClient::resume(&url, &open.room, &tokens[1], "Bruno again").await;
    assert_eq!(bruno.my_notes, vec![NoteId::from("n-bruno")]);
    // The same command id gets the same answer, from the stored log.
    let again = bruno.command_with_id(500, post_brunos_note()).await;
    assert!(again.is_ok());
    bruno
        .command_with_id(
            501,
            Command::EditNote {
                note_id: NoteId::from("n-bruno"),
                kind: NoteKind::Comment,
                text: "Parlez-vous, vraiment".into(),
            },
        )
        .await
        .expect("the author edits");
    let obs = WsClient::resume(&url, &open.room, &tokens[2], "Olivier again").await;
    assert_eq!(
        obs.state().participant(obs.me()).map(|p| p.role),
        Some(shared::state::Role::Observer)
    );
    assert!(obs.my_notes.is_empty(), "nobody else learns who wrote it");

    // The closed record: readable by its participants, closed to newcomers and changes.
    let mut dora = WsClient::resume(&url, &closed.room, &dora_token, "Dora").await;
    assert_eq!(dora.state().step, Step::Closed);
    assert!(dora.state().closed_at.is_some());
    let refused = dora
        .command_with_id(900, Command::RaiseHand)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::SessionClosed);
    let late = WsClient::first_answer_to_join(&url, &closed.room, "Late").await;
    assert_eq!(
        refusal_code(&late),
        Some(ErrorCode::SessionClosed),
        "{late:?}"
    );
    server.assert_rooms_in_memory(2).await;
    server.stop().await;
}

#[tokio::test]
async fn the_facilitator_deletes_a_session_and_everything_stored_about_it() {
    let dir = TempDir::new("delete");
    let db = dir.join("codev.db");
    let server = TestServer::start_with_db(&db).await;
    let url = server.ws_url();
    let doomed = server.create_session("À effacer").await;
    let kept = server.create_session("À garder").await;
    let mut fac =
        WsClient::join_facilitator(&url, &doomed.room, &doomed.facilitator_key, "Anne").await;
    let mut bruno = WsClient::join(&url, &doomed.room, "Bruno", false).await;
    let token = bruno.token.clone().expect("token");
    let seq = bruno.ok(Command::RaiseHand).await;
    fac.catch_up(seq).await;

    // Unknown session, wrong key, no key: one and the same answer.
    let unknown = server
        .delete_session("nosuchsession", &doomed.facilitator_key)
        .await;
    let wrong = server.delete_session(&doomed.room, "not-the-key").await;
    let other_key = server
        .delete_session(&doomed.room, &kept.facilitator_key)
        .await;
    let no_key = server
        .http("DELETE", &format!("/api/sessions/{}", doomed.room), None)
        .await;
    for answer in [&wrong, &other_key, &no_key] {
        assert_eq!(
            (answer.status, &answer.body),
            (unknown.status, &unknown.body)
        );
    }
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains("room_or_key_invalid"),
        "{}",
        unknown.body
    );

    let deleted = server
        .delete_session(&doomed.room, &doomed.facilitator_key)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    // Everyone connected is told, and the connection ends.
    for client in [&mut fac, &mut bruno] {
        let told = client.last_bye().await;
        assert_eq!(told, Some(ByeReason::SessionDeleted), "{}", client.label);
    }
    // Nobody gets back in, and a second deletion finds nothing.
    let mut again = WsClient::connect(&url, "Bruno again").await;
    again
        .send(&ClientMessage::Resume {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(doomed.room.as_str()),
            token,
        })
        .await;
    assert!(matches!(
        again.recv().await,
        ServerMessage::Rejected {
            code: ErrorCode::RoomOrKeyInvalid,
            ..
        }
    ));
    let twice = server
        .delete_session(&doomed.room, &doomed.facilitator_key)
        .await;
    assert_eq!(twice.status, 404);

    // Nothing is left in the database; the other session is untouched.
    let reader = SqliteStore::open(&db).await.expect("open the database");
    let rooms = reader.load().await.expect("load");
    let codes: Vec<&str> = rooms.iter().map(|r| r.room.code.as_str()).collect();
    assert_eq!(codes, vec![kept.room.as_str()]);
    reader.close().await;
    server.stop().await;

    // Nor after a restart: the kept session opens, the deleted one does not.
    let server = TestServer::start_with_db(&db).await;
    let url = server.ws_url();
    WsClient::join_facilitator(&url, &kept.room, &kept.facilitator_key, "Anne").await;
    let late = WsClient::first_answer_to_join(&url, &doomed.room, "Late").await;
    assert_eq!(
        refusal_code(&late),
        Some(ErrorCode::RoomOrKeyInvalid),
        "{late:?}"
    );
    server.assert_rooms_in_memory(1).await;
    server.stop().await;
}
