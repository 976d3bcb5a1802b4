//! Finding groups by code, as rooms are found (`super`): loaded from the store once
//! when someone comes to one, put away when idle, and stored before anyone gets the code
//! of a new one.

use super::{CreateError, FindError, Registry, found, replayed};
use crate::group::{self, GroupHandle};
use crate::secrets::{self, Digest};
use crate::storage::{NewGroup, Owned, StoredEvent, Write};
use shared::GroupCode;
use shared::group::{Group, GroupState, NewGroupDetails};

/// What the creator of a group gets back: the group's code and its facilitator key.
#[derive(Clone, Debug)]
pub struct CreatedGroup {
    pub code: GroupCode,
    pub facilitator_key: String,
}

impl Registry {
    /// Make a new group with its checked details, store it (what it was created with
    /// as its first events), and start its actor.
    pub async fn create_group(
        &self,
        details: NewGroupDetails,
    ) -> Result<CreatedGroup, CreateError> {
        if self.groups.len() >= self.config.max_rooms {
            return Err(CreateError::ServerFull);
        }
        let code = loop {
            let candidate = GroupCode::new(secrets::room_code());
            if !self.groups.contains(&candidate) && !self.is_group_stored(&candidate).await? {
                break candidate;
            }
        };
        let facilitator_key = secrets::secret_key();
        let key_digest = Digest::of(&facilitator_key);
        let now = self.services.clock.now();
        let NewGroupDetails { name, events } = details;
        let mut group = Group::new(GroupState::new(code.clone(), name.clone(), now));
        let mut writes = vec![Write::CreateGroup(NewGroup {
            code: code.clone(),
            name,
            created_at: now,
            facilitator_key: key_digest,
        })];
        for (seq, event) in (1..).zip(events) {
            group.apply(&event, None);
            writes.push(Write::AppendGroupEvent {
                group: code.clone(),
                event: StoredEvent {
                    seq,
                    at: now,
                    actor: None,
                    command_id: None,
                    event,
                },
            });
        }
        let seq = writes.len() as u64 - 1;
        self.journal
            .write_all_durably(writes)
            .await
            .map_err(|_| CreateError::Stopping)?;
        // Shared by a cluster: the node its first connection reaches loads it.
        if self.services.store.is_shared() {
            tracing::info!(group = %code, "group created");
            return Ok(CreatedGroup {
                code,
                facilitator_key,
            });
        }
        let owned = Owned::Group(code.clone());
        let epoch = self
            .claim(owned.clone())
            .await
            .map_err(|_| CreateError::Storage)?;
        self.groups
            .insert(&code, || async {
                let registration = self.groups.registration(&code);
                let registration = self.releasing(registration, owned, epoch);
                group::spawn(
                    code.clone(),
                    group,
                    seq,
                    key_digest,
                    self.context(),
                    registration,
                )
            })
            .await;
        tracing::info!(group = %code, "group created");
        Ok(CreatedGroup {
            code,
            facilitator_key,
        })
    }

    /// Whether the store holds a group with this code.
    async fn is_group_stored(&self, code: &GroupCode) -> Result<bool, CreateError> {
        match self.services.store.load_group(code).await {
            Ok(stored) => Ok(stored.is_some()),
            Err(error) => {
                tracing::error!(%error, "could not read the store to pick a new group code");
                Err(CreateError::Storage)
            }
        }
    }

    /// The group with this code, loaded from the store if it is not in memory (a handle
    /// may find it put away at that very moment: look it up again then).
    pub async fn find_group(&self, code: &GroupCode) -> Result<GroupHandle, FindError> {
        self.groups.find(code, || self.load_group(code)).await
    }

    async fn load_group(&self, code: &GroupCode) -> Result<GroupHandle, FindError> {
        if self.deleting_groups.contains(code) {
            return Err(FindError::Unknown);
        }
        // This group's slot is already in the map.
        if self.groups.len() > self.config.max_rooms {
            return Err(FindError::ServerFull);
        }
        let owned = Owned::Group(code.clone());
        let epoch = self.claim(owned.clone()).await?;
        let stored = found(self.services.store.load_group(code).await, "group", code)?;
        let group = replayed(group::replayed(stored), "group", code)?;
        let closed = match group.live_room() {
            Some(room) => self.closed_in_store(room).await?,
            None => None,
        };
        let registration = self.releasing(self.groups.registration(code), owned, epoch);
        Ok(group.start(closed, self.context(), registration))
    }

    /// Groups in memory (and being loaded).
    pub fn groups_in_memory(&self) -> usize {
        self.groups.len()
    }
}
