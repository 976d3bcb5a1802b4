//! Bad frames get a typed answer, and the connection stays usable.

use shared::wire::ServerMessage;
use shared::{Command, ErrorCode};
use tests::server::TestServer;
use tests::ws::WsClient;

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
        &serde_json::json!({"type":"join","protocol_version":1,"room":session.room,"name":"Eve"})
            .to_string(),
    )
    .await;
    eve.expect_seated().await;
    eve.ok(Command::RaiseHand).await;
    eve.send_raw(
        &serde_json::json!({"type":"join","protocol_version":1,"room":session.room,"name":"Eve"})
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

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_only_that_connection() {
    let server = TestServer::start().await;
    let session = server.create_session("Taille").await;
    let url = server.ws_url();
    let mut fac =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Anne").await;
    let mut eve = WsClient::join(&url, &session.room, "Eve", false).await;
    eve.send_raw(&format!(
        r#"{{"type":"command","id":1,"command":{{"type":"write_learning","text":"{}"}}}}"#,
        "x".repeat(100_000)
    ))
    .await;
    while eve.try_recv().await.is_some() {}
    // The room carries on for everyone else.
    fac.ok(Command::StartTimer).await;
}
