//! Bounds on how often: commands over the rate, a connection that keeps flooding, a
//! burst over the abuse limit, failed entries per address, and each client address
//! counted on its own behind a trusted proxy.

use super::{join_frame, next_refusal, resume_frame, room_carries_on};
use server::clock::ManualClock;
use server::{Config, Services};
use shared::wire::{ByeReason, ClientMessage, ServerMessage};
use shared::{Command, ErrorCode};
use tests::cast::open_room;
use tests::server::TestServer;
use tests::ws::WsClient;

#[tokio::test]
async fn commands_over_the_rate_are_refused_to_that_connection_alone() {
    // The rate is measured on the server's clock, held still here and moved by hand.
    let clock = ManualClock::new(1_000_000);
    let config = Config {
        commands_per_second: 2,
        command_burst: 5,
        ..Config::default()
    };
    let services = Services {
        clock: clock.clone(),
        ..Services::default()
    };
    let server = TestServer::start_with_services(config, services).await;
    let (_, mut fac, [mut bruno, mut eve]) =
        open_room(&server, "Débit", "Anne", ["Bruno", "Eve"]).await;

    // Eve's join used one token; she sends 10 commands at once.
    for id in 1..=10 {
        let command = if id % 2 == 1 {
            Command::RaiseHand
        } else {
            Command::LowerHand
        };
        eve.send(&ClientMessage::Command { id, command }).await;
    }
    let mut acked = Vec::new();
    let mut limited = Vec::new();
    while acked.len() + limited.len() < 10 {
        match eve.recv().await {
            ServerMessage::Ack { id, .. } => acked.push(id),
            ServerMessage::Rejected {
                id: Some(id),
                code: ErrorCode::RateLimited,
                ..
            } => limited.push(id),
            ServerMessage::Rejected { code, .. } => panic!("unexpected refusal {code:?}"),
            _ => {}
        }
    }
    assert!(
        (4..=5).contains(&acked.len()),
        "the burst goes through: {acked:?}"
    );
    assert!(
        !limited.is_empty(),
        "then each frame is refused, with its id"
    );
    // The others are not slowed, and Eve may go on after a pause.
    room_carries_on(&mut fac, &mut [&mut bruno]).await;
    clock.advance(600);
    eve.ok(Command::AcceptCharter).await;
}

#[tokio::test]
async fn a_connection_that_keeps_flooding_is_dropped_for_abuse() {
    let server = TestServer::start_with(Config {
        commands_per_second: 1,
        command_burst: 2,
        abuse_strikes: 5,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let (session, mut fac, [mut bruno, mut eve]) =
        open_room(&server, "Abus", "Anne", ["Bruno", "Eve"]).await;
    let eve_id = eve.me().clone();
    let token = eve.token.clone().expect("a token");

    for nonce in 0..50 {
        if !eve
            .send_message(tokio_tungstenite::tungstenite::Message::text(
                serde_json::to_string(&ClientMessage::Ping { nonce }).expect("encode"),
            ))
            .await
        {
            break;
        }
    }
    assert_eq!(eve.last_bye().await, Some(ByeReason::Abuse));
    assert_eq!(fac.wait_away().await, eve_id);
    room_carries_on(&mut fac, &mut [&mut bruno]).await;
    // Dropped, not banned: Eve's seat is hers when she comes back calmly.
    let eve = WsClient::resume(&url, &session.room, &token, "Eve again").await;
    assert_eq!(eve.me(), &eve_id);
}

/// A burst written at once, far over the abuse limit, is still answered in full: the
/// server reads and discards what comes after its `bye` until the client's close, so the
/// kernel never resets the connection under the answers it already sent.
#[tokio::test]
async fn a_burst_over_the_abuse_limit_gets_its_answers_its_bye_and_a_close_frame_every_time() {
    // The defaults: bursts of 100, then 100 refusals before the connection is ended.
    let server = TestServer::start().await;
    let url = server.ws_url();
    for attempt in 0..20 {
        let mut eve = WsClient::connect(&url, &format!("Eve, try {attempt}")).await;
        let burst = (0..400)
            .map(|nonce| serde_json::to_string(&ClientMessage::Ping { nonce }).expect("encode"));
        assert!(
            eve.send_burst(burst).await,
            "try {attempt}: the burst is sent"
        );
        let mut pongs = Vec::new();
        let mut limited = 0;
        let mut bye = None;
        while let Some(message) = eve.try_recv().await {
            assert_eq!(bye, None, "try {attempt}: nothing after the bye");
            match message {
                ServerMessage::Pong { nonce, .. } => pongs.push(nonce),
                ServerMessage::Rejected {
                    id: None,
                    code: ErrorCode::RateLimited,
                    ..
                } => limited += 1,
                ServerMessage::Bye { reason, .. } => bye = Some(reason),
                other => panic!("try {attempt}: unexpected {other:?}"),
            }
        }
        assert_eq!(bye, Some(ByeReason::Abuse), "try {attempt}");
        assert_eq!(
            eve.closed_with.as_ref().map(|(code, _)| *code),
            Some(1001),
            "try {attempt}: a close frame after the bye"
        );
        // Every frame read before the last straw was answered: the burst's 100, then
        // the 100 refusals (and whatever the rate gave back meanwhile).
        assert_eq!(
            pongs[..100],
            (0..100).collect::<Vec<u64>>(),
            "try {attempt}"
        );
        assert!(pongs.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(limited >= 100, "try {attempt}: {limited} refusals");
        eve.close().await;
    }
}

#[tokio::test]
async fn failed_entries_are_rate_limited_per_address_with_one_answer_for_all() {
    let server = TestServer::start_with(Config {
        join_failures_per_minute: 3,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let (session, mut fac, [mut bruno]) = open_room(&server, "Devinettes", "Anne", ["Bruno"]).await;

    let mut guesser = WsClient::connect(&url, "guesser").await;
    // An unknown room, a wrong key, a wrong token: the same answer.
    for frame in [
        join_frame("nosuchroomxxxxxxxxxx", "Eve", None),
        join_frame(&session.room, "Eve", Some("not-the-key")),
        resume_frame(&session.room, "not-a-token"),
    ] {
        guesser.send_raw(&frame).await;
        assert_eq!(
            next_refusal(&mut guesser).await,
            (None, ErrorCode::RoomOrKeyInvalid)
        );
    }
    // From then on every attempt from this address waits, even a right one, before
    // anything is looked up: the answer says nothing about the room.
    for frame in [
        join_frame("nosuchroomxxxxxxxxxx", "Eve", None),
        join_frame(&session.room, "Eve", None),
    ] {
        let mut other = WsClient::connect(&url, "other").await;
        other.send_raw(&frame).await;
        assert_eq!(
            next_refusal(&mut other).await,
            (None, ErrorCode::RateLimited)
        );
    }
    // A proxy header claiming another address is not trusted unless configured.
    let mut spoofer =
        WsClient::connect_with_headers(&url, "spoofer", &[("X-Forwarded-For", "203.0.113.7")])
            .await
            .expect("connect");
    spoofer
        .send_raw(&join_frame(&session.room, "Eve", None))
        .await;
    assert_eq!(
        next_refusal(&mut spoofer).await,
        (None, ErrorCode::RateLimited)
    );
    // Those already in are not concerned.
    room_carries_on(&mut fac, &mut [&mut bruno]).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_counts_on_its_own() {
    let server = TestServer::start_with(Config {
        join_failures_per_minute: 1,
        client_ip_header: Some("X-Forwarded-For".into()),
        ..Config::default()
    })
    .await;
    let session = server.create_session("Mandataire").await;
    let url = server.ws_url();
    let through = |ip: &'static str| {
        let url = url.clone();
        async move {
            WsClient::connect_with_headers(&url, ip, &[("X-Forwarded-For", ip)])
                .await
                .expect("connect")
        }
    };
    let mut first = through("203.0.113.7").await;
    first
        .send_raw(&join_frame("nosuchroomxxxxxxxxxx", "Eve", None))
        .await;
    assert_eq!(
        next_refusal(&mut first).await,
        (None, ErrorCode::RoomOrKeyInvalid)
    );
    first
        .send_raw(&join_frame(&session.room, "Eve", None))
        .await;
    assert_eq!(
        next_refusal(&mut first).await,
        (None, ErrorCode::RateLimited)
    );
    // Someone else behind the same proxy is not held back.
    let mut second = through("198.51.100.2").await;
    second
        .send_raw(&join_frame(&session.room, "Zoé", None))
        .await;
    second.expect_seated().await;
}
