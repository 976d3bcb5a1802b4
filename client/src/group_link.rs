//! The live link to one group's page: the group as the server last said it, kept up to
//! date by its events, and the member's commands, each sent until it is answered.
//!
//! Simpler than a room's [`shared::replica::Replica`]: a group changes a few times a
//! month, so a page that sees a gap in the group's numbers reconnects and reads the
//! whole group again rather than asking for what it missed. Commands keep their ids
//! across reconnections (the server answers a repeated id with its first answer), and
//! those made offline are sent once the group is read again.

use crate::browser;
use crate::link::{self, Link, Peer, Status};
use leptos::prelude::*;
use shared::ErrorCode;
use shared::group::{GroupCommand, GroupState, Member};
use shared::ids::{GroupCode, ParticipantId, ProposalId};
use shared::wire::group::{GroupClientMessage, GroupServerMessage};
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};

/// How the page enters the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEntry {
    /// As a new member under a name, or with the group facilitator's key.
    Join {
        name: String,
        facilitator_key: Option<String>,
    },
    /// With the member token the group gave (kept in the browser, or a personal link).
    Resume { token: String },
}

/// Where a group's member token is kept between visits.
pub fn group_token_key(code: &str) -> String {
    format!("codev.group.{code}")
}

/// Where the group facilitator's key is kept in their browser, for what only the key
/// may do over HTTP (deleting the group).
pub fn group_key_key(code: &str) -> String {
    format!("codev.groupkey.{code}")
}

/// A command on its way, until the server answers it.
#[derive(Clone, Debug)]
struct Sent {
    id: u64,
    command: GroupCommand,
    at: u64,
}

/// Handles to a live group; `Copy`, so any component can hold one.
#[derive(Clone, Copy)]
pub struct GroupLink {
    pub group: RwSignal<Option<GroupState>>,
    pub me: RwSignal<Option<ParticipantId>>,
    /// This member's own vote in the running ballot (nobody else's is ever known).
    pub your_vote: RwSignal<Option<ProposalId>>,
    /// The members with the group's page open now.
    pub present: RwSignal<Vec<ParticipantId>>,
    /// The member token, once the group has given it: the personal link is made of it.
    pub token: RwSignal<Option<String>>,
    pub status: RwSignal<Status>,
    /// Why the server refused the last refused command, until the next one is answered.
    pub refused: RwSignal<Option<ErrorCode>>,
    /// How many commands the server has accepted, for a page to confirm a save.
    pub accepted: RwSignal<u64>,
    link: Link,
    code: StoredValue<String>,
    entry: StoredValue<GroupEntry>,
    seq: StoredValue<u64>,
    next_id: StoredValue<u64>,
    unanswered: StoredValue<Vec<Sent>>,
    /// The group has been read on the current connection.
    live: StoredValue<bool>,
}

impl GroupLink {
    /// Open the link to group `code`, entering as `entry`.
    pub fn start(code: &str, entry: GroupEntry) -> GroupLink {
        let link = Link::new();
        let group = GroupLink {
            group: RwSignal::new(None),
            me: RwSignal::new(None),
            your_vote: RwSignal::new(None),
            present: RwSignal::new(Vec::new()),
            token: RwSignal::new(match &entry {
                GroupEntry::Resume { token } => Some(token.clone()),
                GroupEntry::Join { .. } => None,
            }),
            status: link.status,
            refused: RwSignal::new(None),
            accepted: RwSignal::new(0),
            link,
            code: StoredValue::new(code.to_owned()),
            entry: StoredValue::new(entry),
            seq: StoredValue::new(0),
            next_id: StoredValue::new(browser::random_command_base()),
            unanswered: StoredValue::new(Vec::new()),
            live: StoredValue::new(false),
        };
        Link::start(group);
        group
    }

    /// Ask the group to do something; offline, it is sent once the group is read again.
    pub fn submit(&self, command: GroupCommand) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let sent = Sent {
            id,
            command,
            at: browser::now_ms(),
        };
        if self.live.get_value() {
            self.send_command(&sent);
        }
        self.unanswered.update_value(|all| all.push(sent));
    }

    /// Something of this member (as the group says, whatever their standing) and the
    /// group, read reactively; `None` until both are known.
    pub fn with_me<T>(&self, f: impl FnOnce(&GroupState, &Member) -> T) -> Option<T> {
        let me = self.me.get()?;
        self.group
            .with(|group| group.as_ref().and_then(|g| g.member(&me).map(|m| f(g, m))))
    }

    /// Commands not answered yet.
    pub fn waiting(&self) -> usize {
        self.unanswered.with_value(Vec::len)
    }

    pub fn retry_now(&self) {
        link::retry_now(*self);
    }

    fn send_command(&self, sent: &Sent) {
        self.send(&GroupClientMessage::GroupCommand {
            id: sent.id,
            command: sent.command.clone(),
        });
    }

    fn send(&self, message: &GroupClientMessage) {
        if let Ok(text) = serde_json::to_string(message) {
            self.link.send_text(&text);
        }
    }

    fn answered(&self, id: u64) -> Option<Sent> {
        self.unanswered
            .try_update_value(|all| {
                let at = all.iter().position(|sent| sent.id == id)?;
                Some(all.remove(at))
            })
            .flatten()
    }

    fn receive_group(&self, message: GroupServerMessage) {
        match message {
            GroupServerMessage::GroupJoined { you, token, .. } => {
                let code = self.code.get_value();
                browser::store(&group_token_key(&code), &token);
                self.entry.set_value(GroupEntry::Resume {
                    token: token.clone(),
                });
                self.token.set(Some(token));
                self.me.set(Some(you));
            }
            GroupServerMessage::GroupSnapshot {
                seq,
                state,
                your_vote,
                present,
                ..
            } => {
                self.present.set(present);
                self.seq.set_value(seq);
                self.group.set(Some(state));
                self.your_vote.set(your_vote);
                self.live.set_value(true);
                self.link.went_live();
                let again = self.unanswered.get_value();
                for sent in &again {
                    self.send_command(sent);
                }
            }
            GroupServerMessage::GroupPresence { present } => self.present.set(present),
            GroupServerMessage::GroupEvent { seq, event } => {
                let at = self.seq.get_value();
                if seq <= at {
                    return;
                }
                if seq > at + 1 {
                    // Something was missed: read the whole group again.
                    self.link.close();
                    return;
                }
                self.seq.set_value(seq);
                self.group.update(|group| {
                    if let Some(group) = group {
                        group.apply(&event);
                    }
                });
            }
        }
    }

    fn receive_answer(&self, message: ServerMessage) {
        match message {
            ServerMessage::Ack { id, .. } => {
                if let Some(sent) = self.answered(id) {
                    if let GroupCommand::Vote { proposal_id } = sent.command {
                        self.your_vote.set(proposal_id);
                    }
                    self.refused.set(None);
                    self.accepted.update(|n| *n += 1);
                }
            }
            ServerMessage::Rejected {
                id: Some(id), code, ..
            } => {
                // Forgotten either way: a refused command is never sent again.
                let ours = self.answered(id).is_some();
                if ours && code != ErrorCode::Stale {
                    self.refused.set(Some(code));
                }
            }
            ServerMessage::Rejected { id: None, code, .. } if !self.live.get_value() => {
                self.refused_entry(code);
            }
            ServerMessage::Bye {
                reason: ByeReason::Moved,
                to: Some(node),
                ..
            } => self.link.follow(node),
            ServerMessage::Bye {
                reason: ByeReason::SessionDeleted,
                ..
            } => {
                let code = self.code.get_value();
                browser::forget(&group_token_key(&code));
                browser::forget(&group_key_key(&code));
                self.link.end(Status::Deleted);
            }
            _ => {}
        }
    }

    /// Entering was refused: for good (a wrong link, a page too old) or for now.
    fn refused_entry(&self, code: ErrorCode) {
        match code {
            ErrorCode::UnsupportedVersion => {
                if browser::reload_for_newer_server() {
                    self.link.drop_socket();
                } else {
                    self.link.end(Status::Failed(code));
                }
            }
            ErrorCode::RoomOrKeyInvalid
            | ErrorCode::EmptyText
            | ErrorCode::TooLong
            | ErrorCode::LimitReached => {
                // A token that opens nothing must not lock the person out.
                browser::forget(&group_token_key(&self.code.get_value()));
                self.link.end(Status::Failed(code));
            }
            // Busy or rate limited: the backoff asks again.
            _ => self.link.close(),
        }
    }
}

impl Peer for GroupLink {
    fn link(&self) -> Link {
        self.link
    }

    fn opened(&self) {
        let group = GroupCode::from(self.code.get_value().as_str());
        let entering = match self.entry.get_value() {
            GroupEntry::Join {
                name,
                facilitator_key,
            } => GroupClientMessage::JoinGroup {
                protocol_version: PROTOCOL_VERSION,
                group,
                name,
                facilitator_key,
            },
            GroupEntry::Resume { token } => GroupClientMessage::ResumeGroup {
                protocol_version: PROTOCOL_VERSION,
                group,
                token,
            },
        };
        self.send(&entering);
    }

    fn heard(&self, text: &str) {
        if let Ok(message) = serde_json::from_str::<GroupServerMessage>(text) {
            self.receive_group(message);
        } else if let Ok(message) = serde_json::from_str::<ServerMessage>(text) {
            self.receive_answer(message);
        }
    }

    fn lost(&self) {
        self.live.set_value(false);
    }

    fn unanswered_for(&self, now: u64) -> Option<u64> {
        self.unanswered
            .with_value(|all| all.first().map(|sent| now.saturating_sub(sent.at)))
    }

    fn ping(&self, nonce: u64) -> String {
        serde_json::to_string(&ClientMessage::Ping { nonce }).unwrap_or_default()
    }

    fn route(&self) -> String {
        self.code.get_value()
    }
}
