//! `decide`: the rules of the method, as a pure function.
//!
//! Given the room, who is asking, what they ask and the server's time, it either refuses
//! with a typed [`Rejection`] or says which events follow. Checks run in a fixed order
//! so that the same situation always gets the same code: a closed session first, then
//! whether the sender is in the room, then their role, then the step, then the values.
//!
//! A command that asks for what already holds (a hand already raised, a retried post of
//! a note that exists) succeeds with no events: retries after a reconnect are harmless.

use crate::command::Command;
use crate::event::Event;
use crate::ids::{ParticipantId, is_valid_client_id};
use crate::limits::Limits;
use crate::rejection::{ErrorCode, Rejection};
use crate::room::Room;
use crate::state::{Action, Note, Participant, Question, Role, RoomState, minutes_to_ms};
use crate::step::Step;
use crate::timer::{Millis, TimerState};

use Role::{Client, Consultant, Facilitator, Observer};

/// Every step where the session is running (all but the closed record).
const RUNNING: &[Step] = &Step::MOVABLE;
/// Roles that take part (everyone but observers).
const PARTICIPANTS: &[Role] = &[Facilitator, Client, Consultant];
/// Roles that raise a hand to ask for the floor: the facilitator gives it, observers
/// watch.
const HAND_RAISERS: &[Role] = &[Client, Consultant];
/// Steps where the facilitator gives the floor from the queue of raised hands; in the
/// closing round the round itself gives the word.
const FLOOR_STEPS: &[Step] = Step::MOVABLE.split_last().expect("steps").1;

/// What a command may do: the roles allowed to send it and the steps where it is allowed.
/// This is the method's table of rights (`docs/method.md`, "Rules the server enforces").
pub fn rights(command: &Command) -> (&'static [Role], &'static [Step]) {
    use Command::*;
    match command {
        AcceptCharter => (&[Facilitator, Client, Consultant, Observer], RUNNING),
        PickClient { .. } => (&[Facilitator], &[Step::Welcome]),
        NextStep { .. } | PreviousStep { .. } | GoToStep { .. } | SetDuration { .. } => {
            (&[Facilitator], RUNNING)
        }
        StartTimer | PauseTimer | ExtendTimer { .. } => (&[Facilitator], RUNNING),
        // The facilitator gives the floor and has no queue to join; in the closing
        // round the round gives the word, so nobody queues and the floor follows it.
        RaiseHand | LowerHand => (HAND_RAISERS, FLOOR_STEPS),
        GiveFloor { .. } | TakeFloor { .. } => (&[Facilitator], FLOOR_STEPS),
        SetProblem { .. } => (&[Client], &[Step::Problem]),
        PostQuestion { .. } | WithdrawQuestion { .. } => (&[Consultant], &[Step::Clarification]),
        MarkAnswered { .. } => (&[Client, Facilitator], &[Step::Clarification]),
        SetContract { .. } => (&[Client], &[Step::Contract]),
        PostNote { .. } | EditNote { .. } | DeleteNote { .. } => {
            (&[Consultant], &[Step::Exploration])
        }
        KeepNote { .. } => (&[Client], &[Step::Exploration]),
        // Notes are on screen from exploration on.
        HideNote { .. } => (
            &[Facilitator],
            &[Step::Exploration, Step::ActionPlan, Step::Closing],
        ),
        AddAction { .. } | EditAction { .. } | RemoveAction { .. } | MoveAction { .. } => {
            (&[Client], &[Step::ActionPlan])
        }
        WriteLearning { .. } => (PARTICIPANTS, &[Step::Closing]),
        AdvanceRound { .. } => (&[Facilitator], &[Step::Closing]),
        CloseSession => (&[Facilitator], RUNNING),
    }
}

/// The rights alone: whether `role` may send `command` at `step`, or the code the
/// server refuses it with, checked in this order: the role (`forbidden`), then the
/// step (`wrong_step`). The command's values are not looked at. [`decide`] refuses
/// with exactly this, so what a screen is told by [`allowed`] is what the server says.
pub fn check_rights(role: Role, step: Step, command: &Command) -> Result<(), ErrorCode> {
    let (roles, steps) = rights(command);
    if !roles.contains(&role) {
        Err(ErrorCode::Forbidden)
    } else if !steps.contains(&step) {
        Err(ErrorCode::WrongStep)
    } else {
        Ok(())
    }
}

/// Whether `role` may send `command` at `step`, by the rights alone (its values are
/// checked when it is decided). Screens ask this to show a control only where the
/// server would take it; it is [`check_rights`], the server's own check, answered yes
/// or no. Nothing is allowed in the closed record.
pub fn allowed(role: Role, step: Step, command: &Command) -> bool {
    check_rights(role, step, command).is_ok()
}

/// Whether `actor` may send `command` in `state`, by everything [`decide`] checks
/// before the values: the session is running, `actor` is in the room, and their role
/// may send it at this step. A `false` here is a refusal with `session_closed`,
/// `not_joined`, `forbidden` or `wrong_step`; a `true` means any refusal would be about
/// the command's values.
pub fn may(state: &RoomState, actor: &ParticipantId, command: &Command) -> bool {
    authorise(state, actor, command).is_ok()
}

/// The checks that come before the values, in their fixed order (closed, joined,
/// role, step): the sender's seat when they pass, the refusal's code when not.
fn authorise<'a>(
    state: &'a RoomState,
    actor: &ParticipantId,
    command: &Command,
) -> Result<&'a Participant, ErrorCode> {
    if state.step == Step::Closed {
        return Err(ErrorCode::SessionClosed);
    }
    let me = state.participant(actor).ok_or(ErrorCode::NotJoined)?;
    check_rights(me.role, state.step, command)?;
    Ok(me)
}

/// The refusal [`authorise`] calls for, with its sentence.
fn unauthorised(
    state: &RoomState,
    actor: &ParticipantId,
    command: &Command,
    code: ErrorCode,
) -> Rejection {
    let message = match code {
        ErrorCode::SessionClosed => "the session is closed; its record is read-only".to_owned(),
        ErrorCode::NotJoined => "join the room first".to_owned(),
        ErrorCode::Forbidden => {
            let role = state.participant(actor).map(|p| p.role);
            format!(
                "the {:?} role may not {}",
                role.unwrap_or(Observer),
                command.name()
            )
            .to_lowercase()
        }
        _ => format!("{} is not possible at this step", command.name()),
    };
    Rejection::new(code, message)
}

/// Decide what `actor`'s `command` does to `room` at server time `now`.
pub fn decide(
    room: &Room,
    actor: &ParticipantId,
    command: &Command,
    now: Millis,
    limits: &Limits,
) -> Result<Vec<Event>, Rejection> {
    let state = &room.state;
    let me = authorise(state, actor, command)
        .map_err(|code| unauthorised(state, actor, command, code))?;
    Decider {
        room,
        state,
        me,
        now,
        limits,
    }
    .decide(command)
}

/// Decide whether someone may join as `role` under `name`; the server has made `id`.
pub fn decide_join(
    state: &RoomState,
    id: ParticipantId,
    name: &str,
    role: Role,
    limits: &Limits,
) -> Result<Event, Rejection> {
    if state.step == Step::Closed {
        return Err(Rejection::new(
            ErrorCode::SessionClosed,
            "the session is closed; only its participants can see the record",
        ));
    }
    if state.participants.len() >= limits.participants {
        return Err(Rejection::new(
            ErrorCode::RoomFull,
            format!("a room holds at most {} participants", limits.participants),
        ));
    }
    match role {
        Client => {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "join as a participant; the facilitator picks the client",
            ));
        }
        Facilitator if state.facilitator().is_some() => {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "the room already has its facilitator",
            ));
        }
        _ => {}
    }
    let name = text(name, limits.name_chars, "name")?;
    Ok(Event::ParticipantJoined {
        participant: Participant {
            id,
            name,
            role,
            connected: true,
            charter_accepted: false,
        },
    })
}

/// Trim a text and check it is present and within `max` characters.
fn text(value: &str, max: usize, what: &str) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::new(
            ErrorCode::EmptyText,
            format!("the {what} is empty"),
        ));
    }
    optional_text(trimmed, max, what)
}

/// Trim a text that may be empty and check its length.
fn optional_text(value: &str, max: usize, what: &str) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            format!("the {what} is longer than {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Check a client-made id.
fn client_id(id: &str, limits: &Limits) -> Result<(), Rejection> {
    if is_valid_client_id(id, limits.id_chars) {
        Ok(())
    } else {
        Err(Rejection::new(
            ErrorCode::InvalidValue,
            format!(
                "ids are 1 to {} characters from A-Z, a-z, 0-9, - and _",
                limits.id_chars
            ),
        ))
    }
}

/// A due date: empty means none; otherwise a real calendar date as `YYYY-MM-DD`.
fn due_date(due: &Option<String>) -> Result<Option<String>, Rejection> {
    let Some(raw) = due.as_deref().map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let invalid = || Rejection::new(ErrorCode::InvalidValue, "a due date is YYYY-MM-DD");
    let bytes = raw.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, Rejection> {
        let part = &raw[range];
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| invalid())
        } else {
            Err(invalid())
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if year < 1970 || day == 0 || day > days_in_month {
        return Err(invalid());
    }
    Ok(Some(raw.to_owned()))
}

fn not_found(what: &str) -> Rejection {
    Rejection::new(ErrorCode::NotFound, format!("no such {what}"))
}

/// One decision, with its context at hand. Rights are already checked.
struct Decider<'a> {
    room: &'a Room,
    state: &'a RoomState,
    me: &'a Participant,
    now: Millis,
    limits: &'a Limits,
}

impl Decider<'_> {
    fn decide(&self, command: &Command) -> Result<Vec<Event>, Rejection> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_must_be_real_calendar_days() {
        assert_eq!(due_date(&None), Ok(None));
        assert_eq!(due_date(&Some("  ".into())), Ok(None));
        assert_eq!(
            due_date(&Some("2024-02-29".into())),
            Ok(Some("2024-02-29".into()))
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-04-31",
            "24-01-01",
            "2024-1-01",
            "2024-01-0a",
        ] {
            assert_eq!(
                due_date(&Some(bad.into())).map_err(|r| r.code),
                Err(ErrorCode::InvalidValue),
                "{bad}"
            );
        }
    }

    #[test]
    fn texts_are_trimmed_and_bounded_in_characters() {
        assert_eq!(text("  hé  ", 2, "x"), Ok("hé".into()));
        assert_eq!(
            text("   ", 2, "x").map_err(|r| r.code),
            Err(ErrorCode::EmptyText)
        );
        assert_eq!(
            text("abc", 2, "x").map_err(|r| r.code),
            Err(ErrorCode::TooLong)
        );
    }
}
