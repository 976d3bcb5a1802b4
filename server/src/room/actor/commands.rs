//! A command from a seated connection: decided by the pure rules, its events applied,
//! numbered, queued for the disk and held until durable; its answer (an `ack` or a
//! refusal) remembered, so that a command sent again is answered the same and applied
//! once.

use super::RoomActor;
use crate::actor::core::Held;
use crate::frames;
use crate::room::ConnId;
use crate::storage::{StoredEvent, Write};
use axum::extract::ws::Utf8Bytes;
use shared::logic::decide;
use shared::wire::ServerMessage;
use shared::{Command, Event, ParticipantId};

/// Commands whose sender must not appear in any log line, since it would tie a note
/// to its author.
fn authorship_sensitive(command: &Command) -> bool {
    matches!(
        command,
        Command::PostNote { .. } | Command::EditNote { .. } | Command::DeleteNote { .. }
    )
}

impl RoomActor {
    pub(super) fn command(&mut self, conn: ConnId, id: u64, command: Command) {
        let Some(actor) = self.core.connections.participant(conn).cloned() else {
            return;
        };
        if self.core.answered_before(conn, &actor, id) {
            return;
        }
        self.services.metrics.command(command.name());
        let now = self.services.clock.now();
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
                            self.core.outbox.seq(),
                            Held::Private {
                                participant: actor.clone(),
                                frame,
                            },
                        );
                    }
                }
                self.core.acknowledge(conn, &actor, id);
            }
            Err(rejection) => {
                tracing::debug!(
                    room = %self.code,
                    participant = logged_actor.map(|p| p.as_str()).unwrap_or("-"),
                    command = command.name(),
                    code = ?rejection.code,
                    "rejected"
                );
                self.core.refuse(conn, &actor, id, rejection);
            }
        }
    }

    /// Apply an event, number it, queue it for the disk, and hold its frame (encoded
    /// once for everyone) until it is durable. `actor` and `command_id` say whose
    /// command caused it, if any.
    pub(super) fn publish(
        &mut self,
        event: Event,
        actor: Option<&ParticipantId>,
        command_id: Option<u64>,
    ) {
        self.room.apply(&event, actor);
        let seq = self.core.number_event(|seq| frames::event(seq, &event));
        let closed = matches!(event, Event::SessionClosed { .. });
        self.core.outbox.write(Write::AppendEvent {
            room: self.code.clone(),
            event: StoredEvent {
                seq,
                at: self.services.clock.now(),
                actor: actor.cloned(),
                command_id,
                event,
            },
        });
        if closed {
            self.report_closing(seq);
        }
    }

    /// A connection asked for a fresh snapshot (it saw a gap): it goes out after the
    /// events before it, once they are durable.
    pub(super) fn send_snapshot(&mut self, conn: ConnId) {
        let Some(participant) = self.core.connections.participant(conn).cloned() else {
            return;
        };
        let frame = self.snapshot_for(&participant);
        let seq = self.core.outbox.seq();
        self.core.answer_when_durable(seq, conn, frame);
    }

    /// The room as it is now, for `participant`.
    pub(super) fn snapshot_for(&self, participant: &ParticipantId) -> Utf8Bytes {
        frames::encode(&ServerMessage::Snapshot {
            seq: self.core.outbox.seq(),
            server_time: self.services.clock.now(),
            state: self.room.state.clone(),
            your_notes: self.room.notes_by(participant),
        })
    }
}
