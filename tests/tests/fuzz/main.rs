//! Random and mutated frames thrown at a live room, for a bounded time.
//!
//! Eight fuzzing connections work one room at once: the facilitator (who moves the room
//! through every step), the client, two consultants, an observer, a page that never
//! joins, and a page that keeps trying to join with mangled entries. Each sends, as fast
//! as the server takes them, a mix of valid commands with random values, valid messages
//! with mutated fields (wrong types, huge and negative numbers, deep nesting, unknown
//! types, missing and extra fields), random text and bytes, unicode of every kind,
//! frames over the size limits and text frames that are not UTF-8 (after which it
//! reconnects). A reader per connection checks every frame the server sends: it parses
//! as a server message, and events follow their snapshot without a gap.
//!
//! Afterwards: no task of the process panicked (a panic hook counts them), the server
//! answers a ping, the room's state as a fresh page receives it satisfies the
//! invariants and the bounds, every fuzzing page that followed the room to the end holds
//! exactly that state, and a valid command from a clean page still works, as does a new
//! session.
//!
//! The run lasts `FUZZ_SECONDS` (3 by default: CI); `FUZZ_SEED` replays a run. For a
//! long run: `FUZZ_SECONDS=600 cargo test -p tests --release --test fuzz -- --nocapture`.
//! The figures are printed, and recorded in `docs/security.md`.
//!
//! The parts: `rng`, a replayable random source; `frames`, what a fuzzer sends (valid
//! commands with random values, mutations, junk); `page`, one fuzzing connection and the
//! reader that checks what it receives. This file holds the run and its checks.

mod frames;
mod page;
mod rng;

use crate::frames::{CLEAN_IDS, People};
use crate::page::{Door, fuzzer};
use server::Config;
use shared::wire::{ByeReason, ServerMessage};
use shared::{Limits, Step, invariants};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tests::server::{TempDir, TestServer};
use tests::ws::WsClient;

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_mutated_frames_never_break_a_room() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("fuzz: FUZZ_SEED={seed} FUZZ_SECONDS={seconds}");

    let dir = TempDir::new("fuzz");
    // Every fuzzing page shares one address: limits per address would only slow the
    // fuzz down (they have tests of their own). The frame rate stays on, high.
    let config = Config {
        max_connections_per_address: 0,
        join_failures_per_minute: 0,
        commands_per_second: 100_000,
        command_burst: 100_000,
        ..Config::default()
    };
    let server = TestServer::start_on_db(config, &dir.join("codev.db")).await;
    let session = server.create_session("Fuzz").await;
    let url = server.ws_url();
    let people: People = Arc::default();
    let sent = Arc::new(AtomicU64::new(0));

    // Seat the cast first, in order, so that the client can be picked.
    let doors = [
        Door::Facilitator(session.facilitator_key.clone()),
        Door::Participant {
            name: "Claude".into(),
            observer: false,
        },
        Door::Participant {
            name: "Ana".into(),
            observer: false,
        },
        Door::Participant {
            name: "Ben".into(),
            observer: false,
        },
        Door::Participant {
            name: "Olga".into(),
            observer: true,
        },
        Door::Never,
        Door::Mangled,
        Door::Participant {
            name: "Dora".into(),
            observer: false,
        },
    ];
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let (release, released) = tokio::sync::watch::channel(false);
    let mut fuzzers = tokio::task::JoinSet::new();
    let mut all_stopped = Vec::new();
    for (index, door) in doors.into_iter().enumerate() {
        let (stopped, has_stopped) = tokio::sync::oneshot::channel();
        all_stopped.push(has_stopped);
        fuzzers.spawn(fuzzer(
            url.clone(),
            session.room.clone(),
            door,
            seed.wrapping_add((index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            until,
            people.clone(),
            sent.clone(),
            released.clone(),
            stopped,
        ));
    }
    // Every fuzzer has stopped sending (or ended).
    for has_stopped in all_stopped {
        let _ = has_stopped.await;
    }
    let elapsed = until.saturating_duration_since(started);

    // The server answers.
    let mut checker = WsClient::connect(&url, "checker").await;
    checker
        .send(&shared::wire::ClientMessage::Ping { nonce: 77 })
        .await;
    assert!(matches!(
        checker.recv().await,
        ServerMessage::Pong { nonce: 77, .. }
    ));
    // The room as a fresh page gets it satisfies the invariants and the bounds.
    let mut fac =
        WsClient::join_facilitator(&url, &session.room, &session.facilitator_key, "Fuzz fac").await;
    let state = fac.state().clone();
    let seq = fac.seq;
    invariants::check_state(&state).unwrap_or_else(|broken| panic!("{broken}: {state:#?}"));
    invariants::check_bounds(&state, &Limits::default())
        .unwrap_or_else(|broken| panic!("{broken}: {state:#?}"));
    assert_ne!(state.step, Step::Closed);

    let _ = release.send(true);
    let mut reports = Vec::new();
    while let Some(report) = fuzzers.join_next().await {
        reports.push(report.expect("a fuzzer task"));
    }
    let total_sent: u64 = reports.iter().map(|r| r.sent).sum();
    let total_received: u64 = reports.iter().map(|r| r.received).sum();
    let connections: u64 = reports.iter().map(|r| r.connections).sum();
    println!(
        "fuzz: {total_sent} frames sent in {:.1} s ({:.0} frames/s), {total_received} \
         received, {connections} connections",
        elapsed.as_secs_f64(),
        total_sent as f64 / elapsed.as_secs_f64()
    );
    println!(
        "fuzz: the room is at {:?} after {seq} events, with {} participants, {} notes, {} \
         cards, {} actions",
        state.step,
        state.participants.len(),
        state.notes.len(),
        state.questions.len(),
        state.plan.len()
    );
    let problems: Vec<&String> = reports.iter().flat_map(|r| &r.problems).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let byes: Vec<&ByeReason> = reports.iter().flat_map(|r| &r.byes).collect();
    assert!(
        byes.iter().all(|b| **b == ByeReason::SlowConsumer),
        "no page was told to go but slow ones: {byes:?}"
    );
    assert!(total_sent > 100, "the fuzz ran");
    // Every page that followed the room to the end holds exactly the server's room.
    // (After `seq`, only presence changed: the fuzzers stopped sending, then left.)
    let mut compared = 0;
    for report in &reports {
        if let Some((copy_seq, copy)) = &report.last_copy
            && *copy_seq >= seq
        {
            compared += 1;
            let mut copy = copy.clone();
            for (mine, theirs) in copy.participants.iter_mut().zip(&state.participants) {
                mine.connected = theirs.connected;
            }
            assert_eq!(&copy, &state, "a page's copy drifted from the room");
        }
    }
    println!("fuzz: {compared} pages' copies compared with the room");
    // A clean command still works, in this room and in a new one. The fuzzers shared
    // this seat and used command ids of their own: the server rightly answers a reused
    // id with its first answer, so the clean page counts from ids no fuzzer picked.
    fac.first_command_id(CLEAN_IDS);
    fac.ok(shared::Command::AcceptCharter).await;
    let other = server.create_session("Après").await;
    let mut after =
        WsClient::join_facilitator(&url, &other.room, &other.facilitator_key, "Anne").await;
    after.ok(shared::Command::StartTimer).await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a task panicked");
}
