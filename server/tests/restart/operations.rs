//! What an operator does with the binary beside serving: back up the database while it
//! runs, ask which build it is, and upgrade onto a database an older version wrote.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_holds_every_acknowledged_event_and_opens() {
    let (dir, db, server) = spawned("backup").await;
    let (room, _fac, _cli, consultants) = session_in_exploration(&server, "Sauvegarde", 2).await;
    let mut consultants = consultants.into_iter();
    let (mut ana, mut ben) = (
        consultants.next().expect("Ana"),
        consultants.next().expect("Ben"),
    );
    let mut acked_before = 0;
    for n in 0..20 {
        acked_before = ana.ok(post(&format!("avant-{n}"))).await;
    }
    // Ben keeps posting while the copy is taken: the backup starts once he has begun.
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let (began, begun) = tokio::sync::oneshot::channel::<()>();
    let load = tokio::spawn(async move {
        let mut began = Some(began);
        let mut n = 0;
        while stopped.try_recv().is_err() {
            ben.ok(post(&format!("pendant-{n}"))).await;
            n += 1;
            if let Some(began) = began.take() {
                let _ = began.send(());
            }
        }
        n
    });
    begun.await.expect("Ben posts");
    let copy = dir.join("copy.db");
    let backup_of = |db: PathBuf, copy: PathBuf| {
        std::process::Command::new(BIN)
            .arg("--db")
            .arg(db)
            .arg("backup")
            .arg("--to")
            .arg(copy)
            .output()
            .expect("the backup runs")
    };
    let (from, to) = (db.clone(), copy.clone());
    let backup = tokio::task::spawn_blocking(move || backup_of(from, to))
        .await
        .expect("the backup's thread");
    let _ = stop.send(());
    let posted_during = load.await.expect("the load ends");
    assert!(
        backup.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(posted_during > 0, "the server was busy during the backup");

    // A second backup to the same file is refused rather than overwriting it.
    let again = backup_of(db.clone(), copy.clone());
    assert!(!again.status.success());

    let checked = rusqlite::Connection::open(&copy).expect("the copy opens");
    let verdict: String = checked
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("checked");
    assert_eq!(verdict, "ok");
    drop(checked);
    let store = SqliteStore::open(&copy)
        .await
        .expect("the copy opens as a store");
    let stored = store
        .load_room(&shared::RoomCode::new(room))
        .await
        .expect("read")
        .expect("the session is in the copy");
    let seqs: Vec<u64> = stored.events.iter().map(|e| e.seq).collect();
    assert!(
        seqs.len() as u64 >= acked_before,
        "{} events in the copy, {acked_before} acknowledged before it began",
        seqs.len()
    );
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gap");
    store.close().await;
    server.terminate().await;
}

#[test]
fn the_binary_says_its_version_and_the_commit_it_was_built_from() {
    let output = std::process::Command::new(BIN)
        .arg("--version")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let said = String::from_utf8(output.stdout).expect("text");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        said.trim(),
        format!("codev-server {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
}

/// A database written by the previous version of the server (schema 2, before groups):
/// made by that server's binary through its API (a session closed after a note and a
/// problem, and one left open), then copied with `VACUUM INTO`. Never regenerate it with
/// a newer server: it stands for the files people already have.
const PREVIOUS_VERSION_DB: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-2.db");
const CLOSED_SESSION: &str = "bsg8qppr2bk8r9puwqgy";
const OPEN_SESSION: &str = "a5ufvxyw8ehdt2neejwn";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_the_previous_version_opens_migrated_with_every_session() {
    let dir = TempDir::new("upgrade");
    let db = dir.join("codev.db");
    std::fs::copy(PREVIOUS_VERSION_DB, &db).expect("the fixture is copied");

    let store = SqliteStore::open(&db).await.expect("opened and migrated");
    assert_eq!(
        store.version().await.expect("version"),
        server::storage::sqlite::schema_version()
    );
    let closed = store
        .load_room(&shared::RoomCode::from(CLOSED_SESSION))
        .await
        .expect("read")
        .expect("the closed session is there");
    assert_eq!(closed.events.len(), 16);
    assert!(closed.closed_at.is_some());
    let closing = closed
        .events
        .iter()
        .any(|e| matches!(e.event, Event::SessionClosed { .. }));
    assert!(closing, "its closing is kept");
    let open = store
        .load_room(&shared::RoomCode::from(OPEN_SESSION))
        .await
        .expect("read")
        .expect("the open session is there");
    assert_eq!((open.events.len(), open.closed_at), (3, None));
    let no_group = store.load_group(&shared::GroupCode::from("any")).await;
    assert!(no_group.expect("the group tables exist").is_none());
    store.close().await;

    // The server runs on it: the closed session is a record, the open one takes people.
    let server = ServerProcess::spawn(BIN, &db).await;
    let described = server
        .http("GET", &format!("/api/sessions/{CLOSED_SESSION}"), None)
        .await;
    assert_eq!(described.status, 200, "{}", described.body);
    assert!(
        described.body.contains("\"open\":false"),
        "{}",
        described.body
    );
    let mut ana = WsClient::join(&server.ws_url(), OPEN_SESSION, "Ana", false).await;
    assert_eq!(ana.state().title, "Séance ouverte");
    ana.ok(Command::AcceptCharter).await;
    server.terminate().await;
}
