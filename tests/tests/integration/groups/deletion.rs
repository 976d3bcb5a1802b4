//! Deleting a group over HTTP (`DELETE /api/groups/{code}`, the group facilitator's key):
//! one 404 for an unknown group, a wrong key and no key; then the group's page and its
//! rooms hear `bye` `session_deleted`, and neither the group nor any of its sessions can
//! be entered again. Deleting a group's running session (`DELETE /api/sessions/{room}`)
//! closes it on the group's page, with no summary, and the series goes on.

use super::GroupClient;
use super::sessions::{a_group_of_four, open, run_to_close, until_closed};
use shared::ErrorCode;
use tests::group_ws::{create_group, enter_session, member_join};
use tests::server::TestServer;
use tests::ws::{WsClient, refusal_code};

/// `DELETE /api/groups/{code}` with `key` as the bearer, if any.
async fn delete_group(server: &TestServer, code: &str, key: Option<&str>) -> (u16, String) {
    let path = format!("/api/groups/{code}");
    let bearer = key.map(|key| format!("Bearer {key}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|bearer| ("Authorization", bearer.as_str()))
        .collect();
    let answer = tests::server::http(server.addr(), "DELETE", &path, None, &headers).await;
    (answer.status, answer.body)
}

/// Read a connection to its end: whether its last frame was `bye` `session_deleted`.
async fn told_deleted(ws: &mut WsClient) -> bool {
    let mut last = String::new();
    while let Some(text) = ws.next_text().await {
        last = text;
    }
    last.contains(r#""type":"bye""#) && last.contains("session_deleted")
}

#[tokio::test]
async fn the_facilitator_deletes_the_group_with_its_sessions_and_everyone_is_told() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "À effacer").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let other = create_group(&server, "À garder").await;
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let first = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let mut fanny_room = enter_session(&url, &first, &fanny).await;
    let mut ana_room = enter_session(&url, &first, &ana).await;
    run_to_close(&mut fanny_room, &mut ana_room).await;
    until_closed(&mut cleo, 0).await;
    let second = open(1, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let mut ben_room = enter_session(&url, &second, &ben).await;

    // Unknown group, wrong key, another group's key, no key: one and the same answer.
    let unknown = delete_group(&server, "nosuchgroup", Some(key)).await;
    assert_eq!(unknown.0, 404);
    assert!(unknown.1.contains("room_or_key_invalid"), "{}", unknown.1);
    for key in [
        Some("not-the-key"),
        Some(other.facilitator_key.as_str()),
        None,
    ] {
        assert_eq!(delete_group(&server, code, key).await, unknown, "{key:?}");
    }

    assert_eq!(delete_group(&server, code, Some(key)).await.0, 204);
    for (who, ws) in [
        ("Ana's page", &mut ana.ws),
        ("Cléo's page", &mut cleo.ws),
        ("Ben in the running session", &mut ben_room),
    ] {
        assert!(told_deleted(ws).await, "{who}");
    }
    assert_eq!(delete_group(&server, code, Some(key)).await.0, 404, "once");

    // Nobody gets back in: not the group, not its running session, not its closed one.
    let ana_token = ana.token.clone().expect("a token");
    let again = GroupClient::connect(&url, "Ana again").await;
    let mut again = again.ws;
    let resume = tests::group_ws::resume_group(code, &ana_token);
    again
        .send_raw(&serde_json::to_string(&resume).expect("json"))
        .await;
    let answer = again.recv().await;
    assert_eq!(refusal_code(&answer), Some(ErrorCode::RoomOrKeyInvalid));
    for room in [&first, &second] {
        let mut knocker = WsClient::connect(&url, "knocker").await;
        let join = serde_json::to_string(&member_join(room, &ana_token)).expect("json");
        knocker.send_raw(&join).await;
        let answer = knocker.recv().await;
        assert_eq!(refusal_code(&answer), Some(ErrorCode::RoomOrKeyInvalid));
        let described = server
            .http("GET", &format!("/api/sessions/{room}"), None)
            .await;
        assert_eq!(described.status, 404, "{room}");
    }
    // The other group is untouched.
    GroupClient::join_facilitator(&url, &other.group, &other.facilitator_key, "Zoé").await;
}

#[tokio::test]
async fn deleting_a_running_session_of_a_group_closes_it_on_the_groups_page() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Une séance effacée").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let room = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let mut ana_room = enter_session(&url, &room, &ana).await;

    // The group facilitator's key deletes the session as any session's.
    let deleted = server.delete_session(&room, key).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(told_deleted(&mut ana_room).await, "Ana in the session");
    until_closed(&mut cleo, 0).await;
    let session = &cleo.state().series[0];
    assert_eq!(session.summary, None, "closed, nothing kept");
    // The series goes on.
    let next = open(1, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    let ana_next = enter_session(&url, &next, &ana).await;
    assert_eq!(ana_next.me(), ana.you());
}
