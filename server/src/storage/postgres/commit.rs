//! One batch of writes, fenced: in one transaction, the rows of every room and group it
//! writes for are locked (`FOR SHARE`, so that no claim slips in before it commits) and
//! checked to be this node's at the epoch it claimed them; the writes of those that are
//! not are left out and reported lost, the others made, all or none.
//!
//! A room's events go in with one statement per run of them (`UNNEST` of arrays): a
//! batch is mostly events, and every statement is a round trip to the database.

use super::Inner;
use super::ownership::Table;
use crate::secrets::Digest;
use crate::storage::{Committed, Owned, StoreError, StoredEvent, Write, language_name};
use shared::{Event, GroupCode, ParticipantId, RoomCode};
use sqlx::{Postgres, Transaction};
use std::collections::{BTreeSet, HashMap};

const INSERT_ROOM: &str = "INSERT INTO rooms \
     (code, title, language, created_at, facilitator_key_hash, group_code, series_index, \
     call_link) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const UPSERT_SEAT: &str = "INSERT INTO seats (room, participant, token_hash) \
     VALUES ($1, $2, $3) \
     ON CONFLICT (room, participant) DO UPDATE SET token_hash = excluded.token_hash";
const INSERT_EVENTS: &str = "INSERT INTO events (room, seq, at, actor, command_id, event) \
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], \
     $5::bigint[], $6::text[])";
const CLOSE_ROOM: &str = "UPDATE rooms SET closed_at = $1 WHERE code = $2";
const INSERT_GROUP: &str = "INSERT INTO groups \
     (code, name, created_at, facilitator_key_hash) VALUES ($1, $2, $3, $4)";
const UPSERT_MEMBER: &str = "INSERT INTO group_members (group_code, member, token_hash) \
     VALUES ($1, $2, $3) \
     ON CONFLICT (group_code, member) DO UPDATE SET token_hash = excluded.token_hash";
const INSERT_GROUP_EVENT: &str = "INSERT INTO group_events \
     (group_code, seq, at, actor, command_id, event) VALUES ($1, $2, $3, $4, $5, $6)";
const DELETE_ROOM: [&str; 3] = [
    "DELETE FROM events WHERE room = $1",
    "DELETE FROM seats WHERE room = $1",
    "DELETE FROM rooms WHERE code = $1",
];
const DELETE_GROUP: [&str; 6] = [
    "DELETE FROM events WHERE room IN (SELECT code FROM rooms WHERE group_code = $1)",
    "DELETE FROM seats WHERE room IN (SELECT code FROM rooms WHERE group_code = $1)",
    "DELETE FROM rooms WHERE group_code = $1",
    "DELETE FROM group_events WHERE group_code = $1",
    "DELETE FROM group_members WHERE group_code = $1",
    "DELETE FROM groups WHERE code = $1",
];

/// Make `writes` durable, leaving out those for rooms and groups this node lost.
///
/// Each write that needs its room or group held is checked against the epoch it is
/// held at here: the epoch of the fence it comes under (`Write::Fence`, an actor's own
/// claim), or else the epoch of this node's latest claim (writes the registry makes).
pub async fn commit(inner: &Inner, writes: &[Write]) -> Result<Committed, StoreError> {
    let me = inner.node.name.id.as_str();
    let needs = needed_holds(writes);
    let keys: BTreeSet<Owned> = needs
        .iter()
        .flatten()
        .map(|(owned, _)| owned.clone())
        .collect();
    let claimed: HashMap<Owned, u64> = {
        let claims = inner.claims();
        keys.iter()
            .filter_map(|owned| claims.get(owned).map(|epoch| (owned.clone(), *epoch)))
            .collect()
    };
    let mut tx = inner.pool.begin().await?;
    let held = held_here(&mut tx, me, &keys).await?;
    let lost: BTreeSet<(Owned, Option<u64>)> = needs
        .iter()
        .flatten()
        .filter(|(owned, fence)| {
            let needed = fence.or_else(|| claimed.get(owned).copied());
            needed.is_none() || needed != held.get(owned).copied()
        })
        .cloned()
        .collect();
    let mut events = EventRun::default();
    let mut released = Vec::new();
    for (write, need) in writes.iter().zip(&needs) {
        if need.as_ref().is_some_and(|need| lost.contains(need)) {
            continue;
        }
        if let Write::AppendEvent { room, event } = write {
            events.push(room.as_str(), event)?;
            if let Event::SessionClosed { at } = event.event {
                events.insert(&mut tx).await?;
                sqlx::query(CLOSE_ROOM)
                    .bind(at as i64)
                    .bind(room.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            continue;
        }
        events.insert(&mut tx).await?;
        if let Write::Release { owned, epoch } = write {
            if release(&mut tx, me, owned, *epoch).await? {
                released.push((owned.clone(), *epoch));
            }
            continue;
        }
        apply(&mut tx, write).await?;
    }
    events.insert(&mut tx).await?;
    tx.commit().await?;

    let mut claims = inner.claims();
    let deleted = writes.iter().filter_map(|write| match write {
        Write::DeleteRoom { room } => Some((Owned::Room(room.clone()), None)),
        Write::DeleteGroup { group } => Some((Owned::Group(group.clone()), None)),
        _ => None,
    });
    let gone = lost
        .iter()
        .map(|(owned, fence)| (owned.clone(), fence.or_else(|| claimed.get(owned).copied())))
        .chain(deleted)
        .chain(
            released
                .into_iter()
                .map(|(owned, epoch)| (owned, Some(epoch))),
        );
    for (owned, epoch) in gone {
        // A claim made since, at a newer epoch, stays.
        if epoch.is_none() || claims.get(&owned) == epoch.as_ref() {
            claims.remove(&owned);
        }
    }
    Ok(Committed {
        lost: lost.into_iter().collect(),
    })
}

/// For each write, the room or group it needs held and the epoch of the fence it comes
/// under, if any: none for a fence itself, a release (which names its own epoch), or a
/// write for what the batch creates (a new room or group is its writer's).
fn needed_holds(writes: &[Write]) -> Vec<Option<(Owned, Option<u64>)>> {
    let created: BTreeSet<Owned> = writes.iter().filter_map(created).collect();
    let mut fence: Option<(&Owned, u64)> = None;
    writes
        .iter()
        .map(|write| {
            if let Write::Fence { owned, epoch } = write {
                fence = Some((owned, *epoch));
                return None;
            }
            let owned = write.owner().filter(|owned| !created.contains(owned))?;
            let epoch = fence
                .filter(|(fenced, _)| **fenced == owned)
                .map(|(_, epoch)| epoch);
            Some((owned, epoch))
        })
        .collect()
}

/// The room or group a write creates.
fn created(write: &Write) -> Option<Owned> {
    match write {
        Write::CreateRoom(room) => Some(Owned::Room(room.code.clone())),
        Write::CreateGroup(group) => Some(Owned::Group(group.code.clone())),
        _ => None,
    }
}

/// The epochs at which node `me` holds each of `fenced`, their rows locked until the
/// transaction ends (in order of code, so that two commits never wait on each other).
async fn held_here(
    tx: &mut Transaction<'_, Postgres>,
    me: &str,
    fenced: &BTreeSet<Owned>,
) -> Result<HashMap<Owned, u64>, StoreError> {
    let (mut rooms, mut groups) = (Vec::new(), Vec::new());
    for owned in fenced {
        match owned {
            Owned::Room(code) => rooms.push(code.as_str()),
            Owned::Group(code) => groups.push(code.as_str()),
        }
    }
    let mut held = HashMap::new();
    if !rooms.is_empty() {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT code, epoch FROM rooms WHERE code = ANY($1) AND owner = $2 \
             ORDER BY code FOR SHARE",
        )
        .bind(&rooms)
        .bind(me)
        .fetch_all(&mut **tx)
        .await?;
        held.extend(
            rows.into_iter()
                .map(|(code, epoch)| (Owned::Room(RoomCode::new(code)), epoch as u64)),
        );
    }
    if !groups.is_empty() {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT code, epoch FROM groups WHERE code = ANY($1) AND owner = $2 \
             ORDER BY code FOR SHARE",
        )
        .bind(&groups)
        .bind(me)
        .fetch_all(&mut **tx)
        .await?;
        held.extend(
            rows.into_iter()
                .map(|(code, epoch)| (Owned::Group(GroupCode::new(code)), epoch as u64)),
        );
    }
    Ok(held)
}

/// Give up `owned` if node `me` still holds it at `epoch`; whether it did.
async fn release(
    tx: &mut Transaction<'_, Postgres>,
    me: &str,
    owned: &Owned,
    epoch: u64,
) -> Result<bool, StoreError> {
    let (table, code) = match owned {
        Owned::Room(code) => (Table::Rooms, code.as_str()),
        Owned::Group(code) => (Table::Groups, code.as_str()),
    };
    let done = sqlx::query(table.release_sql())
        .bind(code)
        .bind(me)
        .bind(epoch as i64)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Every write but events and releases, one statement or a few. A new room or group is
/// nobody's: the node its first connection reaches claims it.
async fn apply(tx: &mut Transaction<'_, Postgres>, write: &Write) -> Result<(), StoreError> {
    match write {
        Write::CreateRoom(room) => {
            sqlx::query(INSERT_ROOM)
                .bind(room.code.as_str())
                .bind(room.title.as_str())
                .bind(language_name(room.language))
                .bind(room.created_at as i64)
                .bind(&room.facilitator_key.0[..])
                .bind(room.group.as_ref().map(|of| of.group.as_str()))
                .bind(room.group.as_ref().map(|of| of.index as i32))
                .bind(room.call_link.as_deref())
                .execute(&mut **tx)
                .await?;
        }
        Write::AddSeat {
            room,
            participant,
            token,
        } => upsert_token(tx, UPSERT_SEAT, room.as_str(), participant, token).await?,
        Write::DeleteRoom { room } => {
            for sql in DELETE_ROOM {
                sqlx::query(sql)
                    .bind(room.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Write::CreateGroup(group) => {
            sqlx::query(INSERT_GROUP)
                .bind(group.code.as_str())
                .bind(group.name.as_str())
                .bind(group.created_at as i64)
                .bind(&group.facilitator_key.0[..])
                .execute(&mut **tx)
                .await?;
        }
        Write::AddGroupMember {
            group,
            member,
            token,
        } => upsert_token(tx, UPSERT_MEMBER, group.as_str(), member, token).await?,
        Write::AppendGroupEvent { group, event } => {
            let json = encode(&event.event)?;
            sqlx::query(INSERT_GROUP_EVENT)
                .bind(group.as_str())
                .bind(event.seq as i64)
                .bind(event.at as i64)
                .bind(event.actor.as_ref().map(|actor| actor.as_str()))
                .bind(event.command_id.map(|id| id as i64))
                .bind(json)
                .execute(&mut **tx)
                .await?;
        }
        Write::DeleteGroup { group } => {
            for sql in DELETE_GROUP {
                sqlx::query(sql)
                    .bind(group.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Write::AppendEvent { .. } | Write::Release { .. } | Write::Fence { .. } => {}
    }
    Ok(())
}

/// Give `who` of a room's seats or a group's members (`key`) the token digest `token`.
async fn upsert_token(
    tx: &mut Transaction<'_, Postgres>,
    sql: &'static str,
    key: &str,
    who: &ParticipantId,
    token: &Digest,
) -> Result<(), StoreError> {
    sqlx::query(sql)
        .bind(key)
        .bind(who.as_str())
        .bind(&token.0[..])
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn encode<E: serde::Serialize>(event: &E) -> Result<String, StoreError> {
    serde_json::to_string(event).map_err(|e| StoreError::Corrupt(format!("event encoding: {e}")))
}

/// Room events waiting to go in together, column by column.
#[derive(Default)]
struct EventRun {
    rooms: Vec<String>,
    seqs: Vec<i64>,
    ats: Vec<i64>,
    actors: Vec<Option<String>>,
    command_ids: Vec<Option<i64>>,
    events: Vec<String>,
}

impl EventRun {
    fn push(&mut self, room: &str, event: &StoredEvent) -> Result<(), StoreError> {
        self.events.push(encode(&event.event)?);
        self.rooms.push(room.to_owned());
        self.seqs.push(event.seq as i64);
        self.ats.push(event.at as i64);
        self.actors
            .push(event.actor.as_ref().map(|actor| actor.as_str().to_owned()));
        // Command ids are the client's u64s: stored bit for bit as i64.
        self.command_ids.push(event.command_id.map(|id| id as i64));
        Ok(())
    }

    /// Insert the events gathered so far, if any, and start a new run.
    async fn insert(&mut self, tx: &mut Transaction<'_, Postgres>) -> Result<(), StoreError> {
        if self.rooms.is_empty() {
            return Ok(());
        }
        let run = std::mem::take(self);
        sqlx::query(INSERT_EVENTS)
            .bind(run.rooms)
            .bind(run.seqs)
            .bind(run.ats)
            .bind(run.actors)
            .bind(run.command_ids)
            .bind(run.events)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
