//! Retention (`--keep-sessions-days`): a restarted server deletes, before anyone can
//! open them, the sessions closed longer ago than it keeps them and those never closed
//! and created that long ago; a session closed more recently stays, read-only.

use server::clock::ManualClock;
use server::storage::{MemoryStore, Store};
use server::{Config, Services};
use shared::{Command, ErrorCode};
use std::sync::Arc;
use std::time::Duration;
use tests::server::TestServer;
use tests::ws::{WsClient, refusal_code};

const DAY_MS: u64 = 24 * 3600 * 1000;

#[tokio::test]
async fn a_restarted_server_deletes_the_sessions_past_retention_and_keeps_the_others() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(1_773_306_000_000);
    let services = || Services {
        store: store.clone(),
        clock: clock.clone(),
        ..Services::default()
    };
    let server = TestServer::start_with_services(Config::default(), services()).await;
    let url = server.ws_url();
    let close = |session: tests::server::SessionCreated| {
        let url = url.clone();
        async move {
            let mut fac =
                WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Anne")
                    .await;
            fac.ok(Command::CloseSession).await;
        }
    };
    // Closed 31 days before the restart; created then and never closed.
    let january = server.create_session("Janvier").await;
    close(january.clone()).await;
    let forgotten = server.create_session("Jamais close").await;
    // Closed 11 days before the restart.
    clock.advance(20 * DAY_MS);
    let february = server.create_session("Février").await;
    close(february.clone()).await;
    server.stop().await;

    clock.advance(11 * DAY_MS);
    let config = Config {
        keep_sessions: Some(Duration::from_secs(30 * 24 * 3600)),
        ..Config::default()
    };
    let server = TestServer::start_with_services(config, services()).await;
    let url = server.ws_url();
    for gone in [&january, &forgotten] {
        let answer = WsClient::first_answer_to_join(&url, &gone.room, "Late").await;
        assert_eq!(
            refusal_code(&answer),
            Some(ErrorCode::RoomOrKeyInvalid),
            "{answer:?}"
        );
    }
    // Kept: a closed record, read-only, closed to newcomers.
    let answer = WsClient::first_answer_to_join(&url, &february.room, "Late").await;
    assert_eq!(refusal_code(&answer), Some(ErrorCode::SessionClosed));
    let stored = store.load().await.expect("load");
    let codes: Vec<&str> = stored.iter().map(|room| room.room.code.as_str()).collect();
    assert_eq!(codes, [february.room.as_str()]);
    let metrics = server.http("GET", "/metrics", None).await.body;
    assert!(
        metrics
            .lines()
            .any(|line| line == "codev_sessions_expired_total 2"),
        "{metrics}"
    );
    server.stop().await;
}
