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
//! the disk stall, a room stops reading its mailbox once [`MAX_UNDURABLE`] events wait,
//! which slows its senders down.
//!
//! A room is loaded from the store by replaying its stored events
//! ([`restore`](super::restore)) when
//! someone comes to it, and put away again once nobody has been connected for
//! [`Config::idle_room`], with nothing waiting for the disk: it leaves the registry
//! ([`PutAway`]), closes its mailbox and stops.

mod commands;
mod entering;

use super::attendance::Attendance;
use super::durability::DurabilityGate;
use super::seats::Seats;
use super::{
    ConnId, ConnectionLink, Description, Frame, PutAway, RoomHandle, RoomInstance, ToRoom,
};
use crate::config::Config;
use crate::secrets::Digest;
use crate::services::Services;
use crate::storage::journal::Durable;
use crate::storage::{Journal, Write};
use axum::extract::ws::Utf8Bytes;
use shared::wire::ByeReason;
use shared::{Event, ParticipantId, Rejection, Room, RoomCode, RoomState, Step};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Events a room may have waiting for the disk before it stops taking commands.
pub const MAX_UNDURABLE: u64 = 4096;

/// How a room is known to the registry, and how it leaves it.
pub struct Registration {
    pub instance: RoomInstance,
    pub put_away: PutAway,
}

/// What every room works with: the server's settings and services, and the journal its
/// writes go to.
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub services: Services,
    pub journal: Journal,
}

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

/// A connection seated in the room.
struct Connection {
    participant: ParticipantId,
    frames: mpsc::Sender<Frame>,
    kick: Option<oneshot::Sender<ByeReason>>,
}

/// Something to send once the room's events are durable up to a point.
enum Held {
    /// An event, to everyone seated when it goes out.
    Event { frame: Frame },
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
    /// The sequence number of the last event.
    seq: u64,
    /// Where the journal reports durability (the actor subscribes to it).
    durable_tx: Arc<watch::Sender<u64>>,
    /// What waits for the events it rests on to be durable.
    gate: DurabilityGate<Held>,
    facilitator_key: Digest,
    seats: Seats,
    connections: HashMap<ConnId, Connection>,
    /// Connections found closed or too slow while sending, to unseat afterwards.
    dropped: Vec<(ConnId, Option<ByeReason>)>,
    /// What the current message changed, to queue for the disk as one unit when it is
    /// handled (a command's events are never split across commits).
    unwritten: Vec<Write>,
    journal: Journal,
    config: Arc<Config>,
    services: Services,
    /// Since when nobody has been connected; the room is put away
    /// [`Config::idle_room`] after that.
    attendance: Attendance,
}

/// Queue a frame on a connection's bounded queue without waiting. `Err` means the
/// connection must go: too slow (its queue is full) or already gone (`None`).
fn offer(frames: &mpsc::Sender<Frame>, frame: Frame) -> Result<(), Option<ByeReason>> {
    match frames.try_send(frame) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(_)) => Err(Some(ByeReason::SlowConsumer)),
        Err(mpsc::error::TrySendError::Closed(_)) => Err(None),
    }
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
        let (durable_tx, _) = watch::channel(seq);
        RoomActor {
            code,
            room,
            seq,
            durable_tx: Arc::new(durable_tx),
            gate: DurabilityGate::new(seq),
            facilitator_key,
            seats,
            connections: HashMap::new(),
            dropped: Vec::new(),
            unwritten: Vec::new(),
            journal,
            config,
            services,
            attendance: Attendance::new(Instant::now()),
        }
    }

    pub(super) fn start(self, registration: Registration) -> RoomHandle {
        let (mailbox, inbox) = mpsc::channel(self.config.room_mailbox);
        tokio::spawn(self.run(inbox, registration.put_away));
        RoomHandle {
            mailbox,
            instance: registration.instance,
        }
    }

    async fn run(mut self, mut inbox: mpsc::Receiver<ToRoom>, put_away: PutAway) {
        let mut durable_rx = self.durable_tx.subscribe();
        loop {
            let expiry = self.seats.next_expiry(self.config.grace);
            let bedtime = self.bedtime(expiry.is_some());
            let keeping_up = self.seq - self.gate.durable() < MAX_UNDURABLE;
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
            self.write_out();
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
        let settled = self.connections.is_empty()
            && self.gate.is_empty()
            && self.gate.durable() == self.seq
            && !grace_running;
        let since = self.attendance.unattended_since().filter(|_| settled)?;
        // An idle time too long to add to the clock means never.
        since.checked_add(self.config.idle_room)
    }

    /// Leave the registry, so that the next lookup loads the room from the store, and
    /// stop. Everything the room did is durable. Messages that arrived meanwhile are
    /// dropped unanswered: their senders see the room gone and ask the registry again.
    async fn put_away(self, mut inbox: mpsc::Receiver<ToRoom>, put_away: PutAway) {
        if !put_away() {
            tracing::warn!(room = %self.code, "an idle room was no longer in the registry");
        }
        inbox.close();
        while inbox.recv().await.is_some() {}
        self.services.metrics.room_put_away();
        tracing::debug!(room = %self.code, "session put away");
    }

    /// Queue what the last message changed for the disk, as one unit; the room hears
    /// back once it is durable.
    fn write_out(&mut self) {
        if self.unwritten.is_empty() {
            return;
        }
        self.journal.write_all(
            std::mem::take(&mut self.unwritten),
            Durable::Room {
                persisted: self.durable_tx.clone(),
                seq: self.seq,
            },
        );
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
            ToRoom::Leave { conn } => self.dropped.push((conn, None)),
            ToRoom::Describe { reply } => {
                let description = Description {
                    title: self.room.state.title.clone(),
                    open: self.room.state.step != Step::Closed,
                };
                self.when_durable(self.seq, Held::Describe(Box::new((description, reply))));
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
        self.gate.now_durable(up_to);
        while let Some(held) = self.gate.next_ready() {
            self.release(held);
        }
    }

    /// Do `held` once events up to `needed` are durable: now if they are and nothing
    /// older waits, else in turn.
    fn when_durable(&mut self, needed: u64, held: Held) {
        if let Some(held) = self.gate.pass(needed, held) {
            self.release(held);
        }
    }

    fn release(&mut self, held: Held) {
        match held {
            Held::Event { frame } => {
                // The same bytes for everyone, queued without building a list of
                // recipients.
                for (&conn, connection) in &self.connections {
                    if let Err(reason) = offer(&connection.frames, frame.clone()) {
                        self.dropped.push((conn, reason));
                    }
                }
                self.services.metrics.event(self.connections.len());
            }
            Held::Answer { conn, frame } => self.send(conn, frame),
            Held::Describe(described) => {
                let (description, reply) = *described;
                let _ = reply.send(description);
            }
            Held::Private { participant, frame } => {
                let own: Vec<ConnId> = self.seats.connections_of(&participant).collect();
                for conn in own {
                    self.send(conn, frame.clone());
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
                self.connections.insert(
                    conn,
                    Connection {
                        participant: participant.clone(),
                        frames: link.frames,
                        kick: Some(link.kick),
                    },
                );
                self.send(conn, joined);
                self.send(conn, snapshot);
                let _ = reply.send(Ok(participant));
                tracing::debug!(room = %self.code, "connection seated");
            }
        }
    }

    /// The facilitator deleted the room: tell everyone, forget it on disk, stop.
    fn delete(&mut self, reply: oneshot::Sender<Option<oneshot::Receiver<()>>>) {
        for (_, mut connection) in self.connections.drain() {
            if let Some(kick) = connection.kick.take() {
                let _ = kick.send(ByeReason::SessionDeleted);
            }
        }
        // Joins still waiting are refused by dropping their reply; what was not written
        // yet need not be.
        self.gate.clear();
        self.unwritten.clear();
        let (done, deleted) = oneshot::channel();
        self.journal.write(
            Write::DeleteRoom {
                room: self.code.clone(),
            },
            Durable::Notify(done),
        );
        let _ = reply.send(Some(deleted));
        tracing::info!(room = %self.code, "session deleted");
    }

    /// Queue a frame for one connection without waiting; a full queue means the
    /// connection cannot keep up, and it is dropped.
    fn send(&mut self, conn: ConnId, frame: Utf8Bytes) {
        let Some(connection) = self.connections.get(&conn) else {
            return;
        };
        if let Err(reason) = offer(&connection.frames, Arc::new(frame)) {
            self.dropped.push((conn, reason));
        }
    }

    /// Unseat connections that left or fell behind; mark participants away when their
    /// last connection goes. Marking away publishes, which may find more to drop.
    fn unseat_dropped(&mut self) {
        while let Some((conn, reason)) = self.dropped.pop() {
            let Some(mut connection) = self.connections.remove(&conn) else {
                continue;
            };
            if let (Some(reason), Some(kick)) = (reason, connection.kick.take()) {
                if reason == ByeReason::SlowConsumer {
                    self.services.metrics.slow_consumer();
                }
                tracing::info!(room = %self.code, participant = %connection.participant, ?reason, "dropping connection");
                let _ = kick.send(reason);
            }
            let participant = connection.participant;
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
