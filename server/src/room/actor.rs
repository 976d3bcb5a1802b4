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
//! A room is loaded from the store by replaying its stored events ([`restore`]) when
//! someone comes to it, and put away again once nobody has been connected for
//! [`Config::idle_room`], with nothing waiting for the disk: it leaves the registry
//! ([`PutAway`]), closes its mailbox and stops.

use super::attendance::Attendance;
use super::seats::{PastAnswer, Seats};
use super::{
    ConnId, ConnectionLink, Description, Entry, Frame, PutAway, RoomHandle, RoomInstance, ToRoom,
};
use crate::config::Config;
use crate::frames;
use crate::secrets::{self, Digest};
use crate::storage::journal::Durable;
use crate::storage::{Journal, StoreError, StoredEvent, StoredRoom, Write};
use axum::extract::ws::Utf8Bytes;
use shared::logic::{decide, decide_join};
use shared::state::Role;
use shared::wire::{ByeReason, PROTOCOL_VERSION, ServerMessage};
use shared::{
    Command, ErrorCode, Event, ParticipantId, Rejection, Room, RoomCode, RoomState, Step,
};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Events a room may have waiting for the disk before it stops taking commands.
pub const MAX_UNDURABLE: u64 = 4096;

/// The room's queue of what waits for the disk keeps at most this many slots when it
/// empties: enough for a busy room without reallocating, little for an idle one.
const HELD_KEPT_CAPACITY: usize = 16;

/// How a room is known to the registry, and how it leaves it.
pub struct Registration {
    pub instance: RoomInstance,
    pub put_away: PutAway,
}

/// Start the actor of a new room, already stored, and return its handle.
pub fn spawn(
    code: RoomCode,
    state: RoomState,
    facilitator_key: Digest,
    config: Arc<Config>,
    journal: Journal,
    registration: Registration,
) -> RoomHandle {
    let actor = RoomActor::new(
        code,
        Room::new(state),
        0,
        facilitator_key,
        Seats::default(),
        config,
        journal,
    );
    actor.start(registration)
}

/// Rebuild a stored room by replaying its events, and start its actor. Everyone is
/// away until they come back; their grace period starts now.
pub fn restore(
    stored: StoredRoom,
    config: Arc<Config>,
    journal: Journal,
    registration: Registration,
) -> Result<RoomHandle, StoreError> {
    let StoredRoom {
        room: created,
        seats: stored_seats,
        events,
        ..
    } = stored;
    let code = created.code;
    let mut room = Room::new(RoomState::new(
        created.title,
        created.language,
        created.created_at,
    ));
    let mut seats = Seats::default();
    for (participant, token) in stored_seats {
        seats.add(participant, token);
    }
    let mut seq = 0;
    for StoredEvent {
        seq: stored_seq,
        actor,
        command_id,
        event,
        ..
    } in events
    {
        if stored_seq != seq + 1 {
            return Err(StoreError::Corrupt(format!(
                "room {code}: event {stored_seq} follows event {seq}"
            )));
        }
        room.apply(&event, actor.as_ref());
        seq = stored_seq;
        // The answer its sender was (or was about to be) given, should they ask again.
        if let (Some(actor), Some(id)) = (actor, command_id) {
            seats.remember_answer(&actor, id, PastAnswer::Ack { seq });
        }
    }
    for participant in &mut room.state.participants {
        participant.connected = false;
    }
    room.shrink_to_fit();
    seats.all_away(Instant::now());
    let actor = RoomActor::new(
        code,
        room,
        seq,
        created.facilitator_key,
        seats,
        config,
        journal,
    );
    Ok(actor.start(registration))
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
struct Seating {
    conn: ConnId,
    participant: ParticipantId,
    link: ConnectionLink,
    joined: Utf8Bytes,
    snapshot: Utf8Bytes,
    reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
}

struct RoomActor {
    code: RoomCode,
    room: Room,
    /// The sequence number of the last event.
    seq: u64,
    /// The sequence number of the last event known to be durable.
    durable: u64,
    /// Where the journal reports durability (the actor subscribes to it).
    durable_tx: Arc<watch::Sender<u64>>,
    /// What waits for durability, in order of the sequence number it waits for.
    held: VecDeque<(u64, Held)>,
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

/// Commands whose sender must not appear in any log line, since it would tie a note
/// to its author.
fn authorship_sensitive(command: &Command) -> bool {
    matches!(
        command,
        Command::PostNote { .. } | Command::EditNote { .. } | Command::DeleteNote { .. }
    )
}

impl RoomActor {
    fn new(
        code: RoomCode,
        room: Room,
        seq: u64,
        facilitator_key: Digest,
        seats: Seats,
        config: Arc<Config>,
        journal: Journal,
    ) -> Self {
        let (durable_tx, _) = watch::channel(seq);
        RoomActor {
            code,
            room,
            seq,
            durable: seq,
            durable_tx: Arc::new(durable_tx),
            held: VecDeque::new(),
            facilitator_key,
            seats,
            connections: HashMap::new(),
            dropped: Vec::new(),
            unwritten: Vec::new(),
            journal,
            config,
            attendance: Attendance::new(Instant::now()),
        }
    }

    fn start(self, registration: Registration) -> RoomHandle {
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
            let keeping_up = self.seq - self.durable < MAX_UNDURABLE;
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
                    if let ToRoom::Delete { key, reply } = message {
                        if self.facilitator_key.matches(&key) {
                            self.delete(reply);
                            return;
                        }
                        let _ = reply.send(None);
                    } else {
                        self.handle(message);
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
            && self.held.is_empty()
            && self.durable == self.seq
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
        self.config.metrics.room_put_away();
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

    fn handle(&mut self, message: ToRoom) {
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
            ToRoom::Delete { reply, .. } => {
                let _ = reply.send(None);
            }
        }
    }

    /// The journal says events up to `up_to` are durable: release what waited for them.
    fn now_durable(&mut self, up_to: u64) {
        self.durable = self.durable.max(up_to);
        while self
            .held
            .front()
            .is_some_and(|(needed, _)| *needed <= self.durable)
        {
            if let Some((_, held)) = self.held.pop_front() {
                self.release(held);
            }
        }
        // A burst (everyone joining at once) may have grown the queue; an idle room
        // should not keep that memory.
        if self.held.is_empty() && self.held.capacity() > HELD_KEPT_CAPACITY {
            self.held = VecDeque::new();
        }
    }

    /// Do `held` once events up to `needed` are durable: now if they are and nothing
    /// older waits, else in turn.
    fn when_durable(&mut self, needed: u64, held: Held) {
        if needed <= self.durable && self.held.is_empty() {
            self.release(held);
        } else {
            self.held.push_back((needed, held));
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
                self.config.metrics.event(self.connections.len());
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
        self.held.clear();
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

    fn enter(
        &mut self,
        conn: ConnId,
        entry: Entry,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    ) {
        match self.admit(entry) {
            Err(rejection) => {
                let _ = reply.send(Err(rejection));
            }
            Ok((participant, token)) => self.seat(conn, participant, token, link, reply),
        }
    }

    /// Whose seat an entry opens, making a new one if needed, and the token that opens
    /// it.
    fn admit(&mut self, entry: Entry) -> Result<(ParticipantId, String), Rejection> {
        let invalid = || {
            Rejection::new(
                ErrorCode::RoomOrKeyInvalid,
                "no session with this code, or a wrong key",
            )
        };
        let (name, observer, facilitator_key) = match entry {
            Entry::Resume { token } => {
                let participant = self.seats.find_by_token(&token).ok_or_else(invalid)?;
                return Ok((participant, token));
            }
            Entry::New {
                name,
                observer,
                facilitator_key,
            } => (name, observer, facilitator_key),
        };
        let role = match &facilitator_key {
            Some(key) if self.facilitator_key.matches(key) => Role::Facilitator,
            Some(_) => return Err(invalid()),
            None if observer => Role::Observer,
            None => Role::Consultant,
        };
        let token = match &facilitator_key {
            // The facilitator's link opens the facilitator's seat from any device.
            Some(key) => secrets::facilitator_token(key),
            None => secrets::secret_key(),
        };
        let existing_facilitator = self
            .room
            .state
            .facilitator()
            .filter(|_| role == Role::Facilitator)
            .map(|p| p.id.clone());
        if let Some(participant) = existing_facilitator {
            return Ok((participant, token));
        }
        let participant = ParticipantId::new(secrets::participant_id());
        let joined = decide_join(
            &self.room.state,
            participant.clone(),
            &name,
            role,
            &self.config.limits,
        )?;
        let digest = Digest::of(&token);
        self.seats.add(participant.clone(), digest);
        self.unwritten.push(Write::AddSeat {
            room: self.code.clone(),
            participant: participant.clone(),
            token: digest,
        });
        self.publish(joined, None, None);
        tracing::info!(room = %self.code, participant = %participant, ?role, "joined");
        Ok((participant, token))
    }

    /// Seat a connection, once what it is told is durable: `joined` and a snapshot
    /// for it, presence for the others.
    fn seat(
        &mut self,
        conn: ConnId,
        participant: ParticipantId,
        token: String,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    ) {
        let was_away = self.seats.attach(&participant, conn);
        let still_marked_away = self
            .room
            .state
            .participant(&participant)
            .is_some_and(|p| !p.connected);
        // Tell the others before taking this connection's snapshot: it learns the same
        // from its snapshot, and must not get an event older than that snapshot.
        if was_away && still_marked_away {
            self.publish(
                Event::PresenceChanged {
                    participant: participant.clone(),
                    connected: true,
                },
                None,
                None,
            );
        }
        let joined = frames::encode(&ServerMessage::Joined {
            protocol_version: PROTOCOL_VERSION,
            room: self.code.clone(),
            you: participant.clone(),
            token,
        });
        let snapshot = self.snapshot_for(&participant);
        let held = Held::Seat(Box::new(Seating {
            conn,
            participant,
            link,
            joined,
            snapshot,
            reply,
        }));
        self.when_durable(self.seq, held);
    }

    fn command(&mut self, conn: ConnId, id: u64, command: Command) {
        let Some(actor) = self.connections.get(&conn).map(|c| c.participant.clone()) else {
            return;
        };
        if let Some(answer) = self.seats.answer_to(&actor, id) {
            // A re-sent command: same answer, applied once.
            let (frame, needed) = match answer {
                PastAnswer::Ack { seq } => (frames::encode(&ServerMessage::Ack { id, seq }), seq),
                PastAnswer::Refused(refused) => *refused,
            };
            self.when_durable(needed, Held::Answer { conn, frame });
            return;
        }
        self.config.metrics.command(command.name());
        let now = self.config.clock.now();
        let outcome = decide(&self.room, &actor, &command, now, &self.config.limits);
        let logged_actor = if authorship_sensitive(&command) {
            None
        } else {
            Some(&actor)
        };
        match outcome {
            Ok(events) => {
                tracing::debug!(
                    room = %self.code,
                    participant = logged_actor.map(|p| p.as_str()).unwrap_or("-"),
                    command = command.name(),
                    events = events.len(),
                    "accepted"
                );
                for event in events {
                    let posted = match &event {
                        Event::NotePosted { note } => Some(note.id.clone()),
                        _ => None,
                    };
                    self.publish(event, Some(&actor), Some(id));
                    if let Some(note_id) = posted {
                        let frame = frames::encode(&ServerMessage::YourNote { note_id });
                        self.when_durable(
                            self.seq,
                            Held::Private {
                                participant: actor.clone(),
                                frame,
                            },
                        );
                    }
                }
                let ack = frames::encode(&ServerMessage::Ack { id, seq: self.seq });
                self.seats
                    .remember_answer(&actor, id, PastAnswer::Ack { seq: self.seq });
                self.when_durable(self.seq, Held::Answer { conn, frame: ack });
            }
            Err(rejection) => {
                tracing::debug!(
                    room = %self.code,
                    participant = logged_actor.map(|p| p.as_str()).unwrap_or("-"),
                    command = command.name(),
                    code = ?rejection.code,
                    "rejected"
                );
                let refusal = frames::refusal(&self.config.metrics, Some(id), rejection);
                // Even a refusal waits: it may rest on events not yet durable.
                self.seats.remember_answer(
                    &actor,
                    id,
                    PastAnswer::Refused(Box::new((refusal.clone(), self.seq))),
                );
                self.when_durable(
                    self.seq,
                    Held::Answer {
                        conn,
                        frame: refusal,
                    },
                );
            }
        }
    }

    /// Apply an event, number it, queue it for the disk, and hold its frame (encoded
    /// once for everyone) until it is durable. `actor` and `command_id` say whose
    /// command caused it, if any.
    fn publish(&mut self, event: Event, actor: Option<&ParticipantId>, command_id: Option<u64>) {
        self.room.apply(&event, actor);
        self.seq += 1;
        self.when_durable(
            self.seq,
            Held::Event {
                frame: Arc::new(frames::event(self.seq, &event)),
            },
        );
        self.unwritten.push(Write::AppendEvent {
            room: self.code.clone(),
            event: StoredEvent {
                seq: self.seq,
                at: self.config.clock.now(),
                actor: actor.cloned(),
                command_id,
                event,
            },
        });
    }

    /// A connection asked for a fresh snapshot (it saw a gap): it goes out after the
    /// events before it, once they are durable.
    fn send_snapshot(&mut self, conn: ConnId) {
        let Some(participant) = self.connections.get(&conn).map(|c| c.participant.clone()) else {
            return;
        };
        let frame = self.snapshot_for(&participant);
        self.when_durable(self.seq, Held::Answer { conn, frame });
    }

    /// The room as it is now, for `participant`.
    fn snapshot_for(&self, participant: &ParticipantId) -> Utf8Bytes {
        frames::encode(&ServerMessage::Snapshot {
            seq: self.seq,
            server_time: self.config.clock.now(),
            state: self.room.state.clone(),
            your_notes: self.room.notes_by(participant),
        })
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
                    self.config.metrics.slow_consumer();
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
