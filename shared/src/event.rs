//! What happened in a room. Events are the only way room state changes, on the server
//! and in every client; each carries the room's sequence number on the wire.
//!
//! No event names a note's author: [`Event::NotePosted`] carries the note alone.

use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
use crate::state::{Action, Note, NoteKind, Participant, Question};
use crate::step::Step;
use crate::tag_first::tag_first_enum;
use crate::timer::{Millis, TimerState};
use serde::Serialize;

// `Deserialize` comes from `tag_first_enum!`: `type` first, read without buffering
// (`crate::tag_first`).
tag_first_enum! {
    #[serde(tag = "type", rename_all = "snake_case")]
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub enum Event {
        ParticipantJoined {
            participant: Participant,
        },
        PresenceChanged {
            participant: ParticipantId,
            connected: bool,
        },
        CharterAccepted {
            participant: ParticipantId,
        },
        /// The participant becomes the client; a previous client becomes a consultant.
        ClientPicked {
            participant: ParticipantId,
        },
        /// The step changed at `at`; the timer is reset to the new step's plan.
        StepChanged {
            step: Step,
            at: Millis,
        },
        DurationSet {
            step: Step,
            minutes: u32,
        },
        TimerChanged {
            timer: TimerState,
        },
        HandRaised {
            participant: ParticipantId,
            at: Millis,
        },
        HandLowered {
            participant: ParticipantId,
        },
        FloorGiven {
            participant: ParticipantId,
        },
        FloorTaken,
        ProblemSet {
            title: String,
            summary: String,
        },
        QuestionPosted {
            question: Question,
        },
        QuestionWithdrawn {
            question_id: QuestionId,
        },
        QuestionAnswered {
            question_id: QuestionId,
            answered: bool,
        },
        ContractSet {
            text: String,
        },
        NotePosted {
            note: Note,
        },
        NoteEdited {
            note_id: NoteId,
            kind: NoteKind,
            text: String,
        },
        NoteDeleted {
            note_id: NoteId,
        },
        NoteKept {
            note_id: NoteId,
            kept: bool,
        },
        NoteHidden {
            note_id: NoteId,
            hidden: bool,
        },
        ActionAdded {
            action: Action,
        },
        ActionEdited {
            action_id: ActionId,
            text: String,
            due: Option<String>,
        },
        ActionRemoved {
            action_id: ActionId,
        },
        ActionMoved {
            action_id: ActionId,
            to: usize,
        },
        LearningWritten {
            participant: ParticipantId,
            text: String,
        },
        /// The closing round moved on: `current` indexes the round's order; equal to its
        /// length once everyone has spoken.
        RoundAdvanced {
            current: usize,
        },
        SessionClosed {
            at: Millis,
        },
    }
}
