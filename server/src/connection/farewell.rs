//! How the server ends a connection: what it says last, and closing as the protocol
//! promises.
//!
//! When the server ends a connection it writes its last words (a `bye`, or the refusal
//! of a frame it cannot read on from) and a close frame, then keeps reading and
//! discarding what the client still sends until the client's own close frame arrives or
//! the connection ends, for a bounded time. Dropping the socket with the client's frames
//! unread would make the kernel reset the connection (RFC 1122: a close with unread data
//! sends a reset), and a reset makes the client's system throw away whatever it had not
//! read yet: the `bye`, and the answers already sent before it. A burst over the abuse
//! limit lost them that way almost every time. (After a read error the WebSocket layer
//! reads no more, so the refusals of a frame over the hard limit or not UTF-8 are
//! followed by the close frame alone.)

use super::{FrameSink, FrameStream};
use crate::frames;
use crate::metrics::Metrics;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::future::{Either, select};
use futures_util::{SinkExt, StreamExt};
use shared::wire::{ByeReason, ServerMessage};
use shared::{ErrorCode, Rejection};
use std::pin::pin;
use std::time::Duration;

/// How long a connection that is being ended waits for its last words to be taken: a
/// client that stopped reading cannot hold the connection open.
pub const FAREWELL_PATIENCE: Duration = Duration::from_secs(5);
/// How long, once its last words are written, the server reads on for the client's
/// close frame.
pub const CLOSING_PATIENCE: Duration = Duration::from_secs(2);

/// Close code 1001, "going away": the server ends the connection, and said why in a `bye`.
const GOING_AWAY: u16 = 1001;
/// Close code 1007, "invalid frame payload data": a text frame that is not UTF-8.
const INVALID_PAYLOAD: u16 = 1007;
/// Close code 1009, "message too big".
const TOO_BIG: u16 = 1009;

/// Why a connection ends, and so what it is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Farewell {
    /// The client closed, or the socket failed: nothing to say.
    Silent,
    /// The server ends the connection and says why in a `bye`.
    Bye(ByeReason),
    /// Another node of the cluster serves what the connection asked for: a `bye`
    /// `moved`, naming that node (`docs/cluster.md`).
    MovedTo(String),
    /// A frame over the hard limit (the byte count): the rest of the stream cannot be
    /// read.
    TooLarge(usize),
    /// A text frame that is not UTF-8, which breaks the WebSocket protocol.
    NotUtf8,
}

impl Farewell {
    /// What a read error means for the connection.
    pub fn after(error: &axum::Error, hard_limit: usize) -> Self {
        match std::error::Error::source(error)
            .and_then(|inner| inner.downcast_ref::<tungstenite::Error>())
        {
            Some(tungstenite::Error::Capacity(_)) => Farewell::TooLarge(hard_limit),
            Some(tungstenite::Error::Utf8(_)) => Farewell::NotUtf8,
            _ => Farewell::Silent,
        }
    }

    /// The last frames: a message saying why, then a close frame. None when silent. A
    /// refusal among them is counted in `metrics`.
    pub fn frames(self, metrics: &Metrics) -> Option<[Message; 2]> {
        let refusal = |code, message: String| {
            Message::Text(frames::refusal(
                metrics,
                None,
                Rejection::new(code, message),
            ))
        };
        let (last_words, code, reason) = match self {
            Farewell::Silent => return None,
            Farewell::Bye(reason) => (bye(reason, None), GOING_AWAY, "bye"),
            Farewell::MovedTo(node) => (bye(ByeReason::Moved, Some(node)), GOING_AWAY, "bye"),
            Farewell::TooLarge(max) => (
                refusal(
                    ErrorCode::FrameTooLarge,
                    format!("a message is at most {max} bytes; this connection cannot go on"),
                ),
                TOO_BIG,
                "frame too large",
            ),
            Farewell::NotUtf8 => (
                refusal(
                    ErrorCode::Malformed,
                    "a text frame must be UTF-8; this connection cannot go on".to_owned(),
                ),
                INVALID_PAYLOAD,
                "not UTF-8",
            ),
        };
        let close = Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        }));
        Some([last_words, close])
    }
}

fn bye(reason: ByeReason, to: Option<String>) -> Message {
    let message = match reason {
        ByeReason::ShuttingDown => "the server is restarting; reconnect in a moment",
        ByeReason::SlowConsumer => "this connection fell behind; reconnect to catch up",
        ByeReason::Abuse => "too many refused or too fast messages",
        ByeReason::SessionDeleted => "the facilitator deleted this session",
        ByeReason::Moved => "another server serves this session now; reconnect",
    };
    Message::Text(frames::encode(&ServerMessage::Bye {
        reason,
        to,
        message: message.to_owned(),
    }))
}

/// End the connection: write `farewell`'s frames (within [`FAREWELL_PATIENCE`]) while
/// discarding whatever the client sends meanwhile, then go on discarding until the
/// client's close frame or the end of the stream, for at most [`CLOSING_PATIENCE`].
/// Reading while writing matters too: a client busy writing a burst may not read until
/// its writes go through.
pub async fn part(
    mut sink: impl FrameSink,
    mut stream: impl FrameStream,
    farewell: Farewell,
    metrics: &Metrics,
) {
    let Some(frames) = farewell.frames(metrics) else {
        return;
    };
    let write = pin!(tokio::time::timeout(FAREWELL_PATIENCE, async {
        for frame in frames {
            sink.send(frame).await?;
        }
        Ok::<(), axum::Error>(())
    }));
    let drain = pin!(drain(&mut stream));
    match select(write, drain).await {
        Either::Left((_, drain)) => {
            let _ = tokio::time::timeout(CLOSING_PATIENCE, drain).await;
        }
        // The client closed first (or went away): finish writing, in case it reads on.
        Either::Right((_, write)) => {
            let _ = write.await;
        }
    }
}

/// Read and discard frames until the client's close frame, the end of the stream or a
/// read error.
async fn drain(stream: &mut impl FrameStream) {
    while let Some(Ok(message)) = stream.next().await {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close_code(farewell: Farewell) -> Option<u16> {
        match farewell.frames(&Metrics::new())? {
            [_, Message::Close(Some(close))] => Some(close.code),
            _ => None,
        }
    }

    #[test]
    fn each_farewell_says_why_then_closes_with_its_code() {
        assert_eq!(close_code(Farewell::Silent), None);
        assert_eq!(close_code(Farewell::Bye(ByeReason::Abuse)), Some(1001));
        assert_eq!(close_code(Farewell::TooLarge(65_536)), Some(1009));
        assert_eq!(close_code(Farewell::NotUtf8), Some(1007));
        let Some([Message::Text(said), _]) =
            Farewell::Bye(ByeReason::Abuse).frames(&Metrics::new())
        else {
            panic!("a bye, as text");
        };
        let said: ServerMessage = serde_json::from_str(&said).expect("a server message");
        assert!(matches!(
            said,
            ServerMessage::Bye {
                reason: ByeReason::Abuse,
                ..
            }
        ));
    }

    #[test]
    fn last_words_that_refuse_are_counted() {
        let metrics = Metrics::new();
        Farewell::TooLarge(65_536).frames(&metrics);
        Farewell::NotUtf8.frames(&metrics);
        Farewell::Bye(ByeReason::Abuse).frames(&metrics);
        let text = metrics.render(0);
        for line in [
            "codev_rejected_commands_total{code=\"frame_too_large\"} 1",
            "codev_rejected_commands_total{code=\"malformed\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
