//! The live link to one room: a WebSocket kept open (reconnecting with backoff), and the
//! page's copy of the room as Leptos signals.
//!
//! All protocol bookkeeping (snapshots, sequence gaps, the outbox of unanswered
//! commands, the clock offset) is [`shared::replica::Replica`]'s; this module only moves
//! frames between it and the socket and turns its notices into what the page shows.

use crate::browser;
use crate::double_click::{DoubleClickGuard, Press};
use leptos::prelude::*;
use shared::liveness::Liveness;
use shared::replica::{Entry, Notice, Replica};
use shared::wire::{ByeReason, ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, RoomCode, RoomState};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

/// Where the connection stands, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Live,
    /// Waiting before the next attempt.
    Reconnecting {
        seconds: u32,
    },
    /// Entering the room was refused for good (unknown room, closed to newcomers...).
    Failed(ErrorCode),
    /// The facilitator deleted the session.
    Deleted,
}

/// Something to tell the person, until they dismiss it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Toast {
    Refused(ErrorCode),
    Bye(ByeReason),
}

/// The socket and the handlers that must live as long as it does.
struct Wire {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Wire {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
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
    wire: StoredValue<Option<Wire>, LocalStorage>,
    /// What the current connection has heard, to notice a link gone silent.
    pub liveness: StoredValue<Liveness>,
    /// The last press of a control that moves a shared cursor.
    clicks: StoredValue<DoubleClickGuard>,
    /// Failed attempts since the last live connection.
    attempts: StoredValue<u32>,
    /// Bumped on every (re)connection, so a stale retry timer does nothing.
    generation: StoredValue<u64>,
    next_toast: StoredValue<u64>,
}

/// Where a room's resume token is kept between visits.
pub fn token_key(room: &str) -> String {
    format!("codev.token.{room}")
}

/// The wait before reconnect attempt `attempt` (1-based): 0.5 s doubling, at most 15 s.
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(15_000))
}

impl Session {
    /// A session not connected yet, with its command ids starting at `first_command_id`.
    fn new(room: &str, entry: Entry, first_command_id: u64) -> Session {
        Session {
            replica: RwSignal::new(Replica::new(RoomCode::from(room), entry, first_command_id)),
            status: RwSignal::new(Status::Connecting),
            toasts: RwSignal::new(Vec::new()),
            entry_deferred: RwSignal::new(None),
            wire: StoredValue::new_local(None),
            liveness: StoredValue::new(Liveness::default()),
            clicks: StoredValue::new(DoubleClickGuard::default()),
            attempts: StoredValue::new(0),
            generation: StoredValue::new(0),
            next_toast: StoredValue::new(1),
        }
    }

    /// Open the link to `room`, entering as `entry`.
    pub fn start(room: &str, entry: Entry) -> Session {
        let session = Session::new(room, entry, browser::random_command_base());
        session.connect();
        // Listen for silence: ping a quiet link, and give up one that stopped answering.
        set_interval(move || session.check_link(), Duration::from_secs(1));
        session
    }

    /// Ping the server if the link has been quiet (or a command waits), and drop a
    /// connection that has gone silent so that the page reconnects.
    fn check_link(&self) {
        let now = browser::now_ms();
        if self.liveness.with_value(|link| link.is_silent(now)) {
            self.connection_lost();
            return;
        }
        let waited = self.replica.with_untracked(|r| r.unanswered_for(now));
        if self.liveness.with_value(|link| link.ping_due(now, waited)) {
            self.liveness.update_value(|link| link.pinged(now));
            self.send(&ClientMessage::Ping { nonce: now });
        }
    }

    /// The socket is gone, closed or silent: keep the commands and try again after the
    /// backoff.
    fn connection_lost(&self) {
        self.replica.update(|r| r.on_close());
        self.liveness.update_value(Liveness::closed);
        self.wire.set_value(None);
        if matches!(
            self.status.get_untracked(),
            Status::Failed(_) | Status::Deleted
        ) {
            return;
        }
        self.schedule_reconnect(self.generation.get_value());
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
        if matches!(self.status.get_untracked(), Status::Reconnecting { .. }) {
            self.connect();
        }
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
        let Ok(text) = serde_json::to_string(message) else {
            return;
        };
        self.wire.with_value(|wire| {
            if let Some(wire) = wire
                && wire.socket.ready_state() == WebSocket::OPEN
            {
                let _ = wire.socket.send_with_str(&text);
            }
        });
    }

    fn connect(&self) {
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        self.wire.set_value(None);
        if self.attempts.get_value() == 0 {
            self.status.set(Status::Connecting);
        }
        let socket = match WebSocket::new(&browser::websocket_url()) {
            Ok(socket) => socket,
            Err(_) => {
                self.schedule_reconnect(generation);
                return;
            }
        };
        let session = *self;
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
            session
                .liveness
                .update_value(|link| link.opened(browser::now_ms()));
            if let Some(first) = session.replica.try_update(|r| r.on_open()) {
                session.send(&first);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            session
                .liveness
                .update_value(|link| link.heard(browser::now_ms()));
            if let Some(text) = event.data().as_string() {
                session.receive(&text);
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            if session.generation.get_value() == generation {
                session.connection_lost();
            }
        });
        // A connection attempt to a server that vanished can hang for minutes: give
        // it as long as a silent link, then try again.
        set_timeout(
            move || {
                let stuck = session.wire.with_value(|wire| {
                    wire.as_ref()
                        .is_some_and(|wire| wire.socket.ready_state() == WebSocket::CONNECTING)
                });
                if stuck && session.generation.get_value() == generation {
                    session.connection_lost();
                }
            },
            Duration::from_millis(shared::liveness::SILENT_AFTER_MS),
        );
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.wire.set_value(Some(Wire {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        }));
    }

    fn schedule_reconnect(&self, generation: u64) {
        if self.generation.get_value() != generation {
            return;
        }
        let attempt = self.attempts.get_value() + 1;
        self.attempts.set_value(attempt);
        let wait = backoff(attempt);
        self.status.set(Status::Reconnecting {
            seconds: wait.as_secs_f64().ceil() as u32,
        });
        let session = *self;
        set_timeout(
            move || {
                if session.generation.get_value() == generation {
                    session.connect();
                }
            },
            wait,
        );
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
                    self.attempts.set_value(0);
                    self.entry_deferred.set(None);
                    self.status.set(Status::Live);
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
                    self.wire.set_value(None);
                    if !browser::reload_for_newer_server() {
                        self.status.set(Status::Failed(rejection.code));
                    }
                }
                Notice::Fatal(rejection) => {
                    // A stale token must not lock the person out: forget it, so that
                    // coming back shows the join form.
                    self.replica.with_untracked(|r| {
                        browser::forget(&token_key(r.room_code.as_str()));
                    });
                    self.status.set(Status::Failed(rejection.code));
                    self.wire.set_value(None);
                }
                Notice::EntryDeferred(rejection) => {
                    // Say why, then leave it to the reconnection's backoff to ask again.
                    self.entry_deferred.set(Some(rejection.code));
                    self.toast(Toast::Refused(rejection.code));
                    self.wire.with_value(|wire| {
                        if let Some(wire) = wire {
                            let _ = wire.socket.close();
                        }
                    });
                }
                Notice::Bye(ByeReason::SessionDeleted) => {
                    self.replica.with_untracked(|r| {
                        browser::forget(&token_key(r.room_code.as_str()));
                    });
                    self.status.set(Status::Deleted);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn backoff_doubles_from_half_a_second_up_to_fifteen() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_millis() as u64).collect();
        assert_eq!(
            waits,
            [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]
        );
    }
}
