//! The part of an actor that is the same for a room and a group: what it holds until
//! durable ([`Held`]) and how that goes out, who is seated, since when nobody has been,
//! and the loop that runs it all ([`run`]), each actor adding only its own messages
//! ([`Actor`]).

use super::attendance::Attendance;
use super::seats::Seats;
use super::{Audience, ConnId, ConnectionLink, Context, Frame, Outbox, PutAway, leave_registry};
use crate::metrics::Metrics;
use crate::storage::journal::Progress;
use axum::extract::ws::Utf8Bytes;
use shared::wire::ByeReason;
use shared::{ParticipantId, Rejection};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Something to send once the actor's events are durable up to a point; `X` is what
/// only one kind of actor holds.
pub enum Held<X> {
    /// An event, to everyone seated when it goes out.
    Event { frame: Frame },
    /// A frame for everyone seated when it goes out that is no event (who is present):
    /// held only to keep its place after the events it follows.
    Notice { frame: Frame },
    /// A frame for one connection: an answer, a snapshot.
    Answer { conn: ConnId, frame: Utf8Bytes },
    /// A frame for every connection of one participant.
    Private {
        participant: ParticipantId,
        frame: Utf8Bytes,
    },
    /// Seat a connection (boxed: the queue's slots are as large as its largest item,
    /// and actors keep their queue's capacity).
    Seat(Box<Seating>),
    /// The actor's own (boxed, like `Seat`, if large).
    Own(X),
}

/// A connection to seat: its `joined` (whose token must still open the seat after a
/// crash) and its snapshot, taken when it came in; the events after that snapshot follow
/// it in the queue.
pub struct Seating {
    pub conn: ConnId,
    pub participant: ParticipantId,
    pub link: ConnectionLink,
    pub joined: Utf8Bytes,
    pub snapshot: Utf8Bytes,
    pub reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
}

pub struct Core<X> {
    /// Its events on their way to the disk, and what waits for them.
    pub outbox: Outbox<Held<X>>,
    pub connections: Audience,
    pub seats: Seats,
    /// Since when nobody has been connected; the actor is put away `idle` after that.
    attendance: Attendance,
    idle: Duration,
    pub metrics: Arc<Metrics>,
}

impl<X> Core<X> {
    /// The core of an actor with `outbox` and `seats`, in `context`.
    pub fn new(outbox: Outbox<Held<X>>, seats: Seats, context: &Context) -> Self {
        Core {
            outbox,
            connections: Audience::default(),
            seats,
            attendance: Attendance::new(Instant::now()),
            idle: context.config.idle_room,
            metrics: context.services.metrics.clone(),
        }
    }

    /// Do `held` once events up to `needed` are durable: now if they are and nothing
    /// older waits, else in turn. What is the actor's own comes back if it goes now.
    #[must_use]
    pub fn when_durable(&mut self, needed: u64, held: Held<X>) -> Option<X> {
        let held = self.outbox.hold(needed, held)?;
        self.release(held)
    }

    /// Send the next item whose events are durable: `None` once none is ready, and
    /// the actor's own item for it to handle.
    pub fn next_released(&mut self) -> Option<Option<X>> {
        let held = self.outbox.next_ready()?;
        Some(self.release(held))
    }

    fn release(&mut self, held: Held<X>) -> Option<X> {
        match held {
            Held::Event { frame } => {
                self.connections.broadcast(&frame);
                self.metrics.event(self.connections.len());
            }
            Held::Notice { frame } => self.connections.broadcast(&frame),
            Held::Answer { conn, frame } => self.connections.send(conn, frame),
            Held::Private { participant, frame } => {
                for conn in self.seats.connections_of(&participant) {
                    self.connections.send(conn, frame.clone());
                }
            }
            Held::Seat(seating) => {
                let seating = *seating;
                let (conn, participant) = (seating.conn, seating.participant);
                self.connections
                    .seat(conn, participant.clone(), seating.link);
                self.connections.send(conn, seating.joined);
                self.connections.send(conn, seating.snapshot);
                let _ = seating.reply.send(Ok(participant));
            }
            Held::Own(own) => return Some(own),
        }
        None
    }

    /// Start or stop the idle clock as the last connection leaves or a first one comes.
    fn note_attendance(&mut self) {
        let attended = !self.connections.is_empty();
        self.attendance.note(attended, Instant::now());
    }

    /// When the actor may be put away: once nobody has been connected for `idle`, with
    /// nothing waiting for the disk, nobody waiting to be seated and no alarm set (its
    /// ringing may change the state). `None` while any of that is not so.
    fn bedtime(&self, alarm_set: bool) -> Option<Instant> {
        let settled = self.connections.is_empty() && self.outbox.settled() && !alarm_set;
        let since = self.attendance.unattended_since().filter(|_| settled)?;
        // An idle time too long to add to the clock means never.
        since.checked_add(self.idle)
    }
}

/// What a room's or a group's actor adds to its [`Core`].
pub trait Actor: Send + Sized + 'static {
    type Message: Send + 'static;
    type Own: Send + 'static;

    fn core(&mut self) -> &mut Core<Self::Own>;
    /// Handle one message; `Break` once the actor has stopped (deleted).
    fn handle(&mut self, message: Self::Message) -> ControlFlow<()>;
    /// Its own held item may go now.
    fn release_own(&mut self, own: Self::Own);
    /// When it must wake up with no message (a grace period's end), if ever.
    fn alarm(&self) -> Option<Instant> {
        None
    }
    fn on_alarm(&mut self) {}
    /// Unseat the connections that left or fell behind.
    fn unseat_dropped(&mut self);
    /// It has left the registry and stops.
    fn put_away(&self);
    /// Another node owns its room or group now: nothing it did since its last durable
    /// event was written, and nothing more may go out. Its connections are told to go
    /// where it is served now.
    fn lost(&mut self) {
        self.core().connections.kick_all(ByeReason::Moved);
    }
}

/// Release what the journal's report that events up to `up_to` are durable lets go.
fn now_durable<A: Actor>(actor: &mut A, up_to: u64) {
    actor.core().outbox.now_durable(up_to);
    while let Some(released) = actor.core().next_released() {
        if let Some(own) = released {
            actor.release_own(own);
        }
    }
}

/// Do `held` once events up to `needed` are durable, the actor's own item included.
pub fn when_durable<A: Actor>(actor: &mut A, needed: u64, held: Held<A::Own>) {
    if let Some(own) = actor.core().when_durable(needed, held) {
        actor.release_own(own);
    }
}

/// The actor's life: messages one at a time, durability reports as they come, its
/// alarm, and putting itself away once idle.
pub async fn run<A: Actor>(mut actor: A, mut inbox: mpsc::Receiver<A::Message>, put_away: PutAway) {
    let mut durable_rx = actor.core().outbox.subscribe();
    // What was written before the loop (a group's repair as it loads) may be durable
    // already: a receiver made after that report would not see it as a change.
    durable_rx.mark_changed();
    loop {
        let alarm = actor.alarm();
        let bedtime = actor.core().bedtime(alarm.is_some());
        let keeping_up = actor.core().outbox.keeping_up();
        tokio::select! {
            biased;
            changed = durable_rx.changed() => {
                if changed.is_ok() {
                    let progress = *durable_rx.borrow_and_update();
                    match progress {
                        Progress::Durable(up_to) => now_durable(&mut actor, up_to),
                        Progress::Lost => {
                            tracing::warn!("lost to another node: its connections are sent there");
                            actor.lost();
                            if !leave_registry(inbox, put_away).await {
                                tracing::warn!("a lost room or group was no longer in the registry");
                            }
                            return;
                        }
                    }
                }
            }
            message = inbox.recv(), if keeping_up => {
                let Some(message) = message else { return };
                if actor.handle(message).is_break() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(alarm.unwrap_or_else(Instant::now)), if alarm.is_some() => {
                actor.on_alarm();
            }
            _ = tokio::time::sleep_until(bedtime.unwrap_or_else(Instant::now)), if bedtime.is_some() => {
                // Everything it did is durable.
                if !leave_registry(inbox, put_away).await {
                    tracing::warn!("an idle room or group was no longer in the registry");
                }
                actor.put_away();
                return;
            }
        }
        actor.unseat_dropped();
        let core = actor.core();
        core.outbox.write_out();
        core.note_attendance();
    }
}
