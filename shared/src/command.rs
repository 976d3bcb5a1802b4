//! What a participant may ask of the room. Every command gets an ack or a rejection.
//!
//! Which role may send which command, and at which step, is decided in
//! [`crate::logic`]; this file only says what can be asked.

use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
use crate::state::{NoteKind, RoomState};
use crate::step::Step;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// I accept the confidentiality and kindness charter.
    AcceptCharter,
    /// Facilitator: this consultant is the client of the session (welcome only).
    PickClient { participant: ParticipantId },
    /// Facilitator: go to the step after `from`, the step they saw. Like every command
    /// that moves a shared cursor, it names where it moves from: a repeated or stale
    /// command (a double click) changes nothing and is refused as `stale`.
    NextStep { from: Step },
    /// Facilitator: go back to the step before `from`.
    PreviousStep { from: Step },
    /// Facilitator: jump from `from` to a step (not to the closed record: use
    /// `close_session`).
    GoToStep { step: Step, from: Step },
    /// Facilitator: plan a step's duration.
    SetDuration { step: Step, minutes: u32 },
    /// Facilitator: start or resume the step timer.
    StartTimer,
    /// Facilitator: pause the step timer.
    PauseTimer,
    /// Facilitator: give the current step more time.
    ExtendTimer { minutes: u32 },
    /// Raise my hand.
    RaiseHand,
    /// Lower my hand.
    LowerHand,
    /// Facilitator: give the floor to someone (their hand is lowered); `from` is who
    /// had it as the facilitator saw it (left out or null: nobody).
    GiveFloor {
        participant: ParticipantId,
        #[serde(default)]
        from: Option<ParticipantId>,
    },
    /// Facilitator: take the floor back from `from`, who has it.
    TakeFloor { from: ParticipantId },
    /// Client, step 1: the problem's title and summary (which may be empty, left out
    /// or `null`).
    SetProblem {
        title: String,
        #[serde(default, deserialize_with = "crate::wire::null_as_default")]
        summary: String,
    },
    /// Consultant, step 2: post a clarifying question card.
    PostQuestion {
        question_id: QuestionId,
        text: String,
    },
    /// Consultant, step 2: withdraw my own card.
    WithdrawQuestion { question_id: QuestionId },
    /// Client or facilitator, step 2: mark a card answered (or not).
    MarkAnswered {
        question_id: QuestionId,
        answered: bool,
    },
    /// Client, step 3: the consultation contract.
    SetContract { text: String },
    /// Consultant, step 4: post an anonymous note.
    PostNote {
        note_id: NoteId,
        kind: NoteKind,
        text: String,
    },
    /// Author, step 4: rewrite my note.
    EditNote {
        note_id: NoteId,
        kind: NoteKind,
        text: String,
    },
    /// Author, step 4: delete my note.
    DeleteNote { note_id: NoteId },
    /// Client, step 4: keep a note for the action plan (or stop keeping it).
    KeepNote { note_id: NoteId, kept: bool },
    /// Facilitator: hide a note that breaks the group's rules (or show it again).
    HideNote { note_id: NoteId, hidden: bool },
    /// Client, step 5: add an action, at the end of the plan.
    AddAction {
        action_id: ActionId,
        text: String,
        #[serde(default, deserialize_with = "crate::wire::null_as_default")]
        due: Option<String>,
    },
    /// Client, step 5: rewrite an action.
    EditAction {
        action_id: ActionId,
        text: String,
        #[serde(default, deserialize_with = "crate::wire::null_as_default")]
        due: Option<String>,
    },
    /// Client, step 5: remove an action.
    RemoveAction { action_id: ActionId },
    /// Client, step 5: move an action to position `to` (0-based).
    MoveAction { action_id: ActionId, to: usize },
    /// Anyone taking part, step 6: write (or rewrite) my learning.
    WriteLearning { text: String },
    /// Facilitator, step 6: pass the word on from turn `from` (0-based, the turn the
    /// facilitator saw) to the next person in the round.
    AdvanceRound { from: usize },
    /// Facilitator: end the session; the room becomes a read-only record.
    CloseSession,
}

/// The commands that move a shared cursor, as seen from a copy of the room: each names
/// where the cursor is in `seen`, so that it moves once however often it is sent.
impl Command {
    /// Go to the step after the one `seen` is at.
    pub fn next_step(seen: &RoomState) -> Command {
        Command::NextStep { from: seen.step }
    }

    /// Go back to the step before the one `seen` is at.
    pub fn previous_step(seen: &RoomState) -> Command {
        Command::PreviousStep { from: seen.step }
    }

    /// Jump to `step` from the one `seen` is at.
    pub fn go_to_step(seen: &RoomState, step: Step) -> Command {
        Command::GoToStep {
            step,
            from: seen.step,
        }
    }

    /// Give the floor to `participant`, taking it from whoever has it in `seen`.
    pub fn give_floor(seen: &RoomState, participant: ParticipantId) -> Command {
        Command::GiveFloor {
            participant,
            from: seen.floor.clone(),
        }
    }

    /// Take the floor back from whoever has it in `seen`; none if nobody has it.
    pub fn take_floor(seen: &RoomState) -> Option<Command> {
        let from = seen.floor.clone()?;
        Some(Command::TakeFloor { from })
    }

    /// Pass the word on from the turn the round is at in `seen`; none without a round.
    pub fn advance_round(seen: &RoomState) -> Option<Command> {
        let from = seen.round.as_ref()?.current;
        Some(Command::AdvanceRound { from })
    }

    /// Whether this command moves a shared cursor (and so may be refused as `stale`).
    pub fn moves_a_cursor(&self) -> bool {
        matches!(
            self,
            Command::NextStep { .. }
                | Command::PreviousStep { .. }
                | Command::GoToStep { .. }
                | Command::GiveFloor { .. }
                | Command::TakeFloor { .. }
                | Command::AdvanceRound { .. }
        )
    }
}

impl Command {
    /// The wire name of every command (tests check that `name` gives each one).
    pub const NAMES: [&'static str; 30] = [
        "accept_charter",
        "pick_client",
        "next_step",
        "previous_step",
        "go_to_step",
        "set_duration",
        "start_timer",
        "pause_timer",
        "extend_timer",
        "raise_hand",
        "lower_hand",
        "give_floor",
        "take_floor",
        "set_problem",
        "post_question",
        "withdraw_question",
        "mark_answered",
        "set_contract",
        "post_note",
        "edit_note",
        "delete_note",
        "keep_note",
        "hide_note",
        "add_action",
        "edit_action",
        "remove_action",
        "move_action",
        "write_learning",
        "advance_round",
        "close_session",
    ];

    /// The wire name of the command, for logs and metrics (never its content).
    pub fn name(&self) -> &'static str {
        match self {
            Command::AcceptCharter => "accept_charter",
            Command::PickClient { .. } => "pick_client",
            Command::NextStep { .. } => "next_step",
            Command::PreviousStep { .. } => "previous_step",
            Command::GoToStep { .. } => "go_to_step",
            Command::SetDuration { .. } => "set_duration",
            Command::StartTimer => "start_timer",
            Command::PauseTimer => "pause_timer",
            Command::ExtendTimer { .. } => "extend_timer",
            Command::RaiseHand => "raise_hand",
            Command::LowerHand => "lower_hand",
            Command::GiveFloor { .. } => "give_floor",
            Command::TakeFloor { .. } => "take_floor",
            Command::SetProblem { .. } => "set_problem",
            Command::PostQuestion { .. } => "post_question",
            Command::WithdrawQuestion { .. } => "withdraw_question",
            Command::MarkAnswered { .. } => "mark_answered",
            Command::SetContract { .. } => "set_contract",
            Command::PostNote { .. } => "post_note",
            Command::EditNote { .. } => "edit_note",
            Command::DeleteNote { .. } => "delete_note",
            Command::KeepNote { .. } => "keep_note",
            Command::HideNote { .. } => "hide_note",
            Command::AddAction { .. } => "add_action",
            Command::EditAction { .. } => "edit_action",
            Command::RemoveAction { .. } => "remove_action",
            Command::MoveAction { .. } => "move_action",
            Command::WriteLearning { .. } => "write_learning",
            Command::AdvanceRound { .. } => "advance_round",
            Command::CloseSession => "close_session",
        }
    }
}
