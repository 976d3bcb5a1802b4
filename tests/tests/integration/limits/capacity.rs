//! Bounds on how many: participants per room, sessions per server and per address,
//! connections per address.

use super::{join_frame, next_refusal, room_carries_on};
use server::Config;
use shared::wire::{ClientMessage, ServerMessage};
use shared::{ErrorCode, Limits};
use tests::cast::{open_room, seat_facilitator};
use tests::server::{SessionCreated, TestServer};
use tests::ws::WsClient;

#[tokio::test]
async fn participants_per_room_are_bounded() {
    let server = TestServer::start_with(Config {
        limits: Limits {
            participants: 3,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let session = server.create_session("Complet").await;
    let other = server.create_session("Autre").await;
    let url = server.ws_url();
    let mut fac = seat_facilitator(&server, &session, "Anne").await;
    let mut bruno = WsClient::join(&url, &session.room, "Bruno", false).await;
    let chloe = WsClient::join(&url, &session.room, "Chloé", false).await;
    let chloe_token = chloe.token.clone().expect("a token");
    chloe.close().await;

    let mut david = WsClient::connect(&url, "David").await;
    david
        .send_raw(&join_frame(&session.room, "David", None))
        .await;
    assert_eq!(next_refusal(&mut david).await, (None, ErrorCode::RoomFull));
    // The same connection may go elsewhere; those with a seat still come back.
    david
        .send_raw(&join_frame(&other.room, "David", None))
        .await;
    david.expect_seated().await;
    WsClient::resume(&url, &session.room, &chloe_token, "Chloé again").await;
    // The facilitator's key still opens the facilitator's seat.
    WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Anne").await;
    room_carries_on(&mut fac, &mut [&mut bruno]).await;
}

/// Create the sessions "Un" and "Deux" on `server`, then try a third, "Trois": it is
/// refused with `status` and an error `code`. Returns the first session.
async fn two_sessions_then_a_third_refused(
    server: &TestServer,
    status: u16,
    code: &str,
) -> SessionCreated {
    let first = server.create_session("Un").await;
    server.create_session("Deux").await;
    let body = serde_json::json!({ "title": "Trois" }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(answer.body.contains(code), "{}", answer.body);
    first
}

#[tokio::test]
async fn sessions_per_server_are_bounded() {
    let server = TestServer::start_with(Config {
        max_rooms: 2,
        ..Config::default()
    })
    .await;
    let first = two_sessions_then_a_third_refused(&server, 503, "server_full").await;
    let url = server.ws_url();
    let mut fac = seat_facilitator(&server, &first, "Anne").await;
    let mut bruno = WsClient::join(&url, &first.room, "Bruno", false).await;
    room_carries_on(&mut fac, &mut [&mut bruno]).await;
}

#[tokio::test]
async fn sessions_per_address_are_bounded() {
    let server = TestServer::start_with(Config {
        sessions_per_address_per_hour: 2,
        ..Config::default()
    })
    .await;
    let first = two_sessions_then_a_third_refused(&server, 429, "rate_limited").await;
    // A refused creation uses nothing: the server still holds two sessions.
    server.assert_rooms_in_memory(2).await;
    let mut fac = seat_facilitator(&server, &first, "Anne").await;
    room_carries_on(&mut fac, &mut []).await;
}

#[tokio::test]
async fn connections_per_address_are_bounded() {
    let server = TestServer::start_with(Config {
        max_connections_per_address: 3,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let (_, mut fac, [mut bruno]) = open_room(&server, "Connexions", "Anne", ["Bruno"]).await;
    let spare = WsClient::connect(&url, "spare").await;

    let Err((status, body)) = WsClient::connect_with_headers(&url, "fourth", &[]).await else {
        panic!("a fourth connection from one address is refused");
    };
    assert_eq!(status, 429);
    assert!(body.contains("rate_limited"), "{body}");
    room_carries_on(&mut fac, &mut [&mut bruno]).await;

    // Once one closes, there is room for another.
    spare.close().await;
    server.until_open_connections(2).await;
    let mut again = WsClient::connect_with_headers(&url, "again", &[])
        .await
        .expect("a connection once another closed");
    again.send(&ClientMessage::Ping { nonce: 5 }).await;
    assert!(matches!(
        again.recv().await,
        ServerMessage::Pong { nonce: 5, .. }
    ));
}
