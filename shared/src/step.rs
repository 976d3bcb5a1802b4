//! The six steps of the method, plus the welcome before them and the closed record after.

use crate::listed::listed_enum;
use serde::{Deserialize, Serialize};

listed_enum! {
    /// Where the session stands. Only the facilitator moves it (see [`crate::logic`]).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Step {
        /// 0. Accueil: joining, the confidentiality charter, picking the client.
        Welcome,
        /// 1. Exposé de la problématique.
        Problem,
        /// 2. Clarification.
        Clarification,
        /// 3. Contrat de consultation.
        Contract,
        /// 4. Exploration: anonymous notes.
        Exploration,
        /// 5. Synthèse et plan d'action.
        ActionPlan,
        /// 6. Conclusion: the closing round.
        Closing,
        /// Séance terminée: a read-only record.
        Closed,
    }
}

impl Step {
    /// The steps a facilitator can move to with next, previous or jump
    /// (closing the session is its own command): every step but the closed record,
    /// which comes last.
    pub const MOVABLE: [Step; Step::ALL.len() - 1] = {
        let mut movable = [Step::Welcome; Step::ALL.len() - 1];
        let mut i = 0;
        while i < movable.len() {
            movable[i] = Step::ALL[i];
            i += 1;
        }
        movable
    };

    /// The method's number for the step: 0 for the welcome, 1 to 6, 7 once closed.
    pub fn number(self) -> u8 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    /// The next movable step, if any.
    pub fn next(self) -> Option<Step> {
        let i = Self::MOVABLE.iter().position(|s| *s == self)?;
        Self::MOVABLE.get(i + 1).copied()
    }

    /// The previous movable step, if any.
    pub fn previous(self) -> Option<Step> {
        let i = Self::MOVABLE.iter().position(|s| *s == self)?;
        i.checked_sub(1).map(|j| Self::MOVABLE[j])
    }

    /// Whether the contract is pinned on screen at this step (steps 4 and 5).
    pub fn shows_contract(self) -> bool {
        matches!(self, Step::Exploration | Step::ActionPlan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_walk_forward_and_back_between_welcome_and_closing() {
        assert_eq!(Step::Welcome.previous(), None);
        assert_eq!(Step::Welcome.next(), Some(Step::Problem));
        assert_eq!(Step::Closing.next(), None);
        assert_eq!(Step::Closed.next(), None);
        assert_eq!(Step::Closed.previous(), None);
        assert_eq!(Step::ActionPlan.previous(), Some(Step::Exploration));
        assert_eq!(Step::Exploration.number(), 4);
    }
}
