//! The table itself: every command × role × step gets what `docs/method.md` says,
//! and the table names every command once.

use super::*;

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

#[test]
fn the_table_names_every_command_once() {
    let table: BTreeSet<_> = RIGHTS.iter().map(|(name, _, _)| *name).collect();
    let all: BTreeSet<_> = Command::NAMES.into_iter().collect();
    assert_eq!(table.len(), RIGHTS.len(), "a command has two rows");
    assert_eq!(table, all);
    for name in Command::NAMES {
        let seen = Simulation::at_step(Step::Problem).room.state;
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
    let rooms: Vec<(Step, Simulation)> = Step::ALL
        .into_iter()
        .map(|step| (step, Simulation::at_step(step)))
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
    no_wrong_cells(&mismatches);
}

#[test]
fn someone_who_never_joined_is_not_joined_except_in_a_closed_room() {
    let mut mismatches = Vec::new();
    for step in Step::ALL {
        let session = Simulation::at_step(step);
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
