//! The real server binary on a SQLite file, stopped the hard way and the polite way.
//!
//! Killed with SIGKILL in the middle of exploration while consultants are posting, then
//! started again on the same file: every acknowledged note is back with its author, the
//! step, the timer's deadline and the hand queue too, and the commands the clients had
//! not seen answered (sent before the crash or made while offline), re-sent with the same
//! ids, are applied exactly once. Stopped with SIGTERM: every page is told to come back,
//! and everything acknowledged is in the file. A group's series is killed mid-session
//! too (`restart/series.rs`).

use server::storage::{SqliteStore, Store};
use shared::state::NoteKind;
use shared::wire::{ByeReason, ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, Event, NoteId, ParticipantId, Step, TimerState};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use tests::server::{ServerProcess, TempDir};
use tests::ws::WsClient;

#[path = "restart/operations.rs"]
mod operations;
#[path = "restart/series.rs"]
mod series;

const BIN: &str = env!("CARGO_BIN_EXE_server");

fn post(note: &str) -> Command {
    Command::PostNote {
        note_id: NoteId::from(note),
        kind: NoteKind::Suggestion,
        text: format!("Idée {note}"),
    }
}

/// A consultant's page: its connection, and the commands it has sent or made that have
/// no answer yet (what a browser's outbox holds), numbered by the page.
struct Page {
    ws: WsClient,
    token: String,
    next_id: u64,
    unanswered: BTreeMap<u64, Command>,
    /// Every command answered with an ack, and the sequence number in the ack.
    acked: BTreeMap<u64, (Command, u64)>,
}

impl Page {
    /// A page per connection, numbering their commands from `spacing`, `2 * spacing`,
    /// and so on, so that no two pages share an id.
    fn each(connections: Vec<WsClient>, spacing: u64) -> Vec<Page> {
        let first_ids = (1..).map(|n| n * spacing);
        connections
            .into_iter()
            .zip(first_ids)
            .map(|(ws, first)| Page::new(ws, first))
            .collect()
    }

    fn new(ws: WsClient, first_id: u64) -> Self {
        let token = ws.token.clone().expect("a resume token");
        Page {
            ws,
            token,
            next_id: first_id,
            unanswered: BTreeMap::new(),
            acked: BTreeMap::new(),
        }
    }

    /// Make a command and keep it until answered; send it now if `online`.
    async fn make(&mut self, command: Command, online: bool) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.unanswered.insert(id, command.clone());
        if online {
            self.ws.send(&ClientMessage::Command { id, command }).await;
        }
        id
    }

    /// Note an answer, if `message` is one. Every answer here must be an ack.
    fn observe(&mut self, message: &ServerMessage) {
        match message {
            ServerMessage::Ack { id, seq } => {
                if let Some(command) = self.unanswered.remove(id) {
                    self.acked.insert(*id, (command, *seq));
                }
            }
            ServerMessage::Rejected {
                id: Some(id),
                code,
                message,
            } => panic!(
                "{}: command {id} refused: {code:?} {message}",
                self.ws.label
            ),
            _ => {}
        }
    }

    /// Read until every command sent has its answer.
    async fn settle(&mut self) {
        while !self.unanswered.is_empty() {
            let message = self.ws.recv().await;
            self.observe(&message);
        }
    }

    /// Read until `n` more commands are acknowledged.
    async fn until_acked(&mut self, n: usize) {
        let goal = self.acked.len() + n;
        while self.acked.len() < goal {
            let message = self.ws.recv().await;
            self.observe(&message);
        }
    }

    /// Read what the dead server had already sent, up to the closed connection.
    async fn drain(&mut self) {
        while let Some(message) = self.ws.try_recv().await {
            self.observe(&message);
        }
    }

    /// Come back with the resume token to a server at `url`, and re-send every
    /// unanswered command with its id.
    async fn reconnect(&mut self, url: &str, room: &str) {
        let label = self.ws.label.clone();
        self.ws = WsClient::resume(url, room, &self.token, &label).await;
        for (&id, command) in &self.unanswered {
            self.ws
                .send(&ClientMessage::Command {
                    id,
                    command: command.clone(),
                })
                .await;
        }
    }

    fn acked_notes(&self) -> BTreeSet<NoteId> {
        self.acked
            .values()
            .filter_map(|(command, _)| match command {
                Command::PostNote { note_id, .. } => Some(note_id.clone()),
                _ => None,
            })
            .collect()
    }

    fn all_notes(&self) -> BTreeSet<NoteId> {
        self.acked
            .values()
            .map(|(command, _)| command)
            .chain(self.unanswered.values())
            .filter_map(|command| match command {
                Command::PostNote { note_id, .. } => Some(note_id.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The server binary on a new database in a directory of its own (named after `name`,
/// removed when dropped), and the database's path, to start it again on.
async fn spawned(name: &str) -> (TempDir, PathBuf, ServerProcess) {
    let dir = TempDir::new(name);
    let db = dir.join("codev.db");
    let server = ServerProcess::spawn(BIN, &db).await;
    (dir, db, server)
}

/// A new session called `title` on `server`: its code, and the facilitator, the client
/// and `consultants` consultants, in exploration with the timer running.
async fn session_in_exploration(
    server: &ServerProcess,
    title: &str,
    consultants: usize,
) -> (String, WsClient, WsClient, Vec<WsClient>) {
    let session = server.create_session(title).await;
    let (url, room, key) = (&server.ws_url(), &session.room, &session.facilitator_key);
    let mut fac = WsClient::join_facilitator(url, room, key, "Anne").await;
    let mut cli = WsClient::join(url, room, "Claire", false).await;
    let mut others = Vec::new();
    for i in 0..consultants {
        others.push(WsClient::join(url, room, &format!("Consultant {i}"), false).await);
    }
    fac.ok(Command::AcceptCharter).await;
    cli.ok(Command::AcceptCharter).await;
    for consultant in &mut others {
        consultant.ok(Command::AcceptCharter).await;
    }
    fac.ok(Command::PickClient {
        participant: cli.me().clone(),
    })
    .await;
    fac.ok(Command::next_step(fac.state())).await;
    cli.ok(Command::SetProblem {
        title: "Deux services qui s'évitent".into(),
        summary: "Depuis la réorganisation.".into(),
    })
    .await;
    fac.ok(Command::next_step(fac.state())).await;
    fac.ok(Command::next_step(fac.state())).await;
    cli.ok(Command::SetContract {
        text: "Des pistes concrètes.".into(),
    })
    .await;
    fac.ok(Command::next_step(fac.state())).await;
    let seq = fac.ok(Command::StartTimer).await;
    fac.catch_up(seq).await;
    assert_eq!(fac.state().step, Step::Exploration);
    (session.room, fac, cli, others)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_nothing_acknowledged_and_applies_queued_commands_once() {
    let (_dir, db, first) = spawned("sigkill").await;
    let (room, mut fac, mut cli, consultants) =
        session_in_exploration(&first, "Séance interrompue", 3).await;
    let mut pages = Page::each(consultants, 1_000_000);

    // Two hands up, in this order.
    let hands: Vec<ParticipantId> = vec![pages[1].ws.me().clone(), pages[0].ws.me().clone()];
    pages[1].make(Command::RaiseHand, true).await;
    pages[1].settle().await;
    pages[0].make(Command::RaiseHand, true).await;
    pages[0].settle().await;
    fac.wait_until(|state| state.hands.len() == 2).await;

    // Each consultant posts a few notes and sees them acknowledged...
    for (i, page) in pages.iter_mut().enumerate() {
        for n in 0..4 {
            page.make(post(&format!("c{i}-n{n}")), true).await;
        }
        page.settle().await;
    }
    // ...then a burst, without waiting; the server dies once some of it is acknowledged.
    for (i, page) in pages.iter_mut().enumerate() {
        for n in 0..15 {
            page.make(post(&format!("c{i}-burst{n}")), true).await;
        }
    }
    pages[0].until_acked(1).await;
    let before = fac.state().clone();
    let deadline = before.timer.clone();
    assert!(matches!(deadline, TimerState::Running { .. }));
    first.kill().await;

    // Whatever arrived before the connection died counts as acknowledged.
    for page in &mut pages {
        page.drain().await;
    }
    while fac.try_recv().await.is_some() {}
    while cli.try_recv().await.is_some() {}
    let acked_before: BTreeSet<NoteId> = pages.iter().flat_map(Page::acked_notes).collect();
    let acks_before: HashMap<(usize, u64), u64> = pages
        .iter()
        .enumerate()
        .flat_map(|(i, page)| {
            page.acked
                .iter()
                .map(move |(id, (_, seq))| ((i, *id), *seq))
        })
        .collect();
    assert!(
        acked_before.len() >= 13,
        "4 notes each, and at least one of the burst"
    );

    // Offline, each consultant writes one more note; it waits in the outbox.
    for (i, page) in pages.iter_mut().enumerate() {
        page.make(post(&format!("c{i}-offline")), false).await;
    }

    // The server comes back on the same file, elsewhere.
    let second = ServerProcess::spawn(BIN, &db).await;
    let url = second.ws_url();
    let fac_token = fac.token.clone().expect("the facilitator's token");
    let mut fac = WsClient::resume(&url, &room, &fac_token, "Anne again").await;
    let state = fac.state().clone();
    assert_eq!(state.step, Step::Exploration);
    assert_eq!(state.timer, deadline, "the same absolute deadline");
    let queue: Vec<ParticipantId> = state.hands.iter().map(|h| h.participant.clone()).collect();
    assert_eq!(queue, hands, "the hand queue, in order");
    assert_eq!(state.problem, before.problem);
    assert_eq!(state.contract, before.contract);
    assert_eq!(state.participants.len(), before.participants.len());
    for participant in &state.participants {
        let me = &participant.id == fac.me();
        assert_eq!(
            participant.connected, me,
            "after a restart only who came back is connected: {participant:?}"
        );
    }
    let on_board: BTreeSet<NoteId> = state.notes.iter().map(|n| n.id.clone()).collect();
    let lost: Vec<&NoteId> = acked_before.difference(&on_board).collect();
    assert!(lost.is_empty(), "acknowledged notes lost: {lost:?}");

    // Every page comes back and re-sends what it had not seen answered.
    for page in &mut pages {
        page.reconnect(&url, &room).await;
        let mine: BTreeSet<NoteId> = page.ws.my_notes.iter().cloned().collect();
        assert!(
            page.acked_notes().is_subset(&mine),
            "{}: its acknowledged notes are still known as its own",
            page.ws.label
        );
    }
    for page in &mut pages {
        page.settle().await;
    }
    // A command whose ack is re-asked gets the very same answer, not a second note.
    for (i, page) in pages.iter_mut().enumerate() {
        let (&id, (command, _)) = page.acked.iter().next().expect("an acked command");
        let answer = page.ws.command_with_id(id, command.clone()).await;
        assert_eq!(answer, Ok(acks_before[&(i, id)]), "{}", page.ws.label);
    }

    // Everything each page ever made is on the board exactly once.
    let expected: BTreeSet<NoteId> = pages.iter().flat_map(Page::all_notes).collect();
    // (A fresh id: this page's ids 1, 2… were the facilitator's before the crash, and a
    // re-used id gets the old answer.)
    let probe = fac
        .command_with_id(5_000_000, Command::AcceptCharter)
        .await
        .expect("a harmless command");
    fac.catch_up(probe).await;
    let board: Vec<NoteId> = fac.state().notes.iter().map(|n| n.id.clone()).collect();
    let unique: BTreeSet<NoteId> = board.iter().cloned().collect();
    assert_eq!(board.len(), unique.len(), "no note twice: {board:?}");
    assert_eq!(unique, expected);
    assert_eq!(board.len(), 3 * (4 + 15 + 1));

    // Authorship survived too: only the author may edit a note posted before the crash.
    let theirs = NoteId::from("c0-n0");
    let refused = pages[1]
        .ws
        .command_with_id(
            9_999_999,
            Command::EditNote {
                note_id: theirs.clone(),
                kind: NoteKind::Comment,
                text: "pas à moi".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotAuthor);
    pages[0]
        .ws
        .command_with_id(
            9_999_999,
            Command::EditNote {
                note_id: theirs,
                kind: NoteKind::Comment,
                text: "revue après la panne".into(),
            },
        )
        .await
        .expect("the author edits their note");
    second.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_tells_every_page_to_come_back_and_leaves_every_ack_on_disk() {
    let (_dir, db, server) = spawned("sigterm").await;
    let (_, mut fac, mut cli, consultants) =
        session_in_exploration(&server, "Arrêt propre", 2).await;
    let mut pages = Page::each(consultants, 1_000);
    for (i, page) in pages.iter_mut().enumerate() {
        for n in 0..3 {
            page.make(post(&format!("t{i}-n{n}")), true).await;
        }
        page.settle().await;
        for n in 0..10 {
            page.make(post(&format!("t{i}-burst{n}")), true).await;
        }
    }
    assert!(server.terminate().await, "a clean exit after SIGTERM");

    // Every page was told why, and read its acks up to that point.
    for page in &mut pages {
        let mut told = None;
        while let Some(message) = page.ws.try_recv().await {
            page.observe(&message);
            if let ServerMessage::Bye { reason, .. } = message {
                told = Some(reason);
            }
        }
        assert_eq!(told, Some(ByeReason::ShuttingDown), "{}", page.ws.label);
    }
    for ws in [&mut fac, &mut cli] {
        let mut told = None;
        while let Some(message) = ws.try_recv().await {
            if let ServerMessage::Bye { reason, .. } = message {
                told = Some(reason);
            }
        }
        assert_eq!(told, Some(ByeReason::ShuttingDown), "{}", ws.label);
    }

    // Everything acknowledged is in the file, in an unbroken sequence.
    let store = SqliteStore::open(&db).await.expect("reopen the database");
    let rooms = store.load().await.expect("load");
    assert_eq!(rooms.len(), 1);
    let events = &rooms[0].events;
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
    let stored: BTreeSet<NoteId> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::NotePosted { note } => Some(note.id.clone()),
            _ => None,
        })
        .collect();
    for page in &pages {
        let acked = page.acked_notes();
        assert!(acked.len() >= 3);
        assert!(
            acked.is_subset(&stored),
            "{}: acknowledged but not stored: {:?}",
            page.ws.label,
            acked.difference(&stored).collect::<Vec<_>>()
        );
        // An acked command's events are stored with its sender and id.
        for (id, (_, seq)) in &page.acked {
            let event = &events[*seq as usize - 1];
            assert_eq!(event.command_id, Some(*id));
            assert_eq!(event.actor.as_ref(), page.ws.me.as_ref());
        }
    }
    store.close().await;
}
