//! The test client's own checks, against a scripted server: events are applied to its
//! replica in order, and a gap or a repeated sequence number fails the test at once
//! (a page would ask for a snapshot or skip it; a test must not let it pass).

use super::WsClient;
use futures_util::SinkExt;
use shared::state::Language;
use shared::wire::{PROTOCOL_VERSION, ServerMessage};
use shared::{Event, RoomState};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// A server that sends `script` to the first client, then keeps the connection open
/// until the client goes; returns its WebSocket URL.
async fn scripted(script: Vec<ServerMessage>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/ws", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut socket = tokio_tungstenite::accept_async(stream)
            .await
            .expect("WebSocket handshake");
        for message in script {
            let text = serde_json::to_string(&message).expect("encode");
            socket.send(Message::text(text)).await.expect("send");
        }
        // Hold the connection until the client drops it.
        let _ = futures_util::StreamExt::next(&mut socket).await;
    });
    url
}

fn joined() -> ServerMessage {
    ServerMessage::Joined {
        protocol_version: PROTOCOL_VERSION,
        room: "r".into(),
        you: "p1".into(),
        token: "secret".into(),
    }
}

fn snapshot(seq: u64) -> ServerMessage {
    ServerMessage::Snapshot {
        seq,
        server_time: 0,
        state: RoomState::new("t", Language::Fr, 0),
        your_notes: vec![],
    }
}

fn event(seq: u64) -> ServerMessage {
    ServerMessage::Event {
        seq,
        event: Event::FloorTaken,
    }
}

/// Connect to a server playing `script` and read every message of it.
async fn read_all(script: Vec<ServerMessage>) -> WsClient {
    let count = script.len();
    let mut client = WsClient::connect(&scripted(script).await, "tester").await;
    for _ in 0..count {
        client.recv().await;
    }
    client
}

#[tokio::test]
async fn events_in_order_are_applied_to_the_replica() {
    let client = read_all(vec![joined(), snapshot(5), event(6), event(7)]).await;
    assert_eq!(client.seq, 7);
    assert_eq!(client.me().as_str(), "p1");
    assert_eq!(client.token.as_deref(), Some("secret"));
    assert!(client.is_live());
    let mut expected = RoomState::new("t", Language::Fr, 0);
    expected.apply(&Event::FloorTaken);
    expected.apply(&Event::FloorTaken);
    assert_eq!(client.state(), &expected);
}

#[tokio::test]
#[should_panic(expected = "events arrive in order without gaps")]
async fn a_gap_in_sequence_numbers_fails_the_test() {
    read_all(vec![joined(), snapshot(5), event(7)]).await;
}

#[tokio::test]
#[should_panic(expected = "events arrive once")]
async fn a_repeated_sequence_number_fails_the_test() {
    read_all(vec![joined(), snapshot(5), event(6), event(6)]).await;
}

#[tokio::test]
#[should_panic(expected = "events arrive once")]
async fn an_event_the_snapshot_already_holds_fails_the_test() {
    read_all(vec![joined(), snapshot(5), event(5)]).await;
}
