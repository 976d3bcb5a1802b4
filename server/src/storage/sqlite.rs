//! The embedded default [`Store`]: one SQLite file, read and migrated through sqlx's
//! async driver, written by a connection run in the journal's thread ([`Writer`]).
//!
//! The file is created on first run and migrated at every start (versioned migrations in
//! `server/migrations/`, embedded in the binary). It runs in WAL mode with
//! `synchronous = FULL`: a commit returns only once its WAL frames are on the disk, so an
//! acknowledged event survives a power cut as well as a killed process. Batching many
//! events into one transaction is what keeps that affordable (see `docs/storage.md`).
//! The WAL is copied back into the database file mostly by a connection of its own
//! ([`checkpoint`]), so that commits do not wait for the copy.
//!
//! Queries are plain SQL with bound parameters (no compile-time checking against a live
//! database), in SQL that PostgreSQL also understands apart from the column types and
//! pragmas. Only commits go through the writer: the schema, the load at start and the
//! checkpoints use a second connection, through sqlx.

use super::checkpoint::{self, CheckpointStats};
use super::sqlite_writer::Writer;
use super::{
    NewRoom, Store, StoreError, StoreFuture, StoredEvent, StoredRoom, Write, language_from_name,
};
use crate::secrets::Digest;
use shared::{Event, Millis, ParticipantId, RoomCode};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, SqlSafeStr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The schema's versions, oldest first. Never edit one that has shipped: add another.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "rooms seats events",
        include_str!("../../migrations/0001_rooms_seats_events.sql"),
    ),
    (
        2,
        "closed at",
        include_str!("../../migrations/0002_closed_at.sql"),
    ),
];

/// The migrations up to `version` (all of them with `i64::MAX`).
pub fn migrator(up_to: i64) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .filter(|(version, _, _)| *version <= up_to)
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The latest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// fsync the WAL at every commit: durable across power loss. The default.
    Full,
    /// fsync only at checkpoints: durable across a killed process at once, across a
    /// power cut once the next checkpoint has run (the background ones run every 50 ms).
    Normal,
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The writer's connection (`None` once closed). Only the journal's thread commits,
    /// so the lock is never waited for in use.
    writer: Arc<Mutex<Option<Writer>>>,
    /// The other connection: migrations, the load at start, reads, checkpoints.
    reads: SqlitePool,
    path: PathBuf,
    /// The checkpointer stops once every clone of the store is gone.
    _alive: Arc<()>,
    checkpoint_stats: Arc<CheckpointStats>,
}

impl SqliteStore {
    /// Open (creating it if needed) the database at `path` and bring its schema up to
    /// date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, Sync::Full, i64::MAX).await
    }

    /// Open with a chosen durability, migrating only up to `schema` (tests use this to
    /// make a database of an older version).
    pub async fn open_with(
        path: impl AsRef<Path>,
        sync: Sync,
        schema: i64,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match sync {
                Sync::Full => SqliteSynchronous::Full,
                Sync::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("secure_delete", "ON");
        // One connection: it creates and migrates the file, loads it at start, answers
        // the odd read and copies the WAL back (see `checkpoint`).
        let reads = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        migrator(schema).run(&reads).await?;
        let writer = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || Writer::open(&path, sync)).await??
        };
        let alive = Arc::new(());
        let checkpoint_stats = Arc::new(CheckpointStats::default());
        checkpoint::start(
            reads.clone(),
            checkpoint::interval(sync),
            Arc::downgrade(&alive),
            checkpoint_stats.clone(),
        );
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(Some(writer))),
            reads,
            path,
            _alive: alive,
            checkpoint_stats,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Close the connections, the writer's last, which folds the WAL into the main file.
    pub async fn close(&self) {
        self.reads.close().await;
        let writer = self.writer.clone();
        let closed = tokio::task::spawn_blocking(move || {
            let writer = writer.lock().unwrap_or_else(|e| e.into_inner()).take();
            writer.map_or(Ok(()), Writer::close)
        })
        .await
        .map_err(StoreError::from)
        .and_then(|closed| closed);
        if let Err(error) = closed {
            tracing::warn!(%error, "could not close the database cleanly");
        }
    }

    /// What the background checkpoints have done so far.
    pub fn checkpoint_stats(&self) -> &CheckpointStats {
        &self.checkpoint_stats
    }

    /// The schema version the database is at.
    pub async fn version(&self) -> Result<i64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.reads)
                .await?;
        Ok(version.unwrap_or(0))
    }

    /// One room, by its code: three indexed reads (the room, its seats, its events).
    async fn load_one(&self, code: &RoomCode) -> Result<Option<StoredRoom>, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("{what} in room {code}"));
        let Some(row) = sqlx::query(
            "SELECT title, language, created_at, facilitator_key_hash, closed_at \
             FROM rooms WHERE code = ?",
        )
        .bind(code.as_str())
        .fetch_optional(&self.reads)
        .await?
        else {
            return Ok(None);
        };
        let hash: Vec<u8> = row.try_get("facilitator_key_hash")?;
        let facilitator_key =
            Digest::from_slice(&hash).ok_or_else(|| corrupt("a bad key digest"))?;
        let language: String = row.try_get("language")?;
        let closed_at: Option<i64> = row.try_get("closed_at")?;
        let mut room = StoredRoom {
            room: NewRoom {
                code: code.clone(),
                title: row.try_get("title")?,
                language: language_from_name(&language)?,
                created_at: row.try_get::<i64, _>("created_at")? as u64,
                facilitator_key,
            },
            closed_at: closed_at.map(|at| at as u64),
            seats: Vec::new(),
            events: Vec::new(),
        };
        let seats = sqlx::query("SELECT participant, token_hash FROM seats WHERE room = ?")
            .bind(code.as_str())
            .fetch_all(&self.reads)
            .await?;
        for row in seats {
            let hash: Vec<u8> = row.try_get("token_hash")?;
            let token = Digest::from_slice(&hash).ok_or_else(|| corrupt("a bad token digest"))?;
            let participant: String = row.try_get("participant")?;
            room.seats.push((ParticipantId::new(participant), token));
        }
        let events = sqlx::query(
            "SELECT seq, at, actor, command_id, event FROM events WHERE room = ? ORDER BY seq",
        )
        .bind(code.as_str())
        .fetch_all(&self.reads)
        .await?;
        for row in events {
            let seq: i64 = row.try_get("seq")?;
            let json: String = row.try_get("event")?;
            // `Event` is read with its `type` first (`shared::tag_first`); every stored
            // event was written by `serde_json::to_string` of an `Event` (the writer), which
            // puts it first, whichever version of the server wrote it.
            let event: Event = serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("event {seq} of room {code} is unreadable: {e}"))
            })?;
            let actor: Option<String> = row.try_get("actor")?;
            let command_id: Option<i64> = row.try_get("command_id")?;
            room.events.push(StoredEvent {
                seq: seq as u64,
                at: row.try_get::<i64, _>("at")? as u64,
                actor: actor.map(ParticipantId::new),
                command_id: command_id.map(|id| id as u64),
                event,
            });
        }
        Ok(Some(room))
    }

    /// Every room, one at a time, in order of creation.
    async fn load_all(&self) -> Result<Vec<StoredRoom>, StoreError> {
        let codes: Vec<String> =
            sqlx::query_scalar("SELECT code FROM rooms ORDER BY created_at, code")
                .fetch_all(&self.reads)
                .await?;
        let mut rooms = Vec::with_capacity(codes.len());
        for code in codes {
            if let Some(room) = self.load_one(&RoomCode::new(code)).await? {
                rooms.push(room);
            }
        }
        Ok(rooms)
    }
}

impl Store for SqliteStore {
    fn commit(&self, writes: &[Write]) -> Result<(), StoreError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.as_mut().ok_or(StoreError::Closed)?.commit(writes)
    }

    fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>> {
        let code = code.clone();
        Box::pin(async move { self.load_one(&code).await })
    }

    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        Box::pin(self.load_all())
    }

    fn expired(&self, before: Millis, skip: usize, limit: usize) -> StoreFuture<'_, Vec<RoomCode>> {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Box::pin(async move {
            let codes: Vec<String> = sqlx::query_scalar(
                "SELECT code FROM rooms WHERE COALESCE(closed_at, created_at) < ? \
                 ORDER BY COALESCE(closed_at, created_at), code LIMIT ? OFFSET ?",
            )
            .bind(before as i64)
            .bind(count(limit))
            .bind(count(skip))
            .fetch_all(&self.reads)
            .await?;
            Ok(codes.into_iter().map(RoomCode::new).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Step;
    use shared::state::Language;

    fn new_room(code: &str) -> NewRoom {
        NewRoom {
            code: RoomCode::from(code),
            title: format!("Séance {code}"),
            language: Language::En,
            created_at: 1_700_000_000_000,
            facilitator_key: Digest::of(&format!("key of {code}")),
        }
    }

    fn event(seq: u64, actor: Option<&str>, command_id: Option<u64>, event: Event) -> StoredEvent {
        StoredEvent {
            seq,
            at: 1_700_000_000_000 + seq,
            actor: actor.map(ParticipantId::from),
            command_id,
            event,
        }
    }

    fn append(room: &str, event: StoredEvent) -> Write {
        Write::AppendEvent {
            room: RoomCode::from(room),
            event,
        }
    }

    async fn count(store: &SqliteStore, sql: &'static str, room: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(room)
            .fetch_one(&store.reads)
            .await
            .expect("count")
    }

    /// The one value `sql` answers, read through the writer's connection.
    fn scalar<T: rusqlite::types::FromSql>(store: &SqliteStore, sql: &str) -> T {
        let writer = store.writer.lock().expect("writer");
        writer
            .as_ref()
            .expect("open")
            .scalar(sql)
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// Pages in the WAL after a passive checkpoint by the checkpointer's connection.
    async fn wal_pages(store: &SqliteStore) -> i64 {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_all(&store.reads)
            .await
            .expect("checkpoint");
        rows[0].1
    }

    #[tokio::test]
    async fn the_wal_is_copied_back_away_from_the_writer_and_starts_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("wal.db"))
            .await
            .expect("open");
        store
            .commit(&[Write::CreateRoom(new_room("w"))])
            .expect("room");
        for seq in 1..=50 {
            store
                .commit(&[append("w", event(seq, None, None, Event::FloorTaken))])
                .expect("commit");
        }
        let grown = wal_pages(&store).await;
        assert!(grown >= 50, "one commit, at least one page: {grown}");
        store
            .commit(&[append("w", event(51, None, None, Event::FloorTaken))])
            .expect("commit");
        let after = wal_pages(&store).await;
        assert!(after < 10, "the WAL started over: {after} pages");
        store.close().await;
    }

    #[tokio::test]
    async fn normal_sync_is_a_choice_of_the_operator() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open_with(dir.path().join("normal.db"), Sync::Normal, i64::MAX)
            .await
            .expect("open");
        let sync: i64 = scalar(&store, "PRAGMA synchronous");
        assert_eq!(sync, 1, "synchronous = NORMAL");
        store.close().await;
    }

    #[tokio::test]
    async fn an_empty_database_is_created_at_the_latest_version_in_wal_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("fresh.db");
        assert!(!path.exists());
        let store = SqliteStore::open(&path).await.expect("open");
        assert!(path.exists(), "created on first run");
        assert_eq!(store.version().await.expect("version"), schema_version());
        assert_eq!(schema_version(), 2);
        assert!(store.load().await.expect("load").is_empty());
        let mode: String = scalar(&store, "PRAGMA journal_mode");
        assert_eq!(mode, "wal");
        let sync: i64 = scalar(&store, "PRAGMA synchronous");
        assert_eq!(sync, 2, "synchronous = FULL");
        store.close().await;
    }

    #[tokio::test]
    async fn rooms_seats_and_events_round_trip_through_a_reopened_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("trip.db");
        let store = SqliteStore::open(&path).await.expect("open");
        let room = new_room("abc");
        let writes = vec![
            Write::CreateRoom(room.clone()),
            Write::AddSeat {
                room: room.code.clone(),
                participant: "p1".into(),
                token: Digest::of("token 1"),
            },
            append(
                "abc",
                event(
                    1,
                    None,
                    None,
                    Event::PresenceChanged {
                        participant: "p1".into(),
                        connected: true,
                    },
                ),
            ),
            // A client's command id uses all 64 bits.
            append(
                "abc",
                event(
                    2,
                    Some("p1"),
                    Some(u64::MAX),
                    Event::StepChanged {
                        step: Step::Problem,
                        at: 5,
                    },
                ),
            ),
        ];
        store.commit(&writes).expect("commit");
        store
            .commit(&[append(
                "abc",
                event(3, Some("p1"), Some(7), Event::SessionClosed { at: 99 }),
            )])
            .expect("commit");
        store.close().await;

        let store = SqliteStore::open(&path).await.expect("reopen");
        let rooms = store.load().await.expect("load");
        assert_eq!(rooms.len(), 1);
        let stored = &rooms[0];
        assert_eq!(stored.room, room);
        assert_eq!(stored.closed_at, Some(99));
        assert_eq!(
            stored.seats,
            vec![(ParticipantId::from("p1"), Digest::of("token 1"))]
        );
        let expected: Vec<StoredEvent> = writes[2..]
            .iter()
            .chain(std::iter::once(&append(
                "abc",
                event(3, Some("p1"), Some(7), Event::SessionClosed { at: 99 }),
            )))
            .filter_map(|w| match w {
                Write::AppendEvent { event, .. } => Some(event.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(stored.events, expected);
        store.close().await;
    }

    #[tokio::test]
    async fn a_database_of_the_previous_version_is_migrated_with_its_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        // A database as version 1 of the server left it, with a closed session.
        let old = SqliteStore::open_with(&path, Sync::Full, 1)
            .await
            .expect("open at version 1");
        assert_eq!(old.version().await.expect("version"), 1);
        old.commit(&[
            Write::CreateRoom(new_room("old")),
            append(
                "old",
                event(
                    1,
                    Some("p1"),
                    Some(1),
                    Event::StepChanged {
                        step: Step::Problem,
                        at: 10,
                    },
                ),
            ),
        ])
        .expect("commit at version 1");
        sqlx::query(
            "INSERT INTO events (room, seq, at, actor, command_id, event) \
             VALUES ('old', 2, 20, 'p1', 2, '{\"type\":\"session_closed\",\"at\":20}')",
        )
        .execute(&old.reads)
        .await
        .expect("insert as version 1 did");
        old.close().await;

        let store = SqliteStore::open(&path).await.expect("open and migrate");
        assert_eq!(store.version().await.expect("version"), schema_version());
        let rooms = store.load().await.expect("load");
        assert_eq!(rooms.len(), 1);
        assert_eq!(rooms[0].closed_at, Some(20), "filled in by migration 2");
        assert_eq!(rooms[0].events.len(), 2);
        assert_eq!(rooms[0].events[1].event, Event::SessionClosed { at: 20 });
        store.close().await;

        // Opening an up-to-date database changes nothing.
        let again = SqliteStore::open(&path).await.expect("open again");
        assert_eq!(again.load().await.expect("load"), rooms);
        again.close().await;
    }

    #[tokio::test]
    async fn a_failed_batch_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("atomic.db"))
            .await
            .expect("open");
        let closed = |seq| append("r", event(seq, None, None, Event::SessionClosed { at: 1 }));
        let result = store.commit(&[Write::CreateRoom(new_room("r")), closed(1), closed(1)]);
        assert!(result.is_err(), "the same sequence number twice");
        assert!(store.load().await.expect("load").is_empty(), "all or none");
        store.close().await;
    }

    #[tokio::test]
    async fn events_are_inserted_many_at_once_and_all_or_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("multi.db"))
            .await
            .expect("open");
        store
            .commit(&[Write::CreateRoom(new_room("r"))])
            .expect("create");
        // More events than one statement holds, in one transaction.
        let many: Vec<Write> = (1..=150)
            .map(|seq| append("r", event(seq, Some("p"), Some(seq), Event::FloorTaken)))
            .collect();
        store.commit(&many).expect("150 events");
        // A few events: still all or none.
        let clash = [
            append("r", event(151, None, None, Event::FloorTaken)),
            append("r", event(150, None, None, Event::FloorTaken)),
        ];
        assert!(store.commit(&clash).is_err(), "150 is taken");
        let few: Vec<Write> = (151..=153)
            .map(|seq| append("r", event(seq, None, None, Event::FloorTaken)))
            .collect();
        store.commit(&few).expect("3 events");
        let rooms = store.load().await.expect("load");
        let seqs: Vec<u64> = rooms[0].events.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=153).collect::<Vec<_>>(),
            "151 was not kept alone"
        );
        assert_eq!(rooms[0].events[149].command_id, Some(150));
        store.close().await;
    }

    #[tokio::test]
    async fn rooms_past_retention_are_found_by_closing_or_else_creation_oldest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("retention.db"))
            .await
            .expect("open");
        let created = |code: &str, at: u64| {
            Write::CreateRoom(NewRoom {
                created_at: at,
                ..new_room(code)
            })
        };
        let closed =
            |code: &str, at: u64| append(code, event(1, None, None, Event::SessionClosed { at }));
        store
            .commit(&[
                // Created early, closed late: kept until its closing is old enough.
                created("closed-late", 100),
                closed("closed-late", 900),
                created("never-closed", 300),
                created("closed-early", 200),
                closed("closed-early", 250),
                created("new", 1_000),
            ])
            .expect("commit");
        let expired = |before, limit| {
            let store = &store;
            async move {
                let codes = store.expired(before, 0, limit).await.expect("query");
                codes.into_iter().map(|code| code.0).collect::<Vec<_>>()
            }
        };
        assert_eq!(expired(800, 10).await, ["closed-early", "never-closed"]);
        assert_eq!(
            expired(1_001, 10).await,
            ["closed-early", "never-closed", "closed-late", "new"]
        );
        assert_eq!(expired(1_001, 2).await, ["closed-early", "never-closed"]);
        let after_two = store.expired(1_001, 2, 10).await.expect("query");
        let after_two: Vec<String> = after_two.into_iter().map(|code| code.0).collect();
        assert_eq!(after_two, ["closed-late", "new"]);
        assert!(expired(250, 10).await.is_empty());
        store.close().await;
    }

    #[tokio::test]
    async fn deleting_a_room_leaves_no_row_of_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("delete.db"))
            .await
            .expect("open");
        for code in ["gone", "kept"] {
            store
                .commit(&[
                    Write::CreateRoom(new_room(code)),
                    Write::AddSeat {
                        room: code.into(),
                        participant: "p".into(),
                        token: Digest::of("t"),
                    },
                    append(code, event(1, Some("p"), Some(1), Event::FloorTaken)),
                ])
                .expect("commit");
        }
        store
            .commit(&[Write::DeleteRoom {
                room: "gone".into(),
            }])
            .expect("delete");
        for sql in [
            "SELECT COUNT(*) FROM rooms WHERE code = ?",
            "SELECT COUNT(*) FROM seats WHERE room = ?",
            "SELECT COUNT(*) FROM events WHERE room = ?",
        ] {
            assert_eq!(count(&store, sql, "gone").await, 0, "{sql}");
            assert_eq!(count(&store, sql, "kept").await, 1, "{sql}");
        }
        store.close().await;
    }
}
