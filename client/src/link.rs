//! A WebSocket to the server kept open for one page: opened, reopened after a loss with
//! a growing wait, and given up when it goes silent, whatever the page speaks over it.
//!
//! The room ([`crate::session`]) and the group page ([`crate::group_link`]) each speak
//! their own protocol; what the socket's life has in common is here, once. Each is a
//! [`Peer`]: it says what to send when the socket opens, reads each frame, and learns
//! when the socket is lost.

use crate::browser;
use leptos::prelude::*;
use shared::ErrorCode;
use shared::liveness::Liveness;
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
    /// Entering was refused for good (unknown room or group, closed to newcomers...).
    Failed(ErrorCode),
    /// The facilitator deleted the session.
    Deleted,
}

/// What speaks over a [`Link`].
pub trait Peer: Copy + 'static {
    fn link(&self) -> Link;
    /// The socket opened: send the first frame (entering).
    fn opened(&self);
    /// A text frame arrived.
    fn heard(&self, text: &str);
    /// The socket is gone (closed, silent, never opened); a new one follows unless the
    /// status says the page is done.
    fn lost(&self);
    /// How long the oldest unanswered command has waited, at `now`, if one waits.
    fn unanswered_for(&self, now: u64) -> Option<u64>;
    /// The ping frame with this nonce.
    fn ping(&self, nonce: u64) -> String;
    /// The code the connection is routed by (`shared::routing`).
    fn route(&self) -> String;
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

/// Handles to one page's socket; `Copy`, so a peer holds one.
#[derive(Clone, Copy)]
pub struct Link {
    pub status: RwSignal<Status>,
    /// What the current connection has heard, to notice a link gone silent.
    pub liveness: StoredValue<Liveness>,
    wire: StoredValue<Option<Wire>, LocalStorage>,
    /// Failed attempts since the last live connection.
    attempts: StoredValue<u32>,
    /// Bumped on every (re)connection, so a stale retry timer does nothing.
    generation: StoredValue<u64>,
    /// The node a `bye` `moved` named, asked for by the next connection only.
    follow: StoredValue<Option<String>>,
}

/// The wait before reconnect attempt `attempt` (1-based): 0.5 s doubling, at most 15 s.
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(15_000))
}

impl Link {
    pub fn new() -> Link {
        Link {
            status: RwSignal::new(Status::Connecting),
            liveness: StoredValue::new(Liveness::default()),
            wire: StoredValue::new_local(None),
            attempts: StoredValue::new(0),
            generation: StoredValue::new(0),
            follow: StoredValue::new(None),
        }
    }

    /// Another server serves the page's room or group: the next connection asks for
    /// the node `node` (once: if it is gone, the proxy's own choice is right again).
    pub fn follow(&self, node: String) {
        self.follow.set_value(Some(node));
    }

    /// Connect `peer`, and watch for silence: ping a quiet link, drop a silent one.
    pub fn start<P: Peer>(peer: P) {
        connect(peer);
        set_interval(move || check(peer), Duration::from_secs(1));
    }

    /// Send a frame, if the socket is open (a peer keeps what must survive a loss).
    pub fn send_text(&self, text: &str) {
        self.wire.with_value(|wire| {
            if let Some(wire) = wire
                && wire.socket.ready_state() == WebSocket::OPEN
            {
                let _ = wire.socket.send_with_str(text);
            }
        });
    }

    /// The peer is in: the next loss starts the backoff from its shortest wait.
    pub fn went_live(&self) {
        self.attempts.set_value(0);
        self.status.set(Status::Live);
    }

    /// Let the socket go for good: the page is done with it.
    pub fn end(&self, status: Status) {
        self.status.set(status);
        self.wire.set_value(None);
    }

    /// Close the socket; the backoff then tries again.
    pub fn close(&self) {
        self.wire.with_value(|wire| {
            if let Some(wire) = wire {
                let _ = wire.socket.close();
            }
        });
    }

    /// Let the socket go without a status (the page is about to reload).
    pub fn drop_socket(&self) {
        self.wire.set_value(None);
    }
}

impl Default for Link {
    fn default() -> Self {
        Link::new()
    }
}

/// Try to connect now, without waiting for the backoff.
pub fn retry_now<P: Peer>(peer: P) {
    if matches!(
        peer.link().status.get_untracked(),
        Status::Reconnecting { .. }
    ) {
        connect(peer);
    }
}

fn check<P: Peer>(peer: P) {
    let link = peer.link();
    let now = browser::now_ms();
    if link.liveness.with_value(|l| l.is_silent(now)) {
        connection_lost(peer);
        return;
    }
    let waited = peer.unanswered_for(now);
    if link.liveness.with_value(|l| l.ping_due(now, waited)) {
        link.liveness.update_value(|l| l.pinged(now));
        link.send_text(&peer.ping(now));
    }
}

/// The socket is gone, closed or silent: tell the peer, then try again after the
/// backoff unless the page is done.
fn connection_lost<P: Peer>(peer: P) {
    let link = peer.link();
    peer.lost();
    link.liveness.update_value(Liveness::closed);
    link.wire.set_value(None);
    if matches!(
        link.status.get_untracked(),
        Status::Failed(_) | Status::Deleted
    ) {
        return;
    }
    schedule_reconnect(peer, link.generation.get_value());
}

fn connect<P: Peer>(peer: P) {
    let link = peer.link();
    let generation = link.generation.get_value() + 1;
    link.generation.set_value(generation);
    link.wire.set_value(None);
    if link.attempts.get_value() == 0 {
        link.status.set(Status::Connecting);
    }
    let node = link.follow.get_value();
    link.follow.set_value(None);
    let url = browser::websocket_url(&peer.route(), node.as_deref());
    let Ok(socket) = WebSocket::new(&url) else {
        schedule_reconnect(peer, generation);
        return;
    };
    let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
        link.liveness.update_value(|l| l.opened(browser::now_ms()));
        peer.opened();
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        link.liveness.update_value(|l| l.heard(browser::now_ms()));
        if let Some(text) = event.data().as_string() {
            peer.heard(&text);
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
        if link.generation.get_value() == generation {
            connection_lost(peer);
        }
    });
    // A connection attempt to a server that vanished can hang for minutes: give it as
    // long as a silent link, then try again.
    set_timeout(
        move || {
            let stuck = link.wire.with_value(|wire| {
                wire.as_ref()
                    .is_some_and(|wire| wire.socket.ready_state() == WebSocket::CONNECTING)
            });
            if stuck && link.generation.get_value() == generation {
                connection_lost(peer);
            }
        },
        Duration::from_millis(shared::liveness::SILENT_AFTER_MS),
    );
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    link.wire.set_value(Some(Wire {
        socket,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
    }));
}

fn schedule_reconnect<P: Peer>(peer: P, generation: u64) {
    let link = peer.link();
    if link.generation.get_value() != generation {
        return;
    }
    let attempt = link.attempts.get_value() + 1;
    link.attempts.set_value(attempt);
    let wait = backoff(attempt);
    link.status.set(Status::Reconnecting {
        seconds: wait.as_secs_f64().ceil() as u32,
    });
    set_timeout(
        move || {
            if link.generation.get_value() == generation {
                connect(peer);
            }
        },
        wait,
    );
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
