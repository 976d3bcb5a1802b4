//! Who holds which seat: resume tokens, open connections, and the grace period of
//! participants who dropped.
//!
//! A seat outlives its connections. A participant whose last connection closes is
//! *away*: within the grace period they keep everything, including their place in the
//! hand queue; after it they keep their seat and role but lose their place in the queue.

use super::ConnId;
use crate::secrets::secrets_match;
use axum::extract::ws::Utf8Bytes;
use shared::ParticipantId;
use std::collections::{HashMap, HashSet, VecDeque};
use tokio::time::{Duration, Instant};

#[derive(Debug)]
struct Seat {
    token: String,
    connections: HashSet<ConnId>,
    /// When the last connection closed, while the grace period runs.
    away_since: Option<Instant>,
    /// The answers to this participant's latest commands, by command id, so that a
    /// command re-sent after a reconnect gets its first answer again instead of being
    /// applied twice.
    answers: VecDeque<(u64, Utf8Bytes)>,
}

/// How many answers a seat remembers: far more than a page can have in flight.
const REMEMBERED_ANSWERS: usize = 256;

#[derive(Debug, Default)]
pub(super) struct Seats {
    seats: HashMap<ParticipantId, Seat>,
}

impl Seats {
    pub fn add(&mut self, participant: ParticipantId, token: String) {
        self.seats.insert(
            participant,
            Seat {
                token,
                connections: HashSet::new(),
                away_since: None,
                answers: VecDeque::new(),
            },
        );
    }

    /// The seat a token opens. Every seat's token is compared in constant time, so the
    /// time taken says nothing about how close a guess was.
    pub fn find_by_token(&self, token: &str) -> Option<ParticipantId> {
        let mut found = None;
        for (id, seat) in &self.seats {
            if secrets_match(token, &seat.token) {
                found = Some(id.clone());
            }
        }
        found
    }

    /// The resume token of a seat (to hand the facilitator's seat to a new device).
    pub fn token_of(&self, participant: &ParticipantId) -> Option<String> {
        self.seats.get(participant).map(|seat| seat.token.clone())
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

    /// The answer already given to this participant's command `id`, if any.
    pub fn answer_to(&self, participant: &ParticipantId, id: u64) -> Option<Utf8Bytes> {
        let seat = self.seats.get(participant)?;
        seat.answers
            .iter()
            .rev()
            .find(|(seen, _)| *seen == id)
            .map(|(_, answer)| answer.clone())
    }

    /// Remember the answer given to command `id`.
    pub fn remember_answer(&mut self, participant: &ParticipantId, id: u64, answer: Utf8Bytes) {
        if let Some(seat) = self.seats.get_mut(participant) {
            if seat.answers.len() == REMEMBERED_ANSWERS {
                seat.answers.pop_front();
            }
            seat.answers.push_back((id, answer));
        }
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
        seats.add(alice.clone(), "token".into());
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
    }

    #[test]
    fn a_seat_remembers_its_latest_answers() {
        let mut seats = Seats::default();
        let alice = ParticipantId::from("alice");
        seats.add(alice.clone(), "t".into());
        for id in 0..300 {
            seats.remember_answer(&alice, id, Utf8Bytes::from(format!("answer {id}")));
        }
        assert_eq!(seats.answer_to(&alice, 299).as_deref(), Some("answer 299"));
        assert_eq!(seats.answer_to(&alice, 44).as_deref(), Some("answer 44"));
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
        seats.add("a".into(), "secret-a".into());
        seats.add("b".into(), "secret-b".into());
        assert_eq!(seats.find_by_token("secret-b"), Some("b".into()));
        assert_eq!(seats.find_by_token("secret-c"), None);
        assert_eq!(seats.find_by_token(""), None);
    }
}
