//! Bad frames get a typed answer, and the connection stays usable; a connection seated
//! in one room cannot touch another.

use server::{Config, Site};
use shared::state::{NoteKind, Role};
use shared::wire::ServerMessage;
use shared::{Command, ErrorCode, NoteId, Step};
use tests::cast::{Cast, Who, open_room};
use tests::server::{TempDir, TestServer};
use tests::ws::WsClient;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

fn code_of(message: &ServerMessage) -> Option<ErrorCode> {
    match message {
        ServerMessage::Rejected { code, .. } => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn malformed_frames_are_refused_and_the_connection_carries_on() {
    let server = TestServer::start().await;
    let session = server.create_session("Robustesse").await;
    let url = server.ws_url();
    let mut eve = WsClient::connect(&url, "Eve").await;

    for frame in [
        "not json",
        "{}",
        r#"{"type":"launch_missiles"}"#,
        r#"{"type":"join","protocol_version":"one","room":"x","name":"Eve"}"#,
    ] {
        eve.send_raw(frame).await;
        assert_eq!(
            code_of(&eve.recv().await),
            Some(ErrorCode::Malformed),
            "{frame}"
        );
    }
    eve.send_binary(vec![0, 159, 146, 150]).await;
    assert_eq!(code_of(&eve.recv().await), Some(ErrorCode::Malformed));

    eve.send_raw(r#"{"type":"command","id":7,"command":{"type":"raise_hand"}}"#)
        .await;
    let answer = eve.recv().await;
    assert_eq!(code_of(&answer), Some(ErrorCode::NotJoined));
    assert!(matches!(
        answer,
        ServerMessage::Rejected { id: Some(7), .. }
    ));

    eve.send_raw(
        &serde_json::json!({"type":"join","protocol_version":99,"room":session.room,"name":"Eve"})
            .to_string(),
    )
    .await;
    assert_eq!(
        code_of(&eve.recv().await),
        Some(ErrorCode::UnsupportedVersion)
    );

    // After all that, the same connection joins and works.
    eve.send_raw(
        &serde_json::json!({"type":"join","protocol_version":shared::wire::PROTOCOL_VERSION,"room":session.room,"name":"Eve"})
            .to_string(),
    )
    .await;
    eve.expect_seated().await;
    eve.ok(Command::RaiseHand).await;
    eve.send_raw(
        &serde_json::json!({"type":"join","protocol_version":shared::wire::PROTOCOL_VERSION,"room":session.room,"name":"Eve"})
            .to_string(),
    )
    .await;
    assert_eq!(code_of(&eve.recv().await), Some(ErrorCode::AlreadyJoined));
    eve.send_raw(r#"{"type":"command","id":9,"command":{"type":"post_note","note_id":"n1","kind":"gossip","text":"x"}}"#).await;
    assert_eq!(code_of(&eve.recv().await), Some(ErrorCode::Malformed));
    eve.ok(Command::LowerHand).await;
}

#[tokio::test]
async fn creating_a_session_checks_its_input() {
    let server = TestServer::start().await;
    let answer = server
        .http("POST", "/api/sessions", Some("{not json"))
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("malformed"), "{}", answer.body);
    let answer = server
        .http("POST", "/api/sessions", Some(r#"{"title":"   "}"#))
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("empty_text"), "{}", answer.body);
    let long = serde_json::json!({ "title": "x".repeat(121) }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&long)).await;
    assert!(answer.body.contains("too_long"), "{}", answer.body);
    let health = server.http("GET", "/health", None).await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("\"ok\""), "{}", health.body);
}

/// Unknown paths under `/api/` are the API's: a JSON 404, while any other unknown path
/// gets the client's page (invite links like `/r/<code>`).
#[tokio::test]
async fn an_unknown_api_path_is_a_json_404_not_the_page() {
    let site = TempDir::new("site");
    std::fs::write(site.join("index.html"), "<!doctype html><title>app</title>").expect("write");
    let server = TestServer::start_with(Config {
        site: Some(Site::Dir(site.path().to_owned())),
        ..Config::default()
    })
    .await;
    for (method, path) in [
        ("GET", "/api"),
        ("GET", "/api/"),
        ("GET", "/api/session"),
        ("POST", "/api/sessions/abc/close"),
        ("GET", "/api/v2/sessions"),
    ] {
        let answer = server.http(method, path, None).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        assert!(
            answer
                .head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{method} {path}: {}",
            answer.head
        );
        let body: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
        assert_eq!(body["code"], "not_found", "{method} {path}");
    }
    let page = server.http("GET", "/r/abc", None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>app</title>"), "{}", page.body);
    let apish = server.http("GET", "/apiary", None).await;
    assert_eq!(apish.status, 200, "only /api and what is under it");
}

/// The protocol's rule for optional fields, over the wire: left out or `null`, each
/// means its default (`docs/protocol.md`, Conventions).
#[tokio::test]
async fn optional_fields_may_be_left_out_or_null() {
    let server = TestServer::start().await;
    let created = server
        .http(
            "POST",
            "/api/sessions",
            Some(r#"{"title":"Sans langue","language":null}"#),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let session = server.create_session("Facultatif").await;
    let url = server.ws_url();

    // `observer` and `facilitator_key` null: a consultant, like when they are left out.
    let mut eve = WsClient::connect(&url, "Eve").await;
    eve.send_raw(
        &serde_json::json!({
            "type": "join", "protocol_version": shared::wire::PROTOCOL_VERSION, "room": session.room, "name": "Eve",
            "observer": null, "facilitator_key": null,
        })
        .to_string(),
    )
    .await;
    eve.expect_seated().await;
    let me = eve.state().participant(eve.me()).expect("seated").clone();
    assert_eq!(me.role, Role::Consultant);

    // A problem's summary may be left out (or null): it is empty.
    let mut cast = Cast::at_step(&url, &session, Step::Problem).await;
    for (id, summary) in [(9001, None), (9002, Some(serde_json::Value::Null))] {
        let mut command =
            serde_json::json!({"type": "set_problem", "title": format!("Titre {id}")});
        if let Some(summary) = summary {
            command["summary"] = summary;
        }
        let frame = serde_json::json!({"type": "command", "id": id, "command": command});
        cast.cli.send_raw(&frame.to_string()).await;
        loop {
            match cast.cli.recv().await {
                ServerMessage::Ack { id: acked, .. } if acked == id => break,
                ServerMessage::Rejected {
                    id: Some(refused),
                    code,
                    message,
                } if refused == id => {
                    panic!("{frame}: {code:?} {message}")
                }
                _ => {}
            }
        }
        let problem = cast.cli.state().problem.clone().expect("a problem");
        assert_eq!(problem.title, format!("Titre {id}"));
        assert_eq!(problem.summary, "");
    }
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_only_that_connection() {
    let server = TestServer::start().await;
    let (_, mut fac, [mut eve]) = open_room(&server, "Taille", "Anne", ["Eve"]).await;
    eve.send_raw(&format!(
        r#"{{"type":"command","id":1,"command":{{"type":"write_learning","text":"{}"}}}}"#,
        "x".repeat(100_000)
    ))
    .await;
    while eve.try_recv().await.is_some() {}
    // The room carries on for everyone else.
    fac.ok(Command::StartTimer).await;
}

/// A fresh snapshot's sequence number: what the room is at now.
async fn room_seq(client: &mut WsClient) -> u64 {
    client.send(&shared::wire::ClientMessage::Sync).await;
    loop {
        if let ServerMessage::Snapshot { seq, .. } = client.recv().await {
            return seq;
        }
    }
}

#[tokio::test]
async fn wrong_shapes_in_every_place_are_malformed_and_change_nothing() {
    let server = TestServer::start().await;
    let session = server.create_session("Formes").await;
    let url = server.ws_url();
    let mut cast = Cast::at_step(&url, &session, Step::Exploration).await;
    let before = cast.catch_up().await;
    let deep = format!(
        r#"{{"type":"command","id":1,"command":{}{}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let frames = [
        // Not JSON, or not an object.
        "",
        " ",
        "null",
        "[]",
        "42",
        "\"command\"",
        "{\"type\":\"command\"",
        // Unknown or missing types.
        r#"{"type":"Command","id":1,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":1,"command":{"type":"become_facilitator"}}"#,
        r#"{"type":"command","id":1,"command":{}}"#,
        r#"{"type":"command","id":1}"#,
        r#"{"id":1,"command":{"type":"raise_hand"}}"#,
        // Wrong field types and values out of their type's range.
        r#"{"type":"command","id":"1","command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":-1,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":1.5,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":18446744073709551616,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":1e400,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":null,"command":{"type":"raise_hand"}}"#,
        r#"{"type":"command","id":1,"command":"raise_hand"}"#,
        r#"{"type":"command","id":1,"command":{"type":"post_note","note_id":7,"kind":"advice","text":"x"}}"#,
        r#"{"type":"command","id":1,"command":{"type":"post_note","note_id":"n9","kind":"gossip","text":"x"}}"#,
        r#"{"type":"command","id":1,"command":{"type":"post_note","note_id":"n9","kind":"advice","text":["x"]}}"#,
        r#"{"type":"command","id":1,"command":{"type":"post_note","note_id":"n9","kind":"advice"}}"#,
        r#"{"type":"command","id":1,"command":{"type":"extend_timer","minutes":-5}}"#,
        r#"{"type":"command","id":1,"command":{"type":"extend_timer","minutes":4294967296}}"#,
        r#"{"type":"command","id":1,"command":{"type":"go_to_step","step":"the_end"}}"#,
        r#"{"type":"command","id":1,"command":{"type":"give_floor","participant":{"id":"x"}}}"#,
        r#"{"type":"command","id":1,"command":{"type":"keep_note","note_id":"n-ben","kept":"yes"}}"#,
        r#"{"type":"ping","nonce":"now"}"#,
        r#"{"type":"sync","type":"ping"}"#,
        // A lone surrogate is not a character.
        r#"{"type":"command","id":1,"command":{"type":"write_learning","text":"\ud800"}}"#,
        // Deeper than any message.
        &deep,
    ];
    for frame in frames {
        cast.ana.send_raw(frame).await;
        let answer = cast.ana.recv().await;
        assert_eq!(
            code_of(&answer),
            Some(ErrorCode::Malformed),
            "{} -> {answer:?}",
            frame.chars().take(120).collect::<String>()
        );
        assert!(
            matches!(answer, ServerMessage::Rejected { id: None, .. }),
            "a frame that could not be read has no id to answer"
        );
    }
    // Nothing happened, and the same connection still works.
    assert_eq!(room_seq(&mut cast.fac).await, before);
    cast.ana.ok(Command::RaiseHand).await;
}

#[tokio::test]
async fn any_unicode_is_kept_exactly_as_sent() {
    let server = TestServer::start().await;
    let session = server.create_session("Unicode").await;
    let mut cast = Cast::at_step(&server.ws_url(), &session, Step::Exploration).await;
    let text = "\u{202e}txet\u{200b} 👩🏽‍💻 \u{0}\u{7}\t z\u{301} \u{feff}end";
    cast.ana
        .ok(Command::PostNote {
            note_id: NoteId::new("n-uni"),
            kind: NoteKind::Feeling,
            text: text.into(),
        })
        .await;
    cast.catch_up().await;
    let note = cast
        .obs
        .state()
        .note(&NoteId::new("n-uni"))
        .expect("the note")
        .clone();
    // Only surrounding whitespace is trimmed (the trailing BOM counts as text).
    assert_eq!(note.text, text.trim());
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_closes_only_that_connection() {
    let server = TestServer::start().await;
    let (_, mut fac, [mut eve]) = open_room(&server, "Octets", "Anne", ["Eve"]).await;
    let eve_id = eve.me().clone();
    let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    eve.send_message(Message::Frame(frame)).await;
    // It cannot go on, and is told so before the close: `malformed`, then close 1007.
    let mut refused = false;
    while let Some(message) = eve.try_recv().await {
        refused |= matches!(
            message,
            ServerMessage::Rejected {
                id: None,
                code: ErrorCode::Malformed,
                ..
            }
        );
    }
    assert!(refused, "a malformed refusal before the close");
    assert_eq!(eve.closed_with.as_ref().map(|(code, _)| *code), Some(1007));
    assert_eq!(fac.wait_away().await, eve_id);
    fac.ok(Command::StartTimer).await;
}

#[tokio::test]
async fn a_client_seated_in_one_room_can_act_only_in_that_room() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let session_a = server.create_session("Salle A").await;
    let session_b = server.create_session("Salle B").await;
    let mut a = Cast::at_step(&url, &session_a, Step::Exploration).await;
    let mut b = Cast::at_step(&url, &session_b, Step::Exploration).await;
    let only_in_b = NoteId::new("n-only-in-b");
    b.ana
        .ok(Command::PostNote {
            note_id: only_in_b.clone(),
            kind: NoteKind::Advice,
            text: "Seulement dans la salle B".into(),
        })
        .await;
    let b_before = b.catch_up().await;
    let b_state = b.fac.state().clone();
    let b_ana = b.id(Who::Ana);

    // Another join or resume on a seated connection: refused, whatever the room.
    let b_token = b.ben.token.clone().expect("a token");
    for frame in [
        serde_json::json!({"type":"join","protocol_version":shared::wire::PROTOCOL_VERSION,"room":session_b.room,"name":"Intrus"}),
        serde_json::json!({"type":"join","protocol_version":shared::wire::PROTOCOL_VERSION,"room":session_b.room,"name":"Intrus",
            "facilitator_key":session_b.facilitator_key}),
        serde_json::json!({"type":"resume","protocol_version":shared::wire::PROTOCOL_VERSION,"room":session_b.room,"token":b_token}),
    ] {
        a.ana.send_raw(&frame.to_string()).await;
        assert_eq!(code_of(&a.ana.recv().await), Some(ErrorCode::AlreadyJoined));
    }
    // Commands naming what lives in room B find nothing in room A.
    let attempts: [(Who, Command); 6] = [
        (
            Who::Fac,
            Command::GiveFloor {
                participant: b_ana.clone(),
                from: None,
            },
        ),
        (
            Who::Fac,
            Command::HideNote {
                note_id: only_in_b.clone(),
                hidden: true,
            },
        ),
        (
            Who::Cli,
            Command::KeepNote {
                note_id: only_in_b.clone(),
                kept: true,
            },
        ),
        (
            Who::Ana,
            Command::EditNote {
                note_id: only_in_b.clone(),
                kind: NoteKind::Comment,
                text: "pris".into(),
            },
        ),
        (
            Who::Ana,
            Command::DeleteNote {
                note_id: only_in_b.clone(),
            },
        ),
        (Who::Fac, Command::CloseSession),
    ];
    for (who, command) in attempts {
        let name = command.name();
        let answer = a.client(who).command(command).await;
        if name == "close_session" {
            // Closing works, but only on the sender's own room.
            assert!(answer.is_ok());
        } else {
            assert_eq!(
                answer.map_err(|r| r.code),
                Err(ErrorCode::NotFound),
                "{name}"
            );
        }
    }
    // Room B saw nothing of it.
    assert_eq!(room_seq(&mut b.fac).await, b_before);
    assert_eq!(b.fac.state(), &b_state);
    b.ben.ok(Command::RaiseHand).await;
    assert_eq!(a.step().await, Step::Closed);
    assert_eq!(b.step().await, Step::Exploration);
}
