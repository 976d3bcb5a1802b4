//! Since when a room has been unattended, which decides when it is put away.
//!
//! A room just created or loaded was asked for by someone whose `Enter` is on its way:
//! until someone arrives, for at most [`ARRIVAL_WINDOW`], it does not count as
//! unattended, so that it is not put away under their feet (and loaded again at once).
//! Once someone has come, that purpose is served: the idle time counts from the moment
//! the last connection left, window or not (with an idle time of 1 s, a room created,
//! entered and left within a second is put away a second later).

use std::time::Duration;
use tokio::time::Instant;

/// How long a room just created or loaded waits for its first arrival (whoever asked for
/// it) before its idle time starts counting.
pub const ARRIVAL_WINDOW: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Attendance {
    /// Since when nobody has been connected (`None` while someone is); the end of the
    /// arrival window until someone has come.
    unattended_since: Option<Instant>,
}

impl Attendance {
    /// A room that starts now, with nobody in it yet.
    pub fn new(now: Instant) -> Self {
        Attendance {
            unattended_since: Some(now + ARRIVAL_WINDOW),
        }
    }

    /// Whether anyone is connected, as of `now`.
    pub fn note(&mut self, attended: bool, now: Instant) {
        if attended {
            self.unattended_since = None;
        } else if self.unattended_since.is_none() {
            self.unattended_since = Some(now);
        }
    }

    /// Since when nobody has been connected, for the idle time; `None` while someone is.
    pub fn unattended_since(&self) -> Option<Instant> {
        self.unattended_since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_room_waits_for_its_first_arrival_then_idle_time_counts_from_the_last_departure() {
        let t0 = Instant::now();
        let second = Duration::from_secs(1);
        // Nobody came: unattended only from the end of the window.
        let attendance = Attendance::new(t0);
        assert_eq!(attendance.unattended_since(), Some(t0 + ARRIVAL_WINDOW));

        // Someone came and went within the window: the idle time counts from then.
        let mut attendance = Attendance::new(t0);
        attendance.note(true, t0 + second);
        assert_eq!(attendance.unattended_since(), None);
        attendance.note(false, t0 + 2 * second);
        assert_eq!(attendance.unattended_since(), Some(t0 + 2 * second));

        // Later, from the last departure, and only once.
        attendance.note(true, t0 + 10 * second);
        attendance.note(false, t0 + 20 * second);
        attendance.note(false, t0 + 30 * second);
        assert_eq!(attendance.unattended_since(), Some(t0 + 20 * second));
    }
}
