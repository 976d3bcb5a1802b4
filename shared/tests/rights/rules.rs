//! Rules beyond the table: the welcome needs a client, only a note's author changes
//! it, the closing round goes once around, the timer is a deadline in server time.

use super::*;

#[test]
fn leaving_the_welcome_needs_a_client() {
    let mut s = Simulation::joined();
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
    let mut s = Simulation::joined();
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
    let mut s = Simulation::at_step(Step::Exploration);
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
    let mut s = Simulation::at_step(Step::Exploration);
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
    let mut s = Simulation::at_step(Step::Closing);
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
    let mut s = Simulation::at_step(Step::Problem);
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
