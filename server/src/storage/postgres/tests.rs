//! What only the PostgreSQL store does: several nodes on one database, each room held by
//! one of them, fenced at every commit (the behaviours every store shares are in
//! `storage::conformance`).

use super::{NodeSettings, PostgresOptions, PostgresStore};
use crate::metrics::Metrics;
use crate::storage::conformance::{append, event, new_room};
use crate::storage::journal::{Durable, Progress};
use crate::storage::{Claim, Committed, Journal, NodeName, Owned, Store, Write};
use shared::{Event, RoomCode};
use sqlx::Connection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A node on the database at `url`, serving at `address`, whose lease (a minute) is
/// renewed only when the test says so.
pub(crate) async fn node(url: &str, address: &str) -> PostgresStore {
    PostgresStore::open(PostgresOptions {
        url: url.to_owned(),
        node: NodeSettings {
            name: address.to_owned(),
            address: address.to_owned(),
            lease: Duration::from_secs(60),
            renew_every: None,
        },
        metrics: Arc::new(Metrics::new()),
        schema: i64::MAX,
    })
    .await
    .expect("open a PostgreSQL store")
}

/// One node on a new database of the test server.
pub(crate) async fn scratch(name: &str) -> PostgresStore {
    node(
        &::tests::postgres::scratch_database(name).await,
        "127.0.0.1:1",
    )
    .await
}

/// End the lease of `node` now, as if it had stopped renewing it long enough ago.
async fn lapse(url: &str, node: &NodeName) {
    let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::query("UPDATE nodes SET lease_until = now() - interval '1 second' WHERE id = $1")
        .bind(&node.id)
        .execute(&mut connection)
        .await
        .expect("lapse the lease");
}

fn room(code: &str) -> Owned {
    Owned::Room(RoomCode::from(code))
}

fn granted(epoch: u64, took_over: bool) -> Claim {
    Claim::Granted { epoch, took_over }
}

/// The id of the node a claim found holding the room, if it was held.
fn holder(claim: Claim) -> Option<String> {
    match claim {
        Claim::Held { by, .. } => Some(by.id),
        Claim::Granted { .. } => None,
    }
}

#[tokio::test]
async fn a_node_whose_room_was_taken_after_its_lease_lapsed_writes_nothing_more_for_it() {
    let url = ::tests::postgres::scratch_database("fencing").await;
    let (a, b) = (node(&url, "a:1").await, node(&url, "b:1").await);
    // Created by A: nobody's until a node claims it.
    a.commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");

    assert_eq!(b.claim(&room("r")).await.expect("claim"), granted(1, false));
    let first = append("r", event(1, Some("p"), Some(1), Event::FloorTaken));
    assert_eq!(b.commit(&[first]).expect("commit"), Committed::default());
    assert_eq!(
        holder(a.claim(&room("r")).await.expect("claim")),
        Some(b.node().id.clone()),
        "B's lease runs: the room is B's"
    );

    lapse(&url, b.node()).await;
    assert_eq!(
        a.claim(&room("r")).await.expect("claim"),
        granted(2, true),
        "B's lease lapsed: A takes the room over"
    );
    // B goes on as if nothing happened: its event for the room is not written, the
    // rest of its batch is.
    let late = [
        Write::CreateRoom(new_room("other")),
        append(
            "r",
            event(2, Some("p"), Some(2), Event::SessionClosed { at: 7 }),
        ),
        append("other", event(1, None, None, Event::FloorTaken)),
    ];
    assert_eq!(
        b.commit(&late).expect("commit"),
        Committed {
            lost: vec![(room("r"), None)]
        }
    );
    let stored = a.load_room(&RoomCode::from("r")).await.expect("load");
    let events: Vec<Event> = stored
        .expect("stored")
        .events
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [Event::FloorTaken],
        "nothing of B's after the takeover"
    );
    let other = b.load_room(&RoomCode::from("other")).await.expect("load");
    assert_eq!(other.map(|room| room.events.len()), Some(1));

    // A writes the next event; B, still writing, keeps losing it.
    let second = append("r", event(2, Some("q"), Some(9), Event::FloorTaken));
    assert_eq!(a.commit(&[second]).expect("commit"), Committed::default());
    let again = append("r", event(3, None, None, Event::SessionClosed { at: 7 }));
    assert_eq!(
        b.commit(&[again]).expect("commit"),
        Committed {
            lost: vec![(room("r"), None)]
        }
    );
    // B renews its lease: it may claim again, but A's runs.
    b.renew_lease().await;
    assert_eq!(
        holder(b.claim(&room("r")).await.expect("claim")),
        Some(a.node().id.clone())
    );
    assert_eq!(
        a.load_room(&RoomCode::from("r"))
            .await
            .expect("load")
            .map(|r| r.events.len()),
        Some(2)
    );
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn the_journal_tells_a_room_lost_to_another_node_and_never_that_its_events_are_durable() {
    let url = ::tests::postgres::scratch_database("journal_lost").await;
    let (a, b) = (node(&url, "a:1").await, node(&url, "b:1").await);
    a.commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");
    assert_eq!(a.claim(&room("r")).await.expect("claim"), granted(1, false));
    lapse(&url, a.node()).await;
    assert_eq!(b.claim(&room("r")).await.expect("claim"), granted(2, true));

    let journal = Journal::start(Arc::new(a.clone())).expect("journal");
    let lost = Arc::new(watch::channel(Progress::Durable(0)).0);
    let mut told = lost.subscribe();
    journal.write(
        append("r", event(1, None, None, Event::FloorTaken)),
        Durable::Room {
            persisted: lost.clone(),
            seq: 1,
        },
    );
    told.changed().await.expect("told");
    assert_eq!(*told.borrow(), Progress::Lost);
    // A room of A's own in the same journal is not disturbed.
    a.commit(&[Write::CreateRoom(new_room("mine"))])
        .expect("create");
    assert_eq!(
        a.claim(&room("mine")).await.expect("claim"),
        granted(1, false)
    );
    let durable = Arc::new(watch::channel(Progress::Durable(0)).0);
    journal.write(
        append("mine", event(1, None, None, Event::FloorTaken)),
        Durable::Room {
            persisted: durable.clone(),
            seq: 1,
        },
    );
    journal.flush().await.expect("flush");
    assert_eq!(*durable.borrow(), Progress::Durable(1));
    drop(journal);
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn a_node_that_stops_gracefully_leaves_its_rooms_free_at_once() {
    let url = ::tests::postgres::scratch_database("leave").await;
    let (a, b) = (node(&url, "a:1").await, node(&url, "b:1").await);
    a.commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");
    assert_eq!(a.claim(&room("r")).await.expect("claim"), granted(1, false));
    assert_eq!(
        holder(b.claim(&room("r")).await.expect("claim")),
        Some(a.node().id.clone())
    );
    a.close().await;
    assert_eq!(
        b.claim(&room("r")).await.expect("claim"),
        granted(2, false),
        "released, not taken over"
    );
    // An unknown code is no one's: granted, and loading finds nothing.
    assert_eq!(
        b.claim(&room("nope")).await.expect("claim"),
        granted(0, false)
    );
    b.close().await;
}

#[tokio::test]
async fn a_release_for_an_older_claim_leaves_the_newer_one_alone() {
    let store = scratch("stale_release").await;
    store
        .commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");
    assert_eq!(
        store.claim(&room("r")).await.expect("claim"),
        granted(1, false)
    );
    // Put away (its release queued), then loaded again before the release went in.
    assert_eq!(
        store.claim(&room("r")).await.expect("claim"),
        granted(2, false)
    );
    store
        .commit(&[Write::Release {
            owned: room("r"),
            epoch: 1,
        }])
        .expect("stale release");
    let next = append("r", event(1, None, None, Event::FloorTaken));
    assert_eq!(
        store.commit(&[next]).expect("commit"),
        Committed::default(),
        "still held at epoch 2"
    );
    store.close().await;
}

#[tokio::test]
async fn a_claim_on_a_silent_nodes_room_says_when_its_lease_lapses() {
    let url = ::tests::postgres::scratch_database("silent_holder").await;
    let (a, b) = (node(&url, "a:1").await, node(&url, "b:1").await);
    a.commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");
    assert_eq!(a.claim(&room("r")).await.expect("claim"), granted(1, false));
    a.renew_lease().await;
    let Claim::Held { lapses_in, .. } = b.claim(&room("r")).await.expect("claim") else {
        panic!("A holds the room");
    };
    assert_eq!(lapses_in, None, "A renewed a moment ago: it is alive");
    // A last renewed three seconds ago (it renews every second): taken for gone.
    let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query("UPDATE nodes SET renewed_at = now() - interval '3 seconds' WHERE id = $1")
        .bind(&a.node().id)
        .execute(&mut connection)
        .await
        .expect("age the renewal");
    let Claim::Held { lapses_in, .. } = b.claim(&room("r")).await.expect("claim") else {
        panic!("A's lease still runs");
    };
    let lapses_in = lapses_in.expect("A is silent");
    assert!(
        lapses_in <= Duration::from_secs(60),
        "within A's lease: {lapses_in:?}"
    );
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn an_actor_superseded_by_a_newer_claim_on_the_same_node_writes_nothing_more() {
    let store = scratch("superseded").await;
    store
        .commit(&[Write::CreateRoom(new_room("r"))])
        .expect("create");
    assert_eq!(
        store.claim(&room("r")).await.expect("claim"),
        granted(1, false)
    );
    let fence = |epoch| Write::Fence {
        owned: room("r"),
        epoch,
    };
    let first = append("r", event(1, None, None, Event::FloorTaken));
    assert_eq!(
        store.commit(&[fence(1), first]).expect("commit"),
        Committed::default()
    );
    // Loaded again on this very node (the first actor not gone yet): both write event 2
    // in one batch; only the newer one's is kept.
    assert_eq!(
        store.claim(&room("r")).await.expect("claim"),
        granted(2, false)
    );
    let stale = append("r", event(2, Some("old"), Some(1), Event::FloorTaken));
    let fresh = append("r", event(2, Some("new"), Some(1), Event::FloorTaken));
    assert_eq!(
        store
            .commit(&[fence(1), stale, fence(2), fresh])
            .expect("commit"),
        Committed {
            lost: vec![(room("r"), Some(1))]
        }
    );
    let stored = store
        .load_room(&RoomCode::from("r"))
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(stored.events.len(), 2);
    assert_eq!(
        stored.events[1].actor.as_ref().map(|who| who.as_str()),
        Some("new")
    );
    store.close().await;
}
