//! A [`Store`] in memory, for tests and for running without a database file.
//!
//! It keeps exactly what a database would, so a test can stop a server and start another
//! on the same `MemoryStore` to exercise restoring without touching the disk. Nothing
//! survives the process.

use super::{
    Committed, Store, StoreError, StoreFuture, StoredEvent, StoredGroup, StoredRoom, Write,
};
use crate::secrets::Digest;
use shared::group::GroupEvent;
use shared::{Event, GroupCode, Millis, ParticipantId, RoomCode};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Give `who` the token `token` in `tokens`, replacing theirs if they had one.
fn set_token(tokens: &mut Vec<(ParticipantId, Digest)>, who: &ParticipantId, token: &Digest) {
    tokens.retain(|(held_by, _)| held_by != who);
    tokens.push((who.clone(), *token));
}

/// Whether `seq` is the number after the last of `events` (of `owner`), as the database's
/// would be: a log has no gap and no repeat.
fn next_in_order<E>(events: &[StoredEvent<E>], seq: u64, owner: &str) -> Result<(), StoreError> {
    let expected = events.last().map_or(1, |e| e.seq + 1);
    if seq == expected {
        return Ok(());
    }
    Err(StoreError::Corrupt(format!(
        "event {seq} of {owner} after {}",
        expected - 1
    )))
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    contents: Mutex<Contents>,
    /// While set, every commit fails (to test what the server does when writes fail).
    failing: AtomicBool,
}

/// Everything stored, swapped whole at each commit (all or none).
#[derive(Clone, Debug, Default)]
struct Contents {
    rooms: BTreeMap<RoomCode, StoredRoom>,
    groups: BTreeMap<GroupCode, StoredGroup>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Make every commit fail (or succeed again), as a full disk would.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn apply(contents: &mut Contents, write: &Write) -> Result<(), StoreError> {
        let Contents { rooms, groups } = contents;
        let no_room = |room: &RoomCode| StoreError::Corrupt(format!("no room {room}"));
        let no_group = |group: &GroupCode| StoreError::Corrupt(format!("no group {group}"));
        match write {
            Write::CreateRoom(new) => {
                if rooms.contains_key(&new.code) {
                    return Err(StoreError::Corrupt(format!("room {} exists", new.code)));
                }
                let stored = StoredRoom {
                    room: new.clone(),
                    closed_at: None,
                    seats: Vec::new(),
                    events: Vec::new(),
                };
                rooms.insert(new.code.clone(), stored);
            }
            Write::AddSeat {
                room,
                participant,
                token,
            } => {
                let stored = rooms.get_mut(room).ok_or_else(|| no_room(room))?;
                set_token(&mut stored.seats, participant, token);
            }
            Write::AppendEvent { room, event } => {
                let stored = rooms.get_mut(room).ok_or_else(|| no_room(room))?;
                next_in_order(&stored.events, event.seq, &format!("room {room}"))?;
                if let Event::SessionClosed { at } = event.event {
                    stored.closed_at = Some(at);
                }
                stored.events.push(event.clone());
            }
            Write::DeleteRoom { room } => {
                rooms.remove(room);
            }
            Write::CreateGroup(new) => {
                if groups.contains_key(&new.code) {
                    return Err(StoreError::Corrupt(format!("group {} exists", new.code)));
                }
                let stored = StoredGroup {
                    group: new.clone(),
                    members: Vec::new(),
                    events: Vec::new(),
                };
                groups.insert(new.code.clone(), stored);
            }
            Write::AddGroupMember {
                group,
                member,
                token,
            } => {
                let stored = groups.get_mut(group).ok_or_else(|| no_group(group))?;
                set_token(&mut stored.members, member, token);
            }
            Write::AppendGroupEvent { group, event } => {
                let stored = groups.get_mut(group).ok_or_else(|| no_group(group))?;
                next_in_order(&stored.events, event.seq, &format!("group {group}"))?;
                stored.events.push(event.clone());
            }
            Write::DeleteGroup { group } => {
                groups.remove(group);
                rooms.retain(|_, stored| {
                    stored.room.group.as_ref().map(|of| &of.group) != Some(group)
                });
            }
            Write::Release { .. } | Write::Fence { .. } => {}
        }
        Ok(())
    }

    fn contents(&self) -> std::sync::MutexGuard<'_, Contents> {
        self.contents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn commit(&self, writes: &[Write]) -> Result<Committed, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Corrupt("failing on purpose".into()));
        }
        let mut contents = self.contents();
        // All or none: apply to a copy, then swap it in (a copy of everything: this
        // store is for tests, not for large rooms).
        let mut next = contents.clone();
        for write in writes {
            Self::apply(&mut next, write)?;
        }
        *contents = next;
        Ok(Committed::default())
    }

    fn load_room(&self, code: &RoomCode) -> StoreFuture<'_, Option<StoredRoom>> {
        let room = self.contents().rooms.get(code).cloned();
        Box::pin(async move { Ok(room) })
    }

    fn expired(&self, before: Millis, skip: usize, limit: usize) -> StoreFuture<'_, Vec<RoomCode>> {
        let contents = self.contents();
        let mut past: Vec<(Millis, RoomCode)> = contents
            .rooms
            .values()
            .map(|stored| {
                (
                    stored.closed_at.unwrap_or(stored.room.created_at),
                    stored.room.code.clone(),
                )
            })
            .filter(|(at, _)| *at < before)
            .collect();
        past.sort();
        let codes = past
            .into_iter()
            .skip(skip)
            .take(limit)
            .map(|(_, code)| code)
            .collect();
        Box::pin(async move { Ok(codes) })
    }

    fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
        Box::pin(async move { Ok(self.contents().rooms.values().cloned().collect()) })
    }

    fn load_group(&self, code: &GroupCode) -> StoreFuture<'_, Option<StoredGroup>> {
        let group = self.contents().groups.get(code).cloned();
        Box::pin(async move { Ok(group) })
    }

    fn expired_groups(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> StoreFuture<'_, Vec<(GroupCode, Vec<RoomCode>)>> {
        let contents = self.contents();
        let rooms_of = |code: &GroupCode| -> Vec<&StoredRoom> {
            contents
                .rooms
                .values()
                .filter(|stored| stored.room.group.as_ref().map(|of| &of.group) == Some(code))
                .collect()
        };
        let mut past: Vec<(Millis, GroupCode)> = contents
            .groups
            .values()
            .filter(|stored| {
                rooms_of(&stored.group.code)
                    .iter()
                    .all(|room| room.closed_at.is_some())
            })
            .map(|stored| {
                let last_closed = stored
                    .events
                    .iter()
                    .filter(|event| matches!(event.event, GroupEvent::SessionClosed { .. }))
                    .map(|event| event.at)
                    .max();
                (
                    last_closed.unwrap_or(stored.group.created_at),
                    stored.group.code.clone(),
                )
            })
            .filter(|(at, _)| *at < before)
            .collect();
        past.sort();
        let groups = past
            .into_iter()
            .skip(skip)
            .take(limit)
            .map(|(_, code)| {
                let rooms = rooms_of(&code)
                    .iter()
                    .map(|room| room.room.code.clone())
                    .collect();
                (code, rooms)
            })
            .collect();
        Box::pin(async move { Ok(groups) })
    }
}
