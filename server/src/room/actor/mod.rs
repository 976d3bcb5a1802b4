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

use super::{Description, RoomHandle, ToRoom};
use crate::actor::attendance::Attendance;
use crate::actor::seats::Seats;
use crate::actor::{
    Audience, ConnId, ConnectionLink, Context, Handle, Outbox, PutAway, Registration,
    leave_registry,
};
use crate::config::Config;
use crate::secrets::Digest;
use crate::services::Services;
use crate::storage::Write;
use axum::extract::ws::Utf8Bytes;
use shared::wire::ByeReason;
use shared::{Event, ParticipantId, Rejection, Room, RoomCode, RoomState, Step};
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Start the actor of a new room, already stored, and return its handle.
pub fn spawn(
    code: RoomCode,
    state: RoomState,
    facilitator_key: Digest,
    context: Context,
    registration: Registration,
) -> RoomHandle {
    let actor = RoomActor::new(
        code,
        Room::new(state),
        0,
        facilitator_key,
        Seats::default(),
        context,
    );
    actor.start(registration)
}

/// Something to send once the room's events are durable up to a point.
enum Held {
    /// An event, to everyone seated when it goes out.
    Event { frame: crate::actor::Frame },
    /// A frame for one connection: an answer, a snapshot.
    Answer { conn: ConnId, frame: Utf8Bytes },
    /// A frame for every connection of one participant.
    Private {
        participant: ParticipantId,
        frame: Utf8Bytes,
    },
    /// Seat a connection (boxed: the queue's slots are as large as its largest item,
    /// and rooms keep their queue's capacity).
    Seat(Box<Seating>),
    /// What the room says of itself to a visitor (boxed, like `Seat`).
    Describe(Box<(Description, oneshot::Sender<Description>)>),
}

/// A connection to seat: its `joined` (whose token must still open the seat after a
/// crash) and its snapshot, taken when it came in; the events after that snapshot follow
/// it in the queue.
pub(super) struct Seating {
    conn: ConnId,
    participant: ParticipantId,
    link: ConnectionLink,
    joined: Utf8Bytes,
    snapshot: Utf8Bytes,
    reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
}

pub(super) struct RoomActor {
    code: RoomCode,
    room: Room,
    /// Its events on their way to the disk, and what waits for them.
    outbox: Outbox<Held>,
    facilitator_key: Digest,
    seats: Seats,
    connections: Audience,
    config: Arc<Config>,
    services: Services,
    /// Since when nobody has been connected; the room is put away
    /// [`Config::idle_room`] after that.
    attendance: Attendance,
}

impl RoomActor {
    pub(super) fn new(
        code: RoomCode,
        room: Room,
        seq: u64,
        facilitator_key: Digest,
        seats: Seats,
        context: Context,
    ) -> Self {
        let Context {
            config,
            services,
            journal,
        } = context;
        RoomActor {
            code,
            room,
            outbox: Outbox::new(seq, journal),
            facilitator_key,
            seats,
            connections: Audience::default(),
            config,
            services,
            attendance: Attendance::new(Instant::now()),
        }
    }

    pub(super) fn start(self, registration: Registration) -> RoomHandle {
        let (handle, inbox) = Handle::open(self.config.room_mailbox, registration.instance);
        tokio::spawn(self.run(inbox, registration.put_away));
        handle
    }

    async fn run(mut self, mut inbox: mpsc::Receiver<ToRoom>, put_away: PutAway) {
        let mut durable_rx = self.outbox.subscribe();
        loop {
            let expiry = self.seats.next_expiry(self.config.grace);
            let bedtime = self.bedtime(expiry.is_some());
            let keeping_up = self.outbox.keeping_up();
            tokio::select! {
                biased;
                changed = durable_rx.changed() => {
                    if changed.is_ok() {
                        let up_to = *durable_rx.borrow_and_update();
                        self.now_durable(up_to);
                    }
                }
                message = inbox.recv(), if keeping_up => {
                    let Some(message) = message else { break };
                    if self.handle(message).is_break() {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(expiry.unwrap_or_else(Instant::now)), if expiry.is_some() => {
                    self.expire_graces();
                }
                _ = tokio::time::sleep_until(bedtime.unwrap_or_else(Instant::now)), if bedtime.is_some() => {
                    self.put_away(inbox, put_away).await;
                    return;
                }
            }
            self.unseat_dropped();
            self.outbox.write_out();
            self.note_attendance();
        }
        tracing::debug!(room = %self.code, "room actor stopped");
    }

    /// Start or stop the idle clock as the last connection leaves or a first one comes.
    fn note_attendance(&mut self) {
        let attended = !self.connections.is_empty();
        self.attendance.note(attended, Instant::now());
    }

    /// When the room may be put away: once nobody has been connected for
    /// [`Config::idle_room`], with nothing waiting for the disk, nobody waiting to be
    /// seated and no grace period running (its end may lower a hand). `None` while any
    /// of that is not so.
    fn bedtime(&self, grace_running: bool) -> Option<Instant> {
        let settled = self.connections.is_empty() && self.outbox.settled() && !grace_running;
        let since = self.attendance.unattended_since().filter(|_| settled)?;
        // An idle time too long to add to the clock means never.
        since.checked_add(self.config.idle_room)
    }

    /// Leave the registry, so that the next lookup loads the room from the store, and
    /// stop. Everything the room did is durable. Messages that arrived meanwhile are
    /// dropped unanswered: their senders see the room gone and ask the registry again.
    async fn put_away(self, inbox: mpsc::Receiver<ToRoom>, put_away: PutAway) {
        if !leave_registry(inbox, put_away).await {
            tracing::warn!(room = %self.code, "an idle room was no longer in the registry");
        }
        self.services.metrics.room_put_away();
        tracing::debug!(room = %self.code, "session put away");
    }

    /// Handle one message; `Break` once the room has stopped (deleted).
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
            ToRoom::Leave { conn } => self.connections.leave(conn),
            ToRoom::Describe { reply } => {
                let description = Description {
                    title: self.room.state.title.clone(),
                    open: self.room.state.step != Step::Closed,
                };
                self.when_durable(
                    self.outbox.seq(),
                    Held::Describe(Box::new((description, reply))),
                );
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

    /// The journal says events up to `up_to` are durable: release what waited for them.
    fn now_durable(&mut self, up_to: u64) {
        self.outbox.now_durable(up_to);
        while let Some(held) = self.outbox.next_ready() {
            self.release(held);
        }
    }

    /// Do `held` once events up to `needed` are durable: now if they are and nothing
    /// older waits, else in turn.
    fn when_durable(&mut self, needed: u64, held: Held) {
        if let Some(held) = self.outbox.hold(needed, held) {
            self.release(held);
        }
    }

    fn release(&mut self, held: Held) {
        match held {
            Held::Event { frame } => {
                self.connections.broadcast(&frame);
                self.services.metrics.event(self.connections.len());
            }
            Held::Answer { conn, frame } => self.connections.send(conn, frame),
            Held::Describe(described) => {
                let (description, reply) = *described;
                let _ = reply.send(description);
            }
            Held::Private { participant, frame } => {
                let own: Vec<ConnId> = self.seats.connections_of(&participant).collect();
                for conn in own {
                    self.connections.send(conn, frame.clone());
                }
            }
            Held::Seat(seating) => {
                let Seating {
                    conn,
                    participant,
                    link,
                    joined,
                    snapshot,
                    reply,
                } = *seating;
                self.connections.seat(conn, participant.clone(), link);
                self.connections.send(conn, joined);
                self.connections.send(conn, snapshot);
                let _ = reply.send(Ok(participant));
                tracing::debug!(room = %self.code, "connection seated");
            }
        }
    }

    /// The facilitator deleted the room: tell everyone, forget it on disk, stop.
    /// Joins still waiting are refused by dropping their reply; what was not written
    /// yet need not be.
    fn delete(&mut self, reply: oneshot::Sender<Option<oneshot::Receiver<()>>>) {
        self.connections.kick_all(ByeReason::SessionDeleted);
        let deleted = self.outbox.delete(Write::DeleteRoom {
            room: self.code.clone(),
        });
        let _ = reply.send(Some(deleted));
        tracing::info!(room = %self.code, "session deleted");
    }

    /// Unseat connections that left or fell behind; mark participants away when their
    /// last connection goes. Marking away publishes, which may find more to drop.
    fn unseat_dropped(&mut self) {
        while let Some((conn, participant, reason)) =
            self.connections.unseat_next(&self.services.metrics)
        {
            if let Some(reason) = reason {
                tracing::info!(room = %self.code, participant = %participant, ?reason, "dropping connection");
            }
            if self.seats.detach(&participant, conn, Instant::now()) {
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

    /// Participants away for longer than the grace period lose their place in the
    /// hand queue; their seat and role stay theirs.
    fn expire_graces(&mut self) {
        for participant in self.seats.take_expired(Instant::now(), self.config.grace) {
            if self.room.state.has_hand_raised(&participant) {
                tracing::info!(room = %self.code, participant = %participant, "grace period over");
                self.publish(Event::HandLowered { participant }, None, None);
            }
        }
    }
}
