//! Only sessions in use are in memory: a room nobody is connected to is put away and
//! comes back, whole, when someone comes to it; however many arrive at once, it comes
//! back once; it can still be deleted; the cap on rooms counts rooms in memory, not
//! rooms stored; and a stored session that cannot be replayed is refused alone.

use futures_util::future::join_all;
use server::Config;
use server::secrets::Digest;
use server::storage::{NewRoom, SqliteStore, Store, StoredEvent, Write};
use shared::state::{Language, NoteKind, Participant, Role};
use shared::{Command, ErrorCode, Event, NoteId, ParticipantId, RoomCode, RoomState, Step};
use std::sync::Arc;
use std::time::Duration;
use tests::cast::{Cast, N_ANA, open_room};
use tests::server::{TempDir, TestServer};
use tests::ws::{WsClient, refusal_code};

/// Rooms put away as soon as the last page leaves, and no grace period to wait for.
fn put_away_at_once() -> Config {
    Config {
        idle_room: Duration::ZERO,
        grace: Duration::ZERO,
        ..Config::default()
    }
}

/// The value of the sample named exactly `name`, if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn metric(server: &TestServer, name: &str) -> Option<f64> {
    sample(&server.http("GET", "/metrics", None).await.body, name)
}

/// What a room holds, with who is connected left out.
fn content(state: &RoomState) -> RoomState {
    let mut state = state.clone();
    for participant in &mut state.participants {
        participant.connected = false;
    }
    state
}

/// A server on a SQLite file in `dir`, rooms put away at once.
async fn on_sqlite(dir: &TempDir) -> TestServer {
    TestServer::start_on_db(put_away_at_once(), &dir.join("codev.db")).await
}

#[tokio::test]
async fn a_session_nobody_is_in_leaves_memory_and_comes_back_whole() {
    let dir = TempDir::new("idle");
    let server = on_sqlite(&dir).await;
    let url = server.ws_url();
    let session = server.create_session("Codév du lundi").await;
    let mut cast = Cast::at_step(&url, &session, Step::Exploration).await;
    let seq = cast.catch_up().await;
    let before = content(cast.fac.state());
    let ana_token = cast.ana.token.clone().expect("a resume token");
    let Cast {
        fac,
        cli,
        ana,
        ben,
        obs,
        ..
    } = cast;
    for client in [fac, cli, ana, ben, obs] {
        client.close().await;
    }

    server.until_rooms_put_away(1).await;
    server.assert_rooms_in_memory(0).await;

    // Ana comes back: the room is loaded as it was, and her note is still hers.
    let mut ana = WsClient::resume(&url, &session.room, &ana_token, "Ana again").await;
    assert_eq!(content(ana.state()), before, "the whole room, as it was");
    assert_eq!(ana.my_notes, vec![NoteId::from(N_ANA)]);
    assert!(ana.seq >= seq);
    // Her earlier page numbered its commands from 1; the room still knows their answers.
    ana.first_command_id(1000);
    let posted = ana
        .ok(Command::PostNote {
            note_id: NoteId::from("n-ana-2"),
            kind: NoteKind::Suggestion,
            text: "Et si vous en parliez à votre équipe ?".into(),
        })
        .await;
    assert_eq!(posted, ana.seq, "the sequence goes on without a gap");

    // The facilitator comes back to the same room, not to another copy of it.
    let fac =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Fanny").await;
    assert_eq!(fac.state().notes.len(), before.notes.len() + 1);
    assert_eq!(metric(&server, "codev_rooms_loaded_total").await, Some(1.0));
    assert_eq!(
        metric(&server, "codev_rooms_put_away_total").await,
        Some(1.0)
    );
    assert_eq!(metric(&server, "codev_rooms").await, Some(1.0));
    server.stop().await;
}

#[tokio::test]
async fn many_arriving_at_once_bring_one_room_back() {
    // On SQLite, whose reads take a while: arrivals overlap while the room loads.
    let dir = TempDir::new("arrivals");
    let server = on_sqlite(&dir).await;
    let url = server.ws_url();
    let (session, fac, []) = open_room(&server, "Tous en même temps", "Fanny", []).await;
    fac.close().await;
    server.until_rooms_put_away(1).await;

    let names = ["Ana", "Ben", "Chloé", "David", "Emma", "Farid"];
    let arrivals = names.map(|name| WsClient::join(&url, &session.room, name, false));
    let mut clients = join_all(arrivals).await;
    // In one room, everyone sees everyone arrive (two copies would each see some).
    for client in &mut clients {
        client
            .wait_until(|state| state.participants.len() == 1 + names.len())
            .await;
    }
    assert_eq!(metric(&server, "codev_rooms_loaded_total").await, Some(1.0));
    server.stop().await;
}

#[tokio::test]
async fn a_session_put_away_can_still_be_deleted() {
    let server = TestServer::start_with(put_away_at_once()).await;
    let url = server.ws_url();
    let (session, fac, []) = open_room(&server, "À effacer", "Fanny", []).await;
    fac.close().await;
    server.until_rooms_put_away(1).await;

    let wrong = server.delete_session(&session.room, "not-the-key").await;
    assert_eq!(wrong.status, 404);
    let deleted = server
        .delete_session(&session.room, &session.facilitator_key)
        .await;
    assert_eq!(deleted.status, 204);
    let answer = WsClient::first_answer_to_join(&url, &session.room, "Late").await;
    assert_eq!(refusal_code(&answer), Some(ErrorCode::RoomOrKeyInvalid));
    server.assert_rooms_in_memory(0).await;
    server.stop().await;
}

#[tokio::test]
async fn the_cap_on_rooms_counts_rooms_in_memory_not_rooms_stored() {
    let server = TestServer::start_with(Config {
        max_rooms: 1,
        ..put_away_at_once()
    })
    .await;
    let url = server.ws_url();
    let (first, fac, []) = open_room(&server, "Lundi", "Fanny", []).await;
    fac.close().await;
    server.until_rooms_put_away(1).await;

    // The first is stored, not in memory: a second may open.
    let (_, fac, []) = open_room(&server, "Mardi", "Fanny", []).await;
    // While the second is in use, the first cannot come back.
    let answer = WsClient::first_answer_to_join(&url, &first.room, "Ana").await;
    assert_eq!(refusal_code(&answer), Some(ErrorCode::ServerFull));
    let third = server
        .http(
            "POST",
            "/api/sessions",
            Some(r#"{"title":"Mercredi","language":"fr"}"#),
        )
        .await;
    assert_eq!(third.status, 503, "{}", third.body);

    // Once the second is put away, the first comes back.
    fac.close().await;
    server.until_rooms_put_away(2).await;
    let ana = WsClient::join(&url, &first.room, "Ana", false).await;
    assert_eq!(ana.state().title, "Lundi");
    server.stop().await;
}

/// A stored session with one participant's join at `seq`.
fn stored_session(code: &str, seqs: &[u64]) -> Vec<Write> {
    let room = RoomCode::from(code);
    let mut writes = vec![Write::CreateRoom(NewRoom {
        call_link: None,
        code: room.clone(),
        title: format!("Séance {code}"),
        language: Language::Fr,
        created_at: 1_773_306_000_000,
        facilitator_key: Digest::of("key"),
        group: None,
    })];
    for &seq in seqs {
        let participant = Participant {
            id: ParticipantId::from(format!("p{seq}").as_str()),
            name: format!("Personne {seq}"),
            role: Role::Consultant,
            connected: true,
            charter_accepted: false,
        };
        writes.push(Write::AppendEvent {
            room: room.clone(),
            event: StoredEvent {
                seq,
                at: 1_773_306_000_000,
                actor: None,
                command_id: None,
                event: Event::ParticipantJoined { participant },
            },
        });
    }
    writes
}

#[tokio::test]
async fn a_stored_session_that_cannot_be_replayed_is_refused_and_the_others_open() {
    let dir = TempDir::new("damaged");
    let db = dir.join("codev.db");
    let store = SqliteStore::open(&db).await.expect("open the database");
    let mut writes = stored_session("damagedsession22222", &[1, 3]);
    writes.extend(stored_session("soundsession2222222", &[1, 2]));
    store.commit(&writes).expect("written");
    let config = Config {
        join_failures_per_minute: 1,
        ..Config::default()
    };
    let server = TestServer::start_on_store(config, Arc::new(store)).await;
    let url = server.ws_url();

    let sound = WsClient::join(&url, "soundsession2222222", "Ana", false).await;
    assert_eq!(sound.state().participants.len(), 3);
    let answer = WsClient::first_answer_to_join(&url, "damagedsession22222", "Ana").await;
    assert_eq!(
        refusal_code(&answer),
        Some(ErrorCode::Internal),
        "{answer:?}"
    );
    let health = server.http("GET", "/health", None).await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("\"rooms\":1"), "{}", health.body);
    // Each try reads and replays it again: it counts as a failed entry.
    let again = WsClient::first_answer_to_join(&url, "damagedsession22222", "Ana").await;
    assert_eq!(
        refusal_code(&again),
        Some(ErrorCode::RateLimited),
        "{again:?}"
    );
    server.stop().await;
}
