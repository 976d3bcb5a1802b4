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
use std::time::Duration;

/// The longest a claim waits for a silent node's lease to lapse (leases run 5 s by
/// default; a longer one is not waited for).
const MOST_WAITED: Duration = Duration::from_secs(30);
/// Past the lapse, so that the database, whose clock judges it, agrees it lapsed.
const LAPSE_MARGIN: Duration = Duration::from_millis(50);

impl Registry {
    /// Make `owned` this node's before loading it (or starting it just after its
    /// creation): the epoch it holds it at, or where it is served.
    ///
    /// A node that has stopped renewing its lease is probably gone: rather than send
    /// people to it, the claim waits for its lease to lapse (a few seconds at most) and
    /// takes the room over.
    pub(super) async fn claim(&self, owned: Owned) -> Result<u64, FindError> {
        let mut waited = false;
        loop {
            match self.services.store.claim(&owned).await {
                Ok(Claim::Granted { epoch, took_over }) => {
                    self.services.metrics.claimed(took_over);
                    return Ok(epoch);
                }
                Ok(Claim::Held {
                    by,
                    lapses_in: Some(lapses_in),
                }) if !waited && lapses_in <= MOST_WAITED => {
                    tracing::info!(%owned, node = %by.name, ?lapses_in, "its node is silent: waiting for its lease to lapse");
                    tokio::time::sleep(lapses_in + LAPSE_MARGIN).await;
                    waited = true;
                }
                Ok(Claim::Held { by, .. }) => {
                    tracing::debug!(%owned, node = %by.name, "held by another node");
                    return Err(FindError::Moved(by));
                }
                Err(error) => {
                    tracing::error!(%owned, %error, "could not claim");
                    return Err(FindError::Storage);
                }
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

    /// `registration`, whose actor's writes are fenced by its claim on `owned` at
    /// `epoch`, and whose putting away also gives that claim back (after everything the
    /// actor wrote: it is put away only once all of it is durable).
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
        registration.fence = Some((owned.clone(), epoch));
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
