//! Finding rooms by code. The map only holds handles (mailbox senders); room state lives
//! in each room's actor, so no connection ever takes a lock on it.
//!
//! Creating a room stores it before anyone gets its code; deleting one waits until the
//! deletion is durable. At start, [`Registry::restore`] brings back every stored room.

use crate::config::Config;
use crate::room::{self, RoomHandle, ToRoom};
use crate::secrets::{self, Digest};
use crate::storage::{Journal, NewRoom, StoreError, Write};
use dashmap::DashMap;
use shared::RoomCode;
use shared::state::{Language, RoomState};
use std::sync::Arc;
use tokio::sync::oneshot;

#[derive(Clone)]
pub struct Registry {
    rooms: Arc<DashMap<RoomCode, RoomHandle>>,
    config: Arc<Config>,
    journal: Journal,
}

/// What the creator of a session gets back: the invite code and the facilitator's key.
#[derive(Clone, Debug)]
pub struct CreatedRoom {
    pub code: RoomCode,
    pub facilitator_key: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CreateError {
    #[error("this server holds as many sessions as it may")]
    ServerFull,
    #[error("the server is stopping")]
    Stopping,
}

/// Why a session could not be deleted. Deliberately one answer for an unknown room and
/// a wrong key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeleteError {
    #[error("no session with this code, or a wrong key")]
    RoomOrKeyInvalid,
    #[error("the server is stopping")]
    Stopping,
}

impl Registry {
    pub fn new(config: Arc<Config>, journal: Journal) -> Self {
        Registry {
            rooms: Arc::new(DashMap::new()),
            config,
            journal,
        }
    }

    /// Bring back every stored room, closed ones included (their record stays readable
    /// to their participants). Returns how many.
    pub async fn restore(&self) -> Result<usize, StoreError> {
        let stored = self.config.store.load().await?;
        let count = stored.len();
        for room in stored {
            let code = room.room.code.clone();
            let events = room.events.len();
            let handle = room::restore(room, self.config.clone(), self.journal.clone())?;
            tracing::debug!(room = %code, events, "session restored");
            self.rooms.insert(code, handle);
        }
        Ok(count)
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
            if !self.rooms.contains_key(&candidate) {
                break candidate;
            }
        };
        let facilitator_key = secrets::secret_key();
        let key_digest = Digest::of(&facilitator_key);
        let now = self.config.clock.now();
        self.journal
            .write_durably(Write::CreateRoom(NewRoom {
                code: code.clone(),
                title: title.clone(),
                language,
                created_at: now,
                facilitator_key: key_digest,
            }))
            .await
            .map_err(|_| CreateError::Stopping)?;
        let state = RoomState::new(title, language, now);
        let handle = room::spawn(
            code.clone(),
            state,
            key_digest,
            self.config.clone(),
            self.journal.clone(),
        );
        self.rooms.insert(code.clone(), handle);
        tracing::info!(room = %code, "session created");
        Ok(CreatedRoom {
            code,
            facilitator_key,
        })
    }

    /// Delete a room and everything stored about it, if `key` is its facilitator key.
    /// Its connections are told `session_deleted`. Returns once the deletion is durable.
    pub async fn delete(&self, code: &RoomCode, key: String) -> Result<(), DeleteError> {
        let handle = self.get(code).ok_or(DeleteError::RoomOrKeyInvalid)?;
        let (reply, answer) = oneshot::channel();
        handle
            .send(ToRoom::Delete { key, reply })
            .await
            .map_err(|_| DeleteError::RoomOrKeyInvalid)?;
        let deleted = answer
            .await
            .ok()
            .flatten()
            .ok_or(DeleteError::RoomOrKeyInvalid)?;
        self.rooms
            .remove_if(code, |_, current| current.same_room(&handle));
        deleted.await.map_err(|_| DeleteError::Stopping)
    }

    pub fn get(&self, code: &RoomCode) -> Option<RoomHandle> {
        self.rooms.get(code).map(|entry| entry.value().clone())
    }

    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }
}
