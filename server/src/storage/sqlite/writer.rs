//! The SQLite connection that commits: the only one that writes, run inside the thread
//! that calls it (the journal's).
//!
//! Everything else in [`super::sqlite`] goes through sqlx, whose SQLite driver runs each
//! statement on a thread of its own: the caller hands the statement over, that thread
//! wakes, runs it and wakes the caller. On an idle machine that costs little; beside a
//! busy load it doubled the tail of every delivery, since every event now waits for its
//! commit (`docs/benchmarks.md`). Here a commit is plain calls into SQLite on the
//! journal's thread: nothing to hand over, nobody else to wake until it is durable.
//!
//! Statements are prepared once and kept (`prepare_cached`), and a batch is one
//! transaction whatever it holds.

use super::SyncMode;
use super::checkpoint;
use super::{StoreError, StoredEvent, Write};
use rusqlite::{Connection, TransactionBehavior, params};
use shared::Event;
use std::path::Path;
use std::time::Duration;

const INSERT_ROOM: &str = "INSERT INTO rooms \
     (code, title, language, created_at, facilitator_key_hash, group_code, series_index, \
     call_link) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const UPSERT_SEAT: &str = "INSERT INTO seats (room, participant, token_hash) VALUES (?1, ?2, ?3) \
     ON CONFLICT (room, participant) DO UPDATE SET token_hash = excluded.token_hash";
const INSERT_EVENT: &str = "INSERT INTO events (room, seq, at, actor, command_id, event) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const CLOSE_ROOM: &str = "UPDATE rooms SET closed_at = ?1 WHERE code = ?2";
const INSERT_GROUP: &str = "INSERT INTO groups \
     (code, name, created_at, facilitator_key_hash) VALUES (?1, ?2, ?3, ?4)";
const UPSERT_MEMBER: &str = "INSERT INTO group_members (group_code, member, token_hash) \
     VALUES (?1, ?2, ?3) \
     ON CONFLICT (group_code, member) DO UPDATE SET token_hash = excluded.token_hash";
const INSERT_GROUP_EVENT: &str = "INSERT INTO group_events \
     (group_code, seq, at, actor, command_id, event) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const DELETE_GROUP: [&str; 6] = [
    "DELETE FROM events WHERE room IN (SELECT code FROM rooms WHERE group_code = ?1)",
    "DELETE FROM seats WHERE room IN (SELECT code FROM rooms WHERE group_code = ?1)",
    "DELETE FROM rooms WHERE group_code = ?1",
    "DELETE FROM group_events WHERE group_code = ?1",
    "DELETE FROM group_members WHERE group_code = ?1",
    "DELETE FROM groups WHERE code = ?1",
];
const DELETE_ROOM: [&str; 3] = [
    "DELETE FROM events WHERE room = ?1",
    "DELETE FROM seats WHERE room = ?1",
    "DELETE FROM rooms WHERE code = ?1",
];

/// Give `who` of a room's seats or a group's members (`key`) the token digest `token`.
fn upsert_token(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    key: &str,
    who: &shared::ParticipantId,
    token: &crate::secrets::Digest,
) -> Result<(), StoreError> {
    tx.prepare_cached(sql)?
        .execute(params![key, who.as_str(), &token.0[..]])?;
    Ok(())
}

/// Insert one numbered event of a room's or a group's log (`key` names which).
fn insert_event<E: serde::Serialize>(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    key: &str,
    event: &StoredEvent<E>,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&event.event)
        .map_err(|e| StoreError::Corrupt(format!("event encoding: {e}")))?;
    tx.prepare_cached(sql)?.execute(params![
        key,
        event.seq as i64,
        event.at as i64,
        event.actor.as_ref().map(|actor| actor.as_str()),
        // Command ids are the client's u64s: stored bit for bit as i64.
        event.command_id.map(|id| id as i64),
        json,
    ])?;
    Ok(())
}

/// The writer's connection to a database that is already created and migrated.
#[derive(Debug)]
pub struct Writer {
    connection: Connection,
}

impl Writer {
    pub fn open(path: &Path, sync: SyncMode) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(10))?;
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "the database stays in {mode} mode, not WAL"
            )));
        }
        let synchronous = match sync {
            SyncMode::Full => "FULL",
            SyncMode::Normal => "NORMAL",
        };
        connection.pragma_update(None, "synchronous", synchronous)?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted rows are overwritten, not just unlinked: a deleted session leaves no
        // readable trace in the file.
        connection.pragma_update(None, "secure_delete", "ON")?;
        // The WAL is copied back on a connection of its own; this one only finishes the
        // copy now and then, so that the WAL starts over (see `checkpoint`).
        connection.pragma_update(None, "wal_autocheckpoint", checkpoint::WRITER_MARK_PAGES)?;
        Ok(Writer { connection })
    }

    /// Write `writes` in one transaction and return once it is committed (and, with
    /// `SyncMode::Full`, on the disk).
    pub fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut deleted = false;
        for write in writes {
            match write {
                Write::CreateRoom(room) => {
                    tx.prepare_cached(INSERT_ROOM)?.execute(params![
                        room.code.as_str(),
                        room.title.as_str(),
                        crate::storage::language_name(room.language),
                        room.created_at as i64,
                        &room.facilitator_key.0[..],
                        room.group.as_ref().map(|of| of.group.as_str()),
                        room.group.as_ref().map(|of| i64::from(of.index)),
                        room.call_link.as_deref(),
                    ])?;
                }
                Write::AddSeat {
                    room,
                    participant,
                    token,
                } => upsert_token(&tx, UPSERT_SEAT, room.as_str(), participant, token)?,
                Write::AppendEvent { room, event } => {
                    insert_event(&tx, INSERT_EVENT, room.as_str(), event)?;
                    if let Event::SessionClosed { at } = event.event {
                        tx.prepare_cached(CLOSE_ROOM)?
                            .execute(params![at as i64, room.as_str()])?;
                    }
                }
                Write::DeleteRoom { room } => {
                    for sql in DELETE_ROOM {
                        tx.prepare_cached(sql)?.execute(params![room.as_str()])?;
                    }
                    deleted = true;
                }
                Write::CreateGroup(group) => {
                    tx.prepare_cached(INSERT_GROUP)?.execute(params![
                        group.code.as_str(),
                        group.name.as_str(),
                        group.created_at as i64,
                        &group.facilitator_key.0[..],
                    ])?;
                }
                Write::AddGroupMember {
                    group,
                    member,
                    token,
                } => upsert_token(&tx, UPSERT_MEMBER, group.as_str(), member, token)?,
                Write::AppendGroupEvent { group, event } => {
                    insert_event(&tx, INSERT_GROUP_EVENT, group.as_str(), event)?;
                }
                Write::DeleteGroup { group } => {
                    for sql in DELETE_GROUP {
                        tx.prepare_cached(sql)?.execute(params![group.as_str()])?;
                    }
                    deleted = true;
                }
                // One node holds everything: there is no owner to record.
                Write::Release { .. } | Write::Fence { .. } => {}
            }
        }
        tx.commit()?;
        if deleted {
            // Move the deleted pages out of the WAL too, so that nothing of the session
            // stays readable in the files. Best effort: a busy checkpoint is retried by
            // the background ones later.
            let checkpointed =
                self.connection
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                        row.get::<_, i64>(0)
                    });
            if let Err(error) = checkpointed {
                tracing::warn!(%error, "could not checkpoint after a deletion");
            }
        }
        Ok(())
    }

    /// The one value `sql` answers, read on this connection (for tests of its settings).
    #[cfg(test)]
    pub fn scalar<T: rusqlite::types::FromSql>(&self, sql: &str) -> rusqlite::Result<T> {
        self.connection.query_row(sql, [], |row| row.get(0))
    }

    /// Close the connection (the last one to close folds the WAL into the database).
    pub fn close(self) -> Result<(), StoreError> {
        self.connection
            .close()
            .map_err(|(_, error)| StoreError::Write(error))
    }
}
