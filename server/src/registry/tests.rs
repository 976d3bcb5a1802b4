//! The registry against an in-memory store: finding and loading rooms once, putting them
//! away and finding them again, and retention's batches.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::room::{ConnId, ConnectionLink, Entrance, Entry, Frame, RoomGone};
use crate::storage::{MemoryStore, Store};
use std::time::Duration;
use tokio::sync::mpsc;

/// A registry on `services`' store whose rooms are put away as soon as nobody is in
/// them.
fn putting_away_at_once(services: &Services) -> Registry {
    let config = Arc::new(Config {
        idle_room: Duration::ZERO,
        grace: Duration::ZERO,
        ..Config::default()
    });
    let journal = Journal::start(services.store.clone()).expect("journal thread");
    Registry::new(config, services.clone(), journal)
}

/// Seat a newcomer through `room`'s mailbox; the link's receiver is returned so that
/// the room's frames have somewhere to go.
async fn enter(room: &RoomHandle, conn: ConnId) -> mpsc::Receiver<Frame> {
    let (frames, received) = mpsc::channel(16);
    let (kick, _) = oneshot::channel();
    let (reply, answer) = oneshot::channel();
    room.send(ToRoom::Enter {
        conn,
        entry: Entrance::Asked(Entry::Join {
            name: "Ana".into(),
            observer: false,
            facilitator_key: None,
        }),
        link: ConnectionLink { frames, kick },
        reply,
    })
    .await
    .expect("the room takes messages");
    answer.await.expect("an answer").expect("seated");
    received
}

#[tokio::test]
async fn a_handle_to_a_room_put_away_finds_it_gone_and_the_next_lookup_loads_a_new_run() {
    let services = Services::default();
    let registry = putting_away_at_once(&services);
    let created = registry
        .create("Lundi".into(), Language::Fr, None)
        .await
        .expect("created");
    let first = registry.find(&created.code).await.expect("in memory");
    let conn = ConnId::next();
    let frames = enter(&first, conn).await;
    let mut put_away = services.metrics.rooms_put_away();
    first
        .send(ToRoom::Leave { conn })
        .await
        .expect("the room takes messages");
    drop(frames);
    put_away
        .wait_for(|count| *count == 1)
        .await
        .expect("put away");
    assert!(registry.is_empty());

    // What a connection holding the old handle sees, and why it looks again.
    let stale = first.send(ToRoom::Sync { conn }).await;
    assert!(matches!(stale, Err(RoomGone)));
    let second = registry.find(&created.code).await.expect("loaded again");
    assert_ne!(second.instance(), first.instance());
    assert_eq!(registry.len(), 1);
    let _frames = enter(&second, ConnId::next()).await;

    let unknown = registry.find(&RoomCode::new("nosuchroom")).await;
    assert_eq!(unknown.err(), Some(FindError::Unknown));
    assert_eq!(registry.len(), 1, "an unknown code leaves nothing behind");
}

#[tokio::test]
async fn sessions_past_retention_are_deleted_unless_in_memory_and_batches_go_past_those() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(1_000_000);
    let services = Services {
        store: store.clone(),
        clock: clock.clone(),
        ..Services::default()
    };
    let registry = putting_away_at_once(&services);
    // The oldest stays in memory (in use, or about to be).
    let in_use = registry.create("Lundi".into(), Language::Fr, None).await;
    let in_use = in_use.expect("created");
    clock.advance(10);
    // The other is used and left: it is put away.
    let left = registry.create("Mardi".into(), Language::Fr, None).await;
    let left = left.expect("created");
    let room = registry.find(&left.code).await.expect("in memory");
    let conn = ConnId::next();
    let _frames = enter(&room, conn).await;
    let mut put_away = services.metrics.rooms_put_away();
    room.send(ToRoom::Leave { conn }).await.expect("sent");
    let slept = put_away.wait_for(|count| *count == 1).await;
    slept.expect("put away");
    clock.advance(10);

    let batch = |before, skip| registry.delete_expired(before, skip, 1);
    let nothing = ExpiredBatch::default();
    assert_eq!(
        batch(1_000_000, 0).await.expect("pass"),
        nothing,
        "not past it yet"
    );
    let first = batch(clock.now(), 0).await.expect("pass");
    assert_eq!(
        first,
        ExpiredBatch {
            deleted: 0,
            left: 1
        }
    );
    let second = batch(clock.now(), 1).await.expect("pass");
    assert_eq!(
        second,
        ExpiredBatch {
            deleted: 1,
            left: 0
        }
    );

    assert_eq!(
        registry.find(&left.code).await.err(),
        Some(FindError::Unknown)
    );
    registry.find(&in_use.code).await.expect("still there");
    let stored = store.load().await.expect("load");
    let codes: Vec<&RoomCode> = stored.iter().map(|room| &room.room.code).collect();
    assert_eq!(codes, [&in_use.code]);
}

#[tokio::test]
async fn groups_past_retention_are_deleted_with_their_rooms_unless_running_or_in_memory() {
    use crate::storage::sqlite::groups::tests::group_with_session;
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(1_000_000);
    let services = Services {
        store: store.clone(),
        clock: clock.clone(),
        ..Services::default()
    };
    let registry = putting_away_at_once(&services);
    let mut writes = group_with_session("quiet", 1_000, Some(Some(5_000)));
    writes.extend(group_with_session("running", 1_000, Some(None)));
    writes.extend(group_with_session("in-use", 1_000, None));
    writes.extend(group_with_session("recent", 1_000, Some(Some(7_000))));
    store.commit(&writes).expect("commit");
    let in_use = registry.find_group(&GroupCode::from("in-use")).await;
    let _in_use = in_use.expect("loaded");

    let batch = registry.delete_expired_groups(6_000, 0, 10).await;
    let batch = batch.expect("pass");
    assert_eq!(
        batch,
        ExpiredBatch {
            deleted: 1,
            left: 1
        }
    );
    let group = |code: &'static str| {
        let store = store.clone();
        async move {
            store
                .load_group(&GroupCode::from(code))
                .await
                .expect("load")
        }
    };
    assert!(group("quiet").await.is_none());
    let room = store
        .load_room(&RoomCode::from("quiet-s"))
        .await
        .expect("load");
    assert!(room.is_none(), "its session's room went with it");
    for kept in ["running", "in-use", "recent"] {
        assert!(group(kept).await.is_some(), "{kept}");
    }
    let found = registry.find_group(&GroupCode::from("quiet")).await;
    assert_eq!(found.err(), Some(FindError::Unknown));

    // The hourly pass: sessions, then groups, as of the clock.
    clock.advance(7_000);
    let keep = Duration::from_millis(clock.now() - 8_000);
    let deleted = crate::retention::delete_expired(&registry, clock.as_ref(), keep).await;
    // The recent group's closed room, and the running group's room, never closed and
    // unused for longer than retention (deleted as any such session is); then the two
    // groups, which no session runs any more.
    assert_eq!(deleted, 4);
    assert!(group("recent").await.is_none());
    assert!(group("running").await.is_none());
    assert!(group("in-use").await.is_some(), "in memory");
}
