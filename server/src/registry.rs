//! Finding rooms by code. The map only holds handles (mailbox senders); room state lives
//! in each room's actor, so no connection ever takes a lock on it.

use crate::config::Config;
use crate::room::{self, RoomHandle};
use crate::secrets;
use dashmap::DashMap;
use shared::RoomCode;
use shared::state::{Language, RoomState};
use std::sync::Arc;

#[derive(Clone)]
pub struct Registry {
    rooms: Arc<DashMap<RoomCode, RoomHandle>>,
    config: Arc<Config>,
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
}

impl Registry {
    pub fn new(config: Arc<Config>) -> Self {
        Registry {
            rooms: Arc::new(DashMap::new()),
            config,
        }
    }

    /// Open a new room in the welcome step and start its actor.
    pub fn create(&self, title: String, language: Language) -> Result<CreatedRoom, CreateError> {
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
        let state = RoomState::new(title, language, self.config.clock.now());
        let handle = room::spawn(
            code.clone(),
            state,
            facilitator_key.clone(),
            self.config.clone(),
        );
        self.rooms.insert(code.clone(), handle);
        tracing::info!(room = %code, "session created");
        Ok(CreatedRoom {
            code,
            facilitator_key,
        })
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
