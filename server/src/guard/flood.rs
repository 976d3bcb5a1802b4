//! One connection's rate of frames, and what to say to frames that are too big.
//!
//! Every frame a connection sends (text, binary or WebSocket ping) takes a token from its
//! bucket (`commands_per_second`, `command_burst`). Without one, the frame is not read:
//! it is refused with `rate_limited` (carrying the command's `id` when it has one, so the
//! client knows which command was not applied) and counts as a strike. A connection that
//! runs out of strikes (`abuse_strikes`, one forgiven per second) is ended with `bye` and
//! reason `abuse`. All of this happens in the connection's own task: the room and every
//! other connection notice nothing.

use super::bucket::TokenBucket;
use crate::config::Config;
use axum::extract::ws::Message;
use serde::Deserialize;
use shared::Millis;
use shared::{ErrorCode, Rejection};

/// What to do with one incoming frame.
#[derive(Debug)]
pub enum Admit {
    /// Read it.
    Yes,
    /// Do not read it; refuse it (naming the command's `id`, if it had one).
    Refuse {
        id: Option<u64>,
        rejection: Rejection,
    },
    /// The connection keeps flooding: end it as abusive.
    Disconnect,
}

/// The rate limit of one connection.
#[derive(Debug)]
pub struct CommandRate {
    /// None when the server sets no limit.
    frames: Option<TokenBucket>,
    strikes: TokenBucket,
}

impl CommandRate {
    pub fn new(config: &Config, now: Millis) -> Self {
        let frames = (config.commands_per_second > 0).then(|| {
            TokenBucket::new(
                config.command_burst.max(1),
                f64::from(config.commands_per_second),
                now,
            )
        });
        CommandRate {
            frames,
            strikes: TokenBucket::new(config.abuse_strikes.max(1), 1.0, now),
        }
    }

    /// Whether to read `message`, which has just arrived.
    pub fn admit(&mut self, message: &Message, now: Millis) -> Admit {
        let Some(frames) = &mut self.frames else {
            return Admit::Yes;
        };
        let counted = matches!(
            message,
            Message::Text(_) | Message::Binary(_) | Message::Ping(_)
        );
        if !counted || frames.try_take(now) {
            return Admit::Yes;
        }
        if !self.strikes.try_take(now) {
            return Admit::Disconnect;
        }
        let id = match message {
            Message::Text(text) => command_id(text),
            _ => None,
        };
        Admit::Refuse {
            id,
            rejection: Rejection::new(
                ErrorCode::RateLimited,
                "too many messages too fast: this one was not read; send it again in a moment",
            ),
        }
    }
}

/// The `id` of a command frame, if the frame is one and has one; nothing else is read.
pub fn command_id(text: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<u64>,
    }
    serde_json::from_str::<IdOnly>(text).ok()?.id
}

/// The refusal of a frame over `max_frame_bytes` (but under the hard limit), text or
/// binary: it is not read, and the connection carries on.
pub fn too_large(max: usize) -> Rejection {
    Rejection::new(
        ErrorCode::FrameTooLarge,
        format!("a message is at most {max} bytes; this one was not read"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ws::Utf8Bytes;

    fn rate(per_second: u32, burst: u32, strikes: u32) -> CommandRate {
        let config = Config {
            commands_per_second: per_second,
            command_burst: burst,
            abuse_strikes: strikes,
            ..Config::default()
        };
        CommandRate::new(&config, 0)
    }

    fn text(json: &str) -> Message {
        Message::Text(Utf8Bytes::from(json.to_owned()))
    }

    #[test]
    fn over_the_rate_frames_are_refused_with_their_id_then_the_connection_is_dropped() {
        let t0: Millis = 0;
        let mut rate = rate(1, 2, 3);
        let command = text(r#"{"type":"command","id":42,"command":{"type":"raise_hand"}}"#);
        assert!(matches!(rate.admit(&command, t0), Admit::Yes));
        assert!(matches!(rate.admit(&command, t0), Admit::Yes));
        let Admit::Refuse { id, rejection } = rate.admit(&command, t0) else {
            panic!("the third frame at once is refused");
        };
        assert_eq!((id, rejection.code), (Some(42), ErrorCode::RateLimited));
        // Pongs and closes are not counted.
        assert!(matches!(
            rate.admit(&Message::Pong(Default::default()), t0),
            Admit::Yes
        ));
        assert!(matches!(
            rate.admit(&Message::Binary(Default::default()), t0),
            Admit::Refuse { .. }
        ));
        assert!(matches!(rate.admit(&command, t0), Admit::Refuse { .. }));
        assert!(matches!(rate.admit(&command, t0), Admit::Disconnect));
    }

    #[test]
    fn a_connection_that_slows_down_is_forgiven() {
        let t0: Millis = 0;
        let mut rate = rate(10, 1, 2);
        let ping = text(r#"{"type":"ping","nonce":1}"#);
        for second in 0..100 {
            let now = t0 + second * 1000;
            assert!(matches!(rate.admit(&ping, now), Admit::Yes));
            assert!(matches!(rate.admit(&ping, now), Admit::Refuse { .. }));
        }
    }

    #[test]
    fn no_limit_means_no_limit() {
        let t0: Millis = 0;
        let mut rate = rate(0, 1, 1);
        let ping = text(r#"{"type":"ping","nonce":1}"#);
        assert!((0..10_000).all(|_| matches!(rate.admit(&ping, t0), Admit::Yes)));
    }

    #[test]
    fn only_a_command_id_is_read() {
        assert_eq!(
            command_id(r#"{"type":"command","id":7,"command":{}}"#),
            Some(7)
        );
        assert_eq!(command_id(r#"{"type":"ping","nonce":7}"#), None);
        assert_eq!(command_id("not json"), None);
        assert_eq!(command_id(r#"{"id":"seven"}"#), None);
    }
}
