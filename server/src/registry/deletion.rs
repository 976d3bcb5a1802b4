//! Deleting rooms and groups: by their facilitator's key (`DELETE /api/sessions/{code}`,
//! `DELETE /api/groups/{code}`), and past retention (`crate::retention`).
//!
//! The actor says yes to the key, tells its connections `session_deleted` and stops;
//! from then until the deletion is durable, its code is marked as being deleted, so that
//! nobody loads it back from rows about to go. A group's deletion takes its sessions'
//! rooms with it in the same write (`Write::DeleteGroup`): the rooms in memory are
//! stopped first, so that none of them writes to rows that are gone.

use super::{DeleteError, ExpiredBatch, FindError, LOOKUPS, Registry, Slots};
use crate::actor::Handle;
use crate::group::ToGroup;
use crate::room::ToRoom;
use crate::storage::journal::Durable;
use crate::storage::{Owned, StoreError, Write};
use dashmap::DashSet;
use shared::{GroupCode, Millis, RoomCode};
use std::future::Future;
use std::hash::Hash;
use tokio::sync::oneshot;

impl Registry {
    /// Delete a room and everything stored about it, if `key` is its facilitator key.
    /// Its connections are told `session_deleted`. Returns once the deletion is durable.
    pub async fn delete(&self, code: &RoomCode, key: String) -> Result<(), DeleteError> {
        let deleted = self.stop_room(code, &key).await?;
        let durable = deleted.await.map_err(|_| DeleteError::Stopping);
        self.deleting.remove(code);
        durable
    }

    /// Delete a group, its members, its events and every room of its sessions with all
    /// that is stored about them, if `key` is the group facilitator's. Everyone on the
    /// group's page or in one of its rooms is told `session_deleted`. Returns once the
    /// deletion is durable.
    pub async fn delete_group(&self, code: &GroupCode, key: String) -> Result<(), DeleteError> {
        let rooms = stop_for_deletion(
            &self.groups,
            &self.deleting_groups,
            code,
            || self.find_group(code),
            |reply| ToGroup::Delete {
                key: key.clone(),
                reply,
            },
        )
        .await?;
        // A room marked already is being deleted by itself: that deletion unmarks it.
        let marked: Vec<RoomCode> = rooms
            .into_iter()
            .filter(|room| self.deleting.insert(room.clone()))
            .collect();
        for room in &marked {
            // Its own deletion goes to the disk before the group's, which covers it.
            if self.rooms.contains(room) && self.stop_room(room, &key).await.is_err() {
                tracing::warn!(group = %code, room = %room, "a room of the group did not stop");
            }
        }
        let durable = self
            .journal
            .write_durably(Write::DeleteGroup {
                group: code.clone(),
            })
            .await
            .map_err(|_| DeleteError::Stopping);
        for room in &marked {
            self.deleting.remove(room);
        }
        self.deleting_groups.remove(code);
        tracing::info!(group = %code, "group deleted");
        durable
    }

    /// Stop the room `code` for its deletion with `key` (marked as being deleted until
    /// the caller unmarks it); the receiver fires once its deletion is durable.
    async fn stop_room(
        &self,
        code: &RoomCode,
        key: &str,
    ) -> Result<oneshot::Receiver<()>, DeleteError> {
        stop_for_deletion(
            &self.rooms,
            &self.deleting,
            code,
            || self.find(code),
            |reply| ToRoom::Delete {
                key: key.to_owned(),
                reply,
            },
        )
        .await
    }

    /// Delete stored sessions past retention (closed before `before`, or never closed
    /// and created before it), with everything stored about them, in one commit: the
    /// next `limit` of them after the first `skip` (those a caller left alone before).
    /// A session in memory is in use, or was a moment ago: it is left alone.
    pub async fn delete_expired(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> Result<ExpiredBatch, StoreError> {
        let mut doomed = Vec::new();
        let mut batch = ExpiredBatch::default();
        for code in self.services.store.expired(before, skip, limit).await? {
            if !claim(&self.deleting, &code, |code| self.rooms.contains(code)) {
                batch.left += 1;
            } else if !self.claim_all(vec![Owned::Room(code.clone())]).await {
                // In use on another node of the cluster.
                self.deleting.remove(&code);
                batch.left += 1;
            } else {
                doomed.push(code);
            }
        }
        let deletes = doomed
            .iter()
            .map(|code| Write::DeleteRoom { room: code.clone() })
            .collect();
        let deleted = self.write_deletions(deletes).await;
        for code in &doomed {
            self.deleting.remove(code);
        }
        deleted?;
        for code in &doomed {
            tracing::info!(room = %code, "session deleted: past retention");
        }
        self.services.metrics.sessions_expired(doomed.len());
        batch.deleted = doomed.len();
        Ok(batch)
    }

    /// Delete stored groups past retention (no session running, the last one closed
    /// before `before`, or none closed and created before it) with their sessions'
    /// rooms, in one commit, as [`Registry::delete_expired`] does sessions. A group in
    /// memory, or one with a room in memory, is in use: it is left alone.
    pub async fn delete_expired_groups(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> Result<ExpiredBatch, StoreError> {
        let mut doomed = Vec::new();
        let mut batch = ExpiredBatch::default();
        for (code, rooms) in self
            .services
            .store
            .expired_groups(before, skip, limit)
            .await?
        {
            if !claim(&self.deleting_groups, &code, |code| {
                self.groups.contains(code)
            }) {
                batch.left += 1;
                continue;
            }
            let claimed: Vec<&RoomCode> = rooms
                .iter()
                .take_while(|room| claim(&self.deleting, room, |room| self.rooms.contains(room)))
                .collect();
            // In use on another node of the cluster, or a session of it is.
            let owned = std::iter::once(Owned::Group(code.clone()))
                .chain(rooms.iter().cloned().map(Owned::Room))
                .collect();
            if claimed.len() < rooms.len() || !self.claim_all(owned).await {
                for room in claimed {
                    self.deleting.remove(room);
                }
                self.deleting_groups.remove(&code);
                batch.left += 1;
                continue;
            }
            doomed.push((code, rooms));
        }
        let deletes = doomed
            .iter()
            .map(|(code, _)| Write::DeleteGroup {
                group: code.clone(),
            })
            .collect();
        let deleted = self.write_deletions(deletes).await;
        for (code, rooms) in &doomed {
            for room in rooms {
                self.deleting.remove(room);
            }
            self.deleting_groups.remove(code);
        }
        deleted?;
        let mut sessions = 0;
        for (code, rooms) in &doomed {
            tracing::info!(group = %code, sessions = rooms.len(), "group deleted: past retention");
            sessions += rooms.len();
        }
        self.services.metrics.sessions_expired(sessions);
        batch.deleted = doomed.len();
        Ok(batch)
    }

    /// Make `deletes` durable in one commit (nothing to do for none).
    async fn write_deletions(&self, deletes: Vec<Write>) -> Result<(), StoreError> {
        if deletes.is_empty() {
            return Ok(());
        }
        let (done, durable) = oneshot::channel();
        self.journal.write_all(deletes, Durable::Notify(done));
        durable.await.map_err(|_| StoreError::Closed)
    }
}

/// Mark `code` as being deleted, unless it is already (by its facilitator) or it is
/// `in_memory` (in use, or a moment ago): whether it was marked. Marked before the map
/// is checked: a load that starts from now on sees the mark, and one under way already
/// holds a slot in the map.
fn claim<K: Eq + Hash + Clone>(
    deleting: &DashSet<K>,
    code: &K,
    in_memory: impl Fn(&K) -> bool,
) -> bool {
    if !deleting.insert(code.clone()) {
        return false;
    }
    if in_memory(code) {
        deleting.remove(code);
        return false;
    }
    true
}

/// Ask the actor `find` finds to delete itself (`question` carries the key and where
/// the answer goes; `None` is a wrong key). Once it has stopped, its code is marked as
/// being deleted (the caller unmarks it once the deletion is durable) and it leaves the
/// map. An actor put away under us is found again, [`LOOKUPS`] times at most.
async fn stop_for_deletion<K, M, T, Found>(
    slots: &Slots<K, M>,
    deleting: &DashSet<K>,
    code: &K,
    find: impl Fn() -> Found,
    question: impl Fn(oneshot::Sender<Option<T>>) -> M,
) -> Result<T, DeleteError>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    M: Send + 'static,
    Found: Future<Output = Result<Handle<M>, FindError>>,
{
    for _ in 0..LOOKUPS {
        let handle = find().await.map_err(|error| match error {
            FindError::Unknown => DeleteError::RoomOrKeyInvalid,
            FindError::ServerFull | FindError::Storage | FindError::Moved(_) => {
                DeleteError::Unavailable
            }
        })?;
        let (reply, answer) = oneshot::channel();
        if handle.send(question(reply)).await.is_err() {
            continue;
        }
        let Ok(answer) = answer.await else {
            continue;
        };
        let stopped = answer.ok_or(DeleteError::RoomOrKeyInvalid)?;
        // Marked before it leaves the map, so that nobody loads it back from the rows
        // the deletion is about to remove.
        deleting.insert(code.clone());
        slots.remove(code, &handle);
        return Ok(stopped);
    }
    Err(DeleteError::RoomOrKeyInvalid)
}
