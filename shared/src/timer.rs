//! The step timer: a deadline in server time, never a countdown kept by each screen.
//!
//! Every screen computes the remaining time from the same deadline and its own estimate
//! of the server's clock, so all screens agree whatever their local clocks say. Running
//! out is only a signal: nothing changes step by itself.

use crate::tag_first::tag_first_enum;
use serde::Serialize;

/// Milliseconds since the Unix epoch, on the server's clock.
pub type Millis = u64;

// `Deserialize` comes from `tag_first_enum!`: `state` first, read without buffering
// (`crate::tag_first`).
tag_first_enum! {
    #[serde(tag = "state", rename_all = "snake_case")]
    /// The timer of the current step.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub enum TimerState {
        /// Not started yet for this step; starting it gives `duration_ms`.
        Idle { duration_ms: u64 },
        /// Running; time is up at `deadline` (server time).
        Running { deadline: Millis },
        /// Paused with this much left.
        Paused { remaining_ms: u64 },
    }
}

impl TimerState {
    /// Time left at server time `now`, negative once the deadline has passed.
    pub fn remaining_ms(&self, now: Millis) -> i64 {
        match *self {
            TimerState::Idle { duration_ms } => duration_ms as i64,
            TimerState::Running { deadline } => deadline as i64 - now as i64,
            TimerState::Paused { remaining_ms } => remaining_ms as i64,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, TimerState::Running { .. })
    }

    /// The timer started at `now`, resuming from a pause where there was one.
    pub fn started(&self, now: Millis) -> TimerState {
        match *self {
            TimerState::Idle { duration_ms } => TimerState::Running {
                deadline: now.saturating_add(duration_ms),
            },
            TimerState::Paused { remaining_ms } => TimerState::Running {
                deadline: now.saturating_add(remaining_ms),
            },
            TimerState::Running { deadline } => TimerState::Running { deadline },
        }
    }

    /// The timer paused at `now`; a timer past its deadline pauses at zero.
    pub fn paused(&self, now: Millis) -> TimerState {
        match *self {
            TimerState::Running { deadline } => TimerState::Paused {
                remaining_ms: deadline.saturating_sub(now),
            },
            ref other => other.clone(),
        }
    }

    /// The timer given `extra_ms` more, whatever its state.
    pub fn extended(&self, extra_ms: u64) -> TimerState {
        match *self {
            TimerState::Idle { duration_ms } => TimerState::Idle {
                duration_ms: duration_ms.saturating_add(extra_ms),
            },
            TimerState::Running { deadline } => TimerState::Running {
                deadline: deadline.saturating_add(extra_ms),
            },
            TimerState::Paused { remaining_ms } => TimerState::Paused {
                remaining_ms: remaining_ms.saturating_add(extra_ms),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_pause_resume_and_extend_keep_the_remaining_time() {
        let idle = TimerState::Idle {
            duration_ms: 60_000,
        };
        let running = idle.started(1_000);
        assert_eq!(running, TimerState::Running { deadline: 61_000 });
        assert_eq!(running.remaining_ms(31_000), 30_000);
        let paused = running.paused(31_000);
        assert_eq!(
            paused,
            TimerState::Paused {
                remaining_ms: 30_000
            }
        );
        let resumed = paused.started(100_000);
        assert_eq!(resumed.remaining_ms(100_000), 30_000);
        assert_eq!(resumed.extended(5_000).remaining_ms(100_000), 35_000);
    }

    #[test]
    fn an_overrun_timer_reports_negative_time_and_pauses_at_zero() {
        let running = TimerState::Running { deadline: 10_000 };
        assert_eq!(running.remaining_ms(12_500), -2_500);
        assert_eq!(
            running.paused(12_500),
            TimerState::Paused { remaining_ms: 0 }
        );
    }
}
