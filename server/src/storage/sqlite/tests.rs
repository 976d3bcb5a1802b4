//! The SQLite store against real files in a scratch directory.

use super::*;
use crate::storage::conformance::{append, event, new_room};
use shared::{Event, Step};

async fn count(store: &SqliteStore, sql: &'static str, room: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(room)
        .fetch_one(&store.reads)
        .await
        .expect("count")
}

/// The one value `sql` answers, read through the writer's connection.
fn scalar<T: rusqlite::types::FromSql>(store: &SqliteStore, sql: &str) -> T {
    let writer = store.writer.lock().expect("writer");
    writer
        .as_ref()
        .expect("open")
        .scalar(sql)
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

/// Pages in the WAL after a passive checkpoint by the checkpointer's connection.
async fn wal_pages(store: &SqliteStore) -> i64 {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_all(&store.reads)
        .await
        .expect("checkpoint");
    rows[0].1
}

#[tokio::test]
async fn the_wal_is_copied_back_away_from_the_writer_and_starts_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("wal.db"))
        .await
        .expect("open");
    store
        .commit(&[Write::CreateRoom(new_room("w"))])
        .expect("room");
    for seq in 1..=50 {
        store
            .commit(&[append("w", event(seq, None, None, Event::FloorTaken))])
            .expect("commit");
    }
    let grown = wal_pages(&store).await;
    assert!(grown >= 50, "one commit, at least one page: {grown}");
    store
        .commit(&[append("w", event(51, None, None, Event::FloorTaken))])
        .expect("commit");
    let after = wal_pages(&store).await;
    assert!(after < 10, "the WAL started over: {after} pages");
    store.close().await;
}

#[tokio::test]
async fn normal_sync_is_a_choice_of_the_operator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open_with(dir.path().join("normal.db"), SyncMode::Normal, i64::MAX)
        .await
        .expect("open");
    let sync: i64 = scalar(&store, "PRAGMA synchronous");
    assert_eq!(sync, 1, "synchronous = NORMAL");
    store.close().await;
}

#[tokio::test]
async fn an_empty_database_is_created_at_the_latest_version_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fresh.db");
    assert!(!path.exists());
    let store = SqliteStore::open(&path).await.expect("open");
    assert!(path.exists(), "created on first run");
    assert_eq!(store.version().await.expect("version"), schema_version());
    assert_eq!(schema_version(), 5);
    assert!(store.load().await.expect("load").is_empty());
    let mode: String = scalar(&store, "PRAGMA journal_mode");
    assert_eq!(mode, "wal");
    let sync: i64 = scalar(&store, "PRAGMA synchronous");
    assert_eq!(sync, 2, "synchronous = FULL");
    store.close().await;
}

#[tokio::test]
async fn rooms_seats_and_events_round_trip_through_a_reopened_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("trip.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let room = new_room("abc");
    let writes = vec![
        Write::CreateRoom(room.clone()),
        Write::AddSeat {
            room: room.code.clone(),
            participant: "p1".into(),
            token: Digest::of("token 1"),
        },
        append(
            "abc",
            event(
                1,
                None,
                None,
                Event::PresenceChanged {
                    participant: "p1".into(),
                    connected: true,
                },
            ),
        ),
        // A client's command id uses all 64 bits.
        append(
            "abc",
            event(
                2,
                Some("p1"),
                Some(u64::MAX),
                Event::StepChanged {
                    step: Step::Problem,
                    at: 5,
                },
            ),
        ),
    ];
    store.commit(&writes).expect("commit");
    store
        .commit(&[append(
            "abc",
            event(3, Some("p1"), Some(7), Event::SessionClosed { at: 99 }),
        )])
        .expect("commit");
    store.close().await;

    let store = SqliteStore::open(&path).await.expect("reopen");
    let rooms = store.load().await.expect("load");
    assert_eq!(rooms.len(), 1);
    let stored = &rooms[0];
    assert_eq!(stored.room, room);
    assert_eq!(stored.closed_at, Some(99));
    assert_eq!(
        stored.seats,
        vec![(ParticipantId::from("p1"), Digest::of("token 1"))]
    );
    let expected: Vec<StoredEvent> = writes[2..]
        .iter()
        .chain(std::iter::once(&append(
            "abc",
            event(3, Some("p1"), Some(7), Event::SessionClosed { at: 99 }),
        )))
        .filter_map(|w| match w {
            Write::AppendEvent { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(stored.events, expected);
    store.close().await;
}

#[tokio::test]
async fn a_database_of_the_previous_version_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    // A database as version 1 of the server left it, with a closed session.
    let old = SqliteStore::open_with(&path, SyncMode::Full, 1)
        .await
        .expect("open at version 1");
    assert_eq!(old.version().await.expect("version"), 1);
    sqlx::query(
        "INSERT INTO rooms (code, title, language, created_at, facilitator_key_hash) \
         VALUES ('old', 'Séance old', 'en', 1700000000000, ?)",
    )
    .bind(&Digest::of("key of old").0[..])
    .execute(&old.reads)
    .await
    .expect("a room as version 1 stored it");
    old.commit(&[append(
        "old",
        event(
            1,
            Some("p1"),
            Some(1),
            Event::StepChanged {
                step: Step::Problem,
                at: 10,
            },
        ),
    )])
    .expect("commit at version 1");
    sqlx::query(
        "INSERT INTO events (room, seq, at, actor, command_id, event) \
         VALUES ('old', 2, 20, 'p1', 2, '{\"type\":\"session_closed\",\"at\":20}')",
    )
    .execute(&old.reads)
    .await
    .expect("insert as version 1 did");
    old.close().await;

    let store = SqliteStore::open(&path).await.expect("open and migrate");
    assert_eq!(store.version().await.expect("version"), schema_version());
    let rooms = store.load().await.expect("load");
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].closed_at, Some(20), "filled in by migration 2");
    assert_eq!(
        rooms[0].room,
        new_room("old"),
        "a single session: no group (4)"
    );
    assert_eq!(rooms[0].events.len(), 2);
    assert_eq!(rooms[0].events[1].event, Event::SessionClosed { at: 20 });
    store.close().await;

    // Opening an up-to-date database changes nothing.
    let again = SqliteStore::open(&path).await.expect("open again");
    assert_eq!(again.load().await.expect("load"), rooms);
    again.close().await;
}

#[tokio::test]
async fn deleting_a_room_leaves_no_row_of_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("delete.db"))
        .await
        .expect("open");
    for code in ["gone", "kept"] {
        store
            .commit(&[
                Write::CreateRoom(new_room(code)),
                Write::AddSeat {
                    room: code.into(),
                    participant: "p".into(),
                    token: Digest::of("t"),
                },
                append(code, event(1, Some("p"), Some(1), Event::FloorTaken)),
            ])
            .expect("commit");
    }
    store
        .commit(&[Write::DeleteRoom {
            room: "gone".into(),
        }])
        .expect("delete");
    for sql in [
        "SELECT COUNT(*) FROM rooms WHERE code = ?",
        "SELECT COUNT(*) FROM seats WHERE room = ?",
        "SELECT COUNT(*) FROM events WHERE room = ?",
    ] {
        assert_eq!(count(&store, sql, "gone").await, 0, "{sql}");
        assert_eq!(count(&store, sql, "kept").await, 1, "{sql}");
    }
    store.close().await;
}
