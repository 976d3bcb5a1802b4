//! A single session's own video-call link: given when the session is created (an
//! `https://` address, or none), in every snapshot of its room, and kept across a
//! restart; anything else is refused before a session is made. And, in the browser, the
//! link in the room, then the session deleted by its facilitator from its record.

use serde_json::json;
use server::Config;
use tests::server::{TempDir, TestServer, open_db, services_on};
use tests::ws::WsClient;

const CALL: &str = "https://visio.example.org/jeudi";

#[tokio::test]
async fn a_single_sessions_call_link_is_in_its_room_and_outlives_a_restart() {
    let dir = TempDir::new("call-link");
    let db = dir.join("codev.db");
    let server = TestServer::start_on_db(Config::default(), &db).await;
    let body = json!({ "title": "Séance du jeudi", "call_link": CALL }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let created: server::http::SessionCreated =
        serde_json::from_str(&answer.body).expect("the API's answer");
    let url = server.ws_url();
    let anne = WsClient::join(&url, &created.room, "Anne", false).await;
    assert_eq!(anne.state().call_link.as_deref(), Some(CALL));

    // None given, none shown (and none written: the snapshot leaves it out).
    let plain = server.create_session("Sans visio").await;
    let mut bruno = WsClient::join(&url, &plain.room, "Bruno", false).await;
    assert_eq!(bruno.state().call_link, None);
    assert!(!bruno.raw.iter().any(|frame| frame.contains("call_link")));
    bruno.raw.clear();

    for (link, code) in [
        ("http://visio.example.org/jeudi", "invalid_value"),
        ("https://visio example", "invalid_value"),
        (&*format!("https://{}", "v".repeat(600)), "too_long"),
    ] {
        let body = json!({ "title": "S", "call_link": link }).to_string();
        let refused = server.http("POST", "/api/sessions", Some(&body)).await;
        assert_eq!(refused.status, 400, "{link}: {}", refused.body);
        assert!(refused.body.contains(code), "{link}: {}", refused.body);
    }

    // The link is stored with the session.
    let addr = server.addr();
    server.stop().await;
    let _again =
        TestServer::start_at(addr, Config::default(), services_on(open_db(&db).await)).await;
    let anne = WsClient::join(&url, &created.room, "Anne's phone", false).await;
    assert_eq!(anne.state().call_link.as_deref(), Some(CALL));
}

#[tokio::test]
async fn a_single_sessions_call_link_is_one_click_away_in_its_room() {
    use tests::browser::{Browser, ChromeDriver};
    use tests::journey::{LAPTOP, join, value_of};
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let anne = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    anne.goto(&server.http_url()).await;
    anne.type_into("[data-testid=session-title]", "Séance du jeudi")
        .await;
    anne.type_into("[data-testid=session-call-link]", CALL)
        .await;
    anne.click("[data-testid=create-form] button[type=submit]")
        .await;
    anne.wait_for("[data-testid=created]").await;
    let own = value_of(&anne, "[data-testid=facilitator-link]").await;
    join(&anne, &own, "Anne").await;
    let call = anne
        .wait_for("[data-testid=room-call-link]")
        .await
        .attr("href")
        .await
        .expect("the call's address");
    assert_eq!(call.as_deref(), Some(CALL));
    anne.assert_accessible("a room with its call link").await;

    // Closed, its record can be deleted by its facilitator, from the page.
    tests::journey::close_session(&anne).await;
    anne.wait_for("[data-testid=record]").await;
    anne.click("[data-testid=delete-session]").await;
    anne.client()
        .accept_alert()
        .await
        .expect("confirm the deletion");
    anne.wait_for_text(
        "[data-testid=fatal-reason]",
        "L'animateur·rice a supprimé cette séance.",
    )
    .await;
    anne.close().await;
}
