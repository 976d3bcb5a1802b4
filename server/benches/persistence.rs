//! How fast events reach the disk: commits per second and events per second.
//!
//! Not a timed test: it prints figures for `docs/benchmarks.md`. Run with
//! `cargo bench -p server --bench persistence` (optionally `-- --dir PATH` to put the
//! database files on another disk; the default is the system's temporary directory).
//!
//! 1. The SQLite store alone: back-to-back commits of batches of 1, 10, 100 and 1000
//!    events, with `synchronous = FULL` (the server's setting) and, for comparison,
//!    `NORMAL`.
//! 2. The whole write path the rooms use: many rooms each appending an event and waiting
//!    until it is durable before the next (as a sender waits for its ack), through the
//!    journal's batching writer.

use server::secrets::Digest;
use server::storage::journal::{Durable, Progress};
use server::storage::sqlite::SyncMode;
use server::storage::{Journal, NewRoom, SqliteStore, Store, StoredEvent, Write};
use shared::state::Language;
use shared::{Event, ParticipantId, RoomCode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::watch;

fn new_room(code: &RoomCode) -> Write {
    Write::CreateRoom(NewRoom {
        call_link: None,
        code: code.clone(),
        title: "Benchmark".into(),
        language: Language::Fr,
        created_at: 0,
        facilitator_key: Digest::of("key"),
        group: None,
    })
}

/// A typical event: a posted note of ordinary length.
fn note_event(room: &RoomCode, seq: u64) -> Write {
    Write::AppendEvent {
        room: room.clone(),
        event: StoredEvent {
            seq,
            at: 1_700_000_000_000 + seq,
            actor: Some(ParticipantId::from("pabcdefghij")),
            command_id: Some(seq),
            event: Event::NotePosted {
                note: shared::state::Note {
                    id: shared::NoteId::new(format!("n{seq:032x}")),
                    kind: shared::state::NoteKind::Suggestion,
                    text: "Et si vous commenciez par un déjeuner commun, sans ordre du jour ?"
                        .into(),
                    posted_at: 1_700_000_000_000 + seq,
                    kept: false,
                    hidden: false,
                },
            },
        },
    }
}

async fn open(dir: &Path, name: &str, sync: SyncMode) -> SqliteStore {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    SqliteStore::open_with(&path, sync, i64::MAX)
        .await
        .expect("open the database")
}

/// Commit batches of `batch` events back to back for about `budget`.
async fn store_alone(dir: &Path, sync: SyncMode, batch: usize, budget: Duration) {
    let store = open(dir, &format!("store-{sync:?}-{batch}.db"), sync).await;
    let room = RoomCode::from("bench");
    store.commit(&[new_room(&room)]).expect("create");
    let mut seq = 0;
    let mut commits = 0u64;
    let started = Instant::now();
    while started.elapsed() < budget {
        let writes: Vec<Write> = (0..batch)
            .map(|_| {
                seq += 1;
                note_event(&room, seq)
            })
            .collect();
        store.commit(&writes).expect("commit");
        commits += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| store alone | {:<6} | {batch:>5} | {:>9.0} | {:>10.0} | {:>9.2} |",
        format!("{sync:?}").to_uppercase(),
        commits as f64 / seconds,
        seq as f64 / seconds,
        seconds * 1000.0 / commits as f64,
    );
    store.close().await;
}

/// `rooms` rooms, each appending `per_room` events one at a time, each waiting until its
/// event is durable before the next.
async fn through_the_journal(dir: &Path, rooms: usize, per_room: u64) {
    let store = Arc::new(open(dir, &format!("journal-{rooms}.db"), SyncMode::Full).await);
    let journal = Journal::start(store.clone()).expect("journal thread");
    let codes: Vec<RoomCode> = (0..rooms)
        .map(|i| RoomCode::new(format!("room{i}")))
        .collect();
    for code in &codes {
        journal.write_durably(new_room(code)).await.expect("create");
    }
    let commits_before = journal.stats().commits.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for code in codes {
        let journal = journal.clone();
        tasks.push(tokio::spawn(async move {
            let (persisted, mut durable) = watch::channel(Progress::Durable(0));
            let persisted = Arc::new(persisted);
            let mut worst = Duration::ZERO;
            for seq in 1..=per_room {
                let asked = Instant::now();
                journal.write(
                    note_event(&code, seq),
                    Durable::Room {
                        persisted: persisted.clone(),
                        seq,
                    },
                );
                durable
                    .wait_for(
                        |progress| matches!(progress, Progress::Durable(up_to) if *up_to >= seq),
                    )
                    .await
                    .expect("the journal runs");
                worst = worst.max(asked.elapsed());
            }
            worst
        }));
    }
    let mut worst = Duration::ZERO;
    for task in tasks {
        worst = worst.max(task.await.expect("a room task"));
    }
    let seconds = started.elapsed().as_secs_f64();
    let commits = journal.stats().commits.load(Ordering::Relaxed) - commits_before;
    let events = rooms as u64 * per_room;
    println!(
        "| journal     | {rooms:>6} | {:>13.1} | {:>9.0} | {:>10.0} | {:>13.2} |",
        events as f64 / commits as f64,
        commits as f64 / seconds,
        events as f64 / seconds,
        worst.as_secs_f64() * 1000.0,
    );
    store.close().await;
}

/// Single-event commits paced at `rate` per second for `budget` (the write pattern of a
/// lightly loaded server: nearly every event its own commit), each timed: the tail of
/// this distribution is the tail of "sent to durable".
async fn commit_latency(dir: &Path, sync: SyncMode, rate: u32, budget: Duration) {
    let store = open(dir, &format!("latency-{sync:?}-{rate}.db"), sync).await;
    let room = RoomCode::from("bench");
    store.commit(&[new_room(&room)]).expect("create");
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut times: Vec<Duration> = Vec::new();
    let started = Instant::now();
    let mut seq = 0;
    while started.elapsed() < budget {
        ticks.tick().await;
        seq += 1;
        let asked = Instant::now();
        store.commit(&[note_event(&room, seq)]).expect("commit");
        times.push(asked.elapsed());
    }
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q) as usize).min(times.len() - 1);
        times[i].as_secs_f64() * 1000.0
    };
    let stats = store.checkpoint_stats();
    println!(
        "| {:<6} | {rate:>9} | {:>7} | {:>5.2} | {:>5.2} | {:>6.2} | {:>6.2} | {:>10} | {:>12} |",
        format!("{sync:?}").to_uppercase(),
        times.len(),
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0),
        stats.pages.load(Ordering::Relaxed),
        stats.largest_wal_pages.load(Ordering::Relaxed),
    );
    store.close().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir).expect("the database directory");
    println!("Event persistence, databases in {}", dir.display());
    println!();
    println!(
        "| sync   | commits/s | commits | p50 ms | p99 ms | p99.9 ms | max ms | pages copied in the background | largest WAL (pages) |"
    );
    println!(
        "|--------|----------:|--------:|------:|------:|-------:|-------:|-----------:|------------:|"
    );
    for sync in [SyncMode::Full, SyncMode::Normal] {
        for rate in [1200, 2000] {
            commit_latency(&dir, sync, rate, Duration::from_secs(10)).await;
        }
    }
    if args.iter().any(|a| a == "--latency-only") {
        return;
    }
    println!();
    println!("| path        | sync   | batch | commits/s |   events/s | ms/commit |");
    println!("|-------------|--------|------:|----------:|-----------:|----------:|");
    let budget = Duration::from_secs(3);
    for batch in [1, 10, 100, 1000] {
        store_alone(&dir, SyncMode::Full, batch, budget).await;
    }
    for batch in [1, 100] {
        store_alone(&dir, SyncMode::Normal, batch, budget).await;
    }
    println!();
    println!("| path        |  rooms | events/commit | commits/s |   events/s | worst wait ms |");
    println!("|-------------|-------:|--------------:|----------:|-----------:|--------------:|");
    for (rooms, per_room) in [(1, 500), (10, 200), (100, 50), (1000, 10)] {
        through_the_journal(&dir, rooms, per_room).await;
    }
}
