//! Bounds on everything a participant can send, checked by the pure room logic.
//!
//! The server may override the defaults from its configuration; the client uses the
//! same defaults to stop a person before they type past a limit.

use serde::{Deserialize, Serialize};

/// Length limits count Unicode scalar values (what a person calls characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub name_chars: usize,
    pub session_title_chars: usize,
    pub problem_title_chars: usize,
    pub problem_summary_chars: usize,
    pub contract_chars: usize,
    pub question_chars: usize,
    pub note_chars: usize,
    pub action_chars: usize,
    pub learning_chars: usize,
    /// Client-made ids (notes, questions, actions).
    pub id_chars: usize,
    /// Notes one consultant may have on the board at once.
    pub notes_per_participant: usize,
    /// Question cards one consultant may have at once.
    pub questions_per_participant: usize,
    /// Actions in the plan.
    pub actions: usize,
    /// Everyone who ever joined the room, facilitator and observers included.
    pub participants: usize,
    /// The longest a step may be planned for, or extended by at once.
    pub max_step_minutes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            name_chars: 40,
            session_title_chars: 120,
            problem_title_chars: 120,
            problem_summary_chars: 4_000,
            contract_chars: 2_000,
            question_chars: 500,
            note_chars: 1_000,
            action_chars: 500,
            learning_chars: 2_000,
            id_chars: 64,
            notes_per_participant: 50,
            questions_per_participant: 30,
            actions: 50,
            participants: 16,
            max_step_minutes: 240,
        }
    }
}
