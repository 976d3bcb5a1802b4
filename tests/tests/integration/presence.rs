//! Dropping and coming back: a participant who loses their connection is away, not
//! gone, and their resume token gives them back their seat, role and place in the queue.

use server::Config;
use shared::{Command, ErrorCode, Event, Step};
use std::time::Duration;
use tests::cast::open_room;
use tests::server::TestServer;
use tests::ws::WsClient;

#[tokio::test]
async fn a_resumed_participant_keeps_role_and_place_in_the_hand_queue() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, [mut bruno, mut chloe]) =
        open_room(&server, "Reprise", "Anne", ["Bruno", "Chloé"]).await;
    let bruno_id = bruno.me().clone();
    fac.ok(Command::PickClient {
        participant: chloe.me().clone(),
    })
    .await;
    bruno.ok(Command::RaiseHand).await;
    let seq = chloe.ok(Command::RaiseHand).await;
    fac.catch_up(seq).await;

    let token = bruno.token.clone().expect("a resume token");
    bruno.close().await;
    assert_eq!(chloe.wait_away().await, bruno_id);
    assert_eq!(
        chloe.state().hands[0].participant,
        bruno_id,
        "an away participant keeps their place"
    );

    let mut bruno = WsClient::resume(&url, &session.room, &token, "Bruno again").await;
    assert_eq!(bruno.me(), &bruno_id);
    let state = bruno.state();
    assert!(state.participant(&bruno_id).is_some_and(|p| p.connected));
    assert_eq!(state.hands[0].participant, bruno_id);
    assert_eq!(
        state.participants.len(),
        3,
        "resuming does not add a participant"
    );
    chloe
        .wait_event(|e| {
            matches!(
                e,
                Event::PresenceChanged {
                    connected: true,
                    ..
                }
            )
        })
        .await;
    bruno.ok(Command::LowerHand).await;
}

#[tokio::test]
async fn the_facilitator_link_opens_the_same_seat_from_a_second_device() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, laptop, []) = open_room(&server, "Deux écrans", "Anne", []).await;
    let mut phone =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Anne (tél.)")
            .await;
    assert_eq!(laptop.me(), phone.me());
    assert_eq!(phone.state().participants.len(), 1);
    phone.ok(Command::StartTimer).await;
}

#[tokio::test]
async fn after_the_grace_period_an_away_participant_loses_their_place_in_the_queue() {
    let server = TestServer::start_with(Config {
        grace: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let (session, mut fac, [mut bruno]) = open_room(&server, "Grâce", "Anne", ["Bruno"]).await;
    let bruno_id = bruno.me().clone();
    let seq = bruno.ok(Command::RaiseHand).await;
    fac.catch_up(seq).await;
    let token = bruno.token.clone().expect("token");
    bruno.close().await;
    let lowered = fac
        .wait_event(|e| matches!(e, Event::HandLowered { .. }))
        .await;
    assert_eq!(
        lowered,
        Event::HandLowered {
            participant: bruno_id.clone()
        }
    );
    assert!(fac.state().hands.is_empty());
    // The seat itself stays: the token still works, with the same role.
    let bruno = WsClient::resume(&url, &session.room, &token, "Bruno again").await;
    assert_eq!(bruno.me(), &bruno_id);
}

#[tokio::test]
async fn a_wrong_token_a_wrong_key_and_an_unknown_room_get_the_same_answer() {
    let server = TestServer::start().await;
    let session = server.create_session("Secrets").await;
    let url = server.ws_url();
    let attempts = [
        serde_json::json!({"type": "resume", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": session.room, "token": "guess"}),
        serde_json::json!({"type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": session.room, "name": "Eve", "facilitator_key": "guess"}),
        serde_json::json!({"type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": "nosuchroom", "name": "Eve"}),
    ];
    let mut answers = Vec::new();
    for attempt in attempts {
        let mut eve = WsClient::connect(&url, "Eve").await;
        eve.send_raw(&attempt.to_string()).await;
        answers.push(eve.recv().await);
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert!(matches!(
        &answers[0],
        shared::wire::ServerMessage::Rejected {
            code: ErrorCode::RoomOrKeyInvalid,
            ..
        }
    ));
}

#[tokio::test]
async fn a_closed_session_admits_no_newcomer_but_its_participants_can_come_back() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, [bruno]) = open_room(&server, "Fin", "Anne", ["Bruno"]).await;
    let token = bruno.token.clone().expect("token");
    bruno.close().await;
    fac.ok(Command::CloseSession).await;

    let mut late = WsClient::connect(&url, "Late").await;
    late.send_raw(&serde_json::json!({"type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": session.room, "name": "Late"}).to_string()).await;
    assert!(matches!(
        late.recv().await,
        shared::wire::ServerMessage::Rejected {
            code: ErrorCode::SessionClosed,
            ..
        }
    ));
    let bruno = WsClient::resume(&url, &session.room, &token, "Bruno").await;
    assert_eq!(bruno.state().step, Step::Closed);
}

#[tokio::test]
async fn a_command_re_sent_after_a_reconnect_is_applied_once() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, []) = open_room(&server, "Une seule fois", "Anne", []).await;
    let before = fac.state().timer.clone();
    let first = fac
        .command_with_id(41, Command::ExtendTimer { minutes: 5 })
        .await;
    let token = fac.token.clone().expect("token");
    fac.close().await;

    // The page did not see the ack, so it sends the same command again on return.
    let mut fac = WsClient::resume(&url, &session.room, &token, "Anne again").await;
    let again = fac
        .command_with_id(41, Command::ExtendTimer { minutes: 5 })
        .await;
    assert_eq!(first, again, "the same answer, the same sequence number");
    assert_eq!(
        fac.state().timer,
        before.extended(5 * 60_000),
        "extended once, not twice"
    );

    // A refused command keeps its refusal when re-sent.
    let refused = fac
        .command_with_id(42, Command::AdvanceRound { from: 0 })
        .await;
    assert_eq!(
        refused.as_ref().map_err(|r| r.code),
        Err(ErrorCode::WrongStep)
    );
    assert_eq!(
        fac.command_with_id(42, Command::AdvanceRound { from: 0 })
            .await,
        refused
    );
}
