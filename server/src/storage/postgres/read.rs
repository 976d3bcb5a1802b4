//! Reading rooms and groups back, and finding those past retention: the same reads as
//! SQLite's (`storage/sqlite`), in PostgreSQL's dialect.

use crate::secrets::Digest;
use crate::storage::{
    NewGroup, NewRoom, SessionOf, StoreError, StoredEvent, StoredGroup, StoredRoom,
    language_from_name,
};
use shared::{GroupCode, Millis, ParticipantId, RoomCode};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

/// A row count as PostgreSQL takes it.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The facilitator key's digest in a room's or a group's row.
fn key_digest(row: &PgRow, what: &str, code: &str) -> Result<Digest, StoreError> {
    let hash: Vec<u8> = row.try_get("facilitator_key_hash")?;
    Digest::from_slice(&hash)
        .ok_or_else(|| StoreError::Corrupt(format!("a bad key digest in {what} {code}")))
}

/// One room with its seats and events, or `None`.
pub async fn room(pool: &PgPool, code: &RoomCode) -> Result<Option<StoredRoom>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT title, language, created_at, facilitator_key_hash, closed_at, \
         group_code, series_index, call_link FROM rooms WHERE code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let language: String = row.try_get("language")?;
    let group_code: Option<String> = row.try_get("group_code")?;
    let series_index: Option<i32> = row.try_get("series_index")?;
    let group = match (group_code, series_index) {
        (Some(group), Some(index)) => Some(SessionOf {
            group: GroupCode::new(group),
            index: u32::try_from(index)
                .map_err(|_| StoreError::Corrupt(format!("a bad series index in room {code}")))?,
        }),
        _ => None,
    };
    let closed_at: Option<i64> = row.try_get("closed_at")?;
    let room = NewRoom {
        call_link: row.try_get("call_link")?,
        code: code.clone(),
        title: row.try_get("title")?,
        language: language_from_name(&language)?,
        created_at: row.try_get::<i64, _>("created_at")? as u64,
        facilitator_key: key_digest(&row, "room", code.as_str())?,
        group,
    };
    let seats = tokens(
        pool,
        "SELECT participant, token_hash FROM seats WHERE room = $1",
        code.as_str(),
        "room",
    )
    .await?;
    let events = events(
        pool,
        "SELECT seq, at, actor, command_id, event FROM events WHERE room = $1 ORDER BY seq",
        code.as_str(),
        "room",
    )
    .await?;
    Ok(Some(StoredRoom {
        room,
        closed_at: closed_at.map(|at| at as u64),
        seats,
        events,
    }))
}

/// Every room, in order of creation.
pub async fn all_rooms(pool: &PgPool) -> Result<Vec<StoredRoom>, StoreError> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM rooms ORDER BY created_at, code")
        .fetch_all(pool)
        .await?;
    let mut rooms = Vec::with_capacity(codes.len());
    for code in codes {
        if let Some(stored) = room(pool, &RoomCode::new(code)).await? {
            rooms.push(stored);
        }
    }
    Ok(rooms)
}

/// One group with its members and events, or `None`.
pub async fn group(pool: &PgPool, code: &GroupCode) -> Result<Option<StoredGroup>, StoreError> {
    let Some(row) =
        sqlx::query("SELECT name, created_at, facilitator_key_hash FROM groups WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let group = NewGroup {
        code: code.clone(),
        name: row.try_get("name")?,
        created_at: row.try_get::<i64, _>("created_at")? as u64,
        facilitator_key: key_digest(&row, "group", code.as_str())?,
    };
    let members = tokens(
        pool,
        "SELECT member, token_hash FROM group_members WHERE group_code = $1",
        code.as_str(),
        "group",
    )
    .await?;
    let events = events(
        pool,
        "SELECT seq, at, actor, command_id, event FROM group_events \
         WHERE group_code = $1 ORDER BY seq",
        code.as_str(),
        "group",
    )
    .await?;
    Ok(Some(StoredGroup {
        group,
        members,
        events,
    }))
}

/// The (who, token digest) pairs `sql` reads for `key`; `what` names the owner in errors.
async fn tokens(
    pool: &PgPool,
    sql: &'static str,
    key: &str,
    what: &str,
) -> Result<Vec<(ParticipantId, Digest)>, StoreError> {
    let rows = sqlx::query(sql).bind(key).fetch_all(pool).await?;
    let mut tokens = Vec::with_capacity(rows.len());
    for row in rows {
        let hash: Vec<u8> = row.try_get(1)?;
        let token = Digest::from_slice(&hash)
            .ok_or_else(|| StoreError::Corrupt(format!("a bad token digest in {what} {key}")))?;
        let who: String = row.try_get(0)?;
        tokens.push((ParticipantId::new(who), token));
    }
    Ok(tokens)
}

/// The numbered events `sql` reads for `key`, in order. Each was written by
/// `serde_json::to_string`, `type` first, as the server reads it.
async fn events<E: serde::de::DeserializeOwned>(
    pool: &PgPool,
    sql: &'static str,
    key: &str,
    what: &str,
) -> Result<Vec<StoredEvent<E>>, StoreError> {
    let rows = sqlx::query(sql).bind(key).fetch_all(pool).await?;
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

/// Rooms past retention, oldest first (`Store::expired`).
pub async fn expired_rooms(
    pool: &PgPool,
    before: Millis,
    skip: usize,
    limit: usize,
) -> Result<Vec<RoomCode>, StoreError> {
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM rooms WHERE COALESCE(closed_at, created_at) < $1 \
         ORDER BY COALESCE(closed_at, created_at), code LIMIT $2 OFFSET $3",
    )
    .bind(before as i64)
    .bind(count(limit))
    .bind(count(skip))
    .fetch_all(pool)
    .await?;
    Ok(codes.into_iter().map(RoomCode::new).collect())
}

/// Groups with no room of theirs open, by when they went quiet: their last session's
/// closing, or their creation.
const EXPIRED_GROUPS: &str = "SELECT code FROM ( \
     SELECT g.code AS code, COALESCE( \
       (SELECT MAX(e.at) FROM group_events e WHERE e.group_code = g.code \
          AND (e.event::jsonb ->> 'type') = 'session_closed'), \
       g.created_at) AS quiet \
     FROM groups g WHERE NOT EXISTS \
       (SELECT 1 FROM rooms r WHERE r.group_code = g.code AND r.closed_at IS NULL) \
   ) AS quiet_groups WHERE quiet < $1 ORDER BY quiet, code LIMIT $2 OFFSET $3";

/// Groups past retention with their rooms (`Store::expired_groups`).
pub async fn expired_groups(
    pool: &PgPool,
    before: Millis,
    skip: usize,
    limit: usize,
) -> Result<Vec<(GroupCode, Vec<RoomCode>)>, StoreError> {
    let codes: Vec<String> = sqlx::query_scalar(EXPIRED_GROUPS)
        .bind(before as i64)
        .bind(count(limit))
        .bind(count(skip))
        .fetch_all(pool)
        .await?;
    let mut groups = Vec::with_capacity(codes.len());
    for code in codes {
        let rooms: Vec<String> =
            sqlx::query_scalar("SELECT code FROM rooms WHERE group_code = $1 ORDER BY code")
                .bind(&code)
                .fetch_all(pool)
                .await?;
        groups.push((
            GroupCode::new(code),
            rooms.into_iter().map(RoomCode::new).collect(),
        ));
    }
    Ok(groups)
}
