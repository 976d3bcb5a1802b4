//! A client that stops reading cannot slow its room or grow the server's memory: its
//! bounded queue fills, the room drops it (`bye` with reason `slow_consumer`), the others
//! keep receiving every event throughout, and it can come back with its resume token.
//!
//! Deterministic, not timed: the stalled reader is a real WebSocket client with a tiny
//! socket receive buffer that simply stops reading; the test drives the room until the
//! others see it go away.

use futures_util::{SinkExt, StreamExt};
use server::Config;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, RoomCode, Step};
use std::time::Duration;
use tests::cast::open_room;
use tests::server::TestServer;
use tests::ws::{PATIENCE, WsClient};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

/// Frames the server keeps for one connection (the default is 256; small here so the
/// test needs few events).
const QUEUE: usize = 8;
/// The most events the test sends before the stalled reader must have been dropped:
/// socket buffers on both sides plus the queue hold far fewer 4 KB events than this.
const MOST_EVENTS: usize = 2_000;

#[tokio::test]
async fn a_reader_that_stalls_is_dropped_while_the_room_goes_on_and_it_can_come_back() {
    let server = TestServer::start_with(Config {
        outgoing_queue: QUEUE,
        // The test's own pace is far above a person's.
        commands_per_second: 0,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let (session, mut fac, [mut claire, mut bruno]) =
        open_room(&server, "Lenteur", "Anne", ["Claire", "Bruno"]).await;

    // The stalled reader: a tiny receive buffer, so that the server's writes to it
    // block after a few frames once it stops reading.
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let tcp = socket.connect(server.addr()).await.expect("connect");
    let (mut stalled, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
        .await
        .expect("WebSocket handshake");
    let join = ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(session.room.as_str()),
        name: "Sam".into(),
        observer: false,
        facilitator_key: None,
        member_token: None,
    };
    stalled
        .send(Message::text(serde_json::to_string(&join).unwrap()))
        .await
        .expect("send join");
    let mut me = None;
    let mut token = None;
    while me.is_none() || token.is_none() {
        match next_message(&mut stalled).await {
            Some(ServerMessage::Joined { you, token: t, .. }) => {
                me = Some(you);
                token = Some(t);
            }
            Some(_) => {}
            None => panic!("the stalled reader was closed before joining"),
        }
    }
    let (me, token) = (me.unwrap(), token.unwrap());
    let seq = fac
        .ok(Command::PickClient {
            participant: claire.me().clone(),
        })
        .await;
    let seq = seq.max(fac.ok(Command::next_step(fac.state())).await);
    claire.catch_up(seq).await;
    bruno.catch_up(seq).await;
    assert_eq!(claire.state().step, Step::Problem);
    fac.wait_until(|s| s.participant(&me).is_some_and(|p| p.connected))
        .await;

    // From now on Sam reads nothing. Claire rewrites the problem, 4 KB a time; the
    // others read every event as it comes.
    let summary = "x".repeat(3_900);
    let mut sent = 0;
    while fac.state().participant(&me).is_some_and(|p| p.connected) {
        assert!(
            sent < MOST_EVENTS,
            "{sent} events and the stalled reader is still seated"
        );
        let seq = claire
            .ok(Command::SetProblem {
                title: format!("Version {sent}"),
                summary: summary.clone(),
            })
            .await;
        sent += 1;
        fac.catch_up(seq).await;
        bruno.catch_up(seq).await;
    }
    // Dropped, and the room went on: the others hold every event, in order (the test
    // client checks there is no gap), up to the latest.
    let title = format!("Version {}", sent - 1);
    for other in [&fac, &bruno] {
        assert_eq!(
            other.state().problem.as_ref().map(|p| &p.title),
            Some(&title)
        );
        assert!(!other.state().participant(&me).unwrap().connected);
    }
    let seq = claire
        .ok(Command::SetProblem {
            title: "After".into(),
            summary: "short".into(),
        })
        .await;
    fac.catch_up(seq).await;
    bruno.catch_up(seq).await;

    // Sam reads again: what was already on its way, then `bye` with the reason, then
    // the close.
    let mut reason = None;
    while let Some(message) = next_message(&mut stalled).await {
        if let ServerMessage::Bye { reason: r, .. } = message {
            reason = Some(r);
        }
    }
    assert_eq!(reason, Some(ByeReason::SlowConsumer));

    // The server counted it.
    let metrics = server.http("GET", "/metrics", None).await.body;
    assert!(
        metrics
            .lines()
            .any(|l| l == "codev_slow_consumer_disconnects_total 1"),
        "{metrics}"
    );

    // Sam comes back to the same seat and catches up from a fresh snapshot.
    let mut sam = WsClient::resume(&url, &session.room, &token, "Sam again").await;
    assert_eq!(sam.me(), &me);
    assert_eq!(
        sam.state().problem.as_ref().map(|p| p.title.as_str()),
        Some("After")
    );
    let seq = fac.ok(Command::ExtendTimer { minutes: 1 }).await;
    sam.catch_up(seq).await;
    bruno.catch_up(seq).await;
    assert!(sam.state().participant(&me).unwrap().connected);
}

/// The next server message, or `None` once the connection is closed.
async fn next_message(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
) -> Option<ServerMessage> {
    loop {
        let frame = tokio::time::timeout(PATIENCE + Duration::from_secs(5), socket.next())
            .await
            .expect("a frame or the close in time");
        match frame {
            Some(Ok(Message::Text(text))) => {
                return Some(serde_json::from_str(&text).expect("a server message"));
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}
