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

mod deletion;
mod errors;
mod groups;
mod ownership;
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
use crate::storage::{Journal, NewRoom, Owned, StoreError, Write};
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
    /// Groups whose deletion is not durable yet.
    deleting_groups: Arc<DashSet<GroupCode>>,
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
    /// Sessions (or groups) deleted.
    pub deleted: usize,
    /// Sessions (or groups) past retention left alone (in memory, or being deleted
    /// already).
    pub left: usize,
}

impl Registry {
    pub fn new(config: Arc<Config>, services: Services, journal: Journal) -> Self {
        Registry {
            rooms: Slots::default(),
            groups: Slots::default(),
            deleting: Arc::new(DashSet::new()),
            deleting_groups: Arc::new(DashSet::new()),
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
        call_link: Option<String>,
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
                call_link: call_link.clone(),
            }))
            .await
            .map_err(|_| CreateError::Stopping)?;
        // Shared by a cluster: the node its first connection reaches loads it.
        if self.services.store.is_shared() {
            tracing::info!(room = %code, "session created");
            return Ok(CreatedRoom {
                code,
                facilitator_key,
            });
        }
        let owned = Owned::Room(code.clone());
        let epoch = self
            .claim(owned.clone())
            .await
            .map_err(|_| CreateError::Storage)?;
        self.rooms
            .insert(&code, || async {
                let mut state = RoomState::new(title, language, now);
                state.call_link = call_link;
                let registration = self.rooms.registration(&code);
                room::spawn(
                    code.clone(),
                    state,
                    key_digest,
                    self.context(),
                    self.releasing(registration, owned, epoch),
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
        let owned = Owned::Room(code.clone());
        let epoch = self.claim(owned.clone()).await?;
        let stored = found(self.services.store.load_room(code).await, "room", code)?;
        let registration = self.releasing(self.rooms.registration(code), owned, epoch);
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
    /// Held by another node of a cluster, it is described from the store instead.
    pub async fn describe(&self, code: &RoomCode) -> Result<Description, FindError> {
        match ask(|| self.find(code), |reply| ToRoom::Describe { reply }).await {
            Err(FindError::Moved(_)) => {
                let stored = found(self.services.store.load_room(code).await, "room", code)?;
                Ok(Description {
                    title: stored.room.title,
                    open: stored.closed_at.is_none(),
                    group: stored.room.group,
                })
            }
            described => described,
        }
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
