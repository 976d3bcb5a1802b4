//! An actor's numbered events on their way to the disk, and what waits for them.
//!
//! The actor numbers each event ([`Outbox::next_seq`]), queues what the current message
//! changed ([`Outbox::write`]) and hands it to the journal as one unit when the message
//! is handled ([`Outbox::write_out`]), without waiting for the disk; everything it sends
//! enters the [`DurabilityGate`] with the sequence number it rests on, and leaves as the
//! journal reports the events durable. Should the disk stall, the actor stops reading its
//! mailbox once [`MAX_UNDURABLE`] events wait ([`Outbox::keeping_up`]), which slows its
//! senders down.

use super::durability::DurabilityGate;
use crate::storage::journal::{Durable, Progress};
use crate::storage::{Journal, Owned, Write};
use std::sync::Arc;
use tokio::sync::watch;

/// Events an actor may have waiting for the disk before it stops taking messages.
pub const MAX_UNDURABLE: u64 = 4096;

#[derive(Debug)]
pub struct Outbox<H> {
    /// The sequence number of the last event.
    seq: u64,
    /// Where the journal reports durability, or that the actor's room or group is lost
    /// to another node (the actor subscribes to it).
    durable_tx: Arc<watch::Sender<Progress>>,
    /// What waits for the events it rests on to be durable.
    gate: DurabilityGate<H>,
    /// What the current message changed, to queue for the disk as one unit when it is
    /// handled (a command's events are never split across commits).
    unwritten: Vec<Write>,
    journal: Journal,
    /// What the actor holds, at which epoch, in a cluster: each unit it writes starts
    /// with this fence (`Write::Fence`).
    fence: Option<(Owned, u64)>,
}

impl<H> Outbox<H> {
    /// The outbox of an actor whose events up to `seq` are durable.
    pub fn new(seq: u64, journal: Journal) -> Self {
        let (durable_tx, _) = watch::channel(Progress::Durable(seq));
        Outbox {
            seq,
            durable_tx: Arc::new(durable_tx),
            gate: DurabilityGate::new(seq),
            unwritten: Vec::new(),
            journal,
            fence: None,
        }
    }

    /// Fence every unit written from now on by the claim on `owned` at `epoch`.
    pub fn fence(&mut self, fence: Option<(Owned, u64)>) {
        self.fence = fence;
    }

    /// `writes`, behind the actor's fence if it has one.
    fn fenced(&self, mut writes: Vec<Write>) -> Vec<Write> {
        if let Some((owned, epoch)) = &self.fence {
            writes.insert(
                0,
                Write::Fence {
                    owned: owned.clone(),
                    epoch: *epoch,
                },
            );
        }
        writes
    }

    /// The sequence number of the last event.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Number a new event.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Where the journal's reports of durability arrive.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.durable_tx.subscribe()
    }

    /// Whether the disk keeps up: few enough events wait for it to take more messages.
    pub fn keeping_up(&self) -> bool {
        self.seq - self.gate.durable() < MAX_UNDURABLE
    }

    /// Whether nothing waits: every event durable, nothing held.
    pub fn settled(&self) -> bool {
        self.gate.is_empty() && self.gate.durable() == self.seq
    }

    /// Queue a change for the disk with the current message's other changes.
    pub fn write(&mut self, write: Write) {
        self.unwritten.push(write);
    }

    /// `held` rests on event `needed`: it comes back if it may go now, else it waits.
    #[must_use]
    pub fn hold(&mut self, needed: u64, held: H) -> Option<H> {
        self.gate.pass(needed, held)
    }

    /// The journal says events up to `up_to` are durable.
    pub fn now_durable(&mut self, up_to: u64) {
        self.gate.now_durable(up_to);
    }

    /// The next held item that may go, in order.
    pub fn next_ready(&mut self) -> Option<H> {
        self.gate.next_ready()
    }

    /// Queue what the last message changed for the disk, as one unit; the actor hears
    /// back once it is durable.
    pub fn write_out(&mut self) {
        if self.unwritten.is_empty() {
            return;
        }
        let unwritten = std::mem::take(&mut self.unwritten);
        let writes = self.fenced(unwritten);
        self.journal.write_all(
            writes,
            Durable::Room {
                persisted: self.durable_tx.clone(),
                seq: self.seq,
            },
        );
    }

    /// Forget what waits and what was not written (the room or group is deleted, by a
    /// write its caller queues).
    pub fn forget(&mut self) {
        self.gate.clear();
        self.unwritten.clear();
    }

    /// Forget what waits and what was not written (the room or group is deleted), and
    /// queue `deletion`: the receiver fires once it is durable.
    pub fn delete(&mut self, deletion: Write) -> tokio::sync::oneshot::Receiver<()> {
        self.forget();
        let (done, deleted) = tokio::sync::oneshot::channel();
        let writes = self.fenced(vec![deletion]);
        self.journal.write_all(writes, Durable::Notify(done));
        deleted
    }
}
