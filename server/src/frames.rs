//! The frames the server writes, encoded one way, and refusals given one way.
//!
//! Every frame leaves as the text of a [`ServerMessage`], encoded here: a room's events
//! ([`event`], [`group_event`], from the event itself, encoded once for all its recipients), answers and
//! snapshots ([`encode`]), and refusals ([`refusal`]), which are also counted in
//! `/metrics` by their code, wherever they are given (the connection, its rate limit,
//! its last words, the room).

use crate::metrics::Metrics;
use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use shared::group::GroupEvent;
use shared::wire::ServerMessage;
use shared::{Event, Rejection};

/// Encode a message for the wire. Our types always encode; should one ever fail, the
/// frame says so instead of taking its sender down.
pub fn encode(message: &impl Serialize) -> Utf8Bytes {
    match serde_json::to_string(message) {
        Ok(json) => Utf8Bytes::from(json),
        Err(error) => {
            tracing::error!(%error, "could not encode a frame");
            Utf8Bytes::from_static(
                r#"{"type":"rejected","code":"internal","message":"encoding failed"}"#,
            )
        }
    }
}

/// The `event` frame of `event`, numbered `seq`: the same text as
/// [`ServerMessage::Event`], written from a borrowed event so that the room keeps its
/// event (for the disk) without encoding a copy of it.
pub fn event(seq: u64, event: &Event) -> Utf8Bytes {
    numbered("event", seq, event)
}

/// The `group_event` frame of a group's `event`, numbered `seq`: the same text as
/// [`GroupServerMessage::GroupEvent`](shared::wire::group::GroupServerMessage).
pub fn group_event(seq: u64, event: &GroupEvent) -> Utf8Bytes {
    numbered("group_event", seq, event)
}

/// `{"type": kind, "seq": seq, "event": event}`, the type first as in every frame.
fn numbered(kind: &'static str, seq: u64, event: &impl Serialize) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Numbered<'a, E> {
        #[serde(rename = "type")]
        kind: &'static str,
        seq: u64,
        event: &'a E,
    }
    encode(&Numbered { kind, seq, event })
}

/// A `rejected` frame answering command `id` (or a message without one), counted in
/// the metrics by its code.
pub fn refusal(metrics: &Metrics, id: Option<u64>, rejection: Rejection) -> Utf8Bytes {
    metrics.rejected(rejection.code);
    encode(&ServerMessage::Rejected {
        id,
        code: rejection.code,
        message: rejection.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ErrorCode;
    use shared::ids::ParticipantId;

    #[test]
    fn an_event_frame_is_the_servers_event_message() {
        let event = Event::HandRaised {
            participant: ParticipantId::new("p1".to_owned()),
            at: 42,
        };
        let written = super::event(7, &event).as_str().to_owned();
        let message = ServerMessage::Event {
            seq: 7,
            event: event.clone(),
        };
        assert_eq!(written, serde_json::to_string(&message).unwrap());
        let read: ServerMessage = serde_json::from_str(&written).unwrap();
        assert_eq!(read, message);
    }

    #[test]
    fn a_refusal_is_counted_by_its_code() {
        let metrics = Metrics::new();
        let frame = refusal(
            &metrics,
            Some(3),
            Rejection::new(ErrorCode::FrameTooLarge, "too big"),
        );
        let read: ServerMessage = serde_json::from_str(frame.as_str()).unwrap();
        assert_eq!(
            read,
            ServerMessage::Rejected {
                id: Some(3),
                code: ErrorCode::FrameTooLarge,
                message: "too big".into()
            }
        );
        assert!(
            metrics
                .render(0)
                .contains("codev_rejected_commands_total{code=\"frame_too_large\"} 1")
        );
    }
}
