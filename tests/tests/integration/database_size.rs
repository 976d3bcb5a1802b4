//! How much the database grows per session, the figure `docs/deploy.md` gives
//! administrators: whole sessions walked over real WebSockets into a fresh SQLite file,
//! the file measured closed (its WAL folded in) before and after.
//!
//! `cargo test -p tests --test integration database_size -- --nocapture` prints the
//! figures; the test fails if a session grows past a bound, so that a change that
//! makes the database much larger is seen before any administrator's disk does.

use server::Config;
use shared::Step;
use std::path::Path;
use tests::cast::Cast;
use tests::server::{TempDir, TestServer, open_db};

/// Sessions walked per measure: enough that the 4 KiB granularity of SQLite's pages
/// averages out.
const SESSIONS: u64 = 50;

/// A bound well above what a walked session adds today (see `docs/benchmarks.md`).
const MOST_BYTES_PER_SESSION: u64 = 64 * 1024;

/// The database file and its WAL, in bytes.
fn size(db: &Path) -> u64 {
    let wal = db.with_extension("db-wal");
    [db, wal.as_path()]
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

/// Bytes the closed database grows by per session walked to its close by five people
/// with `notes_each` notes by each of the two consultants.
async fn bytes_per_session(notes_each: usize) -> u64 {
    let dir = TempDir::new("db-size");
    let db = dir.join("codev.db");
    open_db(&db).await.close().await;
    let empty = size(&db);
    let store = open_db(&db).await;
    // No limit per address: every client here comes from 127.0.0.1.
    let config = Config {
        max_connections_per_address: 0,
        sessions_per_address_per_hour: 0,
        ..Config::default()
    };
    let server = TestServer::start_on_store(config, store.clone()).await;
    for n in 0..SESSIONS {
        let session = server.create_session(&format!("Séance {n}")).await;
        let cast = Cast::walked(&server.ws_url(), &session, Step::Closed, notes_each).await;
        drop(cast);
    }
    server.stop().await;
    store.close().await;
    let full = size(&db);
    (full - empty) / SESSIONS
}

#[tokio::test]
async fn a_whole_session_adds_a_few_kilobytes_to_the_database() {
    let plain = bytes_per_session(1).await;
    let noted = bytes_per_session(10).await;
    let per_note = noted.saturating_sub(plain) / 18;
    println!(
        "database growth: {plain} B per session walked with 2 notes, \
         {noted} B with 20 notes, about {per_note} B per further note"
    );
    assert!(plain > 0 && noted > plain, "{plain} B, {noted} B");
    assert!(
        noted <= MOST_BYTES_PER_SESSION,
        "a session with 20 notes adds {noted} B to the database"
    );
}
