//! What the cluster does when a node dies, freezes, or is restarted in turn, and when a
//! connection reaches the wrong node.

use crate::rooms::{Load, busiest_node, check, open_rooms, quantile, recovered, seconds, until};
use shared::routing::websocket_path;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, RoomCode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::cluster::{Cluster, Signal};
use tests::ws::WsClient;

/// Rooms under load in the kill and restart tests, six pages each.
const ROOMS: usize = 30;
/// Runs of the kill test.
const KILLS: usize = 5;

/// Lend `rooms` to a load for `work`, and have them back.
fn shared(rooms: Vec<crate::rooms::Room>) -> Arc<Vec<crate::rooms::Room>> {
    Arc::new(rooms)
}

fn owned(rooms: Arc<Vec<crate::rooms::Room>>) -> Vec<crate::rooms::Room> {
    Arc::try_unwrap(rooms).unwrap_or_else(|_| panic!("the load still holds the rooms"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_comes_back_by_itself_when_a_node_is_killed_and_nothing_is_lost() {
    let mut cluster = Cluster::from_env();
    let rooms = shared(open_rooms(&cluster, ROOMS).await);
    let load = Load::start(rooms.clone());
    let mut recoveries = Vec::new();
    for run in 1..=KILLS {
        // Some load on every room before each kill.
        for room in rooms.iter() {
            let start = room.pages[2].seen().seq;
            until(&room.pages[2], "under load", |view| view.seq >= start + 2).await;
        }
        let (victim, affected) = busiest_node(&cluster, &rooms).await;
        let killed_at = Instant::now();
        cluster.signal(&victim, Signal::Kill);
        let took = recovered(&rooms, &affected, killed_at).await;
        println!(
            "kill -9 run {run}: {victim} held {} of {ROOMS} rooms; every page live again after {}",
            affected.len(),
            seconds(took)
        );
        recoveries.push(took);
        cluster.until_exited(&victim).await;
        cluster.restart(&victim).await;
    }
    let asked = load.stop().await;
    let (p50, p99) = (quantile(&recoveries, 0.5), quantile(&recoveries, 0.99));
    println!(
        "kill -9, {KILLS} runs, lease {} s: until every page is live again p50 {}, p99 {}",
        cluster.state.lease_seconds,
        seconds(p50),
        seconds(p99)
    );
    check(&cluster, owned(rooms), &asked).await;
    assert!(
        p99 <= Duration::from_secs(8),
        "every page back within 8 s of a kill (p99 {})",
        seconds(p99)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_loses_and_doubles_nothing() {
    let mut cluster = Cluster::from_env();
    let rooms = shared(open_rooms(&cluster, ROOMS).await);
    let load = Load::start(rooms.clone());
    let names: Vec<String> = cluster.state.nodes.iter().map(|n| n.name.clone()).collect();
    let started = Instant::now();
    for name in &names {
        for room in rooms.iter() {
            let start = room.pages[2].seen().seq;
            until(&room.pages[2], "under load", |view| view.seq >= start + 2).await;
        }
        cluster.signal(name, Signal::Term);
        cluster.until_exited(name).await;
        cluster.restart(name).await;
    }
    // Every page back after the last restart.
    for room in rooms.iter() {
        for page in &room.pages {
            until(page, "live", |view| view.live).await;
        }
    }
    let asked = load.stop().await;
    let outages: Vec<Duration> = rooms
        .iter()
        .flat_map(|room| room.pages.iter().flat_map(|page| page.seen().outages))
        .collect();
    let (p50, p99) = (quantile(&outages, 0.5), quantile(&outages, 0.99));
    println!(
        "rolling restart of {} nodes in {}: {} reconnections, p50 {}, p99 {}",
        names.len(),
        seconds(started.elapsed()),
        outages.len(),
        seconds(p50),
        seconds(p99)
    );
    assert!(!outages.is_empty(), "the restarts sent pages away");
    check(&cluster, owned(rooms), &asked).await;
    assert!(
        p99 <= Duration::from_secs(3),
        "reconnections within 3 s (p99 {})",
        seconds(p99)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_owner_sends_nothing_more_once_thawed_and_sends_its_people_on() {
    let cluster = Cluster::from_env();
    let rooms = shared(open_rooms(&cluster, 3).await);
    let room = &rooms[0];
    let owner = cluster
        .owner_of(&room.code)
        .await
        .expect("the room is held");
    let owner_address = cluster.node(&owner).address.clone();
    // A witness seated on the owner itself, past the proxy.
    let direct = format!("ws://{owner_address}{}", websocket_path(&room.code, None));
    let mut witness = WsClient::join(&direct, &room.code, "Témoin", false).await;
    let load = Load::start(rooms.clone());
    let start = room.pages[2].seen().seq;
    until(&room.pages[2], "under load", |view| view.seq >= start + 2).await;

    let frozen_at = Instant::now();
    let frozen = cluster.freeze(&owner);
    // The pages hear nothing, give the link up, and reach another node, which waits
    // for the frozen one's lease to lapse and takes the room over.
    for page in &room.pages {
        until(page, "back live elsewhere", |view| {
            view.live && view.live_since.is_some_and(|back| back > frozen_at)
        })
        .await;
    }
    let taken_after = frozen_at.elapsed();
    let new_owner = cluster.owner_of(&room.code).await.expect("held again");
    assert_ne!(new_owner, owner, "another node holds the room");
    let asked = load.stop().await;
    let mut db = cluster.database().await;
    let stored_before: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE room = $1")
        .bind(&room.code)
        .fetch_one(&mut db)
        .await
        .expect("the stored sequence");

    // Thawed, the old owner finds the room gone at its first commit for it: the
    // witness's command is not applied, nothing new reaches it, and it is sent on.
    frozen.thaw();
    witness
        .send(&ClientMessage::Command {
            id: 900,
            command: Command::RaiseHand,
        })
        .await;
    let mut late_events = Vec::new();
    let mut bye = None;
    while let Some(message) = witness.try_recv().await {
        match message {
            ServerMessage::Bye { reason, .. } => bye = Some(reason),
            ServerMessage::Event { seq, .. } => late_events.push(seq),
            ServerMessage::Ack { id: 900, .. } => panic!("the thawed owner applied a command"),
            _ => {}
        }
    }
    assert_eq!(bye, Some(ByeReason::Moved));
    assert!(
        late_events.iter().all(|seq| *seq as i64 <= stored_before),
        "only events stored before the takeover: {late_events:?} (stored up to {stored_before})"
    );
    assert!(cluster.counter(&owner_address, "lost_to_fencing").await >= 1);
    assert!(
        cluster
            .counter(&owner_address, "failed_lease_renewals")
            .await
            >= 1
    );
    let new_address = cluster.node(&new_owner).address.clone();
    assert!(cluster.counter(&new_address, "takeovers").await >= 1);
    println!(
        "SIGSTOP of {owner}: every page of its room live on {new_owner} after {}",
        seconds(taken_after)
    );
    crate::rooms::check(
        &cluster,
        Arc::try_unwrap(rooms).unwrap_or_else(|_| panic!("rooms held")),
        &asked,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_reaches_the_wrong_node_is_seated_on_the_owner_within_a_second() {
    let cluster = Cluster::from_env();
    let rooms = open_rooms(&cluster, 1).await;
    let room = &rooms[0];
    let owner = cluster
        .owner_of(&room.code)
        .await
        .expect("the room is held");
    let other = cluster
        .state
        .nodes
        .iter()
        .find(|node| node.name != owner)
        .expect("another node")
        .clone();
    let started = Instant::now();
    let direct = format!("ws://{}{}", other.address, websocket_path(&room.code, None));
    let mut lost = WsClient::connect(&direct, "Égarée").await;
    lost.send(&ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room.code.as_str()),
        name: "Égarée".into(),
        observer: false,
        facilitator_key: None,
        member_token: None,
    })
    .await;
    let to = loop {
        match lost.try_recv().await {
            Some(ServerMessage::Bye {
                reason: ByeReason::Moved,
                to,
                ..
            }) => break to,
            Some(_) => {}
            None => panic!("closed without `moved`"),
        }
    };
    assert_eq!(to.as_deref(), Some(owner.as_str()), "sent to the owner");
    let followed = format!(
        "{}{}",
        cluster.proxy_ws(),
        websocket_path(&room.code, to.as_deref())
    );
    let seated = WsClient::join(&followed, &room.code, "Égarée", false).await;
    let took = started.elapsed();
    println!(
        "a misrouted connection seated on its owner after {}",
        seconds(took)
    );
    assert!(
        took <= Duration::from_secs(1),
        "seated within 1 s ({})",
        seconds(took)
    );
    seated.close().await;
    // The proxy's log never holds a room's code.
    let log = cluster.proxy_log();
    assert!(!log.is_empty(), "the proxy logs its requests");
    assert!(
        !log.contains(&room.code),
        "a room's code in the proxy's log"
    );
    let asked = crate::rooms::Asked::default();
    crate::rooms::check(&cluster, rooms, &asked).await;
}
