//! S5, stored sessions: what months of history cost a server that restarts.
//!
//! A database is filled with many finished sessions (through the server's own
//! `SqliteStore`, so rows are exactly what the server writes), then the server starts
//! on it. Reported: how long until `/health` answers, the server's memory then, how long
//! the first join of a stored session takes (it is loaded from the database: read,
//! replayed, seated), and what each loaded session adds to memory.

use crate::client;
use crate::stats::Latencies;
use crate::target::Target;
use anyhow::{Context, Result, bail};
use server::secrets::{self, Digest};
use server::storage::sqlite::SyncMode;
use server::storage::{NewRoom, SqliteStore, Store, StoredEvent, Write};
use shared::state::{Language, Note, NoteKind, Participant, Role};
use shared::{Event, NoteId, ParticipantId, RoomCode};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a server may take to answer `/health` after it starts.
const READY_PATIENCE: Duration = Duration::from_secs(300);

#[derive(Clone, Debug)]
pub struct StoredSpec {
    /// Sessions in the database.
    pub sessions: usize,
    /// Events per session (six joins, then notes).
    pub events: usize,
    /// Stored sessions joined one after another once the server is up.
    pub joins: usize,
}

#[derive(Debug)]
pub struct StoredResult {
    pub fill: Duration,
    pub database_mib: f64,
    pub ready: Duration,
    pub rss_ready_kib: u64,
    /// From sending `join` to having the snapshot, per joined session.
    pub first_join: Latencies,
    pub joined: usize,
    pub rss_after_kib: u64,
}

impl StoredResult {
    /// What each loaded session added to the server's memory.
    pub fn per_loaded_session_kib(&self) -> f64 {
        self.rss_after_kib.saturating_sub(self.rss_ready_kib) as f64 / self.joined.max(1) as f64
    }
}

/// Six participants per session: a facilitator and five consultants.
const PARTICIPANTS: usize = 6;
/// Sessions written per commit while filling.
const SESSIONS_PER_COMMIT: usize = 50;

/// Fill a new database at `db` with `spec.sessions` sessions of `spec.events` events.
/// Returns the codes.
pub async fn fill(db: &Path, spec: &StoredSpec) -> Result<Vec<RoomCode>> {
    if spec.events < PARTICIPANTS {
        bail!("a stored session needs at least {PARTICIPANTS} events (its joins)");
    }
    let store = SqliteStore::open_with(
        db,
        SyncMode::Normal,
        server::storage::sqlite::schema_version(),
    )
    .await
    .context("creating the database")?;
    let mut codes = Vec::with_capacity(spec.sessions);
    let mut writes = Vec::new();
    for session in 0..spec.sessions {
        let code = RoomCode::new(secrets::room_code());
        writes.extend(session_writes(&code, session, spec.events));
        codes.push(code);
        if (session + 1) % SESSIONS_PER_COMMIT == 0 || session + 1 == spec.sessions {
            store.commit(&writes).context("filling the database")?;
            writes.clear();
        }
    }
    store.close().await;
    Ok(codes)
}

/// One finished session's rows: the room, six seats, six joins, then notes.
fn session_writes(code: &RoomCode, index: usize, events: usize) -> Vec<Write> {
    let created_at = 1_773_306_000_000 + index as u64 * 60_000;
    let mut writes = vec![Write::CreateRoom(NewRoom {
        call_link: None,
        code: code.clone(),
        title: format!("Codév du jeudi n° {index}"),
        language: Language::Fr,
        created_at,
        facilitator_key: Digest::of(&secrets::secret_key()),
        group: None,
    })];
    let people: Vec<ParticipantId> = (0..PARTICIPANTS)
        .map(|_| ParticipantId::new(secrets::participant_id()))
        .collect();
    for (n, id) in people.iter().enumerate() {
        writes.push(Write::AddSeat {
            room: code.clone(),
            participant: id.clone(),
            token: Digest::of(&secrets::secret_key()),
        });
        let participant = Participant {
            id: id.clone(),
            name: format!("Participant {n}"),
            role: if n == 0 {
                Role::Facilitator
            } else {
                Role::Consultant
            },
            connected: true,
            charter_accepted: true,
        };
        writes.push(append(
            code,
            n + 1,
            created_at,
            None,
            Event::ParticipantJoined { participant },
        ));
    }
    for seq in PARTICIPANTS + 1..=events {
        let author = &people[1 + seq % (PARTICIPANTS - 1)];
        let note = Note {
            id: NoteId::new(secrets::room_code()),
            kind: NoteKind::Suggestion,
            text:
                "Convenir à l'avance, avec l'équipe, de ce qui est « assez bien » pour ce dossier."
                    .into(),
            posted_at: created_at + seq as u64 * 1000,
            kept: false,
            hidden: false,
        };
        writes.push(append(
            code,
            seq,
            created_at,
            Some((author.clone(), seq as u64)),
            Event::NotePosted { note },
        ));
    }
    writes
}

fn append(
    code: &RoomCode,
    seq: usize,
    at: u64,
    sender: Option<(ParticipantId, u64)>,
    event: Event,
) -> Write {
    let (actor, command_id) = sender.unzip();
    Write::AppendEvent {
        room: code.clone(),
        event: StoredEvent {
            seq: seq as u64,
            at,
            actor,
            command_id,
            event,
        },
    }
}

/// Wait until the server answers `/health`, then join `spec.joins` stored sessions one
/// after another and time each.
pub async fn measure(
    target: &Target,
    started: Instant,
    codes: &[RoomCode],
    spec: &StoredSpec,
) -> Result<(Duration, u64, Latencies, u64)> {
    loop {
        if client::get(target.addr, "/health").await.is_ok() {
            break;
        }
        if started.elapsed() > READY_PATIENCE {
            bail!("the server did not answer /health within {READY_PATIENCE:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ready = started.elapsed();
    let rss_ready = target.usage()?.rss_kib;
    let step = (codes.len() / spec.joins.max(1)).max(1);
    let mut first_join = Latencies::default();
    for code in codes.iter().step_by(step).take(spec.joins) {
        let sent = Instant::now();
        let seated = client::join(target.addr, code.as_str(), "Zoé", None).await?;
        first_join.record(sent.elapsed().as_micros() as u64);
        drop(seated);
    }
    let rss_after = target.usage()?.rss_kib;
    Ok((ready, rss_ready, first_join, rss_after))
}

pub fn print(result: &mut StoredResult, spec: &StoredSpec) {
    let joins = result.first_join.summary();
    println!(
        "S5 stored sessions: {} sessions of {} events ({:.0} MiB database, filled in {:.1} s)",
        spec.sessions,
        spec.events,
        result.database_mib,
        result.fill.as_secs_f64()
    );
    println!(
        "  start until /health answers: {:.3} s; server RSS then {:.1} MiB",
        result.ready.as_secs_f64(),
        result.rss_ready_kib as f64 / 1024.0
    );
    println!(
        "  first join of a stored session (loaded, replayed, seated), {} sessions one after another: p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        result.joined, joins.p50, joins.p90, joins.max
    );
    println!(
        "  server RSS after them {:.1} MiB: {:.1} KiB per session loaded",
        result.rss_after_kib as f64 / 1024.0,
        result.per_loaded_session_kib()
    );
}
