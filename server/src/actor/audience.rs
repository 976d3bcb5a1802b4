//! The connections seated with an actor, and those to let go.
//!
//! Frames are queued on each connection's bounded queue without waiting: a connection
//! whose queue is full cannot keep up and is dropped (told why) rather than allowed to
//! slow its room or group down. Connections found closed or too slow while sending are
//! noted, and unseated by the actor once it is done with the message at hand.

use super::{ConnId, ConnectionLink, Frame};
use crate::metrics::Metrics;
use axum::extract::ws::Utf8Bytes;
use shared::ParticipantId;
use shared::wire::ByeReason;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A seated connection.
#[derive(Debug)]
struct Seated {
    participant: ParticipantId,
    frames: mpsc::Sender<Frame>,
    kick: Option<oneshot::Sender<ByeReason>>,
}

#[derive(Debug, Default)]
pub struct Audience {
    connections: HashMap<ConnId, Seated>,
    /// Connections found closed or too slow while sending, to unseat afterwards.
    dropped: Vec<(ConnId, Option<ByeReason>)>,
}

/// Queue a frame on a connection's bounded queue without waiting. `Err` means the
/// connection must go: too slow (its queue is full) or already gone (`None`).
fn offer(frames: &mpsc::Sender<Frame>, frame: Frame) -> Result<(), Option<ByeReason>> {
    match frames.try_send(frame) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Full(_)) => Err(Some(ByeReason::SlowConsumer)),
        Err(mpsc::error::TrySendError::Closed(_)) => Err(None),
    }
}

impl Audience {
    pub fn seat(&mut self, conn: ConnId, participant: ParticipantId, link: ConnectionLink) {
        let seated = Seated {
            participant,
            frames: link.frames,
            kick: Some(link.kick),
        };
        self.connections.insert(conn, seated);
    }

    /// Who a seated connection is.
    pub fn participant(&self, conn: ConnId) -> Option<&ParticipantId> {
        self.connections
            .get(&conn)
            .map(|seated| &seated.participant)
    }

    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// The same bytes for everyone seated, queued without building a list of
    /// recipients.
    pub fn broadcast(&mut self, frame: &Frame) {
        for (&conn, seated) in &self.connections {
            if let Err(reason) = offer(&seated.frames, frame.clone()) {
                self.dropped.push((conn, reason));
            }
        }
    }

    /// Queue a frame for one connection; a full queue means it cannot keep up, and it
    /// is dropped.
    pub fn send(&mut self, conn: ConnId, frame: Utf8Bytes) {
        let Some(seated) = self.connections.get(&conn) else {
            return;
        };
        if let Err(reason) = offer(&seated.frames, Arc::new(frame)) {
            self.dropped.push((conn, reason));
        }
    }

    /// The connection is gone.
    pub fn leave(&mut self, conn: ConnId) {
        self.dropped.push((conn, None));
    }

    /// Unseat the next connection that left or fell behind, telling it why if it did
    /// not leave by itself: which it was, and whose.
    pub fn unseat_next(&mut self, metrics: &Metrics) -> Option<(ConnId, ParticipantId)> {
        while let Some((conn, reason)) = self.dropped.pop() {
            let Some(mut seated) = self.connections.remove(&conn) else {
                continue;
            };
            if let (Some(reason), Some(kick)) = (reason, seated.kick.take()) {
                if reason == ByeReason::SlowConsumer {
                    metrics.slow_consumer();
                }
                tracing::info!(participant = %seated.participant, ?reason, "dropping connection");
                let _ = kick.send(reason);
            }
            return Some((conn, seated.participant));
        }
        None
    }

    /// Tell every connection `reason` and let them all go (the room or group is
    /// deleted).
    pub fn kick_all(&mut self, reason: ByeReason) {
        for (_, mut seated) in self.connections.drain() {
            if let Some(kick) = seated.kick.take() {
                let _ = kick.send(reason);
            }
        }
    }
}
