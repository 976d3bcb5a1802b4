//! Claiming a room or group in the store before it is loaded, and giving it back when
//! it is put away (`docs/cluster.md`).
//!
//! With one server (SQLite, memory) every claim is granted at epoch 0 and nothing is
//! given back. Nodes sharing PostgreSQL hold each room and group one at a time: a claim
//! refused because a live node holds it is [`FindError::Moved`], and putting an actor
//! away queues the release of its claim after its last writes, so that another node may
//! load it at once.

use super::{FindError, Registry};
use crate::actor::Registration;
use crate::storage::journal::Durable;
use crate::storage::{Claim, Owned, Write};

impl Registry {
    /// Make `owned` this node's before loading it (or starting it just after its
    /// creation): the epoch it holds it at, or where it is served.
    pub(super) async fn claim(&self, owned: Owned) -> Result<u64, FindError> {
        match self.services.store.claim(&owned).await {
            Ok(Claim::Granted { epoch, took_over }) => {
                self.services.metrics.claimed(took_over);
                Ok(epoch)
            }
            Ok(Claim::Held { by }) => {
                tracing::debug!(%owned, node = %by.id, "held by another node");
                Err(FindError::Moved(by))
            }
            Err(error) => {
                tracing::error!(%owned, %error, "could not claim");
                Err(FindError::Storage)
            }
        }
    }

    /// Claim every one of `all` (to delete them), or none: what was claimed before a
    /// refusal is given back. Whether all were.
    pub(super) async fn claim_all(&self, all: Vec<Owned>) -> bool {
        let mut claimed = Vec::with_capacity(all.len());
        for owned in all {
            match self.claim(owned.clone()).await {
                Ok(epoch) => claimed.push((owned, epoch)),
                Err(_) => {
                    for (owned, epoch) in claimed.into_iter().filter(|(_, epoch)| *epoch > 0) {
                        self.journal
                            .write(Write::Release { owned, epoch }, Durable::Quiet);
                    }
                    return false;
                }
            }
        }
        true
    }

    /// `registration`, whose putting away also gives back the claim on `owned` made at
    /// `epoch` (after everything the actor wrote: it is put away only once all of it
    /// is durable).
    pub(super) fn releasing(
        &self,
        mut registration: Registration,
        owned: Owned,
        epoch: u64,
    ) -> Registration {
        // Epoch 0: a store of one node, where there is nothing to give back.
        if epoch == 0 {
            return registration;
        }
        let journal = self.journal.clone();
        let leave = registration.put_away;
        registration.put_away = Box::new(move || {
            let held = leave();
            journal.write(Write::Release { owned, epoch }, Durable::Quiet);
            held
        });
        registration
    }
}
