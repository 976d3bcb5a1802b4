//! Finding rooms by code. The map only holds handles (mailbox senders); room state lives
//! in each room's actor, so no connection ever takes a lock on it.
//!
//! Only rooms in use are in memory. A room is loaded from the store when someone comes
//! to it ([`Registry::find`]), once however many come at the same moment (each code's
//! slot is a [`OnceCell`]), and puts itself away once nobody has been connected for a
//! while ([`Config::idle_room`]): the server starts without reading any session, and
//! sessions held over months cost it disk, not memory. `max_rooms` bounds the rooms in
//! memory.
//!
//! Creating a room stores it before anyone gets its code; deleting one waits until the
//! deletion is durable, and until then the code is marked as being deleted so that
//! nobody loads the room back from rows about to go.

mod errors;
mod groups;
mod sessions;
mod slots;

pub use errors::{CreateError, DeleteError, FindError};
pub use groups::CreatedGroup;
pub use slots::Slots;

use crate::actor::Context;
use crate::config::Config;
use crate::group::ToGroup;
use crate::room::{self, Description, RoomHandle, ToRoom};
use crate::secrets::{self, Digest};
use crate::services::Services;
use crate::storage::journal::Durable;
use crate::storage::{Journal, NewRoom, StoreError, Write};
use dashmap::DashSet;
use shared::state::{Language, RoomState};
use shared::{GroupCode, RoomCode};
use std::sync::Arc;
use tokio::sync::oneshot;

/// How many times a caller that found its room gone (put away the moment it came)
/// looks it up again before giving up.
pub const LOOKUPS: usize = 3;

#[derive(Clone)]
pub struct Registry {
    rooms: Slots<RoomCode, ToRoom>,
    groups: Slots<GroupCode, ToGroup>,
    /// Rooms whose deletion is not durable yet.
    deleting: Arc<DashSet<RoomCode>>,
    config: Arc<Config>,
    services: Services,
    journal: Journal,
}

/// What the creator of a session gets back: the invite code and the facilitator's key.
#[derive(Clone, Debug)]
pub struct CreatedRoom {
    pub code: RoomCode,
    pub facilitator_key: String,
}

/// What one batch of retention did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpiredBatch {
    /// Sessions deleted.
    pub deleted: usize,
    /// Sessions past retention left alone (in memory, or being deleted already).
    pub left: usize,
}

impl Registry {
    pub fn new(config: Arc<Config>, services: Services, journal: Journal) -> Self {
        Registry {
            rooms: Slots::default(),
            groups: Slots::default(),
            deleting: Arc::new(DashSet::new()),
            config,
            services,
            journal,
        }
    }

    /// Open a new room in the welcome step, store it, and start its actor.
    pub async fn create(
        &self,
        title: String,
        language: Language,
    ) -> Result<CreatedRoom, CreateError> {
        if self.rooms.len() >= self.config.max_rooms {
            return Err(CreateError::ServerFull);
        }
        let code = loop {
            let candidate = RoomCode::new(secrets::room_code());
            if !self.rooms.contains(&candidate) && !self.is_stored(&candidate).await? {
                break candidate;
            }
        };
        let facilitator_key = secrets::secret_key();
        let key_digest = Digest::of(&facilitator_key);
        let now = self.services.clock.now();
        self.journal
            .write_durably(Write::CreateRoom(NewRoom {
                code: code.clone(),
                title: title.clone(),
                language,
                created_at: now,
                facilitator_key: key_digest,
                group: None,
            }))
            .await
            .map_err(|_| CreateError::Stopping)?;
        self.rooms
            .insert(&code, || async {
                let state = RoomState::new(title, language, now);
                room::spawn(
                    code.clone(),
                    state,
                    key_digest,
                    self.context(),
                    self.rooms.registration(&code),
                )
            })
            .await;
        tracing::info!(room = %code, "session created");
        Ok(CreatedRoom {
            code,
            facilitator_key,
        })
    }

    /// Whether the store holds a room with this code (a new code must not, or its
    /// creation would fail at every retry).
    async fn is_stored(&self, code: &RoomCode) -> Result<bool, CreateError> {
        match self.services.store.load_room(code).await {
            Ok(stored) => Ok(stored.is_some()),
            Err(error) => {
                tracing::error!(%error, "could not read the store to pick a new code");
                Err(CreateError::Storage)
            }
        }
    }

    /// The room with this code, loaded from the store if it is not in memory. A handle
    /// may still find the room gone, if it was put away at that very moment: look it up
    /// again then (at most [`LOOKUPS`] times in all).
    pub async fn find(&self, code: &RoomCode) -> Result<RoomHandle, FindError> {
        self.rooms.find(code, || self.load(code)).await
    }

    /// Load a stored room and start its actor.
    async fn load(&self, code: &RoomCode) -> Result<RoomHandle, FindError> {
        if self.deleting.contains(code) {
            return Err(FindError::Unknown);
        }
        // This room's slot is already in the map.
        if self.rooms.len() > self.config.max_rooms {
            return Err(FindError::ServerFull);
        }
        let stored = found(self.services.store.load_room(code).await, "room", code)?;
        let registration = self.rooms.registration(code);
        let handle = replayed(
            room::restore(stored, self.context(), registration),
            "room",
            code,
        )?;
        self.services.metrics.room_loaded();
        Ok(handle)
    }

    /// What the room with this code says of itself to a visitor (loaded from the store
    /// if it is not in memory, as entering would).
    pub async fn describe(&self, code: &RoomCode) -> Result<Description, FindError> {
        ask(|| self.find(code), |reply| ToRoom::Describe { reply }).await
    }

    /// Delete a room and everything stored about it, if `key` is its facilitator key.
    /// Its connections are told `session_deleted`. Returns once the deletion is durable.
    pub async fn delete(&self, code: &RoomCode, key: String) -> Result<(), DeleteError> {
        for _ in 0..LOOKUPS {
            let handle = self.find(code).await.map_err(|error| match error {
                FindError::Unknown => DeleteError::RoomOrKeyInvalid,
                FindError::ServerFull | FindError::Storage => DeleteError::Unavailable,
            })?;
            let (reply, answer) = oneshot::channel();
            let asked = handle.send(ToRoom::Delete {
                key: key.clone(),
                reply,
            });
            if asked.await.is_err() {
                continue;
            }
            let Ok(answer) = answer.await else {
                continue;
            };
            let deleted = answer.ok_or(DeleteError::RoomOrKeyInvalid)?;
            // Marked before it leaves the map, so that nobody loads it back from the
            // rows the deletion is about to remove.
            self.deleting.insert(code.clone());
            self.rooms.remove(code, &handle);
            let durable = deleted.await.map_err(|_| DeleteError::Stopping);
            self.deleting.remove(code);
            return durable;
        }
        Err(DeleteError::RoomOrKeyInvalid)
    }

    /// Delete stored sessions past retention (closed before `before`, or never closed
    /// and created before it), with everything stored about them, in one commit: the
    /// next `limit` of them after the first `skip` (those a caller left alone before).
    /// A session in memory is in use, or was a moment ago: it is left alone.
    pub async fn delete_expired(
        &self,
        before: shared::Millis,
        skip: usize,
        limit: usize,
    ) -> Result<ExpiredBatch, StoreError> {
        let mut doomed = Vec::new();
        let mut batch = ExpiredBatch::default();
        for code in self.services.store.expired(before, skip, limit).await? {
            // Marked before the map is checked: a load that starts from now on sees
            // the mark, and one under way already holds a slot in the map. A code
            // already marked is being deleted by its facilitator.
            if !self.deleting.insert(code.clone()) {
                batch.left += 1;
                continue;
            }
            if self.rooms.contains(&code) {
                self.deleting.remove(&code);
                batch.left += 1;
                continue;
            }
            doomed.push(code);
        }
        if doomed.is_empty() {
            return Ok(batch);
        }
        let deletes = doomed
            .iter()
            .map(|code| Write::DeleteRoom { room: code.clone() })
            .collect();
        let (done, durable) = oneshot::channel();
        self.journal.write_all(deletes, Durable::Notify(done));
        let deleted = durable.await.map_err(|_| StoreError::Closed);
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

    /// What a room or group of this registry works with.
    fn context(&self) -> Context {
        Context {
            config: self.config.clone(),
            services: self.services.clone(),
            journal: self.journal.clone(),
            closing: self.report_closing(),
        }
    }

    /// Rooms in memory (and being loaded).
    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }
}

/// Ask the actor `find` finds a question (`question` makes the message from where the
/// answer goes), and wait for the answer. An actor put away under us is found again,
/// [`LOOKUPS`] times at most.
async fn ask<M, T, Found>(
    find: impl Fn() -> Found,
    question: impl Fn(oneshot::Sender<T>) -> M,
) -> Result<T, FindError>
where
    Found: std::future::Future<Output = Result<crate::actor::Handle<M>, FindError>>,
{
    for _ in 0..LOOKUPS {
        let handle = find().await?;
        let (reply, answer) = oneshot::channel();
        if handle.send(question(reply)).await.is_err() {
            continue;
        }
        if let Ok(answered) = answer.await {
            return Ok(answered);
        }
    }
    // Put away under us every time: it is there, try again later.
    Err(FindError::Storage)
}

/// What the store holds under `code`: an unknown code, or a store that cannot be read
/// (logged), is no room or group to enter.
fn found<T>(
    read: Result<Option<T>, StoreError>,
    kind: &str,
    code: &impl std::fmt::Display,
) -> Result<T, FindError> {
    match read {
        Ok(Some(stored)) => Ok(stored),
        Ok(None) => Err(FindError::Unknown),
        Err(error) => {
            tracing::error!(%code, %error, "could not load a {kind}");
            Err(FindError::Storage)
        }
    }
}

/// A stored room or group replayed and started, or why not (logged).
fn replayed<H>(
    restored: Result<H, StoreError>,
    kind: &str,
    code: &impl std::fmt::Display,
) -> Result<H, FindError> {
    let handle = restored.map_err(|error| {
        tracing::error!(%code, %error, "could not replay a stored {kind}");
        FindError::Storage
    })?;
    tracing::debug!(%code, "{kind} loaded");
    Ok(handle)
}

#[cfg(test)]
mod tests;
