//! Who holds which seat: resume tokens, open connections, and the grace period of
//! participants who dropped.
//!
//! A seat outlives its connections. A participant whose last connection closes is
//! *away*: within the grace period they keep everything, including their place in the
//! hand queue; after it they keep their seat and role but lose their place in the queue.
//!
//! Seats hold only the digest of each resume token, never the token.

use super::ConnId;
use crate::secrets::Digest;
use axum::extract::ws::Utf8Bytes;
use shared::ParticipantId;
use std::collections::{HashMap, HashSet, VecDeque};
use tokio::time::{Duration, Instant};

#[derive(Debug)]
struct Seat {
    token: Digest,
    connections: HashSet<ConnId>,
    /// When the last connection closed, while the grace period runs.
    away_since: Option<Instant>,
    /// The answers to this participant's latest commands, by command id, so that a
    /// command re-sent after a reconnect gets its first answer again instead of being
    /// applied twice. Each answer goes with the sequence number that must be durable
    /// before it may be sent.
    answers: Answers,
}

#[derive(Debug)]
struct Answer {
    frame: Utf8Bytes,
    durable_at: u64,
}

/// The latest answers of a seat: looked up by id on every command (a map, not a scan of
/// all of them), forgotten oldest first.
#[derive(Debug, Default)]
struct Answers {
    by_id: HashMap<u64, Answer>,
    /// Ids in the order they were first answered.
    order: VecDeque<u64>,
}

impl Answers {
    fn get(&self, id: u64) -> Option<&Answer> {
        self.by_id.get(&id)
    }

    /// Remember an answer; the same id again replaces its answer.
    fn remember(&mut self, id: u64, answer: Answer) {
        if self.by_id.insert(id, answer).is_some() {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED_ANSWERS
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_id.remove(&oldest);
        }
    }
}

/// How many answers a seat remembers: far more than a page can have in flight.
const REMEMBERED_ANSWERS: usize = 256;

#[derive(Debug, Default)]
pub(super) struct Seats {
    seats: HashMap<ParticipantId, Seat>,
}

impl Seats {
    pub fn add(&mut self, participant: ParticipantId, token: Digest) {
        self.seats.insert(
            participant,
            Seat {
                token,
                connections: HashSet::new(),
                away_since: None,
                answers: Answers::default(),
            },
        );
    }

    /// The seat a token opens. Every seat's digest is compared in constant time, so the
    /// time taken says nothing about how close a guess was.
    pub fn find_by_token(&self, token: &str) -> Option<ParticipantId> {
        let presented = Digest::of(token);
        let mut found = None;
        for (id, seat) in &self.seats {
            if presented.same_as(&seat.token) {
                found = Some(id.clone());
            }
        }
        found
    }

    /// Mark every seat without a connection away since `now` (after a restart, nobody is
    /// connected yet and everyone's grace period starts again).
    pub fn all_away(&mut self, now: Instant) {
        for seat in self.seats.values_mut() {
            if seat.connections.is_empty() {
                seat.away_since = Some(now);
            }
        }
    }

    /// Seat a connection; true if the participant was away until now.
    pub fn attach(&mut self, participant: &ParticipantId, conn: ConnId) -> bool {
        let Some(seat) = self.seats.get_mut(participant) else {
            return false;
        };
        let was_away = seat.connections.is_empty();
        seat.connections.insert(conn);
        seat.away_since = None;
        was_away
    }

    /// Unseat a connection; true if the participant is now away.
    pub fn detach(&mut self, participant: &ParticipantId, conn: ConnId, now: Instant) -> bool {
        let Some(seat) = self.seats.get_mut(participant) else {
            return false;
        };
        if !seat.connections.remove(&conn) || !seat.connections.is_empty() {
            return false;
        }
        seat.away_since = Some(now);
        true
    }

    pub fn connections_of(&self, participant: &ParticipantId) -> impl Iterator<Item = ConnId> {
        self.seats
            .get(participant)
            .into_iter()
            .flat_map(|seat| seat.connections.iter().copied())
    }

    /// The answer already given to this participant's command `id`, if any, and the
    /// sequence number that must be durable before it is sent.
    pub fn answer_to(&self, participant: &ParticipantId, id: u64) -> Option<(Utf8Bytes, u64)> {
        let seat = self.seats.get(participant)?;
        seat.answers
            .get(id)
            .map(|answer| (answer.frame.clone(), answer.durable_at))
    }

    /// Remember the answer given to command `id`. Remembering the same id again
    /// replaces the answer (a command with several events, replayed at restart).
    pub fn remember_answer(
        &mut self,
        participant: &ParticipantId,
        id: u64,
        frame: Utf8Bytes,
        durable_at: u64,
    ) {
        let Some(seat) = self.seats.get_mut(participant) else {
            return;
        };
        seat.answers.remember(id, Answer { frame, durable_at });
    }

    /// When the next grace period ends, if one is running.
    pub fn next_expiry(&self, grace: Duration) -> Option<Instant> {
        self.seats
            .values()
            .filter_map(|seat| seat.away_since)
            .min()
            .map(|since| since + grace)
    }

    /// The participants whose grace period has ended by `now`; each is reported once.
    pub fn take_expired(&mut self, now: Instant, grace: Duration) -> Vec<ParticipantId> {
        let mut expired = Vec::new();
        for (id, seat) in &mut self.seats {
            if seat.away_since.is_some_and(|since| since + grace <= now) {
                seat.away_since = None;
                expired.push(id.clone());
            }
        }
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_is_away_only_when_its_last_connection_closes() {
        let mut seats = Seats::default();
        let alice = ParticipantId::from("alice");
        seats.add(alice.clone(), Digest::of("token"));
        let now = Instant::now();
        assert!(seats.attach(&alice, ConnId(1)));
        assert!(!seats.attach(&alice, ConnId(2)));
        assert!(!seats.detach(&alice, ConnId(1), now));
        assert!(seats.detach(&alice, ConnId(2), now));
        let grace = Duration::from_secs(60);
        assert_eq!(seats.next_expiry(grace), Some(now + grace));
        assert!(seats.take_expired(now, grace).is_empty());
        assert_eq!(seats.take_expired(now + grace, grace), vec![alice.clone()]);
        assert_eq!(seats.next_expiry(grace), None);
        seats.all_away(now + grace);
        assert_eq!(seats.next_expiry(grace), Some(now + grace + grace));
    }

    #[test]
    fn a_seat_remembers_its_latest_answers() {
        let mut seats = Seats::default();
        let alice = ParticipantId::from("alice");
        seats.add(alice.clone(), Digest::of("t"));
        for id in 0..300 {
            seats.remember_answer(&alice, id, Utf8Bytes::from(format!("answer {id}")), id);
        }
        let text =
            |answer: Option<(Utf8Bytes, u64)>| answer.map(|(frame, seq)| (frame.to_string(), seq));
        assert_eq!(
            text(seats.answer_to(&alice, 299)),
            Some(("answer 299".into(), 299))
        );
        assert_eq!(
            text(seats.answer_to(&alice, 44)),
            Some(("answer 44".into(), 44))
        );
        seats.remember_answer(&alice, 299, Utf8Bytes::from("answer 299 again"), 300);
        assert_eq!(
            text(seats.answer_to(&alice, 299)),
            Some(("answer 299 again".into(), 300))
        );
        assert_eq!(
            text(seats.answer_to(&alice, 44)),
            Some(("answer 44".into(), 44)),
            "replaced, not added"
        );
        assert_eq!(
            seats.answer_to(&alice, 43),
            None,
            "only the latest are kept"
        );
        assert_eq!(seats.answer_to(&"bob".into(), 299), None);
    }

    #[test]
    fn tokens_open_only_their_own_seat() {
        let mut seats = Seats::default();
        seats.add("a".into(), Digest::of("secret-a"));
        seats.add("b".into(), Digest::of("secret-b"));
        assert_eq!(seats.find_by_token("secret-b"), Some("b".into()));
        assert_eq!(seats.find_by_token("secret-c"), None);
        assert_eq!(seats.find_by_token(""), None);
    }
}
