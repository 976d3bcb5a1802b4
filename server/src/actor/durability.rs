//! The room's durability gate: nothing leaves a room before the events it rests on are
//! on disk.
//!
//! Everything the room sends (an event, an answer, a snapshot, a seat) enters the gate
//! with the sequence number it rests on. It goes out at once if that event is durable
//! and nothing older waits; otherwise it waits, and items leave in the order they came
//! as the journal reports the room's events durable. Order matters as much as
//! durability: an answer must never overtake the event it acknowledges, nor a snapshot
//! the events before it. Generic over what it holds, so that these rules are tested
//! here without a room.

use std::collections::VecDeque;

/// The queue keeps at most this many slots once it empties: enough for a busy room
/// without reallocating, little for an idle one (rooms live long).
const KEPT_CAPACITY: usize = 16;

#[derive(Debug)]
pub struct DurabilityGate<T> {
    /// The sequence number of the last event known to be durable.
    durable: u64,
    /// What waits, with the sequence number it waits for, in order of arrival.
    waiting: VecDeque<(u64, T)>,
}

impl<T> DurabilityGate<T> {
    /// A gate for a room whose events up to `durable` are on disk.
    pub fn new(durable: u64) -> Self {
        DurabilityGate {
            durable,
            waiting: VecDeque::new(),
        }
    }

    /// The last event known to be durable.
    pub fn durable(&self) -> u64 {
        self.durable
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// `item` rests on event `needed`: it comes back if it may go now (that event is
    /// durable and nothing older waits), else it waits its turn.
    #[must_use]
    pub fn pass(&mut self, needed: u64, item: T) -> Option<T> {
        if needed <= self.durable && self.waiting.is_empty() {
            Some(item)
        } else {
            self.waiting.push_back((needed, item));
            None
        }
    }

    /// The journal says events up to `up_to` are durable (reports may come late or
    /// out of order: the mark never goes back).
    pub fn now_durable(&mut self, up_to: u64) {
        self.durable = self.durable.max(up_to);
    }

    /// The next item that may go, in order; `None` once the first one waiting still
    /// rests on an event not yet durable.
    pub fn next_ready(&mut self) -> Option<T> {
        let ready = self
            .waiting
            .front()
            .is_some_and(|(needed, _)| *needed <= self.durable);
        let item = ready.then(|| self.waiting.pop_front()).flatten();
        // A burst (everyone joining at once) may have grown the queue; an idle room
        // should not keep that memory.
        if self.waiting.is_empty() && self.waiting.capacity() > KEPT_CAPACITY {
            self.waiting = VecDeque::new();
        }
        item.map(|(_, item)| item)
    }

    /// Forget everything waiting (the room is deleted).
    pub fn clear(&mut self) {
        self.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pass each item to the gate, and check that each has to wait.
    fn all_wait(gate: &mut DurabilityGate<&'static str>, items: &[(u64, &'static str)]) {
        for &(needed, item) in items {
            assert_eq!(gate.pass(needed, item), None, "{item} waits");
        }
    }

    fn drain(gate: &mut DurabilityGate<&'static str>) -> Vec<&'static str> {
        std::iter::from_fn(|| gate.next_ready()).collect()
    }

    #[test]
    fn what_rests_on_durable_events_goes_at_once() {
        let mut gate = DurabilityGate::new(3);
        assert_eq!(gate.pass(3, "answer"), Some("answer"));
        assert_eq!(gate.pass(0, "snapshot"), Some("snapshot"));
        assert!(gate.is_empty());
    }

    #[test]
    fn what_rests_on_an_event_not_yet_durable_waits_for_it() {
        let mut gate = DurabilityGate::new(3);
        all_wait(
            &mut gate,
            &[(4, "event 4"), (4, "ack of 4"), (5, "event 5")],
        );
        assert!(drain(&mut gate).is_empty(), "nothing is durable yet");
        gate.now_durable(4);
        assert_eq!(drain(&mut gate), ["event 4", "ack of 4"]);
        gate.now_durable(5);
        assert_eq!(drain(&mut gate), ["event 5"]);
        assert!(gate.is_empty());
    }

    #[test]
    fn nothing_overtakes_what_waits_before_it() {
        let mut gate = DurabilityGate::new(3);
        // The snapshot rests on a durable event, but must not go before event 4.
        all_wait(&mut gate, &[(4, "event 4"), (3, "snapshot at 3")]);
        gate.now_durable(4);
        assert_eq!(drain(&mut gate), ["event 4", "snapshot at 3"]);
        assert_eq!(gate.pass(4, "after"), Some("after"));
    }

    #[test]
    fn items_go_in_order_up_to_the_first_still_waiting() {
        let mut gate = DurabilityGate::new(0);
        all_wait(&mut gate, &[(1, "one"), (2, "two"), (3, "three")]);
        gate.now_durable(2);
        assert_eq!(drain(&mut gate), ["one", "two"]);
        assert!(!gate.is_empty());
        gate.now_durable(10);
        assert_eq!(drain(&mut gate), ["three"]);
    }

    #[test]
    fn a_late_report_does_not_move_the_mark_back() {
        let mut gate = DurabilityGate::<&str>::new(0);
        gate.now_durable(7);
        gate.now_durable(5);
        assert_eq!(gate.durable(), 7);
    }

    #[test]
    fn an_emptied_queue_gives_back_what_a_burst_took() {
        let mut gate = DurabilityGate::new(0);
        for seq in 1..=1000 {
            assert_eq!(gate.pass(seq, "event"), None);
        }
        gate.now_durable(1000);
        assert_eq!(drain(&mut gate).len(), 1000);
        assert!(gate.waiting.capacity() <= KEPT_CAPACITY);
    }

    #[test]
    fn clearing_forgets_what_waited() {
        let mut gate = DurabilityGate::new(0);
        assert_eq!(gate.pass(1, "event"), None);
        gate.clear();
        gate.now_durable(1);
        assert!(drain(&mut gate).is_empty());
    }
}
