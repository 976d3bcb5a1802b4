//! The table of rights: every command, for every role, at every step.
//!
//! The expected table below is written out from `docs/method.md` ("The steps" and "Rules
//! the server enforces"), independently of `logic::rights`. Each cell runs a valid
//! command against a realistic room at that step (and, where the command takes values,
//! invalid ones too) and checks the outcome: accepted, or refused with the right code in
//! the documented order (closed, not joined, role, step, values).

mod common;

use common::rights_table::{RIGHTS, expected, rights_refusal, valid_command};
use common::*;
use shared::command::Command;
use shared::invariants;
use shared::state::{NoteKind, Role, RoomState};
use shared::{ErrorCode, Step, TimerState};
use std::collections::BTreeSet;

/// Does not compile when a command is added: add it to `RIGHTS`, `valid` and `invalid`.
fn _every_command_is_in_the_table(command: &Command) {
    use Command::*;
    match command {
        AcceptCharter
        | PickClient { .. }
        | NextStep { .. }
        | PreviousStep { .. }
        | GoToStep { .. }
        | SetDuration { .. }
        | StartTimer
        | PauseTimer
        | ExtendTimer { .. }
        | RaiseHand
        | LowerHand
        | GiveFloor { .. }
        | TakeFloor { .. }
        | SetProblem { .. }
        | PostQuestion { .. }
        | WithdrawQuestion { .. }
        | MarkAnswered { .. }
        | SetContract { .. }
        | PostNote { .. }
        | EditNote { .. }
        | DeleteNote { .. }
        | KeepNote { .. }
        | HideNote { .. }
        | AddAction { .. }
        | EditAction { .. }
        | RemoveAction { .. }
        | MoveAction { .. }
        | WriteLearning { .. }
        | AdvanceRound { .. }
        | CloseSession => {}
    }
}

/// Who acts for each role: the consultant is always Ana, author of `N_ANA` and `Q_ANA`.
fn actor_for(role: Role) -> &'static str {
    match role {
        Role::Facilitator => FAC,
        Role::Client => CLI,
        Role::Consultant => ANA,
        Role::Observer => OBS,
    }
}

/// [`valid_command`] with the in-memory cast's Ana.
fn valid(name: &str, step: Step, seen: &RoomState) -> Command {
    valid_command(name, step, pid(ANA), seen)
}

/// Invalid instances and the value error each gets where the sender may send it.
/// Where the sender may not, the rights error must win: values are checked last.
fn invalid(name: &str, seen: &RoomState) -> Vec<(Command, ErrorCode)> {
    use Command::*;
    use ErrorCode::*;
    let long = |n: usize| "x".repeat(n);
    match name {
        "pick_client" => vec![
            (
                PickClient {
                    participant: pid(OBS),
                },
                InvalidValue,
            ),
            (
                PickClient {
                    participant: pid(FAC),
                },
                InvalidValue,
            ),
            (
                PickClient {
                    participant: pid(GHOST),
                },
                NotFound,
            ),
        ],
        "go_to_step" => vec![(
            GoToStep {
                step: Step::Closed,
                from: seen.step,
            },
            NoSuchStep,
        )],
        "set_duration" => vec![
            (
                SetDuration {
                    step: Step::Problem,
                    minutes: 0,
                },
                InvalidValue,
            ),
            (
                SetDuration {
                    step: Step::Problem,
                    minutes: 241,
                },
                TooLong,
            ),
            (
                SetDuration {
                    step: Step::Closed,
                    minutes: 10,
                },
                InvalidValue,
            ),
        ],
        "extend_timer" => vec![
            (ExtendTimer { minutes: 0 }, InvalidValue),
            (ExtendTimer { minutes: 241 }, TooLong),
        ],
        "give_floor" => vec![
            (
                GiveFloor {
                    participant: pid(OBS),
                    from: seen.floor.clone(),
                },
                InvalidValue,
            ),
            (
                GiveFloor {
                    participant: pid(GHOST),
                    from: seen.floor.clone(),
                },
                NotFound,
            ),
        ],
        "set_problem" => vec![
            (
                SetProblem {
                    title: "  ".into(),
                    summary: "s".into(),
                },
                EmptyText,
            ),
            (
                SetProblem {
                    title: long(121),
                    summary: "".into(),
                },
                TooLong,
            ),
            (
                SetProblem {
                    title: "t".into(),
                    summary: long(4_001),
                },
                TooLong,
            ),
        ],
        "post_question" => vec![
            (
                PostQuestion {
                    question_id: qid("q x"),
                    text: "t".into(),
                },
                InvalidValue,
            ),
            (
                PostQuestion {
                    question_id: qid("q-new"),
                    text: " ".into(),
                },
                EmptyText,
            ),
            (
                PostQuestion {
                    question_id: qid("q-new"),
                    text: long(501),
                },
                TooLong,
            ),
            (
                PostQuestion {
                    question_id: qid(Q_BEN),
                    text: "t".into(),
                },
                IdTaken,
            ),
        ],
        "withdraw_question" => vec![
            (
                WithdrawQuestion {
                    question_id: qid(Q_BEN),
                },
                NotAuthor,
            ),
            (
                WithdrawQuestion {
                    question_id: qid("q-none"),
                },
                NotFound,
            ),
        ],
        "mark_answered" => vec![(
            MarkAnswered {
                question_id: qid("q-none"),
                answered: true,
            },
            NotFound,
        )],
        "set_contract" => vec![
            (SetContract { text: "".into() }, EmptyText),
            (SetContract { text: long(2_001) }, TooLong),
        ],
        "post_note" => vec![
            (
                PostNote {
                    note_id: nid(""),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                InvalidValue,
            ),
            (
                PostNote {
                    note_id: nid("n-new"),
                    kind: NoteKind::Comment,
                    text: "\n".into(),
                },
                EmptyText,
            ),
            (
                PostNote {
                    note_id: nid("n-new"),
                    kind: NoteKind::Comment,
                    text: long(1_001),
                },
                TooLong,
            ),
            (
                PostNote {
                    note_id: nid(N_BEN),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                IdTaken,
            ),
        ],
        "edit_note" => vec![
            (
                EditNote {
                    note_id: nid(N_BEN),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                NotAuthor,
            ),
            (
                EditNote {
                    note_id: nid("n-none"),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                NotFound,
            ),
            (
                EditNote {
                    note_id: nid(N_ANA),
                    kind: NoteKind::Comment,
                    text: " ".into(),
                },
                EmptyText,
            ),
        ],
        "delete_note" => vec![
            (
                DeleteNote {
                    note_id: nid(N_BEN),
                },
                NotAuthor,
            ),
            (
                DeleteNote {
                    note_id: nid("n-none"),
                },
                NotFound,
            ),
        ],
        "keep_note" => vec![(
            KeepNote {
                note_id: nid("n-none"),
                kept: true,
            },
            NotFound,
        )],
        "hide_note" => vec![(
            HideNote {
                note_id: nid("n-none"),
                hidden: true,
            },
            NotFound,
        )],
        "add_action" => vec![
            (
                AddAction {
                    action_id: aid("a b"),
                    text: "t".into(),
                    due: None,
                },
                InvalidValue,
            ),
            (
                AddAction {
                    action_id: aid("a-new"),
                    text: "".into(),
                    due: None,
                },
                EmptyText,
            ),
            (
                AddAction {
                    action_id: aid("a-new"),
                    text: "t".into(),
                    due: Some("2030-02-30".into()),
                },
                InvalidValue,
            ),
        ],
        "edit_action" => vec![
            (
                EditAction {
                    action_id: aid("a-none"),
                    text: "t".into(),
                    due: None,
                },
                NotFound,
            ),
            (
                EditAction {
                    action_id: aid(A_ONE),
                    text: " ".into(),
                    due: None,
                },
                EmptyText,
            ),
            (
                EditAction {
                    action_id: aid(A_ONE),
                    text: "t".into(),
                    due: Some("31/01/2030".into()),
                },
                InvalidValue,
            ),
        ],
        "move_action" => vec![
            (
                MoveAction {
                    action_id: aid(A_ONE),
                    to: 2,
                },
                InvalidValue,
            ),
            (
                MoveAction {
                    action_id: aid("a-none"),
                    to: 0,
                },
                NotFound,
            ),
        ],
        "write_learning" => vec![
            (WriteLearning { text: "   ".into() }, EmptyText),
            (WriteLearning { text: long(2_001) }, TooLong),
        ],
        // Commands without values, or whose only "wrong" value is a harmless retry.
        _ => Vec::new(),
    }
}

/// Make the valid instance meaningful: something to pause, lower or take back.
fn prepare(session: &mut Session, name: &str, actor: &str) {
    if session.room.state.step == Step::Closed {
        return;
    }
    match name {
        "pause_timer" => {
            session.must(FAC, Command::StartTimer);
        }
        // Only where the sender may raise one (elsewhere the rights refuse both).
        "lower_hand" => {
            let _ = session.send(actor, Command::RaiseHand);
        }
        // Only where the facilitator may give the floor (elsewhere the refusal comes
        // from the rights, whatever the command names).
        "take_floor" => {
            let _ = session.send(FAC, session.give_floor(BEN));
        }
        _ => {}
    }
}

fn show(code: Option<ErrorCode>) -> String {
    match code {
        None => "Ok".into(),
        Some(code) => format!("{code:?}"),
    }
}

#[test]
fn the_table_names_every_command_once() {
    let table: BTreeSet<_> = RIGHTS.iter().map(|(name, _, _)| *name).collect();
    let all: BTreeSet<_> = Command::NAMES.into_iter().collect();
    assert_eq!(table.len(), RIGHTS.len(), "a command has two rows");
    assert_eq!(table, all);
    for name in Command::NAMES {
        let seen = Session::at_step(Step::Problem).room.state;
        assert_eq!(valid(name, Step::Problem, &seen).name(), name);
        for (command, _) in invalid(name, &seen) {
            assert_eq!(command.name(), name);
        }
    }
}

#[test]
fn every_command_for_every_role_at_every_step() {
    let mut mismatches = Vec::new();
    let mut cells = 0;
    let rooms: Vec<(Step, Session)> = Step::ALL
        .into_iter()
        .map(|step| (step, Session::at_step(step)))
        .collect();
    for name in Command::NAMES {
        for role in Role::ALL {
            let actor = actor_for(role);
            for (step, room) in &rooms {
                let step = *step;
                cells += 1;
                let rights_error = rights_refusal(name, role, step);
                let mut session = room.clone();
                assert_eq!(
                    session.room.state.participant(&pid(actor)).unwrap().role,
                    role
                );
                prepare(&mut session, name, actor);

                // The valid instance.
                let command = valid(name, step, &session.room.state);
                let expected = expected(name, role, step);
                let result = session.decide(actor, &command);
                let got = code(&result);
                if got != expected {
                    mismatches.push(format!(
                        "{name} by {role:?} at {step:?}: expected {}, got {}{}",
                        show(expected),
                        show(got),
                        result
                            .as_ref()
                            .err()
                            .map(|r| format!(" ({})", r.message))
                            .unwrap_or_default(),
                    ));
                } else if let Ok(events) = &result {
                    if events.is_empty() {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?}: accepted with no events"
                        ));
                    }
                    let mut after = session.room.clone();
                    for event in events {
                        after.apply(event, Some(&pid(actor)));
                    }
                    if after == session.room {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?}: accepted but changed nothing"
                        ));
                    }
                    if let Err(broken) = invariants::check(&after) {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?}: invariant broken: {broken}"
                        ));
                    }
                }

                // Invalid instances: rights first, then the value error.
                for (command, value_error) in invalid(name, &session.room.state) {
                    let expected = rights_error.unwrap_or(value_error);
                    let got = code(&session.decide(actor, &command));
                    if got != Some(expected) {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?} with {command:?}: expected {}, got {}",
                            show(Some(expected)),
                            show(got),
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(cells, 30 * 4 * 8);
    assert!(
        mismatches.is_empty(),
        "{} wrong cells:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn someone_who_never_joined_is_not_joined_except_in_a_closed_room() {
    let mut mismatches = Vec::new();
    for step in Step::ALL {
        let session = Session::at_step(step);
        for name in Command::NAMES {
            let expected = if step == Step::Closed {
                ErrorCode::SessionClosed
            } else {
                ErrorCode::NotJoined
            };
            let got = code(&session.decide(GHOST, &valid(name, step, &session.room.state)));
            if got != Some(expected) {
                mismatches.push(format!(
                    "{name} at {step:?}: expected {expected:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn leaving_the_welcome_needs_a_client() {
    let mut s = Session::joined();
    assert_eq!(code(&s.send(FAC, s.next_step())), Some(ErrorCode::NoClient));
    for step in Step::MOVABLE.into_iter().skip(1) {
        assert_eq!(
            code(&s.send(FAC, s.go_to(step))),
            Some(ErrorCode::NoClient),
            "{step:?}"
        );
    }
    // Staying in the welcome is fine, and asks for nothing.
    assert_eq!(s.send(FAC, s.go_to(Step::Welcome)), Ok(vec![]));
    assert_eq!(s.room.state.step, Step::Welcome);
    s.must(
        FAC,
        Command::PickClient {
            participant: pid(CLI),
        },
    );
    s.must(FAC, s.next_step());
    assert_eq!(s.room.state.step, Step::Problem);
    assert_eq!(s.room.state.client().map(|p| p.id.clone()), Some(pid(CLI)));
}

#[test]
fn picking_another_client_makes_the_previous_one_a_consultant() {
    let mut s = Session::joined();
    s.must(
        FAC,
        Command::PickClient {
            participant: pid(CLI),
        },
    );
    assert_eq!(
        s.send(
            FAC,
            Command::PickClient {
                participant: pid(CLI)
            }
        ),
        Ok(vec![])
    );
    s.must(
        FAC,
        Command::PickClient {
            participant: pid(ANA),
        },
    );
    let role = |id| s.room.state.participant(&pid(id)).unwrap().role;
    assert_eq!(role(ANA), Role::Client);
    assert_eq!(role(CLI), Role::Consultant);
}

#[test]
fn only_the_author_edits_or_deletes_a_note() {
    let mut s = Session::at_step(Step::Exploration);
    let edit = |text: &str| Command::EditNote {
        note_id: nid(N_ANA),
        kind: NoteKind::Comment,
        text: text.into(),
    };
    let delete = Command::DeleteNote {
        note_id: nid(N_ANA),
    };
    let before = s.room.clone();
    assert_eq!(
        code(&s.send(BEN, edit("pris !"))),
        Some(ErrorCode::NotAuthor)
    );
    assert_eq!(
        code(&s.send(BEN, delete.clone())),
        Some(ErrorCode::NotAuthor)
    );
    assert_eq!(s.room, before);
    // The author may.
    s.must(ANA, edit("  réécrit  "));
    let note = s.room.state.note(&nid(N_ANA)).unwrap();
    assert_eq!(
        (note.kind, note.text.as_str()),
        (NoteKind::Comment, "réécrit")
    );
    // The same edit again changes nothing.
    assert_eq!(s.send(ANA, edit("réécrit")), Ok(vec![]));
    s.must(ANA, delete.clone());
    assert!(s.room.state.note(&nid(N_ANA)).is_none());
    // Authorship outlives the note: a retried delete is harmless, another's is not.
    assert_eq!(s.send(ANA, delete.clone()), Ok(vec![]));
    assert_eq!(code(&s.send(BEN, delete)), Some(ErrorCode::NotAuthor));
    assert_eq!(code(&s.send(ANA, edit("x"))), Some(ErrorCode::NotFound));
}

#[test]
fn a_note_id_is_its_authors_for_good() {
    let mut s = Session::at_step(Step::Exploration);
    let post = |text: &str| Command::PostNote {
        note_id: nid(N_ANA),
        kind: NoteKind::Advice,
        text: text.into(),
    };
    let before = s.room.clone();
    // A retried post by its author: accepted, nothing happens.
    assert_eq!(
        s.send(ANA, post("Essaie de déléguer un dossier entier.")),
        Ok(vec![])
    );
    assert_eq!(s.send(ANA, post("another text")), Ok(vec![]));
    assert_eq!(s.room, before);
    // Another consultant may not take the id.
    assert_eq!(code(&s.send(BEN, post("à moi"))), Some(ErrorCode::IdTaken));
    // Not even once the note is deleted; and its author's retry does not resurrect it.
    s.must(
        ANA,
        Command::DeleteNote {
            note_id: nid(N_ANA),
        },
    );
    assert_eq!(code(&s.send(BEN, post("à moi"))), Some(ErrorCode::IdTaken));
    assert_eq!(s.send(ANA, post("revenue ?")), Ok(vec![]));
    assert!(s.room.state.note(&nid(N_ANA)).is_none());
    assert_eq!(s.room.author_of(&nid(N_ANA)), Some(&pid(ANA)));
    assert_eq!(s.room.notes_by(&pid(BEN)), vec![nid(N_BEN)]);
}

#[test]
fn the_round_goes_once_around_then_is_over() {
    let mut s = Session::at_step(Step::Closing);
    let round = s
        .room
        .state
        .round
        .clone()
        .expect("the round starts with step 6");
    // Client first, consultants in joining order, facilitator last; no observer.
    assert_eq!(round.order, vec![pid(CLI), pid(ANA), pid(BEN), pid(FAC)]);
    assert_eq!(round.current, 0);
    assert_eq!(round.speaker(), Some(&pid(CLI)));
    assert_eq!(round.next_speaker(), Some(&pid(ANA)));
    for expected in 1..=4 {
        let events = s.must(FAC, s.advance_round());
        assert_eq!(
            events,
            vec![shared::Event::RoundAdvanced { current: expected }]
        );
    }
    let round = s.room.state.round.clone().unwrap();
    assert!(round.is_over());
    assert_eq!(round.speaker(), None);
    let before = s.room.clone();
    assert_eq!(
        code(&s.send(FAC, s.advance_round())),
        Some(ErrorCode::RoundOver)
    );
    assert_eq!(s.room, before);
    // Leaving and coming back keeps the round where it was.
    s.must(FAC, s.previous_step());
    s.must(FAC, s.next_step());
    assert!(s.room.state.round.as_ref().unwrap().is_over());
}

#[test]
fn the_timer_is_a_deadline_in_server_time() {
    let mut s = Session::at_step(Step::Problem);
    let minute = 60_000;
    assert_eq!(
        s.room.state.timer,
        TimerState::Idle {
            duration_ms: 15 * minute
        }
    );

    // Planning the current step while idle resets the idle timer.
    s.must(
        FAC,
        Command::SetDuration {
            step: Step::Problem,
            minutes: 20,
        },
    );
    assert_eq!(
        s.room.state.timer,
        TimerState::Idle {
            duration_ms: 20 * minute
        }
    );

    let t = s.now;
    s.must(FAC, Command::StartTimer);
    assert_eq!(
        s.room.state.timer,
        TimerState::Running {
            deadline: t + 20 * minute
        }
    );
    // Starting a running timer changes nothing.
    assert_eq!(s.send(FAC, Command::StartTimer), Ok(vec![]));

    s.now = t + 5 * minute;
    s.must(FAC, Command::PauseTimer);
    assert_eq!(
        s.room.state.timer,
        TimerState::Paused {
            remaining_ms: 15 * minute
        }
    );
    assert_eq!(s.send(FAC, Command::PauseTimer), Ok(vec![]));

    s.must(FAC, Command::ExtendTimer { minutes: 5 });
    assert_eq!(
        s.room.state.timer,
        TimerState::Paused {
            remaining_ms: 20 * minute
        }
    );

    let t2 = t + 60 * minute;
    s.now = t2;
    s.must(FAC, Command::StartTimer);
    assert_eq!(
        s.room.state.timer,
        TimerState::Running {
            deadline: t2 + 20 * minute
        }
    );
    s.now = t2;
    s.must(FAC, Command::ExtendTimer { minutes: 10 });
    assert_eq!(
        s.room.state.timer,
        TimerState::Running {
            deadline: t2 + 30 * minute
        }
    );
    assert_eq!(
        s.room.state.timer.remaining_ms(t2 + 31 * minute),
        -(minute as i64)
    );

    // A step runs for at most max_step_minutes from now: 30 + 210 is the most.
    s.now = t2;
    assert_eq!(
        code(&s.send(FAC, Command::ExtendTimer { minutes: 211 })),
        Some(ErrorCode::TooLong)
    );
    s.now = t2;
    s.must(FAC, Command::ExtendTimer { minutes: 210 });
    assert_eq!(
        s.room.state.timer,
        TimerState::Running {
            deadline: t2 + 240 * minute
        }
    );

    // Paused past the deadline: zero left, never negative.
    s.now = t2 + 300 * minute;
    s.must(FAC, Command::PauseTimer);
    assert_eq!(s.room.state.timer, TimerState::Paused { remaining_ms: 0 });

    // Running out changes no step; changing step resets the timer to the new plan.
    assert_eq!(s.room.state.step, Step::Problem);
    s.must(FAC, s.next_step());
    assert_eq!(
        s.room.state.timer,
        TimerState::Idle {
            duration_ms: 20 * minute
        }
    );
}

#[test]
fn retried_commands_change_nothing() {
    let mut s = Session::joined();
    s.must(ANA, Command::AcceptCharter);
    assert_eq!(s.send(ANA, Command::AcceptCharter), Ok(vec![]));
    s.must(ANA, Command::RaiseHand);
    assert_eq!(s.send(ANA, Command::RaiseHand), Ok(vec![]));
    s.must(ANA, Command::LowerHand);
    assert_eq!(s.send(ANA, Command::LowerHand), Ok(vec![]));

    let mut s = Session::at_step(Step::ActionPlan);
    let remove = Command::RemoveAction {
        action_id: aid(A_ONE),
    };
    s.must(CLI, remove.clone());
    assert_eq!(s.send(CLI, remove), Ok(vec![]));
    let add = Command::AddAction {
        action_id: aid(A_TWO),
        text: "En parler à l'équipe".into(),
        due: Some("2030-01-31".into()),
    };
    assert_eq!(s.send(CLI, add), Ok(vec![]));
}

#[test]
fn the_hand_queue_is_ordered_by_time_of_raising() {
    let mut s = Session::at_step(Step::Clarification);
    for who in [BEN, CLI, ANA] {
        s.must(who, Command::RaiseHand);
    }
    let queue = |s: &Session| -> Vec<_> {
        s.room
            .state
            .hands
            .iter()
            .map(|h| h.participant.clone())
            .collect()
    };
    assert_eq!(queue(&s), vec![pid(BEN), pid(CLI), pid(ANA)]);
    s.must(FAC, s.give_floor(CLI));
    assert_eq!(queue(&s), vec![pid(BEN), pid(ANA)]);
    assert_eq!(s.room.state.floor, Some(pid(CLI)));
    s.must(BEN, Command::LowerHand);
    assert_eq!(queue(&s), vec![pid(ANA)]);
    // The facilitator gives the floor and observers watch: neither queues.
    for who in [FAC, OBS] {
        assert_eq!(
            code(&s.send(who, Command::RaiseHand)),
            Some(ErrorCode::Forbidden)
        );
    }
}

#[test]
fn whoever_has_the_floor_does_not_also_queue() {
    let mut s = Session::at_step(Step::Exploration);
    s.must(ANA, Command::RaiseHand);
    s.must(FAC, s.give_floor(ANA));
    assert!(s.room.state.hands.is_empty());
    // Already speaking: raising a hand asks for what already holds.
    assert_eq!(s.send(ANA, Command::RaiseHand), Ok(vec![]));
    assert_eq!(invariants::check(&s.room), Ok(()));
    // Once the floor is taken back, the hand goes up again.
    s.must(FAC, s.take_floor());
    s.must(ANA, Command::RaiseHand);
    assert!(s.room.state.has_hand_raised(&pid(ANA)));
}

#[test]
fn a_step_command_names_the_step_it_leaves_so_a_double_click_moves_once() {
    let mut s = Session::at_step(Step::Problem);
    let click = s.next_step();
    s.must(FAC, click.clone());
    assert_eq!(s.room.state.step, Step::Clarification);
    // The same click again, or a second one made before the first was seen.
    let before = s.room.clone();
    assert_eq!(code(&s.send(FAC, click)), Some(ErrorCode::Stale));
    assert_eq!(
        code(&s.send(
            FAC,
            Command::GoToStep {
                step: Step::Exploration,
                from: Step::Problem,
            }
        )),
        Some(ErrorCode::Stale)
    );
    assert_eq!(
        code(&s.send(
            FAC,
            Command::PreviousStep {
                from: Step::Problem
            }
        )),
        Some(ErrorCode::Stale)
    );
    assert_eq!(s.room, before, "stale commands change nothing");
    // Rights still come first: a consultant's stale command is forbidden.
    assert_eq!(
        code(&s.send(
            ANA,
            Command::NextStep {
                from: Step::Problem
            }
        )),
        Some(ErrorCode::Forbidden)
    );
    s.must(FAC, s.previous_step());
    assert_eq!(s.room.state.step, Step::Problem);
}

#[test]
fn floor_and_round_commands_name_where_they_move_from() {
    let mut s = Session::at_step(Step::Clarification);
    let give_ana = s.give_floor(ANA);
    s.must(FAC, give_ana.clone());
    assert_eq!(code(&s.send(FAC, give_ana)), Some(ErrorCode::Stale));
    // Given to Ben by someone who still saw nobody speaking: stale.
    assert_eq!(
        code(&s.send(
            FAC,
            Command::GiveFloor {
                participant: pid(BEN),
                from: None,
            }
        )),
        Some(ErrorCode::Stale)
    );
    let take = s.take_floor();
    s.must(FAC, take.clone());
    assert_eq!(s.room.state.floor, None);
    assert_eq!(code(&s.send(FAC, take)), Some(ErrorCode::Stale));

    let mut s = Session::at_step(Step::Closing);
    let pass = s.advance_round();
    s.must(FAC, pass.clone());
    assert_eq!(s.room.state.round.as_ref().map(|r| r.current), Some(1));
    assert_eq!(code(&s.send(FAC, pass)), Some(ErrorCode::Stale));
    assert_eq!(s.room.state.round.as_ref().map(|r| r.current), Some(1));
    // In the round, the floor is whoever's turn it is, and only the round moves it.
    assert_eq!(s.room.state.floor, Some(pid(ANA)));
    assert_eq!(
        code(&s.send(FAC, s.give_floor(BEN))),
        Some(ErrorCode::WrongStep)
    );
}

#[test]
fn a_hidden_note_cannot_be_kept_and_one_kept_before_stays_kept() {
    let mut s = Session::at_step(Step::Exploration);
    let keep = |id: &str, kept: bool| Command::KeepNote {
        note_id: nid(id),
        kept,
    };
    let hide = |id: &str, hidden: bool| Command::HideNote {
        note_id: nid(id),
        hidden,
    };
    s.must(FAC, hide(N_ANA, true));
    assert_eq!(
        code(&s.send(CLI, keep(N_ANA, true))),
        Some(ErrorCode::NoteHidden)
    );
    assert!(!s.room.state.note(&nid(N_ANA)).unwrap().kept);
    // Kept, then hidden: still kept; the client may let it go, not keep it again.
    s.must(CLI, keep(N_BEN, true));
    s.must(FAC, hide(N_BEN, true));
    assert!(s.room.state.note(&nid(N_BEN)).unwrap().kept);
    assert_eq!(s.send(CLI, keep(N_BEN, true)), Ok(vec![]));
    s.must(CLI, keep(N_BEN, false));
    assert_eq!(
        code(&s.send(CLI, keep(N_BEN, true))),
        Some(ErrorCode::NoteHidden)
    );
    // Shown again, it can be kept again.
    s.must(FAC, hide(N_BEN, false));
    s.must(CLI, keep(N_BEN, true));
}
