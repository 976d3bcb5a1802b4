//! Rooms of pages through the cluster's proxy, a steady load on them, and the check
//! that, whatever happened to the nodes, every command a page sent is in the database
//! exactly once, numbered without a gap, and every page's copy is the database's.

use shared::replica::Entry;
use shared::routing::websocket_path;
use shared::state::{Language, NoteKind};
use shared::{Command, Event, NoteId, RoomState, Step};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::cast::Cast;
use tests::cluster::Cluster;
use tests::page::{Page, PageView};
use tests::server::create_session;
use tests::ws::WsClient;
use tokio::sync::watch;

/// The most a whole recovery may take before the test gives up on it.
pub const RECOVERY_PATIENCE: Duration = Duration::from_secs(60);
/// Notes each consultant posts before it goes on editing them (a participant may hold
/// 50).
const NOTES_EACH: u64 = 40;

/// One room and its six pages: facilitator, client, four consultants.
pub struct Room {
    pub code: String,
    pub pages: Vec<Page>,
    /// Which pages are consultants (they carry the load).
    pub consultants: Vec<usize>,
}

/// What the load has asked of each page, by page label: one marker per command (a
/// note's id for a post, the text for an edit), each expected exactly once.
#[derive(Default)]
pub struct Asked {
    pub posted: HashMap<String, Vec<String>>,
    pub edited: HashMap<String, Vec<String>>,
}

/// Open `count` rooms at the exploration step, each with six pages on the proxy.
///
/// Each room is set up on one node, the nodes in turn, straight to its address: the
/// test's own clients do not follow `moved`, and the proxy's view of which nodes are up
/// may change while a room is set up (a node thawed or restarted by the test before). The
/// pages then come through the proxy, which may send them elsewhere first: they follow
/// `moved` to the room, as the web client does.
pub async fn open_rooms(cluster: &Cluster, count: usize) -> Vec<Room> {
    let mut rooms = Vec::with_capacity(count);
    for index in 0..count {
        let node = &cluster.state.nodes[index % cluster.state.nodes.len()];
        let address: SocketAddr = node.address.parse().expect("the node's address");
        let session = create_session(address, &format!("Grappe {index}")).await;
        let url = format!(
            "ws://{}{}",
            node.address,
            websocket_path(&session.room, None)
        );
        let cast = Cast::at_step(&url, &session, Step::Exploration).await;
        let chloe = WsClient::join(&url, &session.room, "Chloé", false).await;
        let david = WsClient::join(&url, &session.room, "David", false).await;
        let Cast {
            fac,
            cli,
            ana,
            ben,
            obs,
            ..
        } = cast;
        let people = [fac, cli, ana, ben, chloe, david];
        let mut pages = Vec::with_capacity(people.len());
        for (seat, person) in people.into_iter().enumerate() {
            let token = person.token.clone().expect("a seated page's token");
            person.close().await;
            pages.push(Page::open(
                &cluster.proxy_ws(),
                &format!("r{index}p{seat}"),
                &session.room,
                &session.room,
                Entry::Resume { token },
                1_000_000,
            ));
        }
        obs.close().await;
        rooms.push(Room {
            code: session.room.clone(),
            pages,
            consultants: vec![2, 3, 4, 5],
        });
    }
    for room in &rooms {
        for page in &room.pages {
            until(page, "live", |view| view.live).await;
        }
    }
    rooms
}

/// Wait until `page`'s view satisfies `condition` (`what` names it in a failure).
pub async fn until(page: &Page, what: &str, condition: impl Fn(&PageView) -> bool) {
    let mut view = page.view.clone();
    let reached = tokio::time::timeout(RECOVERY_PATIENCE, view.wait_for(|v| condition(v))).await;
    match reached {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => panic!("{}: the page stopped", page.label),
        Err(_) => panic!("{}: not {what} in time: {:?}", page.label, page.seen()),
    }
}

/// A load running on the rooms: every second, each consultant posts a note (its first
/// [`NOTES_EACH`]) or rewrites one.
pub struct Load {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Asked>,
}

impl Load {
    pub fn start(rooms: Arc<Vec<Room>>) -> Load {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut asked = Asked::default();
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            let mut tick = 0u64;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stopped.changed() => return asked,
                }
                tick += 1;
                for room in rooms.iter() {
                    for &seat in &room.consultants {
                        let page = &room.pages[seat];
                        let label = page.label.clone();
                        let note = |n: u64| NoteId::new(format!("{label}n{n}"));
                        let command = if tick <= NOTES_EACH {
                            asked
                                .posted
                                .entry(label.clone())
                                .or_default()
                                .push(note(tick).to_string());
                            Command::PostNote {
                                note_id: note(tick),
                                kind: NoteKind::Advice,
                                text: format!("Idée {tick}"),
                            }
                        } else {
                            let text = format!("Idée reprise {tick} ({label})");
                            asked
                                .edited
                                .entry(label.clone())
                                .or_default()
                                .push(text.clone());
                            Command::EditNote {
                                note_id: note(tick % NOTES_EACH + 1),
                                kind: NoteKind::Advice,
                                text,
                            }
                        };
                        page.submit(command);
                    }
                }
            }
        });
        Load { stop, task }
    }

    /// Stop the load; what it asked.
    pub async fn stop(self) -> Asked {
        let _ = self.stop.send(true);
        self.task.await.expect("the load's task")
    }
}

/// Wait until every page is live with nothing unanswered and the pages of each room
/// agree on its sequence number.
pub async fn settle(rooms: &[Room]) {
    for room in rooms {
        for page in &room.pages {
            until(page, "settled", |view| view.live && view.pending == 0).await;
        }
        let highest = room
            .pages
            .iter()
            .map(|page| page.seen().seq)
            .max()
            .unwrap_or(0);
        for page in &room.pages {
            until(page, "caught up", |view| view.seq >= highest).await;
        }
    }
}

/// The stored room `code`: what it was created with and its events in order.
async fn stored(cluster: &Cluster, code: &str) -> (RoomState, Vec<(u64, Event)>) {
    let mut db = cluster.database().await;
    let (title, language, created_at, call_link): (String, String, i64, Option<String>) =
        sqlx::query_as("SELECT title, language, created_at, call_link FROM rooms WHERE code = $1")
            .bind(code)
            .fetch_one(&mut db)
            .await
            .expect("the stored room");
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, event FROM events WHERE room = $1 ORDER BY seq")
            .bind(code)
            .fetch_all(&mut db)
            .await
            .expect("the stored events");
    let language = if language == "en" {
        Language::En
    } else {
        Language::Fr
    };
    let mut state = RoomState::new(title, language, created_at as u64);
    state.call_link = call_link;
    let events = rows
        .into_iter()
        .map(|(seq, json)| {
            let event: Event = serde_json::from_str(&json).expect("a stored event");
            (seq as u64, event)
        })
        .collect();
    (state, events)
}

/// Once every page has settled, close them, then check what the database holds against
/// what was asked and against every page's copy. A page closed after another may have
/// heard of the other's leaving: each copy is checked against the stored events up to
/// its own sequence number.
pub async fn check(cluster: &Cluster, rooms: Vec<Room>, asked: &Asked) {
    settle(&rooms).await;
    for room in rooms {
        let settled = room
            .pages
            .iter()
            .map(|page| page.seen().seq)
            .max()
            .unwrap_or(0);
        let mut copies = Vec::with_capacity(room.pages.len());
        for page in room.pages {
            let label = page.label.clone();
            let seen = page.seen();
            assert!(seen.fatal.is_none(), "{label}: {:?}", seen.fatal);
            copies.push((label, page.close().await));
        }
        let (created, events) = stored(cluster, &room.code).await;
        let seqs: Vec<u64> = events.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "room {}: numbered without a gap",
            room.code
        );
        let mut posted: HashMap<String, usize> = HashMap::new();
        let mut edited: HashMap<String, usize> = HashMap::new();
        for (_, event) in &events {
            match event {
                Event::NotePosted { note } => *posted.entry(note.id.to_string()).or_default() += 1,
                Event::NoteEdited { text, .. } => *edited.entry(text.clone()).or_default() += 1,
                _ => {}
            }
        }
        for (label, replica) in copies {
            for note in asked.posted.get(&label).into_iter().flatten() {
                assert_eq!(posted.get(note), Some(&1), "{label}: note {note} once");
            }
            for text in asked.edited.get(&label).into_iter().flatten() {
                assert_eq!(edited.get(text), Some(&1), "{label}: {text:?} once");
            }
            assert!(replica.seq >= settled, "{label}: caught up");
            assert!(
                replica.seq <= seqs.len() as u64,
                "{label}: an event the store lacks"
            );
            let mut state = created.clone();
            for (_, event) in &events[..replica.seq as usize] {
                state.apply(event);
            }
            assert_eq!(
                replica.state.map(without_presence),
                Some(without_presence(state)),
                "{label}: its copy is the stored room"
            );
        }
    }
}

/// `state` without who is connected: presence is the holding node's knowledge, not
/// history (a node that loads a room starts with nobody connected, without an event).
fn without_presence(mut state: RoomState) -> RoomState {
    for participant in &mut state.participants {
        participant.connected = false;
    }
    state
}

/// The `quantile` (0 to 1) of `values`, nearest rank.
pub fn quantile(values: &[Duration], quantile: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((quantile * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Since `start`, in seconds with a decimal.
pub fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// The node holding the most of `rooms`, by the database.
pub async fn busiest_node(cluster: &Cluster, rooms: &[Room]) -> (String, Vec<usize>) {
    let mut held: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, room) in rooms.iter().enumerate() {
        if let Some(node) = cluster.owner_of(&room.code).await {
            held.entry(node).or_default().push(index);
        }
    }
    held.into_iter()
        .max_by_key(|(_, rooms)| rooms.len())
        .expect("rooms are held")
}

/// Wait until every page of `rooms` (the indexes `affected`) lost its connection after
/// `since` and is live again; the time from `since` until the last came back.
pub async fn recovered(rooms: &[Room], affected: &[usize], since: Instant) -> Duration {
    let mut last = since;
    for &index in affected {
        for page in &rooms[index].pages {
            until(page, "back live after the failure", |view| {
                view.live
                    && view.lost_at.is_some_and(|lost| lost >= since)
                    && view
                        .live_since
                        .is_some_and(|back| back > view.lost_at.unwrap_or(since))
            })
            .await;
            if let Some(back) = page.seen().live_since {
                last = last.max(back);
            }
        }
    }
    last - since
}
