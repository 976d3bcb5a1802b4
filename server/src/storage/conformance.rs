//! What every store must do, written once and run against each of them: in memory,
//! SQLite in a scratch file, and PostgreSQL in a scratch database of the test server
//! (`CODEV_TEST_POSTGRES`, which `cargo xtask test` starts).
//!
//! Each behaviour is a function of `&dyn Store`; [`suite!`] makes one test of each per
//! store. What only one store does (SQLite's WAL, PostgreSQL's fencing) is tested beside
//! that store.

use super::{Claim, NewRoom, Owned, Store, StoredEvent, Write};
use crate::secrets::Digest;
use shared::state::Language;
use shared::{Event, ParticipantId, RoomCode, Step};

pub(crate) fn new_room(code: &str) -> NewRoom {
    NewRoom {
        call_link: None,
        code: RoomCode::from(code),
        title: format!("Séance {code}"),
        language: Language::En,
        created_at: 1_700_000_000_000,
        facilitator_key: Digest::of(&format!("key of {code}")),
        group: None,
    }
}

pub(crate) fn event(
    seq: u64,
    actor: Option<&str>,
    command_id: Option<u64>,
    event: Event,
) -> StoredEvent {
    StoredEvent {
        seq,
        at: 1_700_000_000_000 + seq,
        actor: actor.map(ParticipantId::from),
        command_id,
        event,
    }
}

pub(crate) fn append(room: &str, event: StoredEvent) -> Write {
    Write::AppendEvent {
        room: RoomCode::from(room),
        event,
    }
}

/// Commit `writes` and claim every room and group they create, as the node that
/// serves them would before writing more for them (a no-op with one node).
pub(crate) async fn commit_and_claim(store: &dyn Store, writes: &[Write]) {
    store.commit(writes).expect("commit");
    for write in writes {
        let owned = match write {
            Write::CreateRoom(room) => Owned::Room(room.code.clone()),
            Write::CreateGroup(group) => Owned::Group(group.code.clone()),
            _ => continue,
        };
        let claim = store.claim(&owned).await.expect("claim");
        assert!(matches!(claim, Claim::Granted { .. }), "{owned}: {claim:?}");
    }
}

/// A room, a seat, events with every field used, and a closing, read back whole.
pub(crate) async fn rooms_seats_and_events_round_trip(store: &dyn Store) {
    let room = NewRoom {
        call_link: Some("https://visio.example.org/abc".into()),
        ..new_room("abc")
    };
    let events = vec![
        event(
            1,
            None,
            None,
            Event::PresenceChanged {
                participant: "p1".into(),
                connected: true,
            },
        ),
        // A client's command id uses all 64 bits.
        event(
            2,
            Some("p1"),
            Some(u64::MAX),
            Event::StepChanged {
                step: Step::Problem,
                at: 5,
            },
        ),
        event(3, Some("p1"), Some(7), Event::SessionClosed { at: 99 }),
    ];
    let mut writes = vec![
        Write::CreateRoom(room.clone()),
        Write::AddSeat {
            room: room.code.clone(),
            participant: "p1".into(),
            token: Digest::of("token 1"),
        },
    ];
    writes.extend(events[..2].iter().cloned().map(|e| append("abc", e)));
    commit_and_claim(store, &writes).await;
    // A seat given again takes the new token.
    store
        .commit(&[
            Write::AddSeat {
                room: room.code.clone(),
                participant: "p1".into(),
                token: Digest::of("token 1 again"),
            },
            append("abc", events[2].clone()),
        ])
        .expect("commit");
    let stored = store
        .load_room(&room.code)
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(stored.room, room);
    assert_eq!(stored.closed_at, Some(99));
    assert_eq!(
        stored.seats,
        vec![(ParticipantId::from("p1"), Digest::of("token 1 again"))]
    );
    assert_eq!(stored.events, events);
    assert_eq!(store.load().await.expect("load all"), vec![stored]);
    assert!(
        store
            .load_room(&RoomCode::from("nope"))
            .await
            .expect("load")
            .is_none()
    );
}

/// A batch that fails anywhere leaves nothing of itself behind.
pub(crate) async fn a_failed_batch_leaves_nothing_behind(store: &dyn Store) {
    let closed = |seq| append("r", event(seq, None, None, Event::SessionClosed { at: 1 }));
    let result = store.commit(&[Write::CreateRoom(new_room("r")), closed(1), closed(1)]);
    assert!(result.is_err(), "the same sequence number twice");
    assert!(store.load().await.expect("load").is_empty(), "all or none");
}

/// Many events in one commit, in order; a clash anywhere keeps none of the batch.
pub(crate) async fn events_go_in_many_at_once_and_all_or_none(store: &dyn Store) {
    commit_and_claim(store, &[Write::CreateRoom(new_room("r"))]).await;
    let many: Vec<Write> = (1..=150)
        .map(|seq| append("r", event(seq, Some("p"), Some(seq), Event::FloorTaken)))
        .collect();
    store.commit(&many).expect("150 events");
    let clash = [
        append("r", event(151, None, None, Event::FloorTaken)),
        append("r", event(150, None, None, Event::FloorTaken)),
    ];
    assert!(store.commit(&clash).is_err(), "150 is taken");
    let few: Vec<Write> = (151..=153)
        .map(|seq| append("r", event(seq, None, None, Event::FloorTaken)))
        .collect();
    store.commit(&few).expect("3 events");
    let room = store
        .load_room(&RoomCode::from("r"))
        .await
        .expect("load")
        .expect("stored");
    let seqs: Vec<u64> = room.events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=153).collect::<Vec<_>>(),
        "151 was not kept alone"
    );
    assert_eq!(room.events[149].command_id, Some(150));
}

/// Rooms past retention: by their closing, or else their creation, oldest first.
pub(crate) async fn rooms_past_retention_are_found_oldest_first(store: &dyn Store) {
    let created = |code: &str, at: u64| {
        Write::CreateRoom(NewRoom {
            created_at: at,
            ..new_room(code)
        })
    };
    let closed =
        |code: &str, at: u64| append(code, event(1, None, None, Event::SessionClosed { at }));
    store
        .commit(&[
            // Created early, closed late: kept until its closing is old enough.
            created("closed-late", 100),
            closed("closed-late", 900),
            created("never-closed", 300),
            created("closed-early", 200),
            closed("closed-early", 250),
            created("new", 1_000),
        ])
        .expect("commit");
    let expired = |before, skip, limit| async move {
        let codes = store.expired(before, skip, limit).await.expect("query");
        codes.into_iter().map(|code| code.0).collect::<Vec<_>>()
    };
    assert_eq!(expired(800, 0, 10).await, ["closed-early", "never-closed"]);
    assert_eq!(
        expired(1_001, 0, 10).await,
        ["closed-early", "never-closed", "closed-late", "new"]
    );
    assert_eq!(expired(1_001, 0, 2).await, ["closed-early", "never-closed"]);
    assert_eq!(expired(1_001, 2, 10).await, ["closed-late", "new"]);
    assert!(expired(250, 0, 10).await.is_empty());
}

/// A deleted room is gone with its seats and events; the others stay.
pub(crate) async fn a_deleted_room_is_gone_and_the_others_stay(store: &dyn Store) {
    for code in ["gone", "kept"] {
        commit_and_claim(
            store,
            &[
                Write::CreateRoom(new_room(code)),
                Write::AddSeat {
                    room: code.into(),
                    participant: "p".into(),
                    token: Digest::of("t"),
                },
                append(code, event(1, Some("p"), Some(1), Event::FloorTaken)),
            ],
        )
        .await;
    }
    store
        .commit(&[Write::DeleteRoom {
            room: "gone".into(),
        }])
        .expect("delete");
    let gone = store
        .load_room(&RoomCode::from("gone"))
        .await
        .expect("load");
    assert!(gone.is_none());
    let kept = store
        .load_room(&RoomCode::from("kept"))
        .await
        .expect("load")
        .expect("kept");
    assert_eq!((kept.seats.len(), kept.events.len()), (1, 1));
    // A room may be created again under a code whose room was deleted.
    store
        .commit(&[Write::CreateRoom(new_room("gone"))])
        .expect("create again");
}

/// One test of each behaviour against the store `$open` opens (an expression giving a
/// future of a `(store, keep)` pair: `keep` lives as long as the test, and `$close`
/// is awaited with the store at the end).
macro_rules! suite {
    ($open:expr, $close:expr) => {
        $crate::storage::conformance::suite!(@each $open, $close,
            rooms_seats_and_events_round_trip,
            a_failed_batch_leaves_nothing_behind,
            events_go_in_many_at_once_and_all_or_none,
            rooms_past_retention_are_found_oldest_first,
            a_deleted_room_is_gone_and_the_others_stay,
            groups_round_trip_all_or_none_and_are_forgotten,
            groups_past_retention_are_the_quiet_ones
        );
    };
    (@each $open:expr, $close:expr, $($behaviour:ident),+) => {
        $(
            #[tokio::test]
            async fn $behaviour() {
                let (store, _keep) = $open(stringify!($behaviour)).await;
                $crate::storage::conformance::$behaviour(&store).await;
                $close(store).await;
            }
        )+
    };
}
pub(crate) use suite;

pub(crate) use super::sqlite::groups::tests::{
    groups_past_retention_are_the_quiet_ones, groups_round_trip_all_or_none_and_are_forgotten,
};

mod memory {
    use crate::storage::MemoryStore;

    async fn open(_: &str) -> (MemoryStore, ()) {
        (MemoryStore::new(), ())
    }

    async fn close(_: MemoryStore) {}

    super::suite!(open, close);
}

mod sqlite {
    use crate::storage::SqliteStore;

    async fn open(name: &str) -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join(format!("{name}.db")))
            .await
            .expect("open");
        (store, dir)
    }

    async fn close(store: SqliteStore) {
        store.close().await;
    }

    super::suite!(open, close);
}

mod postgres {
    use crate::storage::PostgresStore;

    async fn open(name: &str) -> (PostgresStore, ()) {
        (crate::storage::postgres::tests::scratch(name).await, ())
    }

    async fn close(store: PostgresStore) {
        store.close().await;
    }

    super::suite!(open, close);
}
