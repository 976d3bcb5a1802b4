//! Answering a command, the same in a room and a group: an `ack` or a refusal, each
//! remembered by the sender's seat and sent once what it rests on is durable, so that a
//! command sent again (after a reconnect) gets its first answer again and is applied
//! once. And each event numbered, held until durable, and sent to everyone.

use super::ConnId;
use super::core::{Core, Held};
use super::seats::PastAnswer;
use crate::frames;
use crate::secrets::Digest;
use axum::extract::ws::Utf8Bytes;
use shared::wire::ServerMessage;
use shared::{ParticipantId, Rejection};
use std::sync::Arc;

impl<X> Core<X> {
    /// If `participant` sent command `id` before, answer it again as the first time
    /// and say so.
    pub fn answered_before(&mut self, conn: ConnId, participant: &ParticipantId, id: u64) -> bool {
        let Some(answer) = self.seats.answer_to(participant, id) else {
            return false;
        };
        let (frame, needed) = match answer {
            PastAnswer::Ack { seq } => (frames::encode(&ServerMessage::Ack { id, seq }), seq),
            PastAnswer::Refused(refused) => *refused,
        };
        self.answer_when_durable(needed, conn, frame);
        true
    }

    /// Command `id` of `participant` was applied: `ack` it once its events are durable.
    pub fn acknowledge(&mut self, conn: ConnId, participant: &ParticipantId, id: u64) {
        let seq = self.outbox.seq();
        let ack = frames::encode(&ServerMessage::Ack { id, seq });
        self.seats
            .remember_answer(participant, id, PastAnswer::Ack { seq });
        self.answer_when_durable(seq, conn, ack);
    }

    /// Command `id` of `participant` was refused. Even a refusal waits: it may rest on
    /// events not yet durable.
    pub fn refuse(
        &mut self,
        conn: ConnId,
        participant: &ParticipantId,
        id: u64,
        rejection: Rejection,
    ) {
        let seq = self.outbox.seq();
        let refusal = frames::refusal(&self.metrics, Some(id), rejection);
        let remembered = PastAnswer::Refused(Box::new((refusal.clone(), seq)));
        self.seats.remember_answer(participant, id, remembered);
        self.answer_when_durable(seq, conn, refusal);
    }

    /// A new seat for `participant`, opened by `token`: kept as a digest, and queued for
    /// the disk as `stored` makes it.
    pub fn add_seat(
        &mut self,
        participant: &ParticipantId,
        token: &str,
        stored: impl FnOnce(Digest) -> crate::storage::Write,
    ) {
        let digest = Digest::of(token);
        self.seats.add(participant.clone(), digest);
        self.outbox.write(stored(digest));
    }

    /// A frame for one connection, once events up to `needed` are durable.
    pub fn answer_when_durable(&mut self, needed: u64, conn: ConnId, frame: Utf8Bytes) {
        // An answer is never the actor's own item.
        let _ = self.when_durable(needed, Held::Answer { conn, frame });
    }

    /// Number a new event, and hold its frame (`encode`d once for everyone, from its
    /// number) until it is durable; its number.
    pub fn number_event(&mut self, encode: impl FnOnce(u64) -> Utf8Bytes) -> u64 {
        let seq = self.outbox.next_seq();
        let frame = Arc::new(encode(seq));
        // An event is never the actor's own item.
        let _ = self.when_durable(seq, Held::Event { frame });
        seq
    }
}
