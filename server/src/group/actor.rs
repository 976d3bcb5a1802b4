//! The group's actor: the one task that changes a group. It admits members (a new
//! name, the group facilitator's key from any device, a member token from another
//! device), runs their commands through [`shared::group::decide`], applies and numbers
//! the events, and sends them to every connected member once durable, each command
//! answered with the room's own `ack` or `rejected`.
//!
//! The secret ballot stays here: the snapshot tells each member their own vote only,
//! and a vote's event says that a vote moved, never whose.

use super::{GroupEntry, GroupHandle, Membership, ToGroup, invalid_entry};
use crate::actor::core::{self, Actor, Core, Held, Seating};
use crate::actor::seats::Seats;
use crate::actor::{ConnId, ConnectionLink, Context, Handle, Outbox, Registration};
use crate::config::Config;
use crate::frames;
use crate::secrets::{self, Digest};
use crate::services::Services;
use crate::storage::{StoredEvent, Write};
use axum::extract::ws::Utf8Bytes;
use shared::group::{Group, GroupCommand, GroupEvent, GroupRole, GroupState, decide, decide_join};
use shared::wire::group::GroupServerMessage;
use shared::wire::{ByeReason, PROTOCOL_VERSION};
use shared::{GroupCode, ParticipantId, Rejection, RoomCode};
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Start the actor of a new group, already stored with its first `seq` events (what it
/// was created with), and return its handle.
pub fn spawn(
    code: GroupCode,
    group: Group,
    seq: u64,
    facilitator_key: Digest,
    context: Context,
    registration: Registration,
) -> GroupHandle {
    let actor = GroupActor::new(code, group, seq, facilitator_key, Seats::default(), context);
    actor.start(registration)
}

/// What only a group holds until durable: who a member token is, for a session's
/// room (boxed: the queue's slots are as large as its largest item).
pub(super) type Identified = Box<(Option<Membership>, oneshot::Sender<Option<Membership>>)>;

pub(super) struct GroupActor {
    pub(super) code: GroupCode,
    pub(super) group: Group,
    pub(super) core: Core<Identified>,
    pub(super) facilitator_key: Digest,
    pub(super) config: Arc<Config>,
    pub(super) services: Services,
}

impl GroupActor {
    pub(super) fn new(
        code: GroupCode,
        group: Group,
        seq: u64,
        facilitator_key: Digest,
        seats: Seats,
        context: Context,
    ) -> Self {
        GroupActor {
            code,
            group,
            core: Core::new(Outbox::new(seq, context.journal.clone()), seats, &context),
            facilitator_key,
            config: context.config,
            services: context.services,
        }
    }

    pub(super) fn start(mut self, registration: Registration) -> GroupHandle {
        self.core.outbox.fence(registration.fence);
        let (handle, inbox) = Handle::open(self.config.room_mailbox, registration.instance);
        tokio::spawn(core::run(self, inbox, registration.put_away));
        handle
    }

    fn enter(
        &mut self,
        conn: ConnId,
        entry: GroupEntry,
        link: ConnectionLink,
        reply: oneshot::Sender<Result<ParticipantId, Rejection>>,
    ) {
        let (member, token) = match self.admit(entry) {
            Ok(admitted) => admitted,
            Err(rejection) => {
                let _ = reply.send(Err(rejection));
                return;
            }
        };
        if self.core.seats.attach(&member, conn) {
            self.presence_changed();
        }
        let joined = frames::encode(&GroupServerMessage::GroupJoined {
            protocol_version: PROTOCOL_VERSION,
            group: self.code.clone(),
            you: member.clone(),
            token,
        });
        let seating = Seating {
            conn,
            snapshot: self.snapshot_for(&member),
            participant: member,
            link,
            joined,
            reply,
        };
        let seq = self.core.outbox.seq();
        core::when_durable(self, seq, Held::Seat(Box::new(seating)));
    }

    /// Whose place an entry opens, making a new member if needed, and the token that
    /// opens it. A member who left or was removed is an outsider again.
    fn admit(&mut self, entry: GroupEntry) -> Result<(ParticipantId, String), Rejection> {
        let (name, facilitator_key) = match entry {
            GroupEntry::Resume { token } => {
                let member = self
                    .core
                    .seats
                    .find_by_token(&token)
                    .ok_or_else(invalid_entry)?;
                self.group
                    .state
                    .active_member(&member)
                    .ok_or_else(invalid_entry)?;
                return Ok((member, token));
            }
            GroupEntry::Join {
                name,
                facilitator_key,
            } => (name, facilitator_key),
        };
        let (role, token) = match &facilitator_key {
            Some(key) if self.facilitator_key.matches(key) => {
                // The key opens the group facilitator's place from any device.
                (GroupRole::Facilitator, secrets::facilitator_token(key))
            }
            Some(_) => return Err(invalid_entry()),
            None => (GroupRole::Member, secrets::secret_key()),
        };
        let facilitator =
            self.group.state.members.iter().find(|member| {
                role == GroupRole::Facilitator && member.role == GroupRole::Facilitator
            });
        if let Some(facilitator) = facilitator {
            return Ok((facilitator.id.clone(), token));
        }
        let member = ParticipantId::new(secrets::participant_id());
        let limits = &self.config.limits;
        let joined = decide_join(&self.group.state, member.clone(), &name, role, limits)?;
        let group = self.code.clone();
        self.core
            .add_seat(&member, &token, |token| Write::AddGroupMember {
                group,
                member: member.clone(),
                token,
            });
        for event in joined {
            self.publish(event, None, None);
        }
        tracing::info!(group = %self.code, member = %member, ?role, "joined the group");
        Ok((member, token))
    }

    /// The group, for an active member's token.
    fn read(&self, token: &str) -> Result<GroupState, Rejection> {
        let member = self
            .core
            .seats
            .find_by_token(token)
            .ok_or_else(invalid_entry)?;
        self.group
            .state
            .active_member(&member)
            .ok_or_else(invalid_entry)?;
        Ok(self.group.state.clone())
    }

    fn command(&mut self, conn: ConnId, id: u64, command: GroupCommand) {
        let Some(actor) = self.core.connections.participant(conn).cloned() else {
            return;
        };
        if self.core.answered_before(conn, &actor, id) {
            return;
        }
        let new_room = RoomCode::new(secrets::room_code());
        let limits = &self.config.limits;
        match decide(&self.group, &actor, &command, &new_room, limits) {
            Ok(events) => {
                for event in events {
                    if let (
                        GroupEvent::SessionOpened { index, room },
                        GroupCommand::OpenSession { language, .. },
                    ) = (&event, &command)
                    {
                        // Stored with the event, and first: no event names a room that
                        // does not exist.
                        self.make_room(room, *index, *language);
                    }
                    self.publish(event, Some(&actor), Some(id));
                }
                self.core.acknowledge(conn, &actor, id);
            }
            Err(rejection) => {
                tracing::debug!(group = %self.code, code = ?rejection.code, "group command refused");
                self.core.refuse(conn, &actor, id, rejection);
            }
        }
    }

    /// Apply an event, number it, queue it for the disk, and hold its frame until it is
    /// durable. `actor` and `command_id` say whose command caused it, if any (the
    /// actor is stored, never sent: it fills the secret ballot on replay).
    pub(super) fn publish(
        &mut self,
        event: GroupEvent,
        actor: Option<&ParticipantId>,
        command_id: Option<u64>,
    ) {
        self.group.apply(&event, actor);
        let seq = self
            .core
            .number_event(|seq| frames::group_event(seq, &event));
        let at = self.services.clock.now();
        let actor = actor.cloned();
        self.core.outbox.write(Write::AppendGroupEvent {
            group: self.code.clone(),
            event: StoredEvent {
                seq,
                at,
                actor,
                command_id,
                event,
            },
        });
    }

    /// The facilitator deleted the group: tell everyone on its page, forget what waits
    /// (the registry writes the deletion), and name the rooms of its sessions.
    fn delete(&mut self) -> Vec<RoomCode> {
        self.core.connections.kick_all(ByeReason::SessionDeleted);
        self.core.outbox.forget();
        tracing::info!(group = %self.code, "group deleted by its facilitator");
        let series = &self.group.state.series;
        series
            .iter()
            .filter_map(|session| session.room.clone())
            .collect()
    }

    /// The group as it is now, for `member`: their own vote, nobody else's.
    fn snapshot_for(&self, member: &ParticipantId) -> Utf8Bytes {
        frames::encode(&GroupServerMessage::GroupSnapshot {
            seq: self.core.outbox.seq(),
            server_time: self.services.clock.now(),
            state: self.group.state.clone(),
            your_vote: self.group.vote_of(member).cloned(),
            present: self.present(),
        })
    }

    /// Who has the group's page open, in the order they joined the group.
    fn present(&self) -> Vec<ParticipantId> {
        let present = self.core.seats.present();
        self.group
            .state
            .members
            .iter()
            .map(|member| &member.id)
            .filter(|id| present.contains(id))
            .cloned()
            .collect()
    }

    /// Tell everyone on the group's page who is on it now, after the events before
    /// (a newcomer is named in the group before anyone hears they are present).
    fn presence_changed(&mut self) {
        let frame = frames::encode(&GroupServerMessage::GroupPresence {
            present: self.present(),
        });
        let seq = self.core.outbox.seq();
        let notice = Held::Notice {
            frame: Arc::new(frame),
        };
        core::when_durable(self, seq, notice);
    }
}

impl Actor for GroupActor {
    type Message = ToGroup;
    type Own = Identified;

    fn core(&mut self) -> &mut Core<Identified> {
        &mut self.core
    }

    fn handle(&mut self, message: ToGroup) -> ControlFlow<()> {
        match message {
            ToGroup::Enter {
                conn,
                entry,
                link,
                reply,
            } => self.enter(conn, entry, link, reply),
            ToGroup::Command { conn, id, command } => self.command(conn, id, command),
            ToGroup::Leave { conn } => self.core.connections.leave(conn),
            ToGroup::Read { token, reply } => {
                let _ = reply.send(self.read(&token));
            }
            ToGroup::Identify {
                token,
                index,
                reply,
            } => self.identify(&token, index, reply),
            ToGroup::SessionClosed { room, summary } => self.session_closed(&room, summary),
            ToGroup::Delete { key, reply } => {
                if self.facilitator_key.matches(&key) {
                    let _ = reply.send(Some(self.delete()));
                    return ControlFlow::Break(());
                }
                let _ = reply.send(None);
            }
        }
        ControlFlow::Continue(())
    }

    fn release_own(&mut self, identified: Identified) {
        let (membership, reply) = *identified;
        let _ = reply.send(membership);
    }

    fn unseat_dropped(&mut self) {
        while let Some((conn, member)) = self.core.connections.unseat_next(&self.services.metrics) {
            if self.core.seats.detach(&member, conn, Instant::now()) {
                self.presence_changed();
            }
        }
    }

    fn put_away(&self) {
        self.services.metrics.group_put_away();
        tracing::debug!(group = %self.code, "group put away");
    }
}
