//! The `Decider`: one decision with its context at hand, once the rights are checked.
//! Its match says, command by command, which values pass and which events follow.

use super::values::{client_id, due_date, not_found, optional_text, text};
use crate::command::Command;
use crate::event::Event;
use crate::ids::ParticipantId;
use crate::limits::Limits;
use crate::rejection::{ErrorCode, Rejection};
use crate::room::Room;
use crate::state::{Action, Note, Participant, Question, Role, RoomState, minutes_to_ms};
use crate::step::Step;
use crate::timer::{Millis, TimerState};

use Role::{Client, Consultant};

/// One decision, with its context at hand. Rights are already checked.
pub(super) struct Decider<'a> {
    pub(super) room: &'a Room,
    pub(super) state: &'a RoomState,
    pub(super) me: &'a Participant,
    pub(super) now: Millis,
    pub(super) limits: &'a Limits,
}

impl Decider<'_> {
    pub(super) fn decide(&self, command: &Command) -> Result<Vec<Event>, Rejection> {
        let state = self.state;
        let me = &self.me.id;
        let limits = self.limits;
        let none = Ok(Vec::new());
        match command {
            Command::AcceptCharter => {
                if self.me.charter_accepted {
                    return none;
                }
                Ok(vec![Event::CharterAccepted {
                    participant: me.clone(),
                }])
            }
            Command::PickClient { participant } => {
                let target = state
                    .participant(participant)
                    .ok_or_else(|| not_found("participant"))?;
                match target.role {
                    Client => none,
                    Consultant => Ok(vec![Event::ClientPicked {
                        participant: participant.clone(),
                    }]),
                    _ => Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "the client is one of the participants, not the facilitator or an observer",
                    )),
                }
            }
            Command::NextStep { from } => {
                self.still_at_step(*from)?;
                let step = state.step.next().ok_or_else(|| {
                    Rejection::new(
                        ErrorCode::NoSuchStep,
                        "this is the last step; close the session to end it",
                    )
                })?;
                self.go_to(step)
            }
            Command::PreviousStep { from } => {
                self.still_at_step(*from)?;
                let step = state.step.previous().ok_or_else(|| {
                    Rejection::new(ErrorCode::NoSuchStep, "this is the first step")
                })?;
                self.go_to(step)
            }
            Command::GoToStep { step, from } => {
                self.still_at_step(*from)?;
                if *step == Step::Closed {
                    return Err(Rejection::new(
                        ErrorCode::NoSuchStep,
                        "close the session to end it",
                    ));
                }
                if *step == state.step {
                    return none;
                }
                self.go_to(*step)
            }
            Command::SetDuration { step, minutes } => {
                if *step == Step::Closed {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "the closed record has no duration",
                    ));
                }
                self.minutes(*minutes)?;
                if state.durations.minutes(*step) == *minutes {
                    return none;
                }
                Ok(vec![Event::DurationSet {
                    step: *step,
                    minutes: *minutes,
                }])
            }
            Command::StartTimer => {
                if state.timer.is_running() {
                    return none;
                }
                Ok(vec![Event::TimerChanged {
                    timer: state.timer.started(self.now),
                }])
            }
            Command::PauseTimer => {
                if !state.timer.is_running() {
                    return none;
                }
                Ok(vec![Event::TimerChanged {
                    timer: state.timer.paused(self.now),
                }])
            }
            Command::ExtendTimer { minutes } => {
                self.minutes(*minutes)?;
                let extended = state.timer.extended(minutes_to_ms(*minutes));
                let too_long = match extended {
                    TimerState::Running { deadline } => deadline.saturating_sub(self.now),
                    TimerState::Idle { duration_ms } => duration_ms,
                    TimerState::Paused { remaining_ms } => remaining_ms,
                } > minutes_to_ms(limits.max_step_minutes);
                if too_long {
                    return Err(Rejection::new(
                        ErrorCode::TooLong,
                        format!(
                            "a step runs for at most {} minutes",
                            limits.max_step_minutes
                        ),
                    ));
                }
                Ok(vec![Event::TimerChanged { timer: extended }])
            }
            Command::RaiseHand => {
                // Whoever has the floor is speaking already: nothing to queue for.
                if state.has_hand_raised(me) || state.floor.as_ref() == Some(me) {
                    return none;
                }
                Ok(vec![Event::HandRaised {
                    participant: me.clone(),
                    at: self.now,
                }])
            }
            Command::LowerHand => {
                if !state.has_hand_raised(me) {
                    return none;
                }
                Ok(vec![Event::HandLowered {
                    participant: me.clone(),
                }])
            }
            Command::GiveFloor { participant, from } => {
                self.floor_still_with(from.as_ref())?;
                let target = state
                    .participant(participant)
                    .ok_or_else(|| not_found("participant"))?;
                if !target.role.takes_part() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "observers do not take the floor",
                    ));
                }
                if state.floor.as_ref() == Some(participant) {
                    return none;
                }
                Ok(vec![Event::FloorGiven {
                    participant: participant.clone(),
                }])
            }
            Command::TakeFloor { from } => {
                self.floor_still_with(Some(from))?;
                Ok(vec![Event::FloorTaken])
            }
            Command::SetProblem { title, summary } => Ok(vec![Event::ProblemSet {
                title: text(title, limits.problem_title_chars, "problem title")?,
                summary: optional_text(summary, limits.problem_summary_chars, "summary")?,
            }]),
            Command::PostQuestion {
                question_id,
                text: body,
            } => {
                client_id(question_id.as_str(), limits)?;
                let body = text(body, limits.question_chars, "question")?;
                if let Some(existing) = state.question(question_id) {
                    return if &existing.author == me {
                        none
                    } else {
                        Err(Rejection::new(ErrorCode::IdTaken, "that id is taken"))
                    };
                }
                let mine = state
                    .questions
                    .iter()
                    .filter(|q| &q.author == me && !q.withdrawn)
                    .count();
                if mine >= limits.questions_per_participant {
                    return Err(Rejection::new(
                        ErrorCode::LimitReached,
                        format!(
                            "at most {} questions each",
                            limits.questions_per_participant
                        ),
                    ));
                }
                Ok(vec![Event::QuestionPosted {
                    question: Question {
                        id: question_id.clone(),
                        author: me.clone(),
                        text: body,
                        answered: false,
                        withdrawn: false,
                    },
                }])
            }
            Command::WithdrawQuestion { question_id } => {
                let question = state
                    .question(question_id)
                    .ok_or_else(|| not_found("question"))?;
                if &question.author != me {
                    return Err(Rejection::new(
                        ErrorCode::NotAuthor,
                        "only its author may withdraw a question",
                    ));
                }
                if question.withdrawn {
                    return none;
                }
                Ok(vec![Event::QuestionWithdrawn {
                    question_id: question_id.clone(),
                }])
            }
            Command::MarkAnswered {
                question_id,
                answered,
            } => {
                let question = state
                    .question(question_id)
                    .filter(|q| !q.withdrawn)
                    .ok_or_else(|| not_found("question"))?;
                if question.answered == *answered {
                    return none;
                }
                Ok(vec![Event::QuestionAnswered {
                    question_id: question_id.clone(),
                    answered: *answered,
                }])
            }
            Command::SetContract { text: body } => Ok(vec![Event::ContractSet {
                text: text(body, limits.contract_chars, "contract")?,
            }]),
            Command::PostNote {
                note_id,
                kind,
                text: body,
            } => {
                client_id(note_id.as_str(), limits)?;
                let body = text(body, limits.note_chars, "note")?;
                if let Some(author) = self.room.author_of(note_id) {
                    return if author == me {
                        none
                    } else {
                        Err(Rejection::new(ErrorCode::IdTaken, "that id is taken"))
                    };
                }
                if self.room.count_notes_by(me) >= limits.notes_per_participant {
                    return Err(Rejection::new(
                        ErrorCode::LimitReached,
                        format!("at most {} notes each", limits.notes_per_participant),
                    ));
                }
                Ok(vec![Event::NotePosted {
                    note: Note {
                        id: note_id.clone(),
                        kind: *kind,
                        text: body,
                        posted_at: self.now,
                        kept: false,
                        hidden: false,
                    },
                }])
            }
            Command::EditNote {
                note_id,
                kind,
                text: body,
            } => {
                let note = self.own_note(note_id)?.ok_or_else(|| not_found("note"))?;
                let body = text(body, limits.note_chars, "note")?;
                if note.kind == *kind && note.text == body {
                    return none;
                }
                Ok(vec![Event::NoteEdited {
                    note_id: note_id.clone(),
                    kind: *kind,
                    text: body,
                }])
            }
            Command::DeleteNote { note_id } => match self.own_note(note_id)? {
                // Already deleted by its author: a retried delete.
                None => none,
                Some(_) => Ok(vec![Event::NoteDeleted {
                    note_id: note_id.clone(),
                }]),
            },
            Command::KeepNote { note_id, kept } => {
                let note = state.note(note_id).ok_or_else(|| not_found("note"))?;
                if note.kept == *kept {
                    return none;
                }
                // A hidden note broke the group's rules: it cannot be chosen for the
                // plan. One kept before it was hidden stays kept (and can be let go).
                if *kept && note.hidden {
                    return Err(Rejection::new(
                        ErrorCode::NoteHidden,
                        "the facilitator has hidden this note; it cannot be kept",
                    ));
                }
                Ok(vec![Event::NoteKept {
                    note_id: note_id.clone(),
                    kept: *kept,
                }])
            }
            Command::HideNote { note_id, hidden } => {
                let note = state.note(note_id).ok_or_else(|| not_found("note"))?;
                if note.hidden == *hidden {
                    return none;
                }
                Ok(vec![Event::NoteHidden {
                    note_id: note_id.clone(),
                    hidden: *hidden,
                }])
            }
            Command::AddAction {
                action_id,
                text: body,
                due,
            } => {
                client_id(action_id.as_str(), limits)?;
                let body = text(body, limits.action_chars, "action")?;
                let due = due_date(due)?;
                if state.action(action_id).is_some() {
                    return none;
                }
                if state.plan.len() >= limits.actions {
                    return Err(Rejection::new(
                        ErrorCode::LimitReached,
                        format!("a plan holds at most {} actions", limits.actions),
                    ));
                }
                Ok(vec![Event::ActionAdded {
                    action: Action {
                        id: action_id.clone(),
                        text: body,
                        due,
                    },
                }])
            }
            Command::EditAction {
                action_id,
                text: body,
                due,
            } => {
                let action = state.action(action_id).ok_or_else(|| not_found("action"))?;
                let body = text(body, limits.action_chars, "action")?;
                let due = due_date(due)?;
                if action.text == body && action.due == due {
                    return none;
                }
                Ok(vec![Event::ActionEdited {
                    action_id: action_id.clone(),
                    text: body,
                    due,
                }])
            }
            Command::RemoveAction { action_id } => {
                if state.action(action_id).is_none() {
                    return none;
                }
                Ok(vec![Event::ActionRemoved {
                    action_id: action_id.clone(),
                }])
            }
            Command::MoveAction { action_id, to } => {
                let from = state
                    .plan
                    .iter()
                    .position(|a| &a.id == action_id)
                    .ok_or_else(|| not_found("action"))?;
                if *to >= state.plan.len() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        format!("positions run from 0 to {}", state.plan.len() - 1),
                    ));
                }
                if from == *to {
                    return none;
                }
                Ok(vec![Event::ActionMoved {
                    action_id: action_id.clone(),
                    to: *to,
                }])
            }
            Command::WriteLearning { text: body } => Ok(vec![Event::LearningWritten {
                participant: me.clone(),
                text: text(body, limits.learning_chars, "learning")?,
            }]),
            Command::AdvanceRound { from } => match &state.round {
                Some(round) if round.current != *from => Err(Rejection::new(
                    ErrorCode::Stale,
                    format!("the round is at turn {}, not {from}", round.current),
                )),
                Some(round) if !round.is_over() => Ok(vec![Event::RoundAdvanced {
                    current: round.current + 1,
                }]),
                _ => Err(Rejection::new(
                    ErrorCode::RoundOver,
                    "everyone has spoken in the round",
                )),
            },
            Command::CloseSession => Ok(vec![Event::SessionClosed { at: self.now }]),
        }
    }

    /// A step command says which step it moves from; refuse it once the step moved.
    fn still_at_step(&self, from: Step) -> Result<(), Rejection> {
        if self.state.step == from {
            return Ok(());
        }
        Err(Rejection::new(
            ErrorCode::Stale,
            format!(
                "the session is at step {}, not {}",
                self.state.step.number(),
                from.number()
            ),
        ))
    }

    /// A floor command says who has the floor as its sender saw it (`None`: nobody);
    /// refuse it once the floor moved.
    fn floor_still_with(&self, from: Option<&ParticipantId>) -> Result<(), Rejection> {
        if self.state.floor.as_ref() == from {
            return Ok(());
        }
        Err(Rejection::new(
            ErrorCode::Stale,
            "the floor has changed hands since",
        ))
    }

    /// Move to `step`, which needs a client from the problem step on.
    fn go_to(&self, step: Step) -> Result<Vec<Event>, Rejection> {
        if step != Step::Welcome && self.state.client().is_none() {
            return Err(Rejection::new(
                ErrorCode::NoClient,
                "pick the client before leaving the welcome",
            ));
        }
        Ok(vec![Event::StepChanged { step, at: self.now }])
    }

    fn minutes(&self, minutes: u32) -> Result<(), Rejection> {
        if minutes == 0 {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "give at least one minute",
            ));
        }
        if minutes > self.limits.max_step_minutes {
            return Err(Rejection::new(
                ErrorCode::TooLong,
                format!("minutes run from 1 to {}", self.limits.max_step_minutes),
            ));
        }
        Ok(())
    }

    /// The sender's own note: `Ok(None)` if they wrote it and it is deleted,
    /// `NotAuthor` if someone else wrote it, `NotFound` if it never existed.
    fn own_note(&self, note_id: &crate::ids::NoteId) -> Result<Option<&Note>, Rejection> {
        match self.room.author_of(note_id) {
            None => Err(not_found("note")),
            Some(author) if author != &self.me.id => Err(Rejection::new(
                ErrorCode::NotAuthor,
                "only its author may change a note",
            )),
            Some(_) => Ok(self.state.note(note_id)),
        }
    }
}
