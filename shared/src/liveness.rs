//! Whether the link to the server still carries anything.
//!
//! A WebSocket can stay "open" long after the network under it is gone: a laptop's
//! Wi-Fi drops, a phone walks out of coverage, the server's machine loses power. No close
//! ever arrives, and a page that waits for one says "live" while nothing gets through.
//! So a page listens for silence instead: when it has heard nothing for a while (or a
//! command of its own waits), it pings; when even the ping goes unanswered, it gives the
//! connection up and reconnects. The server answers a ping at once, whatever its disk is
//! doing, so a `pong` proves the link, and a command still unanswered after one means
//! the server itself is slow, not the network.
//!
//! Pure bookkeeping over local times; the page feeds it and reads it.

use crate::timer::Millis;

/// Nothing heard for this long: ask with a ping.
pub const PING_AFTER_MS: Millis = 3_000;
/// A command of ours unanswered for this long: ping, to tell a dead link from a slow
/// server.
pub const PING_FOR_COMMAND_AFTER_MS: Millis = 1_000;
/// Nothing heard for this long, pings included: the connection is dead.
pub const SILENT_AFTER_MS: Millis = 7_000;
/// A command unanswered this long while the link is proven alive: the server is slow
/// (its disk refuses or hangs; `/health` says the same to operators).
pub const SLOW_SERVER_AFTER_MS: Millis = 3_000;

/// What a page has heard on its current connection, in local time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    /// When the server was last heard on the open connection (opening counts); none
    /// while no connection is open.
    last_heard: Option<Millis>,
    /// When the last ping went out on this connection.
    last_ping: Option<Millis>,
}

impl Liveness {
    /// A connection opened at `now`.
    pub fn opened(&mut self, now: Millis) {
        self.last_heard = Some(now);
        self.last_ping = None;
    }

    /// The connection closed: nothing to listen to until the next one.
    pub fn closed(&mut self) {
        self.last_heard = None;
        self.last_ping = None;
    }

    /// A frame arrived at `now`.
    pub fn heard(&mut self, now: Millis) {
        if self.last_heard.is_some() {
            self.last_heard = Some(now);
        }
    }

    /// A ping went out at `now`.
    pub fn pinged(&mut self, now: Millis) {
        self.last_ping = Some(now);
    }

    /// When the server was last heard on the open connection.
    pub fn last_heard(&self) -> Option<Millis> {
        self.last_heard
    }

    /// Whether to ping now: the connection is open, it has been quiet for
    /// [`PING_AFTER_MS`] or a command has waited `command_waited` past
    /// [`PING_FOR_COMMAND_AFTER_MS`], and no ping already waits for its answer (a
    /// ping waits until something is heard after it, or for [`PING_AFTER_MS`]).
    pub fn ping_due(&self, now: Millis, command_waited: Option<Millis>) -> bool {
        let Some(heard) = self.last_heard else {
            return false;
        };
        let quiet = now.saturating_sub(heard) >= PING_AFTER_MS;
        let waiting = command_waited.is_some_and(|w| w >= PING_FOR_COMMAND_AFTER_MS);
        let ping_pending = self
            .last_ping
            .is_some_and(|ping| ping >= heard && now.saturating_sub(ping) < PING_AFTER_MS);
        (quiet || waiting) && !ping_pending
    }

    /// Whether the server, not the network, is to blame for a command of ours that has
    /// waited `command_waited`: it is over [`SLOW_SERVER_AFTER_MS`], and the server was
    /// heard (a pong, an event) after the command went out, so the link works.
    pub fn server_is_slow(&self, now: Millis, command_waited: Option<Millis>) -> bool {
        let (Some(heard), Some(waited)) = (self.last_heard, command_waited) else {
            return false;
        };
        waited >= SLOW_SERVER_AFTER_MS && heard >= now.saturating_sub(waited)
    }

    /// Whether the open connection has gone silent for good: nothing heard for
    /// [`SILENT_AFTER_MS`], though pings went out.
    pub fn is_silent(&self, now: Millis) -> bool {
        self.last_heard
            .is_some_and(|heard| now.saturating_sub(heard) >= SILENT_AFTER_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_link_is_pinged_then_given_up() {
        let mut link = Liveness::default();
        assert!(!link.ping_due(100_000, None), "no connection, no ping");
        assert!(!link.is_silent(100_000));
        link.opened(0);
        assert!(!link.ping_due(PING_AFTER_MS - 1, None));
        assert!(link.ping_due(PING_AFTER_MS, None));
        link.pinged(PING_AFTER_MS);
        assert!(
            !link.ping_due(PING_AFTER_MS + 500, None),
            "one ping at a time"
        );
        // The pong comes back: all is well, the clock starts again.
        link.heard(PING_AFTER_MS + 40);
        assert!(!link.ping_due(PING_AFTER_MS + 100, None));
        assert!(!link.is_silent(PING_AFTER_MS + 100));
        // Then nothing, ever: pinged again, and given up ten seconds after the last word.
        let last = PING_AFTER_MS + 40;
        assert!(link.ping_due(last + PING_AFTER_MS, None));
        link.pinged(last + PING_AFTER_MS);
        assert!(!link.ping_due(last + PING_AFTER_MS + 1_000, None));
        assert!(
            link.ping_due(last + 2 * PING_AFTER_MS, None),
            "an unanswered ping is retried"
        );
        assert!(!link.is_silent(last + SILENT_AFTER_MS - 1));
        assert!(link.is_silent(last + SILENT_AFTER_MS));
        link.closed();
        assert!(!link.is_silent(last + SILENT_AFTER_MS));
    }

    #[test]
    fn a_waiting_command_asks_for_a_ping_at_once() {
        let mut link = Liveness::default();
        link.opened(0);
        link.heard(1_000);
        assert!(!link.ping_due(1_500, Some(PING_FOR_COMMAND_AFTER_MS - 1)));
        assert!(link.ping_due(1_500, Some(PING_FOR_COMMAND_AFTER_MS)));
        link.pinged(1_500);
        assert!(!link.ping_due(1_600, Some(PING_FOR_COMMAND_AFTER_MS + 100)));
    }

    #[test]
    fn the_server_is_blamed_only_when_it_was_heard_after_the_command_left() {
        let mut link = Liveness::default();
        link.opened(0);
        // Sent at 1 s; at 4.5 s it has waited 3.5 s.
        assert!(
            !link.server_is_slow(4_500, Some(3_500)),
            "nothing heard since"
        );
        link.heard(2_000);
        assert!(
            link.server_is_slow(4_500, Some(3_500)),
            "a pong came back at 2 s"
        );
        assert!(
            !link.server_is_slow(3_500, Some(2_500)),
            "not waited long enough"
        );
        assert!(!link.server_is_slow(4_500, None));
        link.closed();
        assert!(!link.server_is_slow(4_500, Some(3_500)));
    }

    #[test]
    fn frames_heard_before_a_connection_opens_do_not_count() {
        let mut link = Liveness::default();
        link.heard(5);
        assert_eq!(link.last_heard(), None);
    }
}
