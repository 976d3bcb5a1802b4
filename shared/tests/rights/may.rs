//! The question the screens ask, `logic::may` (and `logic::allowed`, the same by role
//! and step), must answer what `decide` does: for every command, role and step, yes
//! exactly where sending a representative command is not refused on rights
//! (`session_closed`, `not_joined`, `forbidden`, `wrong_step`). A screen that asks it
//! shows a control only where the server takes the command.

use super::*;
use shared::logic::{allowed, check_rights, may};

/// The refusals that come from who is asking and when, not from the command's values.
fn is_a_rights_refusal(code: Option<ErrorCode>) -> bool {
    matches!(
        code,
        Some(
            ErrorCode::SessionClosed
                | ErrorCode::NotJoined
                | ErrorCode::Forbidden
                | ErrorCode::WrongStep
        )
    )
}

#[test]
fn may_is_true_exactly_where_decide_does_not_refuse_on_rights() {
    let mut mismatches = Vec::new();
    let mut cells = 0;
    for step in Step::ALL {
        let room = Simulation::at_step(step);
        for name in Command::NAMES {
            for role in Role::ALL {
                let actor = actor_for(role);
                let mut session = room.clone();
                prepare(&mut session, name, actor);
                let state = &session.room.state;
                // The valid instance, and every invalid one: the answer may not
                // depend on the command's values.
                let mut commands = vec![valid(name, step, state)];
                commands.extend(invalid(name, state).into_iter().map(|(c, _)| c));
                for command in commands {
                    cells += 1;
                    let refused_on_rights =
                        is_a_rights_refusal(code(&session.decide(actor, &command)));
                    let says = may(state, &pid(actor), &command);
                    if says == refused_on_rights {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?}: may says {says}, decide refused on rights: {refused_on_rights} ({command:?})"
                        ));
                    }
                    if allowed(role, step, &command) != says {
                        mismatches.push(format!(
                            "{name} by {role:?} at {step:?}: allowed and may disagree"
                        ));
                    }
                }
            }
        }
    }
    assert!(cells >= Command::NAMES.len() * Role::ALL.len() * Step::ALL.len());
    no_wrong_cells(&mismatches);
}

#[test]
fn may_says_no_to_someone_who_never_joined() {
    for step in Step::ALL {
        let session = Simulation::at_step(step);
        let state = &session.room.state;
        for name in Command::NAMES {
            assert!(
                !may(state, &pid(GHOST), &valid(name, step, state)),
                "{name} at {step:?}"
            );
        }
    }
}

#[test]
fn check_rights_gives_the_code_decide_refuses_with() {
    for step in Step::MOVABLE {
        let room = Simulation::at_step(step);
        for name in Command::NAMES {
            for role in Role::ALL {
                let command = valid(name, step, &room.room.state);
                let decided = code(&room.decide(actor_for(role), &command));
                match check_rights(role, step, &command) {
                    Err(expected) => {
                        assert_eq!(decided, Some(expected), "{name} {role:?} {step:?}")
                    }
                    Ok(()) => assert!(!is_a_rights_refusal(decided), "{name} {role:?} {step:?}"),
                }
            }
        }
    }
}
