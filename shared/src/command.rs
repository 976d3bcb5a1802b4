//! What a participant may ask of the room. Every command gets an ack or a rejection.
//!
//! Which role may send which command, and at which step, is decided in
//! [`crate::logic`]; this file only says what can be asked.

use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
use crate::listed::command_enum;
use crate::state::{NoteKind, RoomState};
use crate::step::Step;
use serde::{Deserialize, Serialize};

command_enum! {
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Command {
        /// I accept the confidentiality and kindness charter.
        AcceptCharter = "accept_charter",
        /// Facilitator: this consultant is the client of the session (welcome only).
        PickClient { participant: ParticipantId } = "pick_client",
        /// Facilitator: go to the step after `from`, the step they saw. Like every command
        /// that moves a shared cursor, it names where it moves from: a repeated or stale
        /// command (a double click) changes nothing and is refused as `stale`.
        NextStep { from: Step } = "next_step",
        /// Facilitator: go back to the step before `from`.
        PreviousStep { from: Step } = "previous_step",
        /// Facilitator: jump from `from` to a step (not to the closed record: use
        /// `close_session`).
        GoToStep { step: Step, from: Step } = "go_to_step",
        /// Facilitator: plan a step's duration.
        SetDuration { step: Step, minutes: u32 } = "set_duration",
        /// Facilitator: start or resume the step timer.
        StartTimer = "start_timer",
        /// Facilitator: pause the step timer.
        PauseTimer = "pause_timer",
        /// Facilitator: give the current step more time.
        ExtendTimer { minutes: u32 } = "extend_timer",
        /// Raise my hand.
        RaiseHand = "raise_hand",
        /// Lower my hand.
        LowerHand = "lower_hand",
        /// Facilitator: give the floor to someone (their hand is lowered); `from` is who
        /// had it as the facilitator saw it (left out or null: nobody).
        GiveFloor {
            participant: ParticipantId,
            #[serde(default)]
            from: Option<ParticipantId>,
        } = "give_floor",
        /// Facilitator: take the floor back from `from`, who has it.
        TakeFloor { from: ParticipantId } = "take_floor",
        /// Client, step 1: the problem's title and summary (which may be empty, left out
        /// or `null`).
        SetProblem {
            title: String,
            #[serde(default, deserialize_with = "crate::wire::null_as_default")]
            summary: String,
        } = "set_problem",
        /// Consultant, step 2: post a clarifying question card.
        PostQuestion {
            question_id: QuestionId,
            text: String,
        } = "post_question",
        /// Consultant, step 2: withdraw my own card.
        WithdrawQuestion { question_id: QuestionId } = "withdraw_question",
        /// Client or facilitator, step 2: mark a card answered (or not).
        MarkAnswered {
            question_id: QuestionId,
            answered: bool,
        } = "mark_answered",
        /// Client, step 3: the consultation contract.
        SetContract { text: String } = "set_contract",
        /// Consultant, step 4: post an anonymous note.
        PostNote {
            note_id: NoteId,
            kind: NoteKind,
            text: String,
        } = "post_note",
        /// Author, step 4: rewrite my note.
        EditNote {
            note_id: NoteId,
            kind: NoteKind,
            text: String,
        } = "edit_note",
        /// Author, step 4: delete my note.
        DeleteNote { note_id: NoteId } = "delete_note",
        /// Client, step 4: keep a note for the action plan (or stop keeping it).
        KeepNote { note_id: NoteId, kept: bool } = "keep_note",
        /// Facilitator: hide a note that breaks the group's rules (or show it again).
        HideNote { note_id: NoteId, hidden: bool } = "hide_note",
        /// Client, step 5: add an action, at the end of the plan.
        AddAction {
            action_id: ActionId,
            text: String,
            #[serde(default, deserialize_with = "crate::wire::null_as_default")]
            due: Option<String>,
        } = "add_action",
        /// Client, step 5: rewrite an action.
        EditAction {
            action_id: ActionId,
            text: String,
            #[serde(default, deserialize_with = "crate::wire::null_as_default")]
            due: Option<String>,
        } = "edit_action",
        /// Client, step 5: remove an action.
        RemoveAction { action_id: ActionId } = "remove_action",
        /// Client, step 5: move an action to position `to` (0-based).
        MoveAction { action_id: ActionId, to: usize } = "move_action",
        /// Anyone taking part, step 6: write (or rewrite) my learning.
        WriteLearning { text: String } = "write_learning",
        /// Facilitator, step 6: pass the word on from turn `from` (0-based, the turn the
        /// facilitator saw) to the next person in the round.
        AdvanceRound { from: usize } = "advance_round",
        /// Facilitator: end the session; the room becomes a read-only record.
        CloseSession = "close_session",
    }
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
