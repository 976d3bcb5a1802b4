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
    /// applied twice.
    answers: Answers,
}

/// An answer already given to a command, as little as it takes to give it again: a seat
/// keeps up to [`REMEMBERED_ANSWERS`] of them for as long as its room is in memory.
/// Keeping each ack's encoded frame cost about 160 bytes per command (serde_json
/// starts every string at 128 bytes); an ack is rebuilt from its sequence number when
/// asked again, which is rare. Refusals, fewer, keep their frame, boxed so that the
/// common case stays two words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PastAnswer {
    /// Accepted: the room's sequence number after it (also what must be durable before
    /// the ack goes out again).
    Ack { seq: u64 },
    /// Refused with this frame, which may go out once `durable_at` is durable.
    Refused(Box<(Utf8Bytes, u64)>),
}

/// The latest answers of a seat: looked up by id on every command (a map, not a scan of
/// all of them), forgotten oldest first.
#[derive(Debug, Default)]
struct Answers {
    by_id: HashMap<u64, PastAnswer>,
    /// Ids in the order they were first answered.
    order: VecDeque<u64>,
}

impl Answers {
    fn get(&self, id: u64) -> Option<&PastAnswer> {
        self.by_id.get(&id)
    }

    /// Remember an answer; the same id again replaces its answer.
    fn remember(&mut self, id: u64, answer: PastAnswer) {
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
pub struct Seats {
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

    /// Who has a connection open now, in no particular order.
    pub fn present(&self) -> Vec<ParticipantId> {
        self.seats
            .iter()
            .filter(|(_, seat)| !seat.connections.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn connections_of(&self, participant: &ParticipantId) -> impl Iterator<Item = ConnId> {
        self.seats
            .get(participant)
            .into_iter()
            .flat_map(|seat| seat.connections.iter().copied())
    }

    /// The answer already given to this participant's command `id`, if any.
    pub fn answer_to(&self, participant: &ParticipantId, id: u64) -> Option<PastAnswer> {
        self.seats.get(participant)?.answers.get(id).cloned()
    }

    /// Remember the answer given to command `id`. Remembering the same id again
    /// replaces the answer (a command with several events, replayed when the room is
    /// loaded).
    pub fn remember_answer(&mut self, participant: &ParticipantId, id: u64, answer: PastAnswer) {
        let Some(seat) = self.seats.get_mut(participant) else {
            return;
        };
        seat.answers.remember(id, answer);
    }

    /// When the next grace period ends, if one is running.
    pub fn next_expiry(&self, grace: Duration) -> Option<Instant> {
        self.seats
            .values()
            .filter_map(|seat| seat.away_since)
            // A grace too long to add to the clock never ends.
            .filter_map(|since| since.checked_add(grace))
            .min()
    }

    /// The participants whose grace period has ended by `now`; each is reported once.
    pub fn take_expired(&mut self, now: Instant, grace: Duration) -> Vec<ParticipantId> {
        let mut expired = Vec::new();
        for (id, seat) in &mut self.seats {
            let ended = seat
                .away_since
                .and_then(|since| since.checked_add(grace))
                .is_some_and(|end| end <= now);
            if ended {
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

    /// Seats with Alice's in them, and the time it is.
    fn alices_seat() -> (Seats, ParticipantId, Instant) {
        let mut seats = Seats::default();
        let alice = ParticipantId::from("alice");
        seats.add(alice.clone(), Digest::of("token"));
        (seats, alice, Instant::now())
    }

    #[test]
    fn a_seat_is_away_only_when_its_last_connection_closes() {
        let (mut seats, alice, now) = alices_seat();
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
    fn a_grace_too_long_for_the_clock_never_ends() {
        let (mut seats, _alice, now) = alices_seat();
        seats.all_away(now);
        assert_eq!(seats.next_expiry(Duration::MAX), None);
        assert!(seats.take_expired(now, Duration::MAX).is_empty());
    }

    #[test]
    fn a_seat_remembers_its_latest_answers() {
        let mut seats = Seats::default();
        let alice = ParticipantId::from("alice");
        seats.add(alice.clone(), Digest::of("t"));
        for id in 0..300 {
            seats.remember_answer(&alice, id, PastAnswer::Ack { seq: id + 1000 });
        }
        let refused = |text: &str, durable_at| {
            PastAnswer::Refused(Box::new((Utf8Bytes::from(text.to_owned()), durable_at)))
        };
        seats.remember_answer(&alice, 300, refused("refused 300", 1299));
        assert_eq!(
            seats.answer_to(&alice, 299),
            Some(PastAnswer::Ack { seq: 1299 })
        );
        assert_eq!(
            seats.answer_to(&alice, 300),
            Some(refused("refused 300", 1299))
        );
        assert_eq!(
            seats.answer_to(&alice, 45),
            Some(PastAnswer::Ack { seq: 1045 })
        );
        seats.remember_answer(&alice, 299, PastAnswer::Ack { seq: 1300 });
        assert_eq!(
            seats.answer_to(&alice, 299),
            Some(PastAnswer::Ack { seq: 1300 })
        );
        assert_eq!(
            seats.answer_to(&alice, 45),
            Some(PastAnswer::Ack { seq: 1045 }),
            "replaced, not added"
        );
        assert_eq!(
            seats.answer_to(&alice, 44),
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
