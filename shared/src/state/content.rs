//! What the participants write: the client's problem, question cards, anonymous notes,
//! the action plan and the learnings of the closing round.

use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
use crate::listed::listed_enum;
use crate::timer::Millis;
use serde::{Deserialize, Serialize};

listed_enum! {
    /// The six kinds of exploration note.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NoteKind {
        Comment,
        Reaction,
        Feeling,
        Advice,
        Experience,
        Suggestion,
    }
}

impl NoteKind {}

/// An anonymous sticky note. There is no author field, by design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub kind: NoteKind,
    pub text: String,
    pub posted_at: Millis,
    pub kept: bool,
    pub hidden: bool,
}

/// A clarifying-question card (step 2). Questions are asked aloud, so they are signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub author: ParticipantId,
    pub text: String,
    pub answered: bool,
    /// Withdrawn by its author: no longer shown, but its id stays taken so that a
    /// retried post or withdrawal changes nothing.
    pub withdrawn: bool,
}

/// One action of the client's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub text: String,
    /// A calendar date, `YYYY-MM-DD`.
    pub due: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub title: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learning {
    pub participant: ParticipantId,
    pub text: String,
}
