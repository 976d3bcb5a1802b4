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

mod backup;
mod checkpoint;
pub(crate) mod groups;
mod schema;
#[cfg(test)]
mod tests;
mod writer;

use super::{
    Committed, NewRoom, SessionOf, Store, StoreError, StoreFuture, StoredEvent, StoredGroup,
    StoredRoom, Write, language_from_name,
};
use crate::secrets::Digest;
pub use backup::backup;
use checkpoint::CheckpointStats;
pub use schema::{migrator, schema_version};
use shared::{GroupCode, Millis, ParticipantId, RoomCode};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use writer::Writer;

/// How hard a commit presses its pages onto the disk (`--sync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
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
        Self::open_with(path, SyncMode::Full, i64::MAX).await
    }

    /// Open with a chosen durability, migrating only up to `schema` (tests use this to
    /// make a database of an older version).
    pub async fn open_with(
        path: impl AsRef<Path>,
        sync: SyncMode,
        schema: i64,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match sync {
                SyncMode::Full => SqliteSynchronous::Full,
                SyncMode::Normal => SqliteSynchronous::Normal,
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
        let Some(row) = sqlx::query(
            "SELECT title, language, created_at, facilitator_key_hash, closed_at, \
             group_code, series_index, call_link FROM rooms WHERE code = ?",
        )
        .bind(code.as_str())
        .fetch_optional(&self.reads)
        .await?
        else {
            return Ok(None);
        };
        let facilitator_key = key_digest(&row, "room", code.as_str())?;
        let language: String = row.try_get("language")?;
        let closed_at: Option<i64> = row.try_get("closed_at")?;
        let group_code: Option<String> = row.try_get("group_code")?;
        let series_index: Option<i64> = row.try_get("series_index")?;
        let group = match (group_code, series_index) {
            (Some(group), Some(index)) => Some(SessionOf {
                group: GroupCode::new(group),
                index: u32::try_from(index).map_err(|_| {
                    StoreError::Corrupt(format!("a bad series index in room {code}"))
                })?,
            }),
            _ => None,
        };
        let mut room = StoredRoom {
            room: NewRoom {
                call_link: row.try_get("call_link")?,
                code: code.clone(),
                title: row.try_get("title")?,
                language: language_from_name(&language)?,
                created_at: row.try_get::<i64, _>("created_at")? as u64,
                facilitator_key,
                group,
            },
            closed_at: closed_at.map(|at| at as u64),
            seats: Vec::new(),
            events: Vec::new(),
        };
        room.seats = self
            .read_tokens(
                "SELECT participant, token_hash FROM seats WHERE room = ?",
                code.as_str(),
                "room",
            )
            .await?;
        // `Event` is read with its `type` first (`shared::tag_first`); every stored event
        // was written by `serde_json::to_string` of an `Event` (the writer), which puts it
        // first, whichever version of the server wrote it.
        room.events = self
            .read_events(
                "SELECT seq, at, actor, command_id, event FROM events WHERE room = ? ORDER BY seq",
                code.as_str(),
                "room",
            )
            .await?;
        Ok(Some(room))
    }

    /// The (who, token digest) pairs `sql` reads for `key` (a room's seats or a group's
    /// members); `what` names the owner in errors.
    async fn read_tokens(
        &self,
        sql: &'static str,
        key: &str,
        what: &str,
    ) -> Result<Vec<(ParticipantId, Digest)>, StoreError> {
        let rows = sqlx::query(sql).bind(key).fetch_all(&self.reads).await?;
        let mut tokens = Vec::with_capacity(rows.len());
        for row in rows {
            let hash: Vec<u8> = row.try_get(1)?;
            let token = Digest::from_slice(&hash).ok_or_else(|| {
                StoreError::Corrupt(format!("a bad token digest in {what} {key}"))
            })?;
            let who: String = row.try_get(0)?;
            tokens.push((ParticipantId::new(who), token));
        }
        Ok(tokens)
    }

    /// The numbered events `sql` reads for `key` (a room's or a group's), in order;
    /// `what` names the owner in errors.
    async fn read_events<E: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
        key: &str,
        what: &str,
    ) -> Result<Vec<StoredEvent<E>>, StoreError> {
        let rows = sqlx::query(sql).bind(key).fetch_all(&self.reads).await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get("seq")?;
            let json: String = row.try_get("event")?;
            let event: E = serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("event {seq} of {what} {key} is unreadable: {e}"))
            })?;
            let actor: Option<String> = row.try_get("actor")?;
            let command_id: Option<i64> = row.try_get("command_id")?;
            events.push(StoredEvent {
                seq: seq as u64,
                at: row.try_get::<i64, _>("at")? as u64,
                actor: actor.map(ParticipantId::new),
                command_id: command_id.map(|id| id as u64),
                event,
            });
        }
        Ok(events)
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

/// The facilitator key's digest in a room's or a group's row (`what` and `code` name
/// it in the error if the stored digest has the wrong length).
fn key_digest(row: &sqlx::sqlite::SqliteRow, what: &str, code: &str) -> Result<Digest, StoreError> {
    let hash: Vec<u8> = row.try_get("facilitator_key_hash")?;
    Digest::from_slice(&hash)
        .ok_or_else(|| StoreError::Corrupt(format!("a bad key digest in {what} {code}")))
}

impl Store for SqliteStore {
    fn commit(&self, writes: &[Write]) -> Result<Committed, StoreError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.as_mut().ok_or(StoreError::Closed)?.commit(writes)?;
        // One node owns everything in its own file: nothing is ever lost to another.
        Ok(Committed::default())
    }

    fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>> {
        let code = code.clone();
        Box::pin(async move { self.load_one(&code).await })
    }

    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        Box::pin(self.load_all())
    }

    fn load_group(&self, code: &GroupCode) -> StoreFuture<'_, Option<StoredGroup>> {
        let code = code.clone();
        Box::pin(async move { self.load_group_one(&code).await })
    }

    fn expired_groups(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> StoreFuture<'_, Vec<(GroupCode, Vec<RoomCode>)>> {
        Box::pin(self.expired_groups_all(before, skip, limit))
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
