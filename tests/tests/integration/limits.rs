//! One test per bound: going over it gets a typed refusal for the one who went over, and
//! the room (and everyone else in it) carries on as if nothing happened.
//!
//! Bounds are set low in each test's server settings, so that reaching them is quick;
//! the defaults are in `server::Config` and `shared::Limits`, listed in
//! `docs/security.md`.

use server::Config;
use server::clock::ManualClock;
use shared::state::NoteKind;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{ActionId, Command, ErrorCode, Limits, NoteId, QuestionId, RoomCode, Step};
use tests::cast::{Cast, Who, open_room};
use tests::server::TestServer;
use tests::ws::WsClient;

fn refusal_of(message: &ServerMessage) -> Option<(Option<u64>, ErrorCode)> {
    match message {
        ServerMessage::Rejected { id, code, .. } => Some((*id, *code)),
        _ => None,
    }
}

/// The next refusal (skipping events and the like).
async fn next_refusal(client: &mut WsClient) -> (Option<u64>, ErrorCode) {
    loop {
        if let Some(refusal) = refusal_of(&client.recv().await) {
            return refusal;
        }
    }
}

/// A join frame, as text.
fn join_frame(room: &str, name: &str, key: Option<&str>) -> String {
    serde_json::to_string(&ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room),
        name: name.to_owned(),
        observer: false,
        facilitator_key: key.map(str::to_owned),
    })
    .expect("encode")
}

fn resume_frame(room: &str, token: &str) -> String {
    serde_json::to_string(&ClientMessage::Resume {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room),
        token: token.to_owned(),
    })
    .expect("encode")
}

/// The room carries on: the facilitator's command goes through and everyone else in
/// `others` sees its event.
async fn room_carries_on(fac: &mut WsClient, others: &mut [&mut WsClient]) {
    let running = !fac.state().timer.is_running();
    let seq = fac
        .ok(if running {
            Command::StartTimer
        } else {
            Command::PauseTimer
        })
        .await;
    for other in others.iter_mut() {
        other.catch_up(seq).await;
        assert_eq!(other.state().timer.is_running(), running, "{}", other.label);
    }
}

#[tokio::test]
async fn a_frame_over_the_limit_is_refused_and_the_connection_carries_on() {
    let server = TestServer::start().await;
    let (_, mut fac, [mut eve]) = open_room(&server, "Taille", "Anne", ["Eve"]).await;
    let seq = eve.seq;

    // 20 KiB: over the 16 KiB limit, under the hard one.
    let big = format!(
        r#"{{"type":"command","id":41,"command":{{"type":"write_learning","text":"{}"}}}}"#,
        "x".repeat(20 * 1024)
    );
    eve.send_raw(&big).await;
    assert_eq!(
        next_refusal(&mut eve).await,
        (Some(41), ErrorCode::FrameTooLarge)
    );
    // A binary frame that large is too large before it is anything else.
    eve.send_binary(vec![b'x'; 20 * 1024]).await;
    assert_eq!(
        next_refusal(&mut eve).await,
        (None, ErrorCode::FrameTooLarge)
    );
    // The same connection goes on, and nothing happened in the room.
    let after = eve.ok(Command::RaiseHand).await;
    assert_eq!(after, seq + 1);
    room_carries_on(&mut fac, &mut [&mut eve]).await;
    // Both refusals are counted, like every other.
    let metrics = server.http("GET", "/metrics", None).await.body;
    let counted = metrics.lines().find_map(|line| {
        line.strip_prefix(r#"codev_rejected_commands_total{code="frame_too_large"} "#)
    });
    assert_eq!(counted, Some("2"), "{metrics}");
}

#[tokio::test]
async fn a_frame_over_the_hard_limit_ends_only_that_connection_and_says_why() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, [mut eve]) = open_room(&server, "Taille", "Anne", ["Eve"]).await;
    let eve_id = eve.me().clone();
    let token = eve.token.clone().expect("a token");

    eve.send_raw(&"x".repeat(100 * 1024)).await;
    let mut refused = false;
    while let Some(message) = eve.try_recv().await {
        refused |= refusal_of(&message) == Some((None, ErrorCode::FrameTooLarge));
    }
    assert!(refused, "a frame_too_large refusal before the close");
    assert_eq!(eve.closed_with.as_ref().map(|(code, _)| *code), Some(1009));

    // Eve is away, the room goes on, and she can come back.
    assert_eq!(fac.wait_away().await, eve_id);
    room_carries_on(&mut fac, &mut []).await;
    let eve = WsClient::resume(&url, &session.room, &token, "Eve again").await;
    assert_eq!(eve.me(), &eve_id);
}

#[tokio::test]
async fn every_text_over_its_length_is_refused_and_the_room_carries_on() {
    let server = TestServer::start().await;
    let limits = Limits::default();
    let long = |n: usize| "é".repeat(n + 1);

    // The session title, over HTTP.
    let body = serde_json::json!({ "title": long(limits.session_title_chars) }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("too_long"), "{}", answer.body);

    let session = server.create_session("Longueurs").await;
    let url = server.ws_url();

    // A name, at the door.
    let mut stranger = WsClient::connect(&url, "stranger").await;
    stranger
        .send_raw(&join_frame(&session.room, &long(limits.name_chars), None))
        .await;
    assert_eq!(
        next_refusal(&mut stranger).await,
        (None, ErrorCode::TooLong)
    );

    let mut cast = Cast::at_step(&url, &session, Step::Welcome).await;
    let client = cast.id(Who::Cli);
    cast.fac
        .ok(Command::PickClient {
            participant: client,
        })
        .await;
    // (step, who, the command with a text over its bound, the same within bounds)
    type Case = (Step, Who, Command, Command);
    let cases: Vec<Case> = vec![
        (
            Step::Problem,
            Who::Cli,
            Command::SetProblem {
                title: long(limits.problem_title_chars),
                summary: String::new(),
            },
            Command::SetProblem {
                title: "Titre".into(),
                summary: "é".repeat(limits.problem_summary_chars),
            },
        ),
        (
            Step::Problem,
            Who::Cli,
            Command::SetProblem {
                title: "Titre".into(),
                summary: long(limits.problem_summary_chars),
            },
            Command::SetProblem {
                title: "é".repeat(limits.problem_title_chars),
                summary: String::new(),
            },
        ),
        (
            Step::Clarification,
            Who::Ana,
            Command::PostQuestion {
                question_id: QuestionId::new("q1"),
                text: long(limits.question_chars),
            },
            Command::PostQuestion {
                question_id: QuestionId::new("q1"),
                text: "é".repeat(limits.question_chars),
            },
        ),
        (
            Step::Contract,
            Who::Cli,
            Command::SetContract {
                text: long(limits.contract_chars),
            },
            Command::SetContract {
                text: "é".repeat(limits.contract_chars),
            },
        ),
        (
            Step::Exploration,
            Who::Ana,
            Command::PostNote {
                note_id: NoteId::new("n1"),
                kind: NoteKind::Comment,
                text: long(limits.note_chars),
            },
            Command::PostNote {
                note_id: NoteId::new("n1"),
                kind: NoteKind::Comment,
                text: "é".repeat(limits.note_chars),
            },
        ),
        (
            Step::ActionPlan,
            Who::Cli,
            Command::AddAction {
                action_id: ActionId::new("a1"),
                text: long(limits.action_chars),
                due: None,
            },
            Command::AddAction {
                action_id: ActionId::new("a1"),
                text: "é".repeat(limits.action_chars),
                due: None,
            },
        ),
        (
            Step::Closing,
            Who::Ben,
            Command::WriteLearning {
                text: long(limits.learning_chars),
            },
            Command::WriteLearning {
                text: "é".repeat(limits.learning_chars),
            },
        ),
    ];
    for (step, who, too_long, within) in cases {
        while cast.step().await != step {
            cast.fac.ok(Command::next_step(cast.fac.state())).await;
        }
        let before = cast.catch_up().await;
        let refused = cast.client(who).command(too_long.clone()).await;
        assert_eq!(
            refused.map_err(|r| r.code),
            Err(ErrorCode::TooLong),
            "{too_long:?}"
        );
        assert_eq!(cast.catch_up().await, before, "a refusal changes nothing");
        cast.client(who).ok(within).await;
    }
    // A client-made id over 64 characters.
    cast.fac
        .ok(Command::go_to_step(cast.fac.state(), Step::Exploration))
        .await;
    let refused = cast
        .ana
        .command(Command::PostNote {
            note_id: NoteId::new("n".repeat(65)),
            kind: NoteKind::Comment,
            text: "x".into(),
        })
        .await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::InvalidValue));
    // Minutes over the bound.
    let refused = cast
        .fac
        .command(Command::ExtendTimer { minutes: u32::MAX })
        .await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::TooLong));
    let Cast {
        mut fac,
        mut cli,
        mut obs,
        ..
    } = cast;
    room_carries_on(&mut fac, &mut [&mut cli, &mut obs]).await;
}

#[tokio::test]
async fn notes_and_actions_are_bounded_per_consultant_and_per_plan() {
    let server = TestServer::start_with(Config {
        limits: Limits {
            notes_per_participant: 2,
            actions: 1,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let session = server.create_session("Nombre").await;
    let mut cast = Cast::at_step(&server.ws_url(), &session, Step::Exploration).await;
    // Ana has one note from the walk; one more is allowed, not a third.
    let post = |id: &str| Command::PostNote {
        note_id: NoteId::new(id),
        kind: NoteKind::Advice,
        text: "Encore une idée".into(),
    };
    cast.ana.ok(post("n2")).await;
    let refused = cast.ana.command(post("n3")).await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::LimitReached));
    // Ben is not concerned; Ana may post again once she deleted one.
    cast.ben.ok(post("n4")).await;
    cast.ana
        .ok(Command::DeleteNote {
            note_id: NoteId::new("n2"),
        })
        .await;
    cast.ana.ok(post("n3")).await;

    cast.fac.ok(Command::next_step(cast.fac.state())).await;
    let add = |id: &str| Command::AddAction {
        action_id: ActionId::new(id),
        text: "Une de plus".into(),
        due: None,
    };
    cast.cli.ok(add("a1")).await;
    let refused = cast.cli.command(add("a2")).await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::LimitReached));
    let Cast {
        mut fac,
        mut ana,
        mut ben,
        ..
    } = cast;
    room_carries_on(&mut fac, &mut [&mut ana, &mut ben]).await;
}

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
    let mut fac =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Anne").await;
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

#[tokio::test]
async fn sessions_per_server_are_bounded() {
    let server = TestServer::start_with(Config {
        max_rooms: 2,
        ..Config::default()
    })
    .await;
    let first = server.create_session("Un").await;
    server.create_session("Deux").await;
    let body = serde_json::json!({ "title": "Trois" }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 503);
    assert!(answer.body.contains("server_full"), "{}", answer.body);
    let url = server.ws_url();
    let mut fac =
        WsClient::join_facilitator(&url, &first.room, &first.facilitator_key, "Anne").await;
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
    let first = server.create_session("Un").await;
    server.create_session("Deux").await;
    let body = serde_json::json!({ "title": "Trois" }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 429);
    assert!(answer.body.contains("rate_limited"), "{}", answer.body);
    // A refused creation uses nothing: the server still holds two sessions.
    let health = server.http("GET", "/health", None).await;
    assert!(health.body.contains("\"rooms\":2"), "{}", health.body);
    let url = server.ws_url();
    let mut fac =
        WsClient::join_facilitator(&url, &first.room, &first.facilitator_key, "Anne").await;
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

#[tokio::test]
async fn commands_over_the_rate_are_refused_to_that_connection_alone() {
    // The rate is measured on the server's clock, held still here and moved by hand.
    let clock = ManualClock::new(1_000_000);
    let server = TestServer::start_with(Config {
        commands_per_second: 2,
        command_burst: 5,
        clock: clock.clone(),
        ..Config::default()
    })
    .await;
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
    let mut bye = None;
    while let Some(message) = eve.try_recv().await {
        if let ServerMessage::Bye { reason, .. } = message {
            bye = Some(reason);
        }
    }
    assert_eq!(bye, Some(ByeReason::Abuse));
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

#[tokio::test]
async fn an_http_body_over_4_kib_is_refused() {
    let server = TestServer::start().await;
    let body = serde_json::json!({ "title": "x", "padding": "y".repeat(5 * 1024) }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("malformed"), "{}", answer.body);
    let health = server.http("GET", "/health", None).await;
    assert!(health.body.contains("\"rooms\":0"), "{}", health.body);
}
