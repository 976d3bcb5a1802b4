//! Entering a room: whose seat an entry opens (a newcomer's, a returning token's, the
//! facilitator's from any device), and seating the connection once what it is told is
//! durable.

use super::RoomActor;
use crate::actor::core::{Held, Seating};
use crate::frames;
use crate::room::{ConnId, ConnectionLink, Entrance, Entry};
use crate::secrets;
use crate::storage::Write;
use shared::logic::decide_join;
use shared::state::Role;
use shared::wire::{PROTOCOL_VERSION, ServerMessage};
use shared::{Event, ParticipantId, Rejection};
use tokio::sync::oneshot;

impl RoomActor {
    pub(super) fn enter(
        &mut self,
        conn: ConnId,
        entry: Entrance,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    ) {
        let admitted = match entry {
            Entrance::Asked(entry) => self.admit(entry),
            Entrance::Member { member, token } => self.admit_member(member, token),
        };
        match admitted {
            Err(rejection) => {
                let _ = reply.send(Err(rejection));
            }
            Ok((participant, token)) => self.seat(conn, participant, token, link, reply),
        }
    }

    /// Whose seat an entry opens, making a new one if needed, and the token that opens
    /// it. A group's session seats its members only: a name, or a member token the
    /// group has not vouched for, opens nothing there.
    fn admit(&mut self, entry: Entry) -> Result<(ParticipantId, String), Rejection> {
        let invalid = crate::room::invalid_entry;
        let (name, observer, facilitator_key) = match entry {
            Entry::Resume { token } => {
                let participant = self.core.seats.find_by_token(&token).ok_or_else(invalid)?;
                return Ok((participant, token));
            }
            Entry::Member { .. } => return Err(invalid()),
            Entry::Join { .. } if self.group.is_some() => return Err(invalid()),
            Entry::Join {
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
        self.take_seat(&participant, &token, joined, role);
        Ok((participant, token))
    }

    /// A newcomer's seat, opened by `token`, and their `joined` event.
    pub(super) fn take_seat(
        &mut self,
        participant: &ParticipantId,
        token: &str,
        joined: Event,
        role: Role,
    ) {
        let room = self.code.clone();
        self.core
            .add_seat(participant, token, |token| Write::AddSeat {
                room,
                participant: participant.clone(),
                token,
            });
        self.publish(joined, None, None);
        tracing::info!(room = %self.code, participant = %participant, ?role, "joined");
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
        let was_away = self.core.seats.attach(&participant, conn);
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
        self.when_durable(self.core.outbox.seq(), held);
    }
}
