//! Several server nodes on one PostgreSQL database, in-process (`docs/cluster.md`): a
//! session lives on in the database across nodes, and a node whose session another node
//! took over after its lease lapsed sends nothing more from it, and sends its
//! connections to the new owner with `bye` `moved`.

use server::metrics::Metrics;
use server::storage::{PostgresStore, Store};
use server::{Config, Services};
use shared::wire::{ByeReason, ClientMessage};
use shared::{Command, Event, Step};
use std::sync::Arc;
use tests::cast::open_room;
use tests::postgres::{lapse, node, scratch_database};
use tests::server::TestServer;
use tests::ws::WsClient;

/// A server on its own node of the database at `url`; its store, to renew or close.
async fn server_node(url: &str, name: &str) -> (TestServer, PostgresStore, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let store = node(url, name, metrics.clone()).await;
    let services = Services {
        store: Arc::new(store.clone()) as Arc<dyn Store>,
        metrics: metrics.clone(),
        ..Services::default()
    };
    let server = TestServer::start_with_services(Config::default(), services).await;
    (server, store, metrics)
}

/// The value of the counter `name` in `server`'s `/metrics`.
async fn counter(server: &TestServer, name: &str) -> u64 {
    let metrics = server.http("GET", "/metrics", None).await;
    metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix(&format!("codev_{name}_total ")))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {}", metrics.body))
}

#[tokio::test]
async fn a_session_on_postgres_goes_on_at_another_node_once_its_node_has_stopped() {
    let url = scratch_database("cluster_restart").await;
    let (first, first_store, _) = server_node(&url, "n1").await;
    let (session, mut anne, [mut bruno]) = open_room(&first, "Relève", "Anne", ["Bruno"]).await;
    bruno.ok(Command::RaiseHand).await;
    anne.wait_event(|e| matches!(e, Event::HandRaised { .. }))
        .await;
    let token = bruno.token.clone().expect("Bruno's token");
    first.stop().await;
    first_store.close().await;

    // Another node, a moment later: the session is free, and loads there whole.
    let (second, second_store, _) = server_node(&url, "n2").await;
    let back = WsClient::resume(&second.ws_url(), &session.room, &token, "Bruno").await;
    assert_eq!(back.state().hands.len(), 1, "Bruno's hand is still raised");
    assert_eq!(counter(&second, "claims").await, 1);
    assert_eq!(
        counter(&second, "takeovers").await,
        0,
        "released, not taken"
    );
    second.stop().await;
    second_store.close().await;
}

#[tokio::test]
async fn a_node_that_lost_its_session_sends_nothing_more_and_sends_its_people_on() {
    let url = scratch_database("cluster_fencing").await;
    let (a, a_store, _) = server_node(&url, "a").await;
    let (b, b_store, _) = server_node(&url, "b").await;
    let (session, mut anne, [mut bruno]) = open_room(&a, "Coupure", "Anne", ["Bruno"]).await;
    let anne_token = anne.token.clone().expect("Anne's token");
    let bruno_token = bruno.token.clone().expect("Bruno's token");
    bruno.ok(Command::RaiseHand).await;

    // Node A goes silent past its lease (as a paused or cut-off process would), and
    // Anne, reconnecting, reaches node B: B takes the session over.
    lapse(&url, &a_store.node().id).await;
    let mut anne_on_b = WsClient::resume(&b.ws_url(), &session.room, &anne_token, "Anne").await;
    assert_eq!(counter(&b, "takeovers").await, 1);
    anne_on_b
        .ok(Command::SetDuration {
            step: Step::Problem,
            minutes: 7,
        })
        .await;

    // Bruno, still on A, lowers the hand A still shows: A's commit finds the session gone to B, writes
    // nothing, answers nothing, and sends everyone on A on with `moved`.
    bruno
        .send(&ClientMessage::Command {
            id: 99,
            command: Command::LowerHand,
        })
        .await;
    let mut late = Vec::new();
    let mut bye = None;
    while let Some(message) = bruno.try_recv().await {
        match message {
            shared::wire::ServerMessage::Bye { reason, .. } => bye = Some(reason),
            other => late.push(other),
        }
    }
    assert_eq!(bye, Some(ByeReason::Moved));
    assert!(
        late.is_empty(),
        "nothing more from A after the takeover: {late:?}"
    );
    assert_eq!(anne.last_bye().await, Some(ByeReason::Moved));
    assert_eq!(counter(&a, "lost_to_fencing").await, 1);

    // Bruno comes back through B: his hand is still raised there, since his command on
    // A never happened. His page sends it again, unanswered as it is, under the same id:
    // B applies it, once.
    let mut bruno_on_b = WsClient::resume(&b.ws_url(), &session.room, &bruno_token, "Bruno").await;
    assert_eq!(bruno_on_b.state().hands.len(), 1);
    let lowered = bruno_on_b
        .command_with_id(99, Command::LowerHand)
        .await
        .expect("lowered on B");
    anne_on_b
        .wait_event(|e| matches!(e, Event::HandLowered { .. }))
        .await;
    assert!(anne_on_b.state().hands.is_empty());

    // What the database holds: every event once, numbered without a gap.
    let stored = b_store
        .load_room(&shared::RoomCode::from(session.room.as_str()))
        .await
        .expect("load")
        .expect("stored");
    let seqs: Vec<u64> = stored.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=lowered).collect::<Vec<_>>());
    let lowerings = stored
        .events
        .iter()
        .filter(|e| matches!(e.event, Event::HandLowered { .. }))
        .count();
    assert_eq!(lowerings, 1, "the hand lowered on B only");
    a.stop().await;
    b.stop().await;
    a_store.close().await;
    b_store.close().await;
}

#[tokio::test]
async fn a_node_that_does_not_hold_a_session_describes_it_and_sends_its_visitors_on() {
    let url = scratch_database("cluster_misrouted").await;
    let (a, a_store, _) = server_node(&url, "a").await;
    let (b, b_store, _) = server_node(&url, "b").await;
    let (session, anne, []) = open_room(&a, "Ailleurs", "Anne", []).await;

    // B describes the session from the store: it is A's, and open.
    let described = b
        .http("GET", &format!("/api/sessions/{}", session.room), None)
        .await;
    assert_eq!(described.status, 200, "{}", described.body);
    assert!(described.body.contains("Ailleurs"), "{}", described.body);

    // A page that reaches B is sent to A, by name.
    let mut lost = WsClient::connect(&b.ws_url(), "Bruno").await;
    lost.send(&ClientMessage::Join {
        protocol_version: shared::wire::PROTOCOL_VERSION,
        room: shared::RoomCode::from(session.room.as_str()),
        name: "Bruno".into(),
        observer: false,
        facilitator_key: None,
        member_token: None,
    })
    .await;
    let mut moved = None;
    while let Some(message) = lost.try_recv().await {
        if let shared::wire::ServerMessage::Bye { reason, to, .. } = message {
            moved = Some((reason, to));
        }
    }
    assert_eq!(moved, Some((ByeReason::Moved, Some("a".to_owned()))));
    assert_eq!(counter(&b, "claims").await, 0, "B never held it");
    anne.close().await;
    a.stop().await;
    b.stop().await;
    a_store.close().await;
    b_store.close().await;
}
