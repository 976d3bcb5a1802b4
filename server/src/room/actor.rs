//! The room's actor: the one task that changes a room.
//!
//! It takes messages from its mailbox one at a time, runs the pure rules
//! ([`shared::logic::decide`]), applies the resulting events, numbers them, encodes each
//! once and hands the same bytes to every connection's bounded queue. A connection whose
//! queue is full is dropped (told why) rather than allowed to slow the room down.

use super::seats::Seats;
use super::{ConnId, ConnectionLink, Entry, RoomHandle, ToRoom};
use crate::config::Config;
use crate::secrets;
use axum::extract::ws::Utf8Bytes;
use shared::logic::{decide, decide_join};
use shared::state::Role;
use shared::wire::{ByeReason, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, ErrorCode, Event, ParticipantId, Rejection, Room, RoomCode, RoomState};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Start a room's actor and return its handle.
pub fn spawn(
    code: RoomCode,
    state: RoomState,
    facilitator_key: String,
    config: Arc<Config>,
) -> RoomHandle {
    let (mailbox, inbox) = mpsc::channel(config.room_mailbox);
    let actor = RoomActor {
        code,
        room: Room::new(state),
        seq: 0,
        facilitator_key,
        seats: Seats::default(),
        connections: HashMap::new(),
        dropped: Vec::new(),
        config,
    };
    tokio::spawn(actor.run(inbox));
    RoomHandle { mailbox }
}

/// A connection seated in the room.
struct Connection {
    participant: ParticipantId,
    frames: mpsc::Sender<Utf8Bytes>,
    kick: Option<oneshot::Sender<ByeReason>>,
}

struct RoomActor {
    code: RoomCode,
    room: Room,
    /// The sequence number of the last event.
    seq: u64,
    facilitator_key: String,
    seats: Seats,
    connections: HashMap<ConnId, Connection>,
    /// Connections found closed or too slow while sending, to unseat afterwards.
    dropped: Vec<(ConnId, Option<ByeReason>)>,
    config: Arc<Config>,
}

/// Encode a message for the wire. Our types always encode; should one ever fail, the
/// frame says so instead of taking the room down.
fn encode(message: &ServerMessage) -> Utf8Bytes {
    match serde_json::to_string(message) {
        Ok(json) => Utf8Bytes::from(json),
        Err(error) => {
            tracing::error!(%error, "could not encode a frame");
            Utf8Bytes::from_static(
                r#"{"type":"rejected","code":"internal","message":"encoding failed"}"#,
            )
        }
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
    async fn run(mut self, mut inbox: mpsc::Receiver<ToRoom>) {
        loop {
            let expiry = self.seats.next_expiry(self.config.grace);
            let message = tokio::select! {
                message = inbox.recv() => message,
                _ = tokio::time::sleep_until(expiry.unwrap_or_else(Instant::now)), if expiry.is_some() => {
                    self.expire_graces();
                    self.unseat_dropped();
                    continue;
                }
            };
            let Some(message) = message else { break };
            match message {
                ToRoom::Enter {
                    conn,
                    entry,
                    link,
                    reply,
                } => {
                    let outcome = self.enter(conn, entry, link);
                    let _ = reply.send(outcome);
                }
                ToRoom::Command { conn, id, command } => self.command(conn, id, command),
                ToRoom::Sync { conn } => self.send_snapshot(conn),
                ToRoom::Leave { conn } => self.dropped.push((conn, None)),
            }
            self.unseat_dropped();
        }
        tracing::debug!(room = %self.code, "room actor stopped");
    }

    fn enter(
        &mut self,
        conn: ConnId,
        entry: Entry,
        link: ConnectionLink,
    ) -> Result<ParticipantId, Rejection> {
        let invalid = || {
            Rejection::new(
                ErrorCode::RoomOrKeyInvalid,
                "no session with this code, or a wrong key",
            )
        };
        let (participant, token) = match entry {
            Entry::Resume { token } => {
                let participant = self.seats.find_by_token(&token).ok_or_else(invalid)?;
                (participant, token)
            }
            Entry::New {
                name,
                observer,
                facilitator_key,
            } => {
                let role = match facilitator_key {
                    Some(key) if secrets::secrets_match(&key, &self.facilitator_key) => {
                        Role::Facilitator
                    }
                    Some(_) => return Err(invalid()),
                    None if observer => Role::Observer,
                    None => Role::Consultant,
                };
                let existing_facilitator = self
                    .room
                    .state
                    .facilitator()
                    .filter(|_| role == Role::Facilitator)
                    .map(|p| p.id.clone());
                match existing_facilitator {
                    // The facilitator's link opens the facilitator's seat from any device.
                    Some(id) => {
                        let token = self.seats.token_of(&id).ok_or_else(invalid)?;
                        (id, token)
                    }
                    None => {
                        let id = ParticipantId::new(secrets::participant_id());
                        let joined = decide_join(
                            &self.room.state,
                            id.clone(),
                            &name,
                            role,
                            &self.config.limits,
                        )?;
                        let token = secrets::secret_key();
                        self.seats.add(id.clone(), token.clone());
                        self.publish(joined, None);
                        tracing::info!(room = %self.code, participant = %id, ?role, "joined");
                        (id, token)
                    }
                }
            }
        };
        let was_away = self.seats.attach(&participant, conn);
        let still_marked_away = self
            .room
            .state
            .participant(&participant)
            .is_some_and(|p| !p.connected);
        // Tell the others before seating this connection: it learns the same from its
        // snapshot, and must not get an event older than that snapshot.
        if was_away && still_marked_away {
            self.publish(
                Event::PresenceChanged {
                    participant: participant.clone(),
                    connected: true,
                },
                None,
            );
        }
        self.connections.insert(
            conn,
            Connection {
                participant: participant.clone(),
                frames: link.frames,
                kick: Some(link.kick),
            },
        );
        self.send(
            conn,
            encode(&ServerMessage::Joined {
                protocol_version: PROTOCOL_VERSION,
                room: self.code.clone(),
                you: participant.clone(),
                token,
            }),
        );
        self.send_snapshot(conn);
        tracing::debug!(room = %self.code, participant = %participant, "connection seated");
        Ok(participant)
    }

    fn command(&mut self, conn: ConnId, id: u64, command: Command) {
        let Some(actor) = self.connections.get(&conn).map(|c| c.participant.clone()) else {
            return;
        };
        if let Some(answer) = self.seats.answer_to(&actor, id) {
            // A re-sent command: same answer, applied once.
            self.send(conn, answer);
            return;
        }
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
                    self.publish(event, Some(&actor));
                    if let Some(note_id) = posted {
                        let frame = encode(&ServerMessage::YourNote { note_id });
                        let own: Vec<ConnId> = self.seats.connections_of(&actor).collect();
                        for own_conn in own {
                            self.send(own_conn, frame.clone());
                        }
                    }
                }
                let ack = encode(&ServerMessage::Ack { id, seq: self.seq });
                self.seats.remember_answer(&actor, id, ack.clone());
                self.send(conn, ack);
            }
            Err(rejection) => {
                tracing::debug!(
                    room = %self.code,
                    participant = logged_actor.map(|p| p.as_str()).unwrap_or("-"),
                    command = command.name(),
                    code = ?rejection.code,
                    "rejected"
                );
                let refusal = encode(&ServerMessage::Rejected {
                    id: Some(id),
                    code: rejection.code,
                    message: rejection.message,
                });
                self.seats.remember_answer(&actor, id, refusal.clone());
                self.send(conn, refusal);
            }
        }
    }

    /// Apply an event, number it, and send the same encoded frame to everyone.
    fn publish(&mut self, event: Event, actor: Option<&ParticipantId>) {
        self.room.apply(&event, actor);
        self.seq += 1;
        let frame = encode(&ServerMessage::Event {
            seq: self.seq,
            event,
        });
        let conns: Vec<ConnId> = self.connections.keys().copied().collect();
        for conn in conns {
            self.send(conn, frame.clone());
        }
    }

    fn send_snapshot(&mut self, conn: ConnId) {
        let Some(participant) = self.connections.get(&conn).map(|c| c.participant.clone()) else {
            return;
        };
        let frame = encode(&ServerMessage::Snapshot {
            seq: self.seq,
            server_time: self.config.clock.now(),
            state: self.room.state.clone(),
            your_notes: self.room.notes_by(&participant),
        });
        self.send(conn, frame);
    }

    /// Queue a frame for one connection without waiting; a full queue means the
    /// connection cannot keep up, and it is dropped.
    fn send(&mut self, conn: ConnId, frame: Utf8Bytes) {
        let Some(connection) = self.connections.get(&conn) else {
            return;
        };
        match connection.frames.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.dropped.push((conn, Some(ByeReason::SlowConsumer)));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.dropped.push((conn, None)),
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
                self.publish(Event::HandLowered { participant }, None);
            }
        }
    }
}
