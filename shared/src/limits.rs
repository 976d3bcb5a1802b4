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
    /// A group's name.
    pub group_name_chars: usize,
    /// A group's video-call link (an `https://` address).
    pub call_link_chars: usize,
    /// A group's own charter text.
    pub charter_chars: usize,
    /// Everyone who ever joined a group, its facilitator included.
    pub group_members: usize,
    /// Sessions in a group's series.
    pub series_sessions: usize,
    /// Open topic proposals one member may have at once.
    pub proposals_per_member: usize,
    /// A topic proposal's title, and its optional line.
    pub proposal_title_chars: usize,
    pub proposal_line_chars: usize,
    /// The word a past client may add to an action's follow-up.
    pub follow_up_chars: usize,
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
            group_name_chars: 120,
            call_link_chars: 500,
            charter_chars: 4_000,
            group_members: 12,
            series_sessions: 12,
            proposals_per_member: 3,
            proposal_title_chars: 120,
            proposal_line_chars: 300,
            follow_up_chars: 300,
        }
    }
}
