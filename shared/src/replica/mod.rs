//! A client's copy of a room, and the commands it has not seen answered yet.
//!
//! The browser client and the test clients keep a room this way (the load generator
//! reads only the fields it times): take a snapshot, apply numbered events with [`RoomState::apply`], ask for a
//! new snapshot when a number is missing, and keep every command until the server
//! answers it, re-sending the unanswered ones (same ids) after a reconnect; the server
//! answers a re-sent command with its first answer, so nothing is lost or doubled.
//! No socket here: the owner feeds messages in and sends what comes out.

use crate::command::Command;
use crate::ids::{NoteId, ParticipantId, RoomCode};
use crate::rejection::{ErrorCode, Rejection};
use crate::state::RoomState;
use crate::timer::Millis;
pub use crate::wire::Entry;
use crate::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use std::collections::VecDeque;

/// Something the owner should know about, beyond the room changing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The page holds its seat and an up-to-date room.
    Live,
    /// A command of ours was refused.
    Refused {
        command: Command,
        rejection: Rejection,
    },
    /// We cannot enter the room, and retrying will not help.
    Fatal(Rejection),
    /// We cannot enter the room now (the server is full, cannot open the session, or
    /// asks us to slow down): say why, close, and try again after the backoff.
    EntryDeferred(Rejection),
    /// The server is closing the connection, and why.
    Bye(ByeReason),
    /// Another server of the cluster serves the room: reconnect, asking for this one.
    MovedTo(String),
    /// The server asked us to slow down; the refused commands are still pending and
    /// should be sent again in a moment with [`Replica::resend`].
    Throttled,
}

/// What to do after a message: frames to send and things to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reaction {
    pub send: Vec<ClientMessage>,
    pub notices: Vec<Notice>,
}

/// A command the server has not answered yet.
#[derive(Clone, Debug)]
struct Unanswered {
    id: u64,
    command: Command,
    /// Local time it last went out on the current connection; none while offline.
    sent_at: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct Replica {
    pub room_code: RoomCode,
    pub entry: Entry,
    pub me: Option<ParticipantId>,
    pub state: Option<RoomState>,
    /// The sequence number of the last event applied.
    pub seq: u64,
    /// Notes this participant wrote (told by the server to us alone).
    pub my_notes: Vec<NoteId>,
    /// Server time minus local time, in milliseconds.
    pub clock_offset: i64,
    /// The shortest ping round trip seen: the offset measured with it is the best.
    best_round_trip: Option<u64>,
    /// Commands sent or waiting, unanswered, in order.
    outbox: VecDeque<Unanswered>,
    next_id: u64,
    /// Connected, seated, and holding a current snapshot.
    live: bool,
    /// A gap was seen; events are ignored until the asked-for snapshot arrives.
    awaiting_snapshot: bool,
}

/// Refusals that no retry can fix: stop reconnecting and tell the person.
fn is_fatal(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RoomOrKeyInvalid
            | ErrorCode::RoomFull
            | ErrorCode::SessionClosed
            | ErrorCode::UnsupportedVersion
            | ErrorCode::EmptyText
            | ErrorCode::TooLong
            | ErrorCode::InvalidValue
    )
}

impl Replica {
    /// `first_command_id` should differ between pages of the same participant (a
    /// random start does), since the server recognises re-sent commands by id.
    pub fn new(room_code: RoomCode, entry: Entry, first_command_id: u64) -> Self {
        Replica {
            room_code,
            entry,
            me: None,
            state: None,
            seq: 0,
            my_notes: Vec::new(),
            clock_offset: 0,
            best_round_trip: None,
            outbox: VecDeque::new(),
            next_id: first_command_id,
            live: false,
            awaiting_snapshot: false,
        }
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Commands not yet answered, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &Command> {
        self.outbox.iter().map(|unanswered| &unanswered.command)
    }

    /// How long the longest-waiting command sent on this connection has gone
    /// unanswered, at `local_now`; none if nothing sent waits. A server answers in
    /// milliseconds, once the command is on its disk: a long wait means the server is
    /// in trouble, not the network (the connection is up).
    pub fn unanswered_for(&self, local_now: Millis) -> Option<Millis> {
        self.outbox
            .iter()
            .filter_map(|unanswered| unanswered.sent_at)
            .min()
            .map(|sent_at| local_now.saturating_sub(sent_at))
    }

    /// The server's time now, from a local clock reading.
    pub fn server_now(&self, local_now: Millis) -> Millis {
        (local_now as i64 + self.clock_offset).max(0) as Millis
    }

    /// A connection opened: the first frame to send.
    pub fn on_open(&mut self) -> ClientMessage {
        self.live = false;
        self.awaiting_snapshot = false;
        match &self.entry {
            Entry::Join {
                name,
                observer,
                facilitator_key,
            } => ClientMessage::Join {
                protocol_version: PROTOCOL_VERSION,
                room: self.room_code.clone(),
                name: name.clone(),
                observer: *observer,
                facilitator_key: facilitator_key.clone(),
                member_token: None,
            },
            Entry::Member { token } => ClientMessage::Join {
                protocol_version: PROTOCOL_VERSION,
                room: self.room_code.clone(),
                name: String::new(),
                observer: false,
                facilitator_key: None,
                member_token: Some(token.clone()),
            },
            Entry::Resume { token } => ClientMessage::Resume {
                protocol_version: PROTOCOL_VERSION,
                room: self.room_code.clone(),
                token: token.clone(),
            },
        }
    }

    /// The connection closed; commands wait for the next one.
    pub fn on_close(&mut self) {
        self.live = false;
        for unanswered in &mut self.outbox {
            unanswered.sent_at = None;
        }
    }

    /// Queue a command at `local_now`; the frame to send now if the page is live.
    pub fn submit(&mut self, command: Command, local_now: Millis) -> Option<ClientMessage> {
        let id = self.next_id;
        self.next_id += 1;
        self.outbox.push_back(Unanswered {
            id,
            command: command.clone(),
            sent_at: self.live.then_some(local_now),
        });
        self.live.then_some(ClientMessage::Command { id, command })
    }

    /// Every pending command again, in order and with its id, if the page is live.
    pub fn resend(&self) -> Vec<ClientMessage> {
        if !self.live {
            return Vec::new();
        }
        self.outbox
            .iter()
            .map(|unanswered| ClientMessage::Command {
                id: unanswered.id,
                command: unanswered.command.clone(),
            })
            .collect()
    }

    /// Fold one message from the server into the copy of the room.
    pub fn receive(&mut self, message: ServerMessage, local_now: Millis) -> Reaction {
        let mut reaction = Reaction::default();
        match message {
            ServerMessage::Joined { you, token, .. } => {
                self.me = Some(you);
                // From now on this page comes back to the same seat.
                self.entry = Entry::Resume { token };
            }
            ServerMessage::Snapshot {
                seq,
                server_time,
                state,
                your_notes,
            } => {
                self.seq = seq;
                self.state = Some(state);
                self.my_notes = your_notes;
                // A rough offset (off by the one-way delay) until a ping measures better.
                if self.best_round_trip.is_none() {
                    self.clock_offset = server_time as i64 - local_now as i64;
                }
                self.awaiting_snapshot = false;
                if !self.live {
                    self.live = true;
                    reaction.send = self
                        .outbox
                        .iter_mut()
                        .map(|unanswered| {
                            unanswered.sent_at = Some(local_now);
                            ClientMessage::Command {
                                id: unanswered.id,
                                command: unanswered.command.clone(),
                            }
                        })
                        .collect();
                    reaction.notices.push(Notice::Live);
                }
            }
            ServerMessage::Event { seq, event } => {
                if self.awaiting_snapshot || seq <= self.seq {
                    // Older than our copy, or waiting for a snapshot anyway.
                } else if seq == self.seq + 1 {
                    if let Some(state) = &mut self.state {
                        state.apply(&event);
                    }
                    self.seq = seq;
                } else {
                    self.awaiting_snapshot = true;
                    reaction.send.push(ClientMessage::Sync);
                }
            }
            ServerMessage::Ack { id, .. } => {
                self.outbox.retain(|unanswered| unanswered.id != id);
            }
            ServerMessage::Rejected {
                id: Some(_),
                code: ErrorCode::RateLimited,
                ..
            } => {
                // Not applied, and not refused for good: keep it for a later resend.
                if !reaction.notices.contains(&Notice::Throttled) {
                    reaction.notices.push(Notice::Throttled);
                }
            }
            ServerMessage::Rejected {
                id: Some(id),
                code,
                message,
            } => {
                let index = self
                    .outbox
                    .iter()
                    .position(|unanswered| unanswered.id == id);
                if let Some(Unanswered { command, .. }) = index.and_then(|i| self.outbox.remove(i))
                {
                    reaction.notices.push(Notice::Refused {
                        command,
                        rejection: Rejection { code, message },
                    });
                }
            }
            ServerMessage::Rejected {
                id: None,
                code,
                message,
            } => {
                // Before we are seated, a refusal answers our entry: some mean no
                // retry can succeed, the others that a later one may.
                if !self.live {
                    let rejection = Rejection { code, message };
                    reaction.notices.push(if is_fatal(code) {
                        Notice::Fatal(rejection)
                    } else {
                        Notice::EntryDeferred(rejection)
                    });
                }
            }
            ServerMessage::YourNote { note_id } => {
                if !self.my_notes.contains(&note_id) {
                    self.my_notes.push(note_id);
                }
            }
            ServerMessage::Pong { nonce, server_time } => {
                // The nonce is the local time the ping left: assume the server read its
                // clock halfway through the round trip.
                let rtt = local_now.saturating_sub(nonce);
                if self.best_round_trip.is_none_or(|best| rtt <= best) {
                    self.best_round_trip = Some(rtt);
                    let local_mid = nonce + rtt / 2;
                    self.clock_offset = server_time as i64 - local_mid as i64;
                }
            }
            ServerMessage::Bye { reason, to, .. } => {
                self.live = false;
                reaction.notices.push(match (reason, to) {
                    (ByeReason::Moved, Some(node)) => Notice::MovedTo(node),
                    (reason, _) => Notice::Bye(reason),
                });
            }
        }
        reaction
    }
}

#[cfg(test)]
mod tests;
