//! The room's actor: the one task that changes a room.
//!
//! It takes messages from its mailbox one at a time, runs the pure rules
//! ([`shared::logic::decide`]), applies the resulting events, numbers them, encodes each
//! once and hands the same bytes to every connection's bounded queue. A connection whose
//! queue is full is dropped (told why) rather than allowed to slow the room down.
//!
//! Each event is also queued on the [`Journal`] and the actor goes on to its next
//! message without waiting for the disk; but nothing leaves the room before the events
//! it rests on are durable. Events, answers, snapshots and seats wait in one queue, in
//! order, and go out as the journal reports the room's events durable: no screen ever
//! shows what a crash could take back, and whatever a sender was told survives. Should
//! the disk stall, a room stops reading its mailbox once
//! [`MAX_UNDURABLE`](crate::actor::outbox::MAX_UNDURABLE) events wait,
//! which slows its senders down.
//!
//! A room is loaded from the store by replaying its stored events
//! ([`restore`](super::restore)) when
//! someone comes to it, and put away again once nobody has been connected for
//! [`Config::idle_room`], with nothing waiting for the disk: it leaves the registry
//! ([`PutAway`](crate::actor::PutAway)), closes its mailbox and stops.

mod commands;
mod entering;
mod membership;

use super::{Description, RoomHandle, ToRoom};
use crate::actor::core::{self, Actor, Core, Held};
use crate::actor::seats::Seats;
use crate::actor::{Context, Handle, Outbox, Registration, ReportClosing};
use crate::config::Config;
use crate::group::ClosedSession;
use crate::secrets::Digest;
use crate::services::Services;
use crate::storage::{SessionOf, Write};
use shared::wire::ByeReason;
use shared::{Event, Room, RoomCode, RoomState, Step};
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Start the actor of a new room, already stored, and return its handle.
pub fn spawn(
    code: RoomCode,
    state: RoomState,
    facilitator_key: Digest,
    context: Context,
    registration: Registration,
) -> RoomHandle {
    let stored = Stored {
        seq: 0,
        facilitator_key,
        group: None,
    };
    let actor = RoomActor::new(code, Room::new(state), stored, Seats::default(), context);
    actor.start(registration)
}

/// What only a room holds until durable (boxed: the queue's slots are as large as its
/// largest item).
pub(super) enum Own {
    /// What it says of itself to a visitor.
    Described(Box<(Description, oneshot::Sender<Description>)>),
    /// A session of a group closed: what its group is to record.
    Closed(Box<ClosedSession>),
}

/// What a room brings from the store besides its events.
pub(super) struct Stored {
    /// Its events up to this one are durable.
    pub seq: u64,
    pub facilitator_key: Digest,
    pub group: Option<SessionOf>,
}

pub(super) struct RoomActor {
    code: RoomCode,
    room: Room,
    core: Core<Own>,
    facilitator_key: Digest,
    /// The group session it runs, if it runs one.
    group: Option<SessionOf>,
    /// How it tells its group that it closed.
    closing: ReportClosing,
    config: Arc<Config>,
    services: Services,
}

impl RoomActor {
    pub(super) fn new(
        code: RoomCode,
        room: Room,
        stored: Stored,
        seats: Seats,
        context: Context,
    ) -> Self {
        let outbox = Outbox::new(stored.seq, context.journal.clone());
        RoomActor {
            code,
            room,
            core: Core::new(outbox, seats, &context),
            facilitator_key: stored.facilitator_key,
            group: stored.group,
            closing: context.closing,
            config: context.config,
            services: context.services,
        }
    }

    pub(super) fn start(mut self, registration: Registration) -> RoomHandle {
        self.core.outbox.fence(registration.fence);
        let (handle, inbox) = Handle::open(self.config.room_mailbox, registration.instance);
        tokio::spawn(core::run(self, inbox, registration.put_away));
        handle
    }

    /// Do `held` once events up to `needed` are durable.
    fn when_durable(&mut self, needed: u64, held: Held<Own>) {
        core::when_durable(self, needed, held);
    }

    /// The facilitator deleted the room: tell everyone, forget it on disk, stop.
    /// Joins still waiting are refused by dropping their reply; what was not written
    /// yet need not be.
    fn delete(&mut self, reply: oneshot::Sender<Option<oneshot::Receiver<()>>>) {
        self.core.connections.kick_all(ByeReason::SessionDeleted);
        let deleted = self.core.outbox.delete(Write::DeleteRoom {
            room: self.code.clone(),
        });
        let _ = reply.send(Some(self.report_deletion(deleted)));
        tracing::info!(room = %self.code, "session deleted");
    }
}

impl Actor for RoomActor {
    type Message = ToRoom;
    type Own = Own;

    fn core(&mut self) -> &mut Core<Own> {
        &mut self.core
    }

    fn handle(&mut self, message: ToRoom) -> ControlFlow<()> {
        match message {
            ToRoom::Enter {
                conn,
                entry,
                link,
                reply,
            } => self.enter(conn, entry, link, reply),
            ToRoom::Command { conn, id, command } => self.command(conn, id, command),
            ToRoom::Sync { conn } => self.send_snapshot(conn),
            ToRoom::Leave { conn } => self.core.connections.leave(conn),
            ToRoom::Describe { reply } => {
                let description = Description {
                    title: self.room.state.title.clone(),
                    open: self.room.state.step != Step::Closed,
                    group: self.group.clone(),
                };
                let seq = self.core.outbox.seq();
                let described = Own::Described(Box::new((description, reply)));
                self.when_durable(seq, Held::Own(described));
            }
            ToRoom::Delete { key, reply } => {
                if self.facilitator_key.matches(&key) {
                    self.delete(reply);
                    return ControlFlow::Break(());
                }
                let _ = reply.send(None);
            }
        }
        ControlFlow::Continue(())
    }

    fn release_own(&mut self, own: Own) {
        match own {
            Own::Described(described) => {
                let (description, reply) = *described;
                let _ = reply.send(description);
            }
            Own::Closed(closed) => (self.closing)(*closed),
        }
    }

    /// A grace period running: its end may lower a hand.
    fn alarm(&self) -> Option<Instant> {
        self.core.seats.next_expiry(self.config.grace)
    }

    /// Participants away for longer than the grace period lose their place in the
    /// hand queue; their seat and role stay theirs.
    fn on_alarm(&mut self) {
        for participant in self
            .core
            .seats
            .take_expired(Instant::now(), self.config.grace)
        {
            if self.room.state.has_hand_raised(&participant) {
                tracing::info!(room = %self.code, participant = %participant, "grace period over");
                self.publish(Event::HandLowered { participant }, None, None);
            }
        }
    }

    /// Unseat connections that left or fell behind; mark participants away when their
    /// last connection goes. Marking away publishes, which may find more to drop.
    fn unseat_dropped(&mut self) {
        while let Some((conn, participant)) =
            self.core.connections.unseat_next(&self.services.metrics)
        {
            if self.core.seats.detach(&participant, conn, Instant::now()) {
                self.publish(
                    Event::PresenceChanged {
                        participant,
                        connected: false,
                    },
                    None,
                    None,
                );
            }
        }
    }

    fn put_away(&self) {
        self.services.metrics.room_put_away();
        tracing::debug!(room = %self.code, "session put away");
    }
}
