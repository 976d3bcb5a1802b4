//! `GET /api/sessions/{code}` over real HTTP: what an invite link's page learns before
//! asking for a name (the title, whether the session takes newcomers), and that looking
//! codes up is guarded like entering, so it is no faster way to guess them.

use serde_json::{Value, json};
use server::Config;
use std::time::Duration;
use tests::cast::closed_by_anne;
use tests::server::TestServer;
use tests::ws::WsClient;

fn body(answer: &tests::server::HttpAnswer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", answer.body))
}

#[tokio::test]
async fn a_session_is_named_while_open_and_said_closed_once_it_is() {
    let server = TestServer::start_with(Config {
        idle_room: Duration::ZERO,
        grace: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let session = server.create_session("Codév du jeudi").await;
    let path = format!("/api/sessions/{}", session.room);

    let answer = server.http("GET", &path, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        body(&answer),
        json!({ "title": "Codév du jeudi", "open": true })
    );
    assert!(
        !answer.body.contains(&session.facilitator_key),
        "the key never leaves the server"
    );

    let fac = closed_by_anne(&server, &session).await;
    let answer = server.http("GET", &path, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        body(&answer),
        json!({ "title": "Codév du jeudi", "open": false })
    );

    // Put away (nobody in it, not in memory): read from the store, the same answer.
    fac.close().await;
    server.until_rooms_put_away(1).await;
    let answer = server.http("GET", &path, None).await;
    assert_eq!(
        body(&answer),
        json!({ "title": "Codév du jeudi", "open": false })
    );
}

#[tokio::test]
async fn an_unknown_code_gets_the_same_answer_as_a_wrong_join() {
    let server = TestServer::start().await;
    let answer = server
        .http("GET", "/api/sessions/nosuchroomxxxxxxxxxx", None)
        .await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(body(&answer)["code"], "room_or_key_invalid");
}

#[tokio::test]
async fn lookups_of_unknown_codes_count_as_failed_entries_for_the_address() {
    let server = TestServer::start_with(Config {
        join_failures_per_minute: 2,
        ..Config::default()
    })
    .await;
    let session = server.create_session("Devinettes").await;
    let known = format!("/api/sessions/{}", session.room);
    // Looking up a real session costs nothing.
    for _ in 0..3 {
        assert_eq!(server.http("GET", &known, None).await.status, 200);
    }
    for guess in ["aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"] {
        let answer = server
            .http("GET", &format!("/api/sessions/{guess}"), None)
            .await;
        assert_eq!(answer.status, 404, "{}", answer.body);
    }
    // From then on every lookup from this address waits, a right one too, before
    // anything is looked up ...
    for path in ["/api/sessions/cccccccccccccccccccc", known.as_str()] {
        let answer = server.http("GET", path, None).await;
        assert_eq!(answer.status, 429, "{}", answer.body);
        assert_eq!(body(&answer)["code"], "rate_limited");
    }
    // ... and so does entering: one budget for both doors.
    let answer = WsClient::first_answer_to_join(&server.ws_url(), &session.room, "Eve").await;
    assert_eq!(
        tests::ws::refusal_code(&answer),
        Some(shared::ErrorCode::RateLimited)
    );
}
