//! The session timeline: each step's planned and actual duration, for the facilitator
//! during the session (is the group running late?) and for the record.

use shared::timer::Millis;
use shared::{RoomState, Step};

/// One step of the method with its plan and the time actually spent in it so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub step: Step,
    pub planned_minutes: u32,
    pub actual_ms: u64,
}

/// Every movable step in order, with the time spent in it summed over all visits
/// (going back to a step adds to it). The open visit counts up to `now`.
pub fn rows(state: &RoomState, now: Millis) -> Vec<Row> {
    Step::MOVABLE
        .iter()
        .map(|&step| Row {
            step,
            planned_minutes: state.durations.minutes(step),
            actual_ms: state
                .timeline
                .iter()
                .filter(|visit| visit.step == step)
                .map(|visit| {
                    visit
                        .ended_at
                        .unwrap_or(now)
                        .saturating_sub(visit.started_at)
                })
                .sum(),
        })
        .collect()
}

/// How far behind plan the session is, in whole minutes (0 when on time): the time
/// spent on steps already done and the current one, beyond their plans.
pub fn minutes_late(state: &RoomState, now: Millis) -> u64 {
    let current = state.step;
    let overrun: u64 = rows(state, now)
        .iter()
        .filter(|row| row.step <= current)
        .map(|row| {
            row.actual_ms
                .saturating_sub(u64::from(row.planned_minutes) * 60_000)
        })
        .sum();
    overrun / 60_000
}

/// Milliseconds as whole minutes, rounded to nearest, for display.
pub fn minutes(ms: u64) -> String {
    ((ms + 30_000) / 60_000).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Event;
    use shared::state::Language;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn rows_sum_every_visit_and_count_the_open_one_up_to_now() {
        let mut state = RoomState::new("t", Language::Fr, 0);
        let min = 60_000;
        state.apply(&Event::StepChanged {
            step: Step::Problem,
            at: 5 * min,
        });
        state.apply(&Event::StepChanged {
            step: Step::Welcome,
            at: 25 * min,
        });
        state.apply(&Event::StepChanged {
            step: Step::Problem,
            at: 26 * min,
        });
        let rows = rows(&state, 30 * min);
        assert_eq!(
            rows[0],
            Row {
                step: Step::Welcome,
                planned_minutes: 10,
                actual_ms: 6 * min
            }
        );
        assert_eq!(rows[1].actual_ms, 24 * min);
        assert_eq!(rows[2].actual_ms, 0);
        // Problem planned 15, spent 24: 9 minutes late; welcome was under plan.
        assert_eq!(minutes_late(&state, 30 * min), 9);
        assert_eq!(minutes(89_999), "1");
        assert_eq!(minutes(90_000), "2");
    }
}
