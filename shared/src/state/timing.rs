//! Time in the session: the planned minutes per step and the timeline of steps as they
//! were actually run.

use crate::step::Step;
use crate::timer::Millis;
use serde::{Deserialize, Serialize};

/// One stay in a step, for the session timeline (planned against actual durations).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepVisit {
    pub step: Step,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
}

/// Planned minutes per step. Defaults follow the method's 3-hour session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub welcome: u32,
    pub problem: u32,
    pub clarification: u32,
    pub contract: u32,
    pub exploration: u32,
    pub action_plan: u32,
    pub closing: u32,
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            welcome: 10,
            problem: 15,
            clarification: 20,
            contract: 5,
            exploration: 40,
            action_plan: 15,
            closing: 20,
        }
    }
}

impl Durations {
    /// Planned minutes for a step; the closed record has none.
    pub fn minutes(&self, step: Step) -> u32 {
        match step {
            Step::Welcome => self.welcome,
            Step::Problem => self.problem,
            Step::Clarification => self.clarification,
            Step::Contract => self.contract,
            Step::Exploration => self.exploration,
            Step::ActionPlan => self.action_plan,
            Step::Closing => self.closing,
            Step::Closed => 0,
        }
    }

    pub(super) fn set(&mut self, step: Step, minutes: u32) {
        let slot = match step {
            Step::Welcome => &mut self.welcome,
            Step::Problem => &mut self.problem,
            Step::Clarification => &mut self.clarification,
            Step::Contract => &mut self.contract,
            Step::Exploration => &mut self.exploration,
            Step::ActionPlan => &mut self.action_plan,
            Step::Closing => &mut self.closing,
            Step::Closed => return,
        };
        *slot = minutes;
    }
}

pub(crate) fn minutes_to_ms(minutes: u32) -> u64 {
    u64::from(minutes) * 60_000
}
