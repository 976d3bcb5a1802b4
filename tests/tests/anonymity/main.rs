//! The anonymity guarantee, checked end to end: a whole session with several authors,
//! and nothing anyone received, nothing the server logged (at `trace`, everything on),
//! and nothing in the session's record ties a note to the name, id or token of whoever
//! wrote it. Only the author's own connections learn which notes are theirs.
//!
//! What is captured:
//! - every frame every participant's connection received, the facilitator's included
//!   (and an author's second tab, and a page that comes back after a drop);
//! - every log line of the in-process server at the most verbose level, through the
//!   very filter the binary uses (`server::logging::filter`), with the `log` records of
//!   dependencies (the WebSocket layer, the SQLite driver) bridged in;
//! - the record: the client builds its Markdown record in the browser from the closed
//!   room's state alone (`client/src/record.rs`, `markdown(&RoomState, ..)`), so this
//!   test checks that state, as a fresh connection receives it after the session closed.
//!
//! A global tracing subscriber can be installed once per process: this is its own test
//! binary, whose tests share one capture of the log ([`logs`]); each looks in it for its
//! own marks only (ids, names and tokens are drawn anew by every test). The secret ballot
//! of a group's topics is checked the same way ([`ballot`]).

mod ballot;

use server::storage::SqliteStore;
use shared::state::NoteKind;
use shared::wire::ServerMessage;
use shared::{Command, Event, NoteId, ParticipantId, Step};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tests::server::{TempDir, TestServer};
use tests::ws::WsClient;

/// Log lines, as the fmt subscriber writes them.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().expect("the log buffer").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Every log line of this process, at the most verbose level, through the very filter
/// the binary uses; installed by whichever test asks first.
fn logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_env_filter(server::logging::filter("trace"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init()
            .expect("the only subscriber of this test binary");
        logs
    })
    .clone()
}

/// Who someone is, in every form that could identify them.
struct Identity {
    name: String,
    id: ParticipantId,
    /// Their resume token (and, for the facilitator, the key that opens their seat).
    secrets: Vec<String>,
}

impl Identity {
    fn of(client: &WsClient, name: &str) -> Self {
        Identity {
            name: name.to_owned(),
            id: client.me().clone(),
            secrets: vec![client.token.clone().expect("a resume token")],
        }
    }

    fn marks(&self) -> Vec<&str> {
        [self.name.as_str(), self.id.as_str()]
            .into_iter()
            .chain(self.secrets.iter().map(String::as_str))
            .collect()
    }
}

/// A note: its id, every text it ever had, and its author.
struct Written {
    id: NoteId,
    texts: Vec<String>,
    author: usize,
}

impl Written {
    /// A note with one text so far, written by the person at `author`.
    fn new(id: &NoteId, text: &str, author: usize) -> Self {
        Written {
            id: id.clone(),
            texts: vec![text.into()],
            author,
        }
    }
}

/// Every frame a connection received, and whose connection it was.
struct Inbox {
    owner: usize,
    frames: Vec<String>,
}

fn post(id: &NoteId, kind: NoteKind, text: &str) -> Command {
    Command::PostNote {
        note_id: id.clone(),
        kind,
        text: text.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_received_logged_or_recorded_ties_a_note_to_its_author() {
    let logs = logs();

    let dir = TempDir::new("anonymity");
    let store = SqliteStore::open(dir.join("codev.db"))
        .await
        .expect("open the database");
    let server = TestServer::start_with_store(store).await;
    let session = server.create_session("Séance anonyme").await;
    let url = server.ws_url();
    let room = session.room.as_str();

    // The cast: identities are indexed 0 (facilitator) to 5 (observer).
    let names = [
        "Fanny Animatrice",
        "Claude Cliente",
        "Bruno Lavoie",
        "Chloé Martin",
        "David Nguyen",
        "Olga Observatrice",
    ];
    let mut fac = WsClient::join_facilitator(&url, room, &session.facilitator_key, names[0]).await;
    let mut cli = WsClient::join(&url, room, names[1], false).await;
    let mut bruno = WsClient::join(&url, room, names[2], false).await;
    let mut chloe = WsClient::join(&url, room, names[3], false).await;
    let mut david = WsClient::join(&url, room, names[4], false).await;
    let mut obs = WsClient::join(&url, room, names[5], true).await;
    let mut people: Vec<Identity> = [&fac, &cli, &bruno, &chloe, &david, &obs]
        .iter()
        .zip(names)
        .map(|(client, name)| Identity::of(client, name))
        .collect();
    // The facilitator's key opens their seat: it identifies them too.
    people[0].secrets.push(session.facilitator_key.clone());
    let secrets: Vec<String> = people.iter().flat_map(|p| p.secrets.clone()).collect();

    for who in [
        &mut fac, &mut cli, &mut bruno, &mut chloe, &mut david, &mut obs,
    ] {
        who.ok(Command::AcceptCharter).await;
    }
    fac.ok(Command::PickClient {
        participant: cli.me().clone(),
    })
    .await;
    for _ in 0..4 {
        fac.ok(Command::next_step(fac.state())).await;
    }

    // Exploration. Note ids are random-looking, as the real client makes them.
    let ids: Vec<NoteId> = [
        "Zq3v9Lk2TnB0cXw7uYp1Ha",
        "m4RtE8sWq2LpV6nYb0KdJc",
        "X1oP7gHs3FkQ9eTz5VaRmN",
        "b6YwN2cU8iLx0MqS4jDtGe",
        "T9kF3pZ1vHc7RbL5nWqX2s",
    ]
    .into_iter()
    .map(NoteId::new)
    .collect();
    let mut notes = [
        Written::new(
            &ids[0],
            "Tu pourrais déléguer le dossier des achats en entier",
            2,
        ),
        Written::new(&ids[1], "Ressenti : de la fatigue derrière la colère", 2),
        Written::new(
            &ids[2],
            "Expérience : un point hebdomadaire de quinze minutes",
            3,
        ),
        Written::new(&ids[3], "Suggestion : demander à l'équipe ce qui manque", 4),
        Written::new(&ids[4], "Réaction : surprise que personne ne le dise", 4),
    ];
    // David opens a second tab on his seat before he writes.
    let mut david_tab = WsClient::resume(&url, room, &people[4].secrets[0], "David's tab").await;
    bruno
        .ok(post(&ids[0], NoteKind::Advice, &notes[0].texts[0]))
        .await;
    chloe
        .ok(post(&ids[2], NoteKind::Experience, &notes[2].texts[0]))
        .await;
    bruno
        .ok(post(&ids[1], NoteKind::Feeling, &notes[1].texts[0]))
        .await;
    david
        .ok(post(&ids[3], NoteKind::Suggestion, &notes[3].texts[0]))
        .await;
    david
        .ok(post(&ids[4], NoteKind::Reaction, &notes[4].texts[0]))
        .await;
    // Edits and a deletion, by their authors; attempts by others are refused.
    let edited = "Tu pourrais déléguer les achats et garder les arbitrages".to_owned();
    notes[0].texts.push(edited.clone());
    bruno
        .ok(Command::EditNote {
            note_id: ids[0].clone(),
            kind: NoteKind::Advice,
            text: edited,
        })
        .await;
    assert!(
        chloe
            .command(Command::EditNote {
                note_id: ids[0].clone(),
                kind: NoteKind::Comment,
                text: "pris".into(),
            })
            .await
            .is_err()
    );
    // (A second page of the same participant numbers its commands apart: the server
    // recognises re-sent commands by id, per participant.)
    david_tab
        .command_with_id(
            1_000_001,
            Command::DeleteNote {
                note_id: ids[4].clone(),
            },
        )
        .await
        .expect("the author deletes their note from another tab");
    cli.ok(Command::KeepNote {
        note_id: ids[2].clone(),
        kept: true,
    })
    .await;
    fac.ok(Command::HideNote {
        note_id: ids[1].clone(),
        hidden: true,
    })
    .await;
    // Chloé drops and comes back: her snapshot says which notes are hers.
    let chloe_first_page = std::mem::take(&mut chloe.raw);
    chloe.close().await;
    let mut chloe = WsClient::resume(&url, room, &people[3].secrets[0], "Chloé again").await;
    assert_eq!(chloe.my_notes, vec![ids[2].clone()]);

    // The plan, the closing round, the end.
    fac.ok(Command::next_step(fac.state())).await;
    cli.ok(Command::AddAction {
        action_id: shared::ActionId::new("a-1"),
        text: "Faire un point hebdomadaire".into(),
        due: None,
    })
    .await;
    fac.ok(Command::next_step(fac.state())).await;
    for who in [&mut cli, &mut bruno, &mut chloe, &mut david, &mut fac] {
        who.ok(Command::WriteLearning {
            text: "Écouter avant de répondre".into(),
        })
        .await;
    }
    fac.ok(Command::CloseSession).await;
    let last = fac.seq;
    let mut everyone = [
        &mut fac,
        &mut cli,
        &mut bruno,
        &mut chloe,
        &mut david,
        &mut david_tab,
        &mut obs,
    ];
    for client in everyone.iter_mut() {
        client.catch_up(last).await;
    }

    // The record's source: the closed room, as a fresh page of the facilitator gets it.
    let record_page =
        WsClient::join_facilitator(&url, room, &session.facilitator_key, "Fanny").await;
    let record = record_page.state().clone();
    assert_eq!(record.step, Step::Closed);
    assert_eq!(record.notes.len(), 4, "the deleted note is gone");

    let inboxes = vec![
        Inbox {
            owner: 0,
            frames: fac.raw.clone(),
        },
        Inbox {
            owner: 0,
            frames: record_page.raw.clone(),
        },
        Inbox {
            owner: 1,
            frames: cli.raw.clone(),
        },
        Inbox {
            owner: 2,
            frames: bruno.raw.clone(),
        },
        Inbox {
            owner: 3,
            frames: chloe_first_page,
        },
        Inbox {
            owner: 3,
            frames: chloe.raw.clone(),
        },
        Inbox {
            owner: 4,
            frames: david.raw.clone(),
        },
        Inbox {
            owner: 4,
            frames: david_tab.raw.clone(),
        },
        Inbox {
            owner: 5,
            frames: obs.raw.clone(),
        },
    ];
    server.stop().await;

    let authored: BTreeMap<&NoteId, usize> = notes.iter().map(|n| (&n.id, n.author)).collect();
    let note_marks: Vec<&str> = notes
        .iter()
        .flat_map(|n| std::iter::once(n.id.as_str()).chain(n.texts.iter().map(String::as_str)))
        .collect();
    let identity_marks: Vec<&str> = people.iter().flat_map(Identity::marks).collect();
    let names_a_note = |text: &str| note_marks.iter().any(|mark| text.contains(mark));
    let identifies = |text: &str| {
        identity_marks
            .iter()
            .find(|mark| text.contains(*mark))
            .map(|mark| (*mark).to_owned())
    };
    let mut problems = Vec::new();

    // 1. Frames.
    let mut seen_note_events = 0;
    let mut told_own = BTreeSet::new();
    for inbox in &inboxes {
        for frame in &inbox.frames {
            let message: ServerMessage = serde_json::from_str(frame).expect("a server message");
            match &message {
                ServerMessage::Snapshot {
                    state, your_notes, ..
                } => {
                    let board = serde_json::to_string(&state.notes).expect("encode");
                    if let Some(mark) = identifies(&board) {
                        problems.push(format!("a snapshot's notes contain {mark:?}"));
                    }
                    for note in your_notes {
                        told_own.insert((inbox.owner, note.clone()));
                        if authored.get(note) != Some(&inbox.owner) {
                            problems.push(format!(
                                "{} was told {note} is theirs",
                                people[inbox.owner].name
                            ));
                        }
                    }
                }
                ServerMessage::YourNote { note_id } => {
                    told_own.insert((inbox.owner, note_id.clone()));
                    if authored.get(note_id) != Some(&inbox.owner) {
                        problems.push(format!(
                            "{} got your_note for {note_id}",
                            people[inbox.owner].name
                        ));
                    }
                }
                _ => {
                    if let ServerMessage::Event {
                        event:
                            Event::NotePosted { .. }
                            | Event::NoteEdited { .. }
                            | Event::NoteDeleted { .. }
                            | Event::NoteKept { .. }
                            | Event::NoteHidden { .. },
                        ..
                    } = &message
                    {
                        seen_note_events += 1;
                    }
                    if names_a_note(frame)
                        && let Some(mark) = identifies(frame)
                    {
                        problems.push(format!("a frame names a note and {mark:?}: {frame}"));
                    }
                }
            }
        }
    }
    // Every connection of every author (and only theirs) learned their own notes.
    for note in &notes[..4] {
        for (owner, person) in people.iter().enumerate() {
            let told = told_own.contains(&(owner, note.id.clone()));
            if told != (owner == note.author) {
                problems.push(format!("{} told about {}: {told}", person.name, note.id));
            }
        }
    }
    // 5 posts, an edit, a deletion, a keep and a hide, seen by at least 5 pages each.
    assert!(
        seen_note_events >= 9 * 5,
        "every screen saw the note events: {seen_note_events}"
    );

    // 2. Logs.
    let lines = logs.lines();
    assert!(
        lines.iter().any(|l| l.contains("TRACE")),
        "the logs were captured at trace level"
    );
    assert!(
        lines.iter().any(|l| l.contains("post_note")),
        "the note commands were logged (anonymously)"
    );
    assert!(
        lines.iter().any(|l| l.contains(people[2].id.as_str())),
        "participants are named in other lines, so the check below can see them"
    );
    for line in &lines {
        let about_a_note = names_a_note(line)
            || ["post_note", "edit_note", "delete_note", "your_note"]
                .iter()
                .any(|command| line.contains(command));
        if about_a_note && let Some(mark) = identifies(line) {
            problems.push(format!("a log line ties a note to {mark:?}: {line}"));
        }
        if let Some(secret) = secrets.iter().find(|s| line.contains(s.as_str())) {
            problems.push(format!("a log line holds the secret {secret:?}: {line}"));
        }
    }

    // 3. The record's source.
    let record_json = serde_json::to_value(&record).expect("encode");
    for note in record_json["notes"].as_array().expect("notes") {
        let fields: BTreeSet<&str> = note
            .as_object()
            .expect("a note object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["id", "kind", "text", "posted_at", "kept", "hidden"])
        );
        if let Some(mark) = identifies(&note.to_string()) {
            problems.push(format!("the record's notes contain {mark:?}"));
        }
    }

    assert!(
        problems.is_empty(),
        "{} leaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
