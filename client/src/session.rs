//! The live link to one room: a WebSocket kept open (reconnecting with backoff), and the
//! page's copy of the room as Leptos signals.
//!
//! All protocol bookkeeping (snapshots, sequence gaps, the outbox of unanswered
//! commands, the clock offset) is [`shared::replica::Replica`]'s; this module only moves
//! frames between it and the socket and turns its notices into what the page shows.

use crate::browser;
use crate::double_click::{DoubleClickGuard, Press};
use crate::link::{self, Link, Peer};
use leptos::prelude::*;
use shared::liveness::Liveness;
use shared::replica::{Entry, Notice, Replica};
use shared::wire::{ByeReason, ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, RoomCode, RoomState};
use std::time::Duration;

pub use crate::link::Status;

/// Something to tell the person, until they dismiss it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Toast {
    Refused(ErrorCode),
    Bye(ByeReason),
}

/// Handles to a live room; `Copy`, so any component can hold one.
#[derive(Clone, Copy)]
pub struct Session {
    pub replica: RwSignal<Replica>,
    pub status: RwSignal<Status>,
    pub toasts: RwSignal<Vec<(u64, Toast)>>,
    /// Why the last attempt to enter was refused for now (a full server, a session it
    /// cannot open yet), until an attempt succeeds.
    pub entry_deferred: RwSignal<Option<ErrorCode>>,
    /// What the current connection has heard, to notice a link gone silent.
    pub liveness: StoredValue<Liveness>,
    link: Link,
    /// The code the connection is routed by: its group's, for a session of a group.
    route: StoredValue<String>,
    /// The last press of a control that moves a shared cursor.
    clicks: StoredValue<DoubleClickGuard>,
    next_toast: StoredValue<u64>,
}

/// Where a session's facilitator key is kept in the facilitator's browser, for what
/// only the key may do over HTTP (deleting the session).
pub fn room_key_key(room: &str) -> String {
    format!("codev.roomkey.{room}")
}

/// Where a room's resume token is kept between visits.
pub fn token_key(room: &str) -> String {
    format!("codev.token.{room}")
}

impl Session {
    /// A session not connected yet, with its command ids starting at `first_command_id`.
    fn new(room: &str, entry: Entry, first_command_id: u64) -> Session {
        let link = Link::new();
        Session {
            route: StoredValue::new(room.to_owned()),
            replica: RwSignal::new(Replica::new(RoomCode::from(room), entry, first_command_id)),
            status: link.status,
            toasts: RwSignal::new(Vec::new()),
            entry_deferred: RwSignal::new(None),
            liveness: link.liveness,
            link,
            clicks: StoredValue::new(DoubleClickGuard::default()),
            next_toast: StoredValue::new(1),
        }
    }

    /// Open the link to `room`, entering as `entry`, routed by `route` (the room's
    /// group's code for a session of a group, else the room's: `shared::routing`).
    pub fn start(room: &str, route: &str, entry: Entry) -> Session {
        let session = Session::new(room, entry, browser::random_command_base());
        session.route.set_value(route.to_owned());
        Link::start(session);
        session
    }

    /// A session that never connects, fed by hand: for component tests.
    #[cfg(test)]
    pub fn detached(room: &str, entry: Entry) -> Session {
        Session::new(room, entry, 1)
    }

    /// Ask the room to do something. Offline, the command waits and is sent on return.
    pub fn submit(&self, command: Command) {
        if let Some(Some(message)) = self
            .replica
            .try_update(|r| r.submit(command, browser::now_ms()))
        {
            self.send(&message);
        }
    }

    /// Move a shared cursor (the step, the floor, the round's turn) with the command
    /// `make` builds from the room as this page shows it, so that it names where the
    /// cursor moves from. A second press of the same control within a double click's
    /// time is dropped ([`DoubleClickGuard`]).
    pub fn move_cursor(&self, press: Press, make: impl FnOnce(&RoomState) -> Option<Command>) {
        let Some(command) = self
            .replica
            .with_untracked(|r| r.state.as_ref().and_then(make))
        else {
            return;
        };
        let now = browser::now_ms();
        if self
            .clicks
            .try_update_value(|guard| guard.allows(&command, press, now))
            == Some(true)
        {
            self.submit(command);
        }
    }

    /// Try to connect now, without waiting for the backoff.
    pub fn retry_now(&self) {
        link::retry_now(*self);
    }

    pub fn dismiss(&self, toast: u64) {
        self.toasts.update(|t| t.retain(|(id, _)| *id != toast));
    }

    fn toast(&self, toast: Toast) {
        let id = self.next_toast.get_value();
        self.next_toast.set_value(id + 1);
        self.toasts.update(|t| {
            t.push((id, toast));
            // Keep the latest few; older ones are stale anyway.
            if t.len() > 4 {
                t.remove(0);
            }
        });
        let session = *self;
        set_timeout(move || session.dismiss(id), Duration::from_secs(8));
    }

    fn send(&self, message: &ClientMessage) {
        if let Ok(text) = serde_json::to_string(message) {
            self.link.send_text(&text);
        }
    }

    /// Fold one frame from the server into the page's copy of the room.
    pub(crate) fn receive(&self, text: &str) {
        let Ok(message) = serde_json::from_str::<ServerMessage>(text) else {
            return;
        };
        let joined = matches!(message, ServerMessage::Joined { .. });
        let Some(reaction) = self
            .replica
            .try_update(|r| r.receive(message, browser::now_ms()))
        else {
            return;
        };
        if joined {
            self.replica.with_untracked(|r| {
                if let Entry::Resume { token } = &r.entry {
                    browser::store(&token_key(r.room_code.as_str()), token);
                }
            });
        }
        for message in &reaction.send {
            self.send(message);
        }
        for notice in reaction.notices {
            match notice {
                Notice::Live => {
                    self.entry_deferred.set(None);
                    self.link.went_live();
                    // Measure the server's clock properly for the timer.
                    self.send(&ClientMessage::Ping {
                        nonce: browser::now_ms(),
                    });
                }
                // A stale cursor command (a double click, a move made before the last
                // one showed) changed nothing, and the screen already shows where the
                // cursor is: nothing to tell.
                Notice::Refused { rejection, .. } if rejection.code == ErrorCode::Stale => {}
                Notice::Refused { rejection, .. } => self.toast(Toast::Refused(rejection.code)),
                Notice::Fatal(rejection) if rejection.code == ErrorCode::UnsupportedVersion => {
                    // The server was upgraded under the page: reload to get the client it
                    // serves now, keeping the token, so the page comes back in its seat.
                    if browser::reload_for_newer_server() {
                        self.link.drop_socket();
                    } else {
                        self.link.end(Status::Failed(rejection.code));
                    }
                }
                Notice::Fatal(rejection) => {
                    // A stale token must not lock the person out: forget it, so that
                    // coming back shows the join form.
                    self.replica.with_untracked(|r| {
                        browser::forget(&token_key(r.room_code.as_str()));
                    });
                    self.link.end(Status::Failed(rejection.code));
                }
                Notice::EntryDeferred(rejection) => {
                    // Say why, then leave it to the reconnection's backoff to ask again.
                    self.entry_deferred.set(Some(rejection.code));
                    self.toast(Toast::Refused(rejection.code));
                    self.link.close();
                }
                Notice::Bye(ByeReason::SessionDeleted) => {
                    self.replica.with_untracked(|r| {
                        browser::forget(&token_key(r.room_code.as_str()));
                    });
                    self.status.set(Status::Deleted);
                }
                // Served by another server of the cluster now: the reconnection that
                // follows finds it there, with nothing to say.
                Notice::Bye(ByeReason::Moved) => {}
                Notice::MovedTo(node) => self.link.follow(node),
                Notice::Bye(reason) => self.toast(Toast::Bye(reason)),
                Notice::Throttled => {
                    let session = *self;
                    set_timeout(
                        move || {
                            let again = session.replica.with_untracked(|r| r.resend());
                            for message in &again {
                                session.send(message);
                            }
                        },
                        Duration::from_secs(1),
                    );
                }
            }
        }
    }
}

impl Peer for Session {
    fn link(&self) -> Link {
        self.link
    }

    fn opened(&self) {
        if let Some(first) = self.replica.try_update(|r| r.on_open()) {
            self.send(&first);
        }
    }

    fn heard(&self, text: &str) {
        self.receive(text);
    }

    fn lost(&self) {
        self.replica.update(|r| r.on_close());
    }

    fn unanswered_for(&self, now: u64) -> Option<u64> {
        self.replica.with_untracked(|r| r.unanswered_for(now))
    }

    fn ping(&self, nonce: u64) -> String {
        serde_json::to_string(&ClientMessage::Ping { nonce }).unwrap_or_default()
    }

    fn route(&self) -> String {
        self.route.get_value()
    }
}
